/**
 * The attack lab (chapter 11). Here you are the attacker: each function
 * crafts the cookies a hostile browser would send. The lab's tests fire
 * every attack twice — at a deliberately weakened app, where it must
 * *work* (so you know the attack is real), and at a properly configured
 * one, where the session must refuse it.
 *
 * A `Jar` is what a browser holds for one site: cookie name → value. The
 * helpers at the bottom (given, not exercises) turn `Set-Cookie` lines into
 * a jar with your chapter-1 `parseSetCookie`, and a jar into a `Cookie`
 * header.
 *
 * Steps 38 to 41 of `npm run learn` ask for the four attacks: in the
 * exercise workspace (`.learn/attacks.ts`) they start as TODOs.
 *
 * Read with: chapters/11-security.md
 */
import { parseSetCookie, sign } from './cookies.js';

/** Cookie name → value, as a browser holds them for one site. */
export type Jar = Record<string, string>;

/** What a session cookie carries once decoded. */
export type SessionData = Record<string, unknown>;

// #region readSession
/**
 * Read a cookie session without any key: the cookie value is base64 of
 * JSON, nothing more. Signing stops changes; it does not hide anything.
 *
 * @example readSession('eyJ1c2VyIjoiYWxpY2UifQ==') // { user: 'alice' }
 *
 * See chapters/11-security.md#the-readable-cookie
 */
export function readSession(value: string): SessionData {
  return JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as SessionData;
}
// #endregion readSession

// #region tamper
/**
 * Change the session inside a stolen or own cookie: decode `jar[name]`,
 * pass the data through `change`, encode the result back (JSON, then
 * base64) under the same name. Every other cookie — including the old
 * `name.sig`, because you have no key to make a new one — stays as it was.
 * Return a new jar; do not modify the one you were given.
 *
 * See chapters/11-security.md
 */
export function tamper(jar: Jar, name: string, change: (data: SessionData) => SessionData): Jar {
  const data = change(readSession(jar[name] ?? ''));
  return { ...jar, [name]: Buffer.from(JSON.stringify(data)).toString('base64') };
}
// #endregion tamper

// #region forge
/**
 * Make a session cookie from nothing: `name` = base64 JSON of `data`, and
 * `name.sig` = your chapter-1 `sign` over `"name=value"` with the key you
 * guessed. Against a server whose key really is `guessedKey` this is a
 * perfect forgery — which is why the key must be long, random and secret.
 *
 * See chapters/11-security.md
 */
export function forge(name: string, data: SessionData, guessedKey: string): Jar {
  const value = Buffer.from(JSON.stringify(data)).toString('base64');
  return { [name]: value, [`${name}.sig`]: sign(`${name}=${value}`, guessedKey) };
}
// #endregion forge

// #region swapId
/**
 * In store mode the cookie holds only a session id. Try to take over a
 * victim's session by putting their id (leaked in a log, a URL, a
 * screenshot …) into your own jar under `name`, keeping your own
 * `name.sig`. Return a new jar.
 *
 * See chapters/11-security.md
 */
export function swapId(jar: Jar, name: string, victimId: string): Jar {
  return { ...jar, [name]: victimId };
}
// #endregion swapId

/**
 * Given: what a browser does with a response's `Set-Cookie` lines. Each
 * line sets a cookie, or deletes it when the value is empty or the expiry
 * has passed. Returns a new jar.
 */
export function receive(jar: Jar, setCookie: readonly string[] | string | undefined): Jar {
  const next = { ...jar };
  const lines = typeof setCookie === 'string' ? [setCookie] : (setCookie ?? []);
  for (const line of lines) {
    const cookie = parseSetCookie(line);
    const expired = cookie.expires !== undefined && cookie.expires.getTime() <= Date.now();
    if (!cookie.value || expired || (cookie.maxAge !== undefined && cookie.maxAge <= 0)) {
      delete next[cookie.name];
    } else {
      next[cookie.name] = cookie.value;
    }
  }
  return next;
}

/** Given: the `Cookie` request header for a jar. */
export function cookieHeader(jar: Jar): string {
  return Object.entries(jar)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');
}
