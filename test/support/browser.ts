/**
 * The one way a test plays the browser: the cookie jar of
 * playground/shared/cookies.ts (Path, Expires and Max-Age, deletion, the
 * 4096-byte limit) in front of supertest. Two faces, one jar:
 *
 * - `browserAgent(app)` hands back supertest requests, so a test keeps
 *   its `.expect(200, '2 views')`; only the cookies are carried by our jar
 *   instead of supertest's own (`request.agent`).
 * - `Browser` records each visit as the book shows it (`Exchange`): what
 *   was sent, the `Set-Cookie` lines, parsed.
 *
 * Read with: chapters/01-cookies.md
 */
import type { RequestListener } from 'node:http';
import type Koa from 'koa';
import request, { type Test } from 'supertest';
import {
  byteLength,
  CookieJar,
  type JarOptions,
  parseSetCookie,
  type SetCookie,
  setCookieLines,
} from '../../playground/shared/cookies.js';

/** supertest's requests, with a browser's cookies. */
export interface BrowserAgent {
  readonly jar: CookieJar;
  /** A GET carrying the jar's cookies; its `Set-Cookie` goes back in. */
  get(path?: string): Test;
}

/**
 * A browser for `app` (a Koa app or its `callback()`). Give it a `jar`
 * to share cookies with another agent, or options for a new one.
 */
export function browserAgent(
  app: Koa | RequestListener,
  jar: CookieJar | JarOptions = {},
): BrowserAgent {
  const listener = typeof app === 'function' ? app : app.callback();
  const cookies = jar instanceof CookieJar ? jar : new CookieJar(jar);
  return {
    jar: cookies,
    get(path = '/') {
      const req = request(listener).get(path);
      const header = cookies.header(path);
      if (header) req.set('Cookie', header);
      req.on('response', (res: { headers: Record<string, unknown> }) =>
        cookies.take(res.headers['set-cookie'], path),
      );
      return req;
    },
  };
}

/** What one visit produced, as a reader of the book would look at it. */
export interface Exchange {
  status: number;
  body: string;
  /** The raw `Set-Cookie` lines, in order. */
  setCookie: string[];
  /** The same, parsed. */
  cookies: SetCookie[];
  /** The `Cookie` header the browser sent. */
  sent: string;
}

/**
 * A browser in miniature: it remembers cookies from `Set-Cookie` as a real
 * one does and sends them back in a `Cookie` header. Enough to replay a
 * user's visits faithfully.
 */
export class Browser {
  readonly #agent: BrowserAgent;
  /** The cookies held; a test may plant, forge or copy one here. */
  readonly jar: CookieJar;

  constructor(
    readonly app: Koa,
    options: JarOptions = {},
  ) {
    this.#agent = browserAgent(app, options);
    this.jar = this.#agent.jar;
  }

  /** What the jar ignored for passing the size limit: `koa.sess: 5012 bytes`. */
  get dropped(): string[] {
    return this.jar.dropped.map((c) => `${c.name}: ${byteLength(c.name + c.value)} bytes`);
  }

  cookieHeader(path = '/'): string {
    return this.jar.header(path) ?? '';
  }

  async get(path = '/', headers: Record<string, string> = {}): Promise<Exchange> {
    const sent = this.cookieHeader(path);
    const res = await this.#agent.get(path).set(headers);
    const setCookie = setCookieLines(res.headers['set-cookie']);
    return {
      status: res.status,
      body: res.text,
      setCookie,
      cookies: setCookie.map(parseSetCookie),
      sent,
    };
  }
}
