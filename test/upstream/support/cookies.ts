/**
 * Reading `Set-Cookie` headers the way a browser would, and computing the
 * values a test expects — independently of the code under test. The
 * parsing and signing themselves live in test/support/cookies.ts.
 */
import type { Response } from 'supertest';
import { sentBack } from '../../../playground/shared/cookies.js';
import {
  setCookieLines as linesOf,
  parseSetCookie,
  type SetCookie,
  sign as signWith,
} from '../../support/cookies.js';
import { KEYS } from './app.js';

export { decodeCookieValue, EPOCH, encodeCookieValue } from '../../support/cookies.js';

/** One parsed `Set-Cookie` line. Attribute names are lower-cased. */
export type ParsedCookie = SetCookie;

/** All `Set-Cookie` lines of a response, `[]` when there are none. */
export function setCookieLines(res: Response): string[] {
  return linesOf(res.headers['set-cookie']);
}

export function parseSetCookies(res: Response): ParsedCookie[] {
  return setCookieLines(res).map(parseSetCookie);
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
  return sentBack(res.headers['set-cookie']);
}

/** The `.sig` value for `name=value` under the app's first key (or `key`). */
export function sign(name: string, value: string, key = KEYS[0]!): string {
  return signWith(name, value, key);
}

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
