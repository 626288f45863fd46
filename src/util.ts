/**
 * The shapes every file shares — session data and a lifetime — and the
 * small helpers the session machinery leans on: turning a session into a
 * cookie-safe string and back, and fingerprinting a session so we can tell
 * later whether a request changed it.
 *
 * Read with: chapters/04-init-from-cookie.md#encode-decode-and-hash
 *
 * @module util
 */
import * as zlib from 'node:zlib';

// zlib.crc32 exists from Node 20.15 on: say so at startup, not as a link error.
if (typeof zlib.crc32 !== 'function') {
  throw new Error(
    `koa-session-annotated needs Node.js 20.15 or newer (zlib.crc32); ` +
      `this is ${process.version}`,
  );
}

/**
 * A plain JSON-shaped record: what a session looks like once its class
 * machinery is stripped away by {@link Session.toJSON}.
 */
export type SessionData = Record<string, unknown>;

/**
 * Lifetime of the session in milliseconds, or `'session'` for a browser-session
 * cookie.
 */
export type MaxAge = number | 'session';

/**
 * Largest |ms| a JavaScript Date can hold: 100 million days either side of
 * 1970.
 */
const MAX_DATE_MS = 8.64e15;

/**
 * True for a lifetime a cookie can actually carry: `'session'`, or a finite
 * number of milliseconds that lands on a representable date. The start-up
 * checks ask it about `opts.maxAge`, the hardening about a loaded `_maxAge`.
 */
export function isUsableMaxAge(value: unknown): value is MaxAge {
  if (value === 'session') return true;
  return (
    typeof value === 'number' && Math.abs(Date.now() + value) <= MAX_DATE_MS
  );
}

// #region encode
/**
 * Serialise session data for a cookie: JSON first, then base64.
 *
 * Why base64? A cookie value may not contain `;`, `,`, spaces or
 * non-ASCII bytes without escaping, and JSON is full of `"` and `,`.
 * Base64's alphabet (`A-Z a-z 0-9 + / =`) is all legal in a cookie value,
 * so the string survives the trip through `Set-Cookie` untouched.
 *
 * Note what base64 is *not*: encryption. Anyone holding the cookie can
 * read the session — see chapters/11-security.md#the-readable-cookie.
 *
 * See chapters/04-init-from-cookie.md#encode-decode-and-hash
 */
export function encode(data: SessionData): string {
  return Buffer.from(JSON.stringify(data)).toString('base64');
}
// #endregion encode

// #region decode
/**
 * The inverse of {@link encode}: base64 back to bytes, bytes to UTF-8 text,
 * text to a value.
 *
 * Two facts shape the error handling in `initFromCookie`:
 * `Buffer.from(x, 'base64')` never throws (it skips characters outside the
 * alphabet), so garbage only surfaces at `JSON.parse`, and `JSON.parse`
 * reports it as a `SyntaxError`. That is why a `SyntaxError` means "not our
 * cookie, start afresh" while any other error is treated as a real fault.
 *
 * See chapters/04-init-from-cookie.md#encode-decode-and-hash
 */
export function decode(text: string): SessionData {
  const json = Buffer.from(text, 'base64').toString('utf8');
  return JSON.parse(json) as SessionData;
}
// #endregion decode

// #region hash
/**
 * A 32-bit fingerprint of a session's JSON, used only to answer "did this
 * request change the session?" without keeping a copy of the old data.
 *
 * koa-session 7.0.2 computes the same CRC-32 (IEEE polynomial, over the
 * UTF-8 bytes of the JSON) with a JavaScript implementation; Node's
 * `zlib.crc32` is the identical function in native code, so every hash —
 * and therefore every save decision — matches byte for byte.
 *
 * A fingerprint can collide: two different sessions with the same CRC
 * would look "unchanged". With 2^32 values that is vanishingly rare for
 * one user's consecutive requests, and it is the upstream trade-off, so a
 * faithful port keeps it. See chapters/06-should-save-session.md#hashing.
 */
export function hash(data: SessionData): number {
  return zlib.crc32(JSON.stringify(data));
}
// #endregion hash
