/**
 * Exercise `sign-cookies` — chapters/01-cookies.md#signing
 *
 * Your `sign` must produce byte for byte what Koa puts in a `.sig` cookie,
 * and your `verify` must answer like keygrip's `index`. The last tests plug
 * both into a real Koa app in place of keygrip: if Koa's signed cookies
 * keep working, so do yours.
 */
import Keygrip from 'keygrip';
import Koa from 'koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { cookies } from '../impl.js';

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
  const res = await request(app.callback()).get('/');
  const lines = res.headers['set-cookie'] as unknown as string[];
  const line = lines.find((l) => l.startsWith(`${name}.sig=`))!;
  return line.slice(`${name}.sig=`.length).split(';')[0]!;
}

/** A keygrip-shaped object built from your functions, so Koa can use it as `app.keys`. */
function yourKeyRing(keys: string[]) {
  return {
    sign: (data: string) => cookies.sign(data, keys[0]!),
    verify: (data: string, digest: string) => cookies.verify(data, digest, keys) >= 0,
    index: (data: string, digest: string) => cookies.verify(data, digest, keys),
  };
}

describe('sign', () => {
  it('signs "name=value" exactly as Koa does for the .sig cookie', async () => {
    const expected = await koaSignature('koa.sess', 'eyJ2aWV3cyI6MX0=', [KEY]);
    expect(
      cookies.sign('koa.sess=eyJ2aWV3cyI6MX0=', KEY),
      'your signature should equal the koa.sess.sig cookie Koa sent',
    ).toBe(expected);
  });

  it('gives URL-safe text: no "+", "/" or "=" in any signature', () => {
    for (let i = 0; i < 200; i++) {
      const signature = cookies.sign(`koa.sess=value-${i}`, KEY);
      expect(signature, `the signature of "koa.sess=value-${i}"`).toMatch(/^[A-Za-z0-9_-]{27}$/);
    }
  });

  it('matches keygrip for many inputs and keys', () => {
    for (let i = 0; i < 50; i++) {
      const key = `key-${i * 7919}`;
      const data = `name${i}=${'x'.repeat(i)}`;
      expect(cookies.sign(data, key), `sign("${data}", "${key}")`).toBe(
        new Keygrip([key]).sign(data),
      );
    }
  });

  it('depends on the key and on the cookie name, not only the value', () => {
    const base = cookies.sign('koa.sess=abc', KEY);
    expect(
      cookies.sign('koa.sess=abc', OLD_KEY),
      'another key must give another signature',
    ).not.toBe(base);
    expect(
      cookies.sign('other=abc', KEY),
      'another cookie name must give another signature',
    ).not.toBe(base);
  });
});

describe('verify', () => {
  const data = 'koa.sess=eyJ1c2VyIjoiYWxpY2UifQ==';

  it('returns 0 for a signature made with the first key', () => {
    const digest = new Keygrip([KEY]).sign(data);
    expect(cookies.verify(data, digest, [KEY, OLD_KEY])).toBe(0);
  });

  it('returns the index of an older key that still verifies (key rotation)', () => {
    const digest = new Keygrip([OLD_KEY]).sign(data);
    expect(cookies.verify(data, digest, [KEY, OLD_KEY]), 'signed with keys[1]').toBe(1);
  });

  it('returns -1 when the value was changed after signing', () => {
    const digest = new Keygrip([KEY]).sign(data);
    expect(cookies.verify('koa.sess=eyJ1c2VyIjoiYWRtaW4ifQ==', digest, [KEY])).toBe(-1);
  });

  it('returns -1 for a signature made with a key the server does not have', () => {
    const digest = new Keygrip(['a guessed key']).sign(data);
    expect(cookies.verify(data, digest, [KEY, OLD_KEY])).toBe(-1);
  });

  it('returns -1 (and does not throw) for a digest of the wrong length or an empty one', () => {
    expect(cookies.verify(data, 'short', [KEY]), 'a 5-character digest').toBe(-1);
    expect(cookies.verify(data, '', [KEY]), 'an empty digest').toBe(-1);
    expect(cookies.verify(data, 'x'.repeat(100), [KEY]), 'a 100-character digest').toBe(-1);
  });

  it('returns -1 when there are no keys at all', () => {
    expect(cookies.verify(data, new Keygrip([KEY]).sign(data), [])).toBe(-1);
  });

  it('answers like keygrip.index for matching and non-matching digests', () => {
    const keys = ['k1', 'k2', 'k3'];
    const grip = new Keygrip(keys);
    for (let i = 0; i < 30; i++) {
      const d = `c=${i}`;
      const digest = new Keygrip([keys[i % 3]!]).sign(i % 5 === 0 ? `${d}!` : d);
      expect(cookies.verify(d, digest, keys), `verify("${d}", …)`).toBe(grip.index(d, digest));
    }
  });
});

describe('your functions in place of keygrip, inside Koa', () => {
  /** GET `path` from an app whose `app.keys` is your key ring; an error in your code fails the test. */
  async function get(keys: string[], path: string, cookie?: string) {
    const koa = new Koa();
    koa.silent = true;
    const errors: Error[] = [];
    koa.on('error', (err: Error) => errors.push(err));
    koa.keys = yourKeyRing(keys) as unknown as string[];
    koa.use((ctx) => {
      if (ctx.path === '/set') ctx.cookies.set('user', 'alice', { signed: true });
      ctx.body = { user: ctx.cookies.get('user', { signed: true }) ?? null };
    });
    let req = request(koa.callback()).get(path);
    if (cookie) req = req.set('Cookie', cookie);
    const res = await req;
    if (errors.length) throw errors[0];
    return res;
  }

  it('a cookie Koa signed with your sign() is read back with your verify()', async () => {
    const set = await get([KEY], '/set');
    const jar = (set.headers['set-cookie'] as unknown as string[]).map((l) => l.split(';')[0]);
    const res = await get([KEY], '/', jar.join('; '));
    expect(res.body.user, 'the signed cookie should come back').toBe('alice');
  });

  it('a tampered cookie is refused', async () => {
    const signature = new Keygrip([KEY]).sign('user=alice');
    const res = await get([KEY], '/', `user=admin; user.sig=${signature}`);
    expect(res.body.user, 'the changed value must not be trusted').toBeNull();
  });

  it('a cookie signed with a retired key is accepted and re-signed with the new one', async () => {
    const signature = new Keygrip([OLD_KEY]).sign('user=alice');
    const res = await get([KEY, OLD_KEY], '/', `user=alice; user.sig=${signature}`);
    expect(res.body.user, 'an old signature still verifies').toBe('alice');
    const resigned = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
    const fresh = new Keygrip([KEY]).sign('user=alice');
    expect(
      resigned.some((line) => line.startsWith(`user.sig=${fresh};`)),
      'Koa should send a new user.sig made with keys[0]',
    ).toBe(true);
  });
});
