/**
 * Reading `Set-Cookie` headers the way a browser would, and computing the
 * values a test expects — independently of the code under test.
 */
import { createHmac } from 'node:crypto';
import type { Response } from 'supertest';

/** All `Set-Cookie` lines of a response, `[]` when there are none. */
export function setCookieLines(res: Response): string[] {
  const header = res.headers['set-cookie'] as string[] | string | undefined;
  if (header === undefined) return [];
  return Array.isArray(header) ? header : [header];
}

/** One parsed `Set-Cookie` line. Attribute names are lower-cased. */
export interface ParsedCookie {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
}

export function parseSetCookies(res: Response): ParsedCookie[] {
  return setCookieLines(res).map((line) => {
    const [pair = '', ...attrs] = line.split('; ');
    const eq = pair.indexOf('=');
    const attributes: Record<string, string | true> = {};
    for (const attr of attrs) {
      const i = attr.indexOf('=');
      if (i === -1) attributes[attr.toLowerCase()] = true;
      else attributes[attr.slice(0, i).toLowerCase()] = attr.slice(i + 1);
    }
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes };
  });
}

/** The single cookie called `name` in the response; fails the test if there is not exactly one. */
export function cookieNamed(res: Response, name: string): ParsedCookie {
  const found = parseSetCookies(res).filter((c) => c.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one Set-Cookie for ${name}, got ${found.length}`);
  }
  return found[0]!;
}

/**
 * What a browser would send back: `name=value` pairs joined with `; `,
 * attributes dropped.
 */
export function cookieHeader(res: Response): string {
  return parseSetCookies(res)
    .map((c) => `${c.name}=${c.value}`)
    .join('; ');
}

/**
 * The `.sig` value `cookies`/`keygrip` computes for `name=value`: an
 * HMAC-SHA1 keyed with the app's first key, in URL-safe base64.
 */
export function sign(name: string, value: string, key = 'a'): string {
  return createHmac('sha1', key).update(`${name}=${value}`).digest('base64url');
}

/** Decode a default-encoded session cookie value (base64 of JSON). */
export function decodeCookieValue(value: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
}

/** Encode data the way the default `encode` option does. */
export function encodeCookieValue(data: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(data)).toString('base64');
}

/** The `Expires` text that deletes a cookie. */
export const EPOCH = 'Thu, 01 Jan 1970 00:00:00 GMT';

/**
 * The two lines a signed cookie produces: the value, then its `.sig`
 * companion carrying the same attributes.
 */
export function signedLines(
  name: string,
  value: string,
  attributes = 'path=/; httponly',
): string[] {
  return [`${name}=${value}; ${attributes}`, `${name}.sig=${sign(name, value)}; ${attributes}`];
}
