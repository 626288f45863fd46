/**
 * Step verify — chapters/01-cookies.md#key-rotation
 *
 * Your `verify` must answer like keygrip's `index`: which key made this
 * signature, or -1. The last checks plug your sign and verify into a real
 * Koa app in place of keygrip: if signed cookies keep working, so do yours.
 */
import Keygrip from 'keygrip';
import Koa from 'koa';
import { cookies } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { hit, sentBack } from '../support/harness.js';

const { sign, verify } = await cookies();

const KEY = 'a secret only the server knows';
const OLD_KEY = 'last year’s secret';

/** A keygrip-shaped object built from your functions, so Koa can use it as `app.keys`. */
function yourKeyRing(keys: string[]) {
  return {
    sign: (data: string) => sign(data, keys[0]!),
    verify: (data: string, digest: string) => verify(data, digest, keys) >= 0,
    index: (data: string, digest: string) => verify(data, digest, keys),
  };
}

describe('verify', () => {
  const data = 'koa.sess=eyJ1c2VyIjoiYWxpY2UifQ==';

  it('returns 0 for a signature made with the first key', () => {
    const digest = new Keygrip([KEY]).sign(data);
    expect(verify(data, digest, [KEY, OLD_KEY])).toBe(0);
  });

  it('returns the index of an older key that still verifies (key rotation)', () => {
    const digest = new Keygrip([OLD_KEY]).sign(data);
    expect(verify(data, digest, [KEY, OLD_KEY]), 'signed with keys[1]').toBe(1);
  });

  it('returns -1 when the value was changed after signing', () => {
    const digest = new Keygrip([KEY]).sign(data);
    expect(verify('koa.sess=eyJ1c2VyIjoiYWRtaW4ifQ==', digest, [KEY])).toBe(-1);
  });

  it('returns -1 for a signature made with a key the server does not have', () => {
    const digest = new Keygrip(['a guessed key']).sign(data);
    expect(verify(data, digest, [KEY, OLD_KEY])).toBe(-1);
  });

  it('returns -1 (and does not throw) for a digest of the wrong length or an empty one', () => {
    expect(verify(data, 'short', [KEY]), 'a 5-character digest').toBe(-1);
    expect(verify(data, '', [KEY]), 'an empty digest').toBe(-1);
    expect(verify(data, 'x'.repeat(100), [KEY]), 'a 100-character digest').toBe(-1);
  });

  it('returns -1 when there are no keys at all', () => {
    expect(verify(data, new Keygrip([KEY]).sign(data), [])).toBe(-1);
  });

  it('answers like keygrip.index for matching and non-matching digests', () => {
    const keys = ['k1', 'k2', 'k3'];
    const grip = new Keygrip(keys);
    for (let i = 0; i < 30; i++) {
      const d = `c=${i}`;
      const digest = new Keygrip([keys[i % 3]!]).sign(i % 5 === 0 ? `${d}!` : d);
      expect(verify(d, digest, keys), `verify("${d}", …)`).toBe(grip.index(d, digest));
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
    const res = await hit(koa, path, cookie ? { cookie } : {});
    if (errors.length) throw errors[0];
    return { ...res, body: JSON.parse(res.text) };
  }

  it('a cookie Koa signed with your sign() is read back with your verify()', async () => {
    const set = await get([KEY], '/set');
    const res = await get([KEY], '/', sentBack(set.headers['set-cookie']));
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
    const resigned = res.headers['set-cookie'] ?? [];
    const fresh = new Keygrip([KEY]).sign('user=alice');
    expect(
      resigned.some((line) => line.startsWith(`user.sig=${fresh};`)),
      'Koa should send a new user.sig made with keys[0]',
    ).toBe(true);
  });
});
