/**
 * Cookies as a test sees them, computed independently of the code under
 * test: the `.sig` signature, the default cookie codec, a `Set-Cookie`
 * parser and a cookie jar that keeps and forgets cookies as a browser does.
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

/** One `Set-Cookie` line, taken apart. */
export interface SetCookie {
  name: string;
  value: string;
  /** Attribute names in lower case; flags (`httponly`) map to `true`. */
  attributes: Record<string, string | true>;
  /** The line as it was received. */
  raw: string;
}

export function parseSetCookie(raw: string): SetCookie {
  const [pair = '', ...rest] = raw.split(';');
  const eq = pair.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const part of rest) {
    const attr = part.trim();
    const i = attr.indexOf('=');
    if (i < 0) attributes[attr.toLowerCase()] = true;
    else attributes[attr.slice(0, i).toLowerCase()] = attr.slice(i + 1);
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1), attributes, raw };
}

/** A `set-cookie` response header as a list of lines (`[]` when absent). */
export function setCookieLines(header: unknown): string[] {
  if (header === undefined || header === null || header === '') return [];
  return Array.isArray(header) ? header.map(String) : [String(header)];
}

/**
 * A cookie jar for one client. It keeps what `Set-Cookie` gives it, forgets
 * a cookie that arrives empty or with an `Expires` in the past, and sends
 * what it holds back as a `Cookie` header. With `browserLimit`, it also
 * behaves like a browser on size: a cookie whose name and value together
 * exceed that many bytes is ignored, silently, and the old one stays.
 */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  /** Cookies this jar refused because they were too big. */
  readonly dropped: SetCookie[] = [];
  constructor(private readonly browserLimit = Number.POSITIVE_INFINITY) {}

  /** Apply a response's `Set-Cookie` lines. */
  take(lines: string[]): void {
    for (const line of lines) {
      const cookie = parseSetCookie(line);
      if (Buffer.byteLength(cookie.name + cookie.value) > this.browserLimit) {
        this.dropped.push(cookie);
        continue;
      }
      const expires = cookie.attributes.expires;
      const expired = typeof expires === 'string' && Date.parse(expires) <= Date.now();
      if (expired || cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
  }

  /** The `Cookie` header this jar would send, or `undefined` when empty. */
  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}
