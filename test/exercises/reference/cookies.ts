/**
 * Chapter 1 exercises: the two cookie skills koa-session takes for granted.
 *
 * koa-session never signs or parses a cookie itself: Koa's `cookies`
 * package signs with `keygrip` and the browser parses `Set-Cookie`. You
 * write small versions of both here, so that the `.sig` cookie and the
 * attributes in a `Set-Cookie` line stop being magic.
 *
 * Steps 1 to 3 of `npm run learn` ask for these three bodies: in the
 * exercise workspace (`.learn/cookies.ts`) they start as TODOs.
 *
 * Read with: chapters/01-cookies.md#signing and chapters/01-cookies.md#attributes
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

// #region sign
/**
 * The signature of `data` under `key`, exactly as keygrip (and so Koa)
 * computes it: HMAC-SHA1 of `data`, base64-encoded, then made URL-safe by
 * turning `+` into `-` and `/` into `_` and dropping the `=` padding.
 *
 * For a cookie, `data` is `"name=value"` — the name is signed too, so a
 * signature cannot be moved to a cookie with another name. Koa sends the
 * result in a second cookie called `name.sig`.
 *
 * @example sign('koa.sess=abc', 'secret') // 27 characters of [A-Za-z0-9_-]
 *
 * See chapters/01-cookies.md#signing
 */
export function sign(data: string, key: string): string {
  return createHmac('sha1', key)
    .update(data)
    .digest('base64')
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
// #endregion sign

// #region verify
/**
 * Which key signed `data`: the index in `keys` of the first key whose
 * signature equals `digest`, or `-1` when none does (keygrip's `index`).
 *
 * The index matters for key rotation: put a new key first and keep the old
 * ones after it. A cookie signed with an old key still verifies (index > 0),
 * and Koa then re-signs it with `keys[0]`.
 *
 * Compare signatures in constant time (`crypto.timingSafeEqual`), so an
 * attacker cannot learn a correct signature one character at a time by
 * measuring how fast a wrong one is refused. Strings of different lengths
 * simply do not match.
 *
 * See chapters/01-cookies.md#signing
 */
export function verify(data: string, digest: string, keys: readonly string[]): number {
  const given = Buffer.from(digest);
  for (let i = 0; i < keys.length; i++) {
    const expected = Buffer.from(sign(data, keys[i]!));
    if (expected.length === given.length && timingSafeEqual(expected, given)) return i;
  }
  return -1;
}
// #endregion verify

/** What {@link parseSetCookie} returns: the cookie and the attributes a browser acts on. */
export interface ParsedSetCookie {
  name: string;
  /** The raw value (empty for a deletion). */
  value: string;
  /** `Path`, if given. */
  path?: string;
  /** `Domain`, if given, as written. */
  domain?: string;
  /** `Expires`, as a Date (omitted if absent or not a date). */
  expires?: Date;
  /** `Max-Age` in seconds (omitted if absent or not an integer). */
  maxAge?: number;
  /** `SameSite`, lower-cased: `'strict'`, `'lax'` or `'none'`. */
  sameSite?: string;
  /** `HttpOnly` present: page scripts cannot read the cookie. */
  httpOnly: boolean;
  /** `Secure` present: only sent over HTTPS. */
  secure: boolean;
}

// #region parseSetCookie
/**
 * Read one `Set-Cookie` header line the way a browser does.
 *
 * The line is `name=value` followed by `; `-separated attributes. Split the
 * first pair at its first `=` (a value may itself contain `=`, as base64
 * does). Attribute names are case-insensitive (`HttpOnly`, `httponly`);
 * `Expires` holds a date with a comma in it, which is why the separator is
 * `;` and never `,`. Flags (`HttpOnly`, `Secure`) have no value. Ignore
 * attributes you do not know and values you cannot read.
 *
 * @example
 * parseSetCookie('koa.sess=eyJ2IjoxfQ==; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly')
 * // { name: 'koa.sess', value: 'eyJ2IjoxfQ==', path: '/', expires: new Date(0), httpOnly: true, secure: false }
 *
 * See chapters/01-cookies.md#attributes
 */
export function parseSetCookie(header: string): ParsedSetCookie {
  const [pair = '', ...attributes] = header.split(';');
  const eq = pair.indexOf('=');
  const cookie: ParsedSetCookie = {
    name: (eq === -1 ? '' : pair.slice(0, eq)).trim(),
    value: (eq === -1 ? pair : pair.slice(eq + 1)).trim(),
    httpOnly: false,
    secure: false,
  };
  for (const attribute of attributes) {
    const at = attribute.indexOf('=');
    const name = (at === -1 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
    const value = at === -1 ? '' : attribute.slice(at + 1).trim();
    if (name === 'path') cookie.path = value;
    else if (name === 'domain') cookie.domain = value;
    else if (name === 'httponly') cookie.httpOnly = true;
    else if (name === 'secure') cookie.secure = true;
    else if (name === 'samesite') cookie.sameSite = value.toLowerCase();
    else if (name === 'expires') {
      const date = new Date(value);
      if (!Number.isNaN(date.getTime())) cookie.expires = date;
    } else if (name === 'max-age' && /^-?\d+$/.test(value)) {
      cookie.maxAge = Number(value);
    }
  }
  return cookie;
}
// #endregion parseSetCookie
