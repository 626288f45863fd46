/**
 * Shared tools for the book's tests: an app factory that can run the port or
 * koa-session 7.0.2 itself, a tiny browser (a cookie jar that obeys
 * `Set-Cookie` the way a real one does), and a frozen clock.
 *
 * Every behavioural sentence in chapters/ names a test built from these.
 */
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import Koa, { type Middleware } from 'koa';
import upstreamSession from 'koa-session';
import request from 'supertest';
import { expect, vi } from 'vitest';
import { createSession, onTrace, type SessionOptions, type TraceEvent } from '../../src/index.js';

/** The secret every book app signs with (first key signs, all keys verify). */
export const BOOK_KEYS = ['book secret'];

/** The two implementations the book compares: ours and the original. */
export type Impl = 'port' | 'upstream';

/** Koa app with keys, the session middleware of `impl`, then `handlers`. */
export function bookApp(
  impl: Impl,
  options: SessionOptions | undefined,
  ...handlers: Middleware[]
): Koa {
  const app = new Koa();
  app.keys = [...BOOK_KEYS];
  app.silent = true;
  const mw =
    impl === 'port'
      ? createSession(options, app)
      : (upstreamSession as unknown as (o: unknown, a: Koa) => Middleware)(options, app);
  app.use(mw);
  for (const handler of handlers) app.use(handler);
  return app;
}

/** The classic view counter from the article: read, increment, write back. */
export const countViews: Middleware = (ctx) => {
  const session = ctx.session!;
  const views = ((session.views as number | undefined) ?? 0) + 1;
  session.views = views;
  ctx.body = `${views} views`;
};

/** One `Set-Cookie` line, taken apart. Attribute names are lower-cased. */
export interface SetCookie {
  name: string;
  value: string;
  attrs: Record<string, string | true>;
  raw: string;
}

export function parseSetCookie(raw: string): SetCookie {
  const [pair = '', ...rest] = raw.split(/;\s*/);
  const eq = pair.indexOf('=');
  const attrs: Record<string, string | true> = {};
  for (const part of rest) {
    const i = part.indexOf('=');
    if (i < 0) attrs[part.toLowerCase()] = true;
    else attrs[part.slice(0, i).toLowerCase()] = part.slice(i + 1);
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attrs, raw };
}

/** What one request produced, as a reader of the book would look at it. */
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
 * A browser in miniature: it remembers cookies from `Set-Cookie`, forgets a
 * cookie whose `Expires` is in the past, and sends what it holds back in a
 * `Cookie` header. Enough to replay a user's visits faithfully.
 */
export class Browser {
  readonly jar = new Map<string, string>();

  constructor(readonly app: Koa) {}

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(path = '/', headers: Record<string, string> = {}): Promise<Exchange> {
    const sent = this.cookieHeader();
    let req = request(this.app.callback()).get(path);
    if (sent) req = req.set('Cookie', sent);
    for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
    const res = await req;
    const raw = res.headers['set-cookie'] as unknown;
    const setCookie = Array.isArray(raw) ? (raw as string[]) : raw ? [String(raw)] : [];
    const cookies = setCookie.map(parseSetCookie);
    for (const c of cookies) {
      const expires = typeof c.attrs.expires === 'string' ? Date.parse(c.attrs.expires) : NaN;
      if (!c.value || expires <= Date.now()) this.jar.delete(c.name);
      else this.jar.set(c.name, c.value);
    }
    return { status: res.status, body: res.text, setCookie, cookies, sent };
  }
}

/** Decode the default cookie encoding (base64 of JSON) to look inside. */
export function decodeCookie(value: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as Record<string, unknown>;
}

/** The cookie called `name` in an exchange, or undefined. */
export function cookieNamed(x: Exchange, name: string): SetCookie | undefined {
  return x.cookies.find((c) => c.name === name);
}

/** A fixed instant the book's recordings are made at: 2025-01-01 00:00:00 UTC. */
export const BOOK_T0 = Date.UTC(2025, 0, 1, 0, 0, 0);

/**
 * Freeze `Date.now()` (the only clock koa-session and `cookies` read) at
 * `start`; `advance` moves it. Undo with `vi.restoreAllMocks()`.
 */
