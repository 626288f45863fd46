/**
 * Cookies as a test sees them, computed independently of the code under
 * test: the `.sig` signature and the default cookie codec; and, from
 * playground/shared/cookies.ts, the one `Set-Cookie` parser and the one
 * cookie jar that keeps and forgets cookies as a browser does.
 *
 * Read with: chapters/01-cookies.md
 */
import { createHmac } from 'node:crypto';

/**
 * What `cookies` (through `keygrip`) puts in `<name>.sig`: an HMAC-SHA1 of
 * the string `name=value` under `key`, in URL-safe base64 without padding.
 * Nothing in it is secret but the key: anyone holding it can sign.
 */
export function sign(name: string, value: string, key: string): string {
  return createHmac('sha1', key).update(`${name}=${value}`).digest('base64url');
}

/** A `Cookie` request header with `name=value` and its signature under `key`. */
export function signedCookieHeader(name: string, value: string, key: string): string {
  return `${name}=${value}; ${name}.sig=${sign(name, value, key)}`;
}

/** The default cookie codec, by hand: JSON, then base64. No secret involved. */
export function encodeCookieValue(data: unknown): string {
  return Buffer.from(JSON.stringify(data)).toString('base64');
}

/** And back again: what anyone who sees the cookie can do. */
export function decodeCookieValue(value: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as Record<string, unknown>;
}

/** The `Expires` text of a deleted cookie: the epoch, as `cookies` writes it. */
export const EPOCH = 'Thu, 01 Jan 1970 00:00:00 GMT';

/*
 * The `Set-Cookie` parser and the cookie jar live in the playground (the
 * Session Lab runs them in the browser); tests use the very same ones.
 */
export {
  BROWSER_COOKIE_LIMIT,
  byteLength,
  CookieJar,
  cookiePair,
  type JarCookie,
  type JarOptions,
  parseSetCookie,
  type SetCookie,
  setCookieLines,
} from '../../playground/shared/cookies.js';
