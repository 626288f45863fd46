/**
 * Cookies as a browser sees them: one `Set-Cookie` parser and one cookie
 * jar for everything in this project that plays the browser — the Session
 * Lab, the scale-out walk, the cluster's load, and the tests.
 *
 * Browser-safe on purpose: no Node built-ins (bytes are counted with
 * `TextEncoder`), because the Session Lab page runs this code in a real
 * browser too. `playground/shared/tsconfig.json` type-checks it without
 * Node's types, so a `Buffer` here fails `npm run check`.
 *
 * The rules are RFC 6265's (section 5), kept to what a session cookie
 * meets: one host, so no Domain matching; Path, Expires, Max-Age and
 * deletion; and the 4096-byte limit every major browser applies to a
 * cookie's name plus value.
 *
 * Read with: chapters/01-cookies.md
 */

/** One `Set-Cookie` line, taken apart. */
export interface SetCookie {
  name: string;
  value: string;
  /**
   * Attribute names in lower case, values as written; a flag (`HttpOnly`)
   * maps to `true`. An attribute given twice keeps its last value.
   */
  attributes: Record<string, string | true>;
  /** The attributes as written, from the first `;`: `; path=/; httponly`. */
  tail: string;
  /** The line as received. */
  raw: string;
}

/**
 * Take one `Set-Cookie` line apart the way RFC 6265 §5.2 does: up to the
 * first `;` is `name=value` (split at the first `=`, so a base64 value
 * keeps its `==`), the rest are attributes. Spaces around names and values
 * are dropped; nothing is decoded. A pair without `=` is a value with an
 * empty name, as browsers read it today (RFC 6265bis).
 */
export function parseSetCookie(line: string): SetCookie {
  const cut = line.indexOf(';');
  const pair = cut < 0 ? line : line.slice(0, cut);
  const tail = cut < 0 ? '' : line.slice(cut);
  const eq = pair.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const part of tail.split(';')) {
    const at = part.indexOf('=');
    const name = (at < 0 ? part : part.slice(0, at)).trim().toLowerCase();
    if (name === '') continue;
    attributes[name] = at < 0 ? true : part.slice(at + 1).trim();
  }
  return {
    name: eq < 0 ? '' : pair.slice(0, eq).trim(),
    value: (eq < 0 ? pair : pair.slice(eq + 1)).trim(),
    attributes,
    tail,
    raw: line,
  };
}

/**
 * What a browser sends back for one `Set-Cookie` line: `name=value`, the
 * attributes left behind.
 */
export function cookiePair(line: string): string {
  const { name, value } = parseSetCookie(line);
  return name === '' ? value : `${name}=${value}`;
}

/**
 * The `Cookie` header that sends a response's cookies straight back:
 * every `name=value` of its `Set-Cookie` lines, in order, attributes
 * dropped (`''` when there are none). Not a browser — a deletion is sent
 * back too; use a {@link CookieJar} to follow the rules.
 */
export function sentBack(header: unknown): string {
  return setCookieLines(header).map(cookiePair).join('; ');
}

/**
 * A `set-cookie` header as a list of lines, `[]` when absent: Node gives
 * an array, `fetch` a list from `getSetCookie()`, a hand-made header a
 * single string.
 */
export function setCookieLines(header: unknown): string[] {
  if (header === undefined || header === null || header === '') return [];
  return Array.isArray(header) ? header.map(String) : [String(header)];
}

/**
 * The value a `set-cookie` header gives the cookie called `name` (the
 * first line for it), or `undefined` when it sets no such cookie. `''` is
 * a deletion.
 */
export function setCookieValue(
  header: unknown,
  name: string,
): string | undefined {
  return setCookieLines(header)
    .map(parseSetCookie)
    .find((c) => c.name === name)?.value;
}

const utf8 = new TextEncoder();

/** Length in UTF-8 bytes: how cookies are measured. */
export function byteLength(text: string): number {
  return utf8.encode(text).length;
}

/**
 * The most a browser keeps of one cookie's name plus value, in bytes:
 * Chrome, Firefox and Safari all stop at 4096 (RFC 6265 §6.1 asks for at
 * least that much). A bigger cookie is ignored, silently.
 */
export const BROWSER_COOKIE_LIMIT = 4096;

/** A cookie the jar holds. */
export interface JarCookie {
  name: string;
  value: string;
  /** Sent only to this path and below it (RFC 6265 §5.1.4). */
  path: string;
  /** When it expires, in ms since the epoch; `undefined`: at browser exit. */
  expires: number | undefined;
}

export interface JarOptions {
  /**
   * The clock that decides whether a cookie has expired, in ms. Default:
   * `Date.now()` at the moment of asking, so a test's frozen clock counts.
   */
  now?: () => number;
  /**
   * Ignore a cookie whose name and value together pass this many bytes.
   * Default: {@link BROWSER_COOKIE_LIMIT}; `Infinity` keeps every cookie.
   */
  limit?: number;
}

/** RFC 6265 §5.1.4: does a request for `requestPath` carry this cookie? */
export function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/**
 * RFC 6265 §5.1.4's default-path: where a cookie without a `Path` lives —
 * the request path's "directory" (`/a/b` → `/a`, `/a` → `/`).
 */
export function defaultPath(requestPath: string): string {
  const path = requestPath.split('?', 1)[0] ?? '';
  if (!path.startsWith('/')) return '/';
  const last = path.lastIndexOf('/');
  return last === 0 ? '/' : path.slice(0, last);
}

/**
 * When a `Set-Cookie` says the cookie expires: `Max-Age` wins over
 * `Expires` (§5.3 step 3); `Max-Age` of zero or less means "already
 * gone"; an unreadable one is ignored. `undefined`: a browser-session
 * cookie.
 */
