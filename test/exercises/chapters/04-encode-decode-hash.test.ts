/**
 * Exercise `encode-decode-hash` — chapters/04-init-from-cookie.md#encode-decode-and-hash
 *
 * Checked against koa-session 7.0.2 itself: a cookie written by the real
 * koa-session must decode with your `decode` and re-encode to the very same
 * bytes, and your `hash` must agree with the `crc` package koa-session uses.
 */
import { createRequire } from 'node:module';
import Koa from 'koa';
import upstreamSession from 'koa-session';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { port } from '../impl.js';

const { crc32 } = createRequire(import.meta.url)('crc') as { crc32(text: string): number };

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
  const res = await request(app.callback()).get('/');
  const line = (res.headers['set-cookie'] as unknown as string[])[0]!;
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
    const data = port.decode(value);
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

describe('hash', () => {
  it('is CRC-32: the standard check value for "123456789" is 0xCBF43926', () => {
    // JSON.stringify(123456789) is the text "123456789".
    expect(port.hash(123456789 as unknown as Record<string, unknown>)).toBe(0xcbf43926);
  });

  it('agrees with the crc package koa-session uses, over the JSON text', () => {
    for (const data of SAMPLES) {
      expect(port.hash(data), `hash(${JSON.stringify(data)})`).toBe(crc32(JSON.stringify(data)));
    }
  });

  it('changes when a value changes and not otherwise', () => {
    const a = { user: 'alice', views: 1 };
    expect(port.hash({ ...a }), 'equal data, equal hash').toBe(port.hash(a));
    expect(port.hash({ ...a, views: 2 }), 'one value changed').not.toBe(port.hash(a));
  });
});
