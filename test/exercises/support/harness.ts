/**
 * What the chapter tests share: a Koa app wired to the session code under
 * test (reference or workspace, see ../impl.ts), a request helper that
 * turns a server-side error back into a test failure with the *original*
 * message (so a TODO stub reads as "not written yet", not as "expected 200,
 * got 500"), a recording store, and ways to build cookies by hand.
 *
 * Nothing here uses the learner's code except through `port`, so a helper
 * can never pass or fail on the learner's behalf.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { parseSetCookie } from '../../../playground/shared/cookies.js';
import type { ContextSession, ResolvedOptions, SessionOptions } from '../../../src/index.js';
import { decodeCookieValue, encodeCookieValue, signedCookieHeader } from '../../support/cookies.js';
import { port } from '../impl.js';

export { cookiePair, parseSetCookie, sentBack } from '../../../playground/shared/cookies.js';

/** The signing key of every test app. */
export const KEYS = ['exercise key: only the server knows it'];

/** What a handler sent back, plus the session events the request caused. */
export interface Reply {
  status: number;
  body: any;
  /** Every `Set-Cookie` line, verbatim. */
  setCookie: string[];
  headers: Record<string, string | string[] | undefined>;
}

export interface SessionEventRecord {
  name: 'missed' | 'expired' | 'invalid';
  key: string | undefined;
  value: unknown;
}

export interface TestApp {
  app: Koa;
  /** Session events seen so far, in order. */
  events: SessionEventRecord[];
  /**
   * GET `path` with exactly this `Cookie` header. A server error fails the
   * test with the error the handler threw — unless `expectError` is set,
   * for the tests where an error is the expected outcome.
   */
  get(
    cookie?: string,
    options?: { path?: string; headers?: Record<string, string>; expectError?: boolean },
  ): Promise<Reply>;
}

/**
 * A Koa app with the session middleware under test in front of `handler`.
 * Like any app, it needs `keys` to sign cookies.
 */
export function sessionApp(
  options: SessionOptions,
  handler: Koa.Middleware,
  { keys = KEYS }: { keys?: string[] } = {},
): TestApp {
  const app = new Koa();
  app.keys = keys;
  // Errors are reported to the test instead of printed.
  app.silent = true;
  let errors: Error[] = [];
  app.on('error', (err: Error) => errors.push(err));
  const events: SessionEventRecord[] = [];
  for (const name of ['missed', 'expired', 'invalid'] as const) {
    app.on(`session:${name}`, ({ key, value }: { key: string | undefined; value: unknown }) =>
      events.push({ name, key, value }),
    );
  }
  app.use(port.createSession(options, app));
  app.use(handler);

  const get: TestApp['get'] = async (cookie, { path = '/', headers = {}, expectError } = {}) => {
    errors = [];
    const res = await hit(app, path, cookie ? { ...headers, cookie } : headers);
    // Session events are emitted on the next turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    if (errors.length && !expectError) throw errors[0];
    const setCookie = res.headers['set-cookie'];
    const json = /json/.test(String(res.headers['content-type']));
    return {
      status: res.status,
      body: json && res.text ? JSON.parse(res.text) : res.text,
      setCookie: setCookie ?? [],
      headers: res.headers,
    };
  };
  return { app, events, get };
}

/**
 * One GET through a real HTTP server on a free port, closed afterwards.
 * Plain `node:http` rather than supertest: the runner starts a fresh
 * process for every step, and supertest's dependencies alone take longer
 * to load than a whole step takes to run.
 */
export function hit(
  app: Koa,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const server = http.createServer(app.callback());
  return new Promise((resolve, reject) => {
    server.listen(0, '127.0.0.1', () => {
      const { port: at } = server.address() as AddressInfo;
      const req = http.get({ host: '127.0.0.1', port: at, path, headers, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          server.close();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
        });
      });
      req.on('error', (err) => {
        server.close();
        reject(err);
      });
    });
  });
}