export function freezeClock(start = BOOK_T0) {
  let now = start;
  vi.spyOn(Date, 'now').mockImplementation(() => now);
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** Run `fn` with both implementations and return both results, for side-by-side checks. */
export async function both<T>(fn: (impl: Impl) => Promise<T>): Promise<Record<Impl, T>> {
  return { port: await fn('port'), upstream: await fn('upstream') };
}

/** One call a store received, with the arguments that matter to the book. */
export interface StoreCall {
  op: 'get' | 'set' | 'destroy';
  key: string;
  data?: Record<string, unknown>;
  maxAge?: unknown;
  rolling?: unknown;
  changed?: unknown;
}

/**
 * The simplest possible store, a `Map`, that also writes down every call it
 * receives: the book's window onto what koa-session asks of a store.
 */
export function recordingStore() {
  const records = new Map<string, string>();
  const calls: StoreCall[] = [];
  return {
    records,
    calls,
    get(key: string, maxAge: unknown, options: { rolling?: unknown }) {
      calls.push({ op: 'get', key, maxAge, rolling: options?.rolling });
      const text = records.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
    },
    set(
      key: string,
      data: Record<string, unknown>,
      maxAge: unknown,
      options: { rolling?: unknown; changed?: unknown },
    ) {
      calls.push({
        op: 'set',
        key,
        data: JSON.parse(JSON.stringify(data)),
        maxAge,
        rolling: options?.rolling,
        changed: options?.changed,
      });
      records.set(key, JSON.stringify(data));
    },
    destroy(key: string) {
      calls.push({ op: 'destroy', key });
      records.delete(key);
    },
  };
}

/** A v4 UUID, the shape of koa-session's default session ids. */
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Collect the port's trace events for one app (the events say *why* the
 * session was loaded, skipped or saved). Call the returned `stop` when done.
 */
export function traceApp(app: Koa) {
  const events: TraceEvent[] = [];
  const stop = onTrace((message) => {
    if (message.ctx.app !== app) return;
    const { ctx: _ctx, ...event } = message;
    events.push(event as TraceEvent);
  });
  return {
    events,
    stop,
    /** The reason commit gave for saving (`'changed'`, `'force'` …), or `'skip'`. */
    decision(): string | undefined {
      const last = [...events].reverse().find((e) => e.step === 'commit' || e.step === 'skip');
      if (!last) return undefined;
      return last.step === 'commit' ? last.reason : 'skip';
    },
    clear() {
      events.length = 0;
    },
  };
}

/** What keygrip computes for the `.sig` cookie: HMAC-SHA1 of `name=value`, base64url, unpadded. */
export function signature(name: string, value: string, key = BOOK_KEYS[0]!): string {
  return createHmac('sha1', key)
    .update(`${name}=${value}`)
    .digest('base64')
    .replace(/\//g, '_')
    .replace(/\+/g, '-')
    .replace(/=/g, '');
}

/** The two lines `remove()` writes for the default cookie name and keys. */
export const DELETION_LINES = [
  'koa.sess=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly',
  `koa.sess.sig=${signature('koa.sess', '')}; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly`,
];

/**
 * Recorded outputs: text a test produced, kept in chapters/recorded/ so a
 * chapter can include it verbatim. Normally the test only compares (and
 * fails when the file is stale); `npm run book:record` (BOOK_RECORD=1)
 * rewrites the files instead.
 */
export function checkRecording(name: string, text: string): void {
  const dir = new URL('../../chapters/recorded/', import.meta.url);
  const file = new URL(name, dir);
  if (process.env.BOOK_RECORD === '1') {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, text);
    return;
  }
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '(missing)';
  expect(current, `chapters/recorded/${name} is stale: run \`npm run book:record\``).toBe(text);
}

/**
 * Write an exchange the way the book shows it: the request line, the
 * `Cookie` header sent, the status and body, every `Set-Cookie`, and what
 * the session cookie decodes to.
 */
export function transcript(label: string, path: string, x: Exchange, decodeName?: string): string {
  const lines = [`── ${label}`, `→ GET ${path}`];
  if (x.sent) lines.push(`→ Cookie: ${x.sent}`);
  lines.push(`← ${x.status} ${x.body}`);
  for (const line of x.setCookie) lines.push(`← Set-Cookie: ${line}`);
  if (x.setCookie.length === 0) lines.push('← (no Set-Cookie)');
  const c = decodeName ? cookieNamed(x, decodeName) : undefined;
  if (c?.value) lines.push(`   ${decodeName} decodes to ${JSON.stringify(decodeCookie(c.value))}`);
  return lines.join('\n');
}

/** A UUID anywhere in a string (the default session id). */
export const ANY_UUID = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g;

/**
 * Random session ids make a recording differ on every run. This replaces
 * each id with `<id-1>`, `<id-2>` … in order of first appearance, and the
 * signature of such an id with `<sig of id-1>` …, so a recording stays
 * stable while keeping its shape (the chapter says so where it quotes one).
 */
export class IdRedactor {
  readonly labels = new Map<string, string>();

  /** `cookieName`: the session cookie whose signatures to recognise. */
  constructor(readonly cookieName = 'koa.sess') {}

  redact(text: string): string {
    for (const id of text.match(ANY_UUID) ?? []) {
      if (!this.labels.has(id)) this.labels.set(id, `id-${this.labels.size + 1}`);
    }
    let out = text;
    for (const [id, label] of this.labels) {
      // The cookie value may be prefix + id (koa-session's `prefix` option).
      for (const value of new Set([id, ...(out.match(new RegExp(`[\\w-]*${id}`, 'g')) ?? [])])) {
        out = out.split(signature(this.cookieName, value)).join(`<sig of ${label}>`);
      }
      out = out.split(id).join(`<${label}>`);
    }
    return out;
  }
}
