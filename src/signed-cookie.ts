/**
 * The port's fast read of the signed session cookie: the same answer as
 * `ctx.cookies.get(opts.key, opts)`, with one HMAC instead of three on the
 * common path. Not in koa-session; called from one line in each of
 * `initFromCookie` and `initFromExternal`.
 *
 * Read with: chapters/12-performance.md#signatures
 *
 * @module signed-cookie
 */
import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { asCookieOptions, type ResolvedOptions } from './options.js';

/**
 * What became of the session cookie's signature when it was read:
 *
 * - `'none'` — no session cookie arrived;
 * - `'unsigned'` — `signed: false`: the value is taken as it is;
 * - `'valid'` — signed with the current key (`app.keys[0]`);
 * - `'older-key'` — signed with an older key of `app.keys`: accepted, and
 *   re-signed with the current key in this response;
 * - `'missing'` — no `.sig` cookie: treated as no cookie at all;
 * - `'wrong'` — the `.sig` matches no key: treated as no cookie, and the
 *   `.sig` cookie is cleared.
 */
export type SignatureVerdict =
  | 'none'
  | 'unsigned'
  | 'valid'
  | 'older-key'
  | 'missing'
  | 'wrong';

/** Read a cookie's raw value: no signature check. */
const RAW = { signed: false } as const;

/**
 * What `ctx.cookies.keys` is when `app.keys` is set: a Keygrip, or
 * anything with `sign`.
 */
type Signer = { sign?: (data: string) => string };

/** What reading the session cookie found. */
export interface SessionCookie {
  /**
   * What `ctx.cookies.get(opts.key, opts)` returns: the value when it can
   * be trusted, else `undefined`.
   */
  value: string | undefined;
  /** What became of its signature (reported in the trace). */
  signature: SignatureVerdict;
  /** Length of the value as it arrived, before any check; 0 for none. */
  length: number;
}

// #region readSessionCookie
/**
 * `ctx.cookies.get(opts.key, opts)`: the same answer and the same side
 * effects, at a fraction of the price on the common path.
 *
 * To check a signed cookie, `cookies` recomputes its HMAC under `app.keys`
 * and compares the result with the `.sig` cookie through tsscmp, which
 * makes the comparison constant-time by HMAC-ing *both* strings again
 * under a fresh random key: 32 random bytes and two SHA-256 HMACs per
 * request, more work than the signature itself. Node has had a
 * constant-time comparison built in since 6.6: `crypto.timingSafeEqual`.
 *
 * So when the signature made with the current key matches — byte for
 * byte, compared in constant time — we return the value, exactly what
 * `cookies` returns in that case (and then it sets no header either).
 * Every other case — no cookie, no signature, an older key, a bad
 * signature, unsigned cookies, no keys at all — goes through `cookies`
 * itself, so every header it sets and every error it throws stays the
 * same.
 *
 * See chapters/12-performance.md#signatures
 */
export function readSessionCookie(
  ctx: Context,
  opts: ResolvedOptions,
): SessionCookie {
  const cookies = ctx.cookies;
  const keys = (cookies as { keys?: Signer }).keys;
  if (!opts.signed || typeof keys?.sign !== 'function') {
    // Unsigned (or no `sign` to check with): `cookies` as upstream calls it.
    const value = cookies.get(opts.key, asCookieOptions(opts));
    const signature = !value ? 'none' : opts.signed ? 'valid' : 'unsigned';
    return { value, signature, length: value?.length ?? 0 };
  }

  const raw = cookies.get(opts.key, RAW);
  const sig = raw ? cookies.get(`${opts.key}.sig`, RAW) : undefined;
  if (raw && sig) {
    const expected = Buffer.from(keys.sign(`${opts.key}=${raw}`));
    const given = Buffer.from(sig);
    if (expected.length === given.length && timingSafeEqual(expected, given)) {
      return { value: raw, signature: 'valid', length: raw.length };
    }
  }

  // Not signed with the current key: let `cookies` decide (and re-sign a
  // cookie signed with an older key, or clear a bad signature).
  const value = cookies.get(opts.key, asCookieOptions(opts));
  return {
    value,
    signature: verdict(raw, sig, value),
    length: raw?.length ?? 0,
  };
}
// #endregion readSessionCookie

/** Name the outcome of a read that `cookies` had to decide. */
function verdict(
  raw: string | undefined,
  sig: string | undefined,
  value: string | undefined,
): SignatureVerdict {
  if (!raw) return 'none';
  if (value !== undefined) return 'older-key';
  return sig === undefined ? 'missing' : 'wrong';
}
