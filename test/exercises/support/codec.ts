/**
 * What the chapter 4 codec steps (encode, decode, hash) check against: the
 * same sample sessions, and the cookie value koa-session 7.0.2 itself
 * writes. Kept out of harness.ts so the other steps do not load
 * koa-session.
 */
import Koa from 'koa';
import upstreamSession from 'koa-session';
import { hit, parseSetCookie } from './harness.js';

/** Sessions with the shapes a codec gets wrong: empty, nested, quoted, non-ASCII. */
export const SAMPLES: Record<string, unknown>[] = [
  {},
  { views: 1 },
  { user: 'alice', roles: ['reader', 'writer'], cart: { items: [{ sku: 'A-1', qty: 2 }] } },
  { note: 'semicolons; commas, spaces and "quotes"' },
  { name: 'Zoë', city: 'Zürich', smile: '😀' },
];

/** The session cookie value koa-session 7.0.2 writes for `data`. */
export async function upstreamCookie(data: Record<string, unknown>): Promise<string> {
  const app = new Koa();
  app.silent = true; // a failure shows up in the test, not in Koa's log
  app.keys = ['k'];
  app.use(upstreamSession({ signed: false }, app));
  app.use((ctx) => {
    Object.assign(ctx.session!, data);
    ctx.body = 'ok';
  });
  const res = await hit(app, '/', {});
  const line = res.headers['set-cookie']![0]!;
  return parseSetCookie(line).value;
}
