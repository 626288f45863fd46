/**
 * Step decode — chapters/04-init-from-cookie.md#decode-failures
 *
 * Your `decode` must read what koa-session 7.0.2 writes, undo your
 * `encode`, and throw a SyntaxError (nothing else) for junk.
 */
import Koa from 'koa';
import upstreamSession from 'koa-session';
import { port } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { hit } from '../support/harness.js';

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

describe('decode', () => {
  it('reads a cookie koa-session 7.0.2 wrote', async () => {
    const value = await upstreamCookie({ user: 'alice', views: 2 });
    const data = port.decode(value);
    expect(data.user, 'user').toBe('alice');
    expect(data.views, 'views').toBe(2);
    expect(typeof data._expire, 'koa-session stamps _expire').toBe('number');
  });

  it('is the inverse of encode, unicode included', () => {
    for (const data of SAMPLES) {
      expect(port.decode(port.encode(data)), JSON.stringify(data)).toEqual(data);
    }
  });

  it('throws a SyntaxError for a value that is not base64 JSON', () => {
    for (const junk of ['not a session', 'bm90IGpzb24=', '%%%', '']) {
      expect(() => port.decode(junk), `decode(${JSON.stringify(junk)})`).toThrow(SyntaxError);
    }
  });
});
