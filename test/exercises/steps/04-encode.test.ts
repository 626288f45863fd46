/**
 * Step encode — chapters/04-init-from-cookie.md#encode-decode-and-hash
 *
 * Checked against koa-session 7.0.2 itself: your `encode` must write the
 * very bytes the real koa-session writes.
 */
import Koa from 'koa';
import upstreamSession from 'koa-session';
import { port } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { hit, readCookieValue } from '../support/harness.js';

/** The session cookie value koa-session 7.0.2 writes for `data`. */
async function upstreamCookie(data: Record<string, unknown>): Promise<string> {
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
  return line.slice('koa.sess='.length).split(';')[0]!;
}

const SAMPLES: Record<string, unknown>[] = [
  {},
  { views: 1 },
  { user: 'alice', roles: ['reader', 'writer'], cart: { items: [{ sku: 'A-1', qty: 2 }] } },
  { note: 'semicolons; commas, spaces and "quotes"' },
  { name: 'Zoë', city: 'Zürich', smile: '😀' },
];

describe('encode', () => {
  it('writes the same cookie value as koa-session 7.0.2', async () => {
    const value = await upstreamCookie({ user: 'alice', views: 2 });
    const data = readCookieValue(value);
    expect(port.encode(data), 'decode then encode must give back the exact cookie value').toBe(
      value,
    );
  });

  it('uses only cookie-safe characters (the base64 alphabet), whatever the data', () => {
    for (const data of SAMPLES) {
      expect(port.encode(data), `encode(${JSON.stringify(data)})`).toMatch(/^[A-Za-z0-9+/]*=*$/);
    }
  });

  it('is base64 of the JSON text', () => {
    expect(port.encode({ views: 1 })).toBe('eyJ2aWV3cyI6MX0=');
  });
});