function expiryOf(cookie: SetCookie, now: number): number | undefined {
  const maxAge = cookie.attributes['max-age'];
  if (typeof maxAge === 'string' && /^-?\d+$/.test(maxAge)) {
    const seconds = Number(maxAge);
    return seconds <= 0 ? Number.NEGATIVE_INFINITY : now + seconds * 1000;
  }
  const expires = cookie.attributes.expires;
  if (typeof expires !== 'string') return undefined;
  const at = Date.parse(expires);
  return Number.isNaN(at) ? undefined : at;
}

/**
 * The cookies of one browser profile, for one site. `take` applies a
 * response's `Set-Cookie` lines, `header` builds the next request's
 * `Cookie`. A cookie is known by its name and path, as in a browser: the
 * same name on another path is another cookie. A `Set-Cookie` whose
 * expiry has passed deletes; an expired cookie is never sent.
 *
 * It also reads like a `Map` from name to value (`get`, `set`, `has`,
 * `delete`, `size`, iteration), so a test can plant, forge or copy a
 * cookie as a user would in the browser's developer tools.
 */
export class CookieJar implements Iterable<[string, string]> {
  /** Cookies refused because they passed the size limit, newest last. */
  readonly dropped: SetCookie[] = [];
  readonly #now: () => number;
  readonly #limit: number;
  /** In creation order; a replaced cookie keeps its place (§5.3 11.3). */
  #cookies: JarCookie[] = [];

  constructor(options: JarOptions = {}) {
    this.#now = options.now ?? (() => Date.now());
    this.#limit = options.limit ?? BROWSER_COOKIE_LIMIT;
  }

  /**
   * Apply a response's `Set-Cookie` lines, as received for a request to
   * `requestPath` (which gives a cookie without `Path` its path).
   */
  take(lines: unknown, requestPath = '/'): void {
    for (const line of setCookieLines(lines)) {
      const cookie = parseSetCookie(line);
      if (cookie.name === '' && cookie.value === '') continue;
      if (byteLength(cookie.name + cookie.value) > this.#limit) {
        this.dropped.push(cookie);
        continue;
      }
      const path = cookie.attributes.path;
      const expires = expiryOf(cookie, this.#now());
      this.#store({
        name: cookie.name,
        value: cookie.value,
        path:
          typeof path === 'string' && path.startsWith('/')
            ? path
            : defaultPath(requestPath),
        expires,
      });
    }
  }

  /**
   * The `Cookie` header for a request to `requestPath`, or `undefined`
   * when nothing applies. Longer paths first, then older cookies first,
   * as RFC 6265 §5.4 asks.
   */
  header(requestPath = '/'): string | undefined {
    const path = requestPath.split('?', 1)[0] ?? '/';
    const sent = this.cookies()
      .map((cookie, order) => ({ cookie, order }))
      .filter(({ cookie }) => pathMatches(path, cookie.path))
      .sort(
        (a, b) =>
          b.cookie.path.length - a.cookie.path.length || a.order - b.order,
      )
      .map(({ cookie: c }) =>
        c.name === '' ? c.value : `${c.name}=${c.value}`,
      );
    return sent.length ? sent.join('; ') : undefined;
  }

  /** Every cookie still alive, in creation order (copies). */
  cookies(): JarCookie[] {
    const now = this.#now();
    this.#cookies = this.#cookies.filter(
      (c) => c.expires === undefined || c.expires > now,
    );
    return this.#cookies.map((c) => ({ ...c }));
  }

  /** The live cookie called `name` (the oldest, if several paths hold one). */
  cookie(name: string): JarCookie | undefined {
    return this.cookies().find((c) => c.name === name);
  }

  /** Its value, like `Map.get`. */
  get(name: string): string | undefined {
    return this.cookie(name)?.value;
  }

  has(name: string): boolean {
    return this.cookie(name) !== undefined;
  }

  /**
   * Plant a cookie by hand, as a user can in the developer tools. Without
   * `attributes` it lives at `/` until the browser closes.
   */
  set(
    name: string,
    value: string,
    attributes: { path?: string; expires?: number | undefined } = {},
  ): this {
    this.#store({
      name,
      value,
      path: attributes.path ?? '/',
      expires: attributes.expires,
    });
    return this;
  }

  /** Forget every cookie called `name`, on any path. */
  delete(name: string): boolean {
    const before = this.#cookies.length;
    this.#cookies = this.#cookies.filter((c) => c.name !== name);
    return this.#cookies.length < before;
  }

  clear(): void {
    this.#cookies = [];
  }

  get size(): number {
    return this.cookies().length;
  }

  /** `[name, value]` of every live cookie, like a `Map`. */
  *[Symbol.iterator](): Iterator<[string, string]> {
    for (const c of this.cookies()) yield [c.name, c.value];
  }

  /** Another profile holding the same cookies (a stolen jar, say). */
  copy(): CookieJar {
    const twin = new CookieJar({ now: this.#now, limit: this.#limit });
    twin.#cookies = this.#cookies.map((c) => ({ ...c }));
    return twin;
  }

  /** Add, replace (keeping the old one's place) or, if expired, delete. */
  #store(cookie: JarCookie): void {
    const same = (c: JarCookie) =>
      c.name === cookie.name && c.path === cookie.path;
    const at = this.#cookies.findIndex(same);
    if (cookie.expires !== undefined && cookie.expires <= this.#now()) {
      if (at >= 0) this.#cookies.splice(at, 1);
    } else if (at >= 0) this.#cookies[at] = cookie;
    else this.#cookies.push(cookie);
  }
}