/** A session cookie value made by hand: JSON, then base64 — what `encode` should produce. */
export function cookieValue(data: unknown): string {
  return encodeCookieValue(data);
}

/** Decode a cookie value by hand (the inverse of {@link cookieValue}). */
export function readCookieValue(value: string): any {
  return decodeCookieValue(value);
}

/** A `Cookie` header with `name=value` and its keygrip signature under `keys[0]`. */
export function signedCookie(name: string, value: string, keys: string[] = KEYS): string {
  return signedCookieHeader(name, value, keys[0]!);
}

/** The `Set-Cookie` line for cookie `name`, if the response has one. */
export function setCookieFor(reply: Reply, name: string): string | undefined {
  return reply.setCookie.find((line) => line.startsWith(`${name}=`));
}

/** The value a response set for cookie `name` (`''` for a deletion), if any. */
export function cookieFrom(reply: Reply, name: string): string | undefined {
  return reply.setCookie.map(parseSetCookie).find((c) => c.name === name)?.value;
}

/** The `Cookie` header a browser would send back after `reply`, for `name` and its `.sig`. */
export function cookiesAfter(reply: Reply, name = 'koa.sess'): string {
  return [name, `${name}.sig`]
    .map((n) => [n, cookieFrom(reply, n)] as const)
    .filter(([, value]) => value)
    .map(([n, value]) => `${n}=${value}`)
    .join('; ');
}

/** `Expires` of the `Set-Cookie` line for `name`, as ms since the epoch. */
export function expiresOf(reply: Reply, name: string): number | undefined {
  const line = setCookieFor(reply, name);
  const expires = line === undefined ? undefined : parseSetCookie(line).attributes.expires;
  return typeof expires === 'string' ? Date.parse(expires) : undefined;
}

/** One call the {@link RecordingStore} received. */
export interface StoreCall {
  method: 'get' | 'set' | 'destroy';
  key: string;
  maxAge?: unknown;
  options?: Record<string, unknown>;
  data?: Record<string, unknown>;
}

/**
 * A session store that keeps records in a Map and writes down every call,
 * so a test can say exactly what the session asked of its store. Async,
 * like a real network store. Records are copied in and out as JSON.
 */
export class RecordingStore {
  readonly records = new Map<string, string>();
  readonly calls: StoreCall[] = [];

  async get(key: string, maxAge: unknown, options: Record<string, unknown>) {
    this.calls.push({ method: 'get', key, maxAge, options });
    const json = this.records.get(key);
    return json === undefined ? undefined : JSON.parse(json);
  }

  async set(
    key: string,
    data: Record<string, unknown>,
    maxAge: unknown,
    options: Record<string, unknown>,
  ) {
    this.calls.push({ method: 'set', key, maxAge, options, data: structuredClone(data) });
    this.records.set(key, JSON.stringify(data));
  }

  async destroy(key: string, options: Record<string, unknown>) {
    this.calls.push({ method: 'destroy', key, options });
    this.records.delete(key);
  }

  /** Put a record in directly, as if an earlier request had saved it. */
  seed(data: Record<string, unknown>, key = `seeded-${randomUUID()}`): string {
    this.records.set(key, JSON.stringify(data));
    return key;
  }

  /** The calls of one kind. */
  callsTo(method: StoreCall['method']): StoreCall[] {
    return this.calls.filter((call) => call.method === method);
  }
}

/**
 * A second `ContextSession` for this request, built from the request's own
 * options, so a test can call one method (`_shouldSaveSession`, `save`)
 * directly — the middleware's own instance is private to it.
 */
export function contextSessionFor(ctx: Koa.Context): ContextSession {
  return new port.ContextSession(ctx, { ...(ctx.sessionOptions as ResolvedOptions) });
}

/** A time in the future/past relative to now, in ms since the epoch. */
export function fromNow(ms: number): number {
  return Date.now() + ms;
}
