/**
 * Step sign — chapters/01-cookies.md#signing
 *
 * Your `sign` must produce byte for byte what Koa puts in a `.sig` cookie:
 * the checks compare it with Koa's own and with keygrip's.
 */
import Keygrip from 'keygrip';
import Koa from 'koa';
import { cookies } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { hit, parseSetCookie } from '../support/harness.js';

const { sign } = await cookies();

const KEY = 'a secret only the server knows';
const OLD_KEY = 'last year’s secret';

/** The `.sig` cookie Koa itself sends for `name=value` signed with `keys`. */
async function koaSignature(name: string, value: string, keys: string[]): Promise<string> {
  const app = new Koa();
  app.silent = true; // a failure shows up in the test, not in Koa's log
  app.keys = keys;
  app.use((ctx) => {
    ctx.cookies.set(name, value, { signed: true });
    ctx.body = 'ok';
  });
  const res = await hit(app, '/', {});
  const lines = res.headers['set-cookie'] ?? [];
  return lines.map(parseSetCookie).find((c) => c.name === `${name}.sig`)!.value;
}

describe('sign', () => {
  it('signs "name=value" exactly as Koa does for the .sig cookie', async () => {
    const expected = await koaSignature('koa.sess', 'eyJ2aWV3cyI6MX0=', [KEY]);
    expect(
      sign('koa.sess=eyJ2aWV3cyI6MX0=', KEY),
      'your signature should equal the koa.sess.sig cookie Koa sent',
    ).toBe(expected);
  });

  it('gives URL-safe text: no "+", "/" or "=" in any signature', () => {
    for (let i = 0; i < 200; i++) {
      const signature = sign(`koa.sess=value-${i}`, KEY);
      expect(signature, `the signature of "koa.sess=value-${i}"`).toMatch(/^[A-Za-z0-9_-]{27}$/);
    }
  });

  it('matches keygrip for many inputs and keys', () => {
    for (let i = 0; i < 50; i++) {
      const key = `key-${i * 7919}`;
      const data = `name${i}=${'x'.repeat(i)}`;
      expect(sign(data, key), `sign("${data}", "${key}")`).toBe(new Keygrip([key]).sign(data));
    }
  });

  it('depends on the key and on the cookie name, not only the value', () => {
    const base = sign('koa.sess=abc', KEY);
    expect(sign('koa.sess=abc', OLD_KEY), 'another key must give another signature').not.toBe(base);
    expect(sign('other=abc', KEY), 'another cookie name must give another signature').not.toBe(
      base,
    );
  });
});
