/**
 * What the three playground servers share: the request observer behind
 * trace mode and the inspector, the store wrapper that records every store
 * call, the error handling that turns an unreachable store into a clear
 * 503, and the small start-up chores (flags, banner, service checks).
 *
 * Nothing here re-implements a session decision. Everything the trace
 * prints comes from the port's own trace channel (`onTrace`, see
 * src/trace.ts), from wrapping the store the port calls, or from the
 * request and response headers. If the port changes its mind, the trace
 * follows.
 *
 * Read with: chapters/run-it-yourself.md
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type Koa from 'koa';
import type { Context, Middleware } from 'koa';
import {
  decode,
  hash,
  onTrace,
  type SessionStore,
  type SkipReason,
  type TraceEvent,
} from '../src/index.js';

// ---------------------------------------------------------------------------
// Command line and environment
// ---------------------------------------------------------------------------

/** `--name` or `--name=value` on the command line. */
export function flag(name: string, argv: readonly string[] = process.argv): string | undefined {
  for (const arg of argv) {
    if (arg === `--${name}`) return 'true';
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

/** Trace mode is on with `TRACE=1` (any value but `0`/empty) or `--trace`. */
export function traceRequested(): boolean {
  const env = process.env.TRACE;
  return flag('trace') !== undefined || (env !== undefined && env !== '' && env !== '0');
}

/** The port to listen on: `PORT`, default 3000. A bad value is a one-line error. */
export function listenPort(fallback = 3000): number {
  const text = process.env.PORT;
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail(`PORT must be a whole number between 0 and 65535, got ${JSON.stringify(text)}`);
  }
  return port;
}

/** Default service locations, overridable with `REDIS_URL` / `MYSQL_URL`. */
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
export const MYSQL_URL = process.env.MYSQL_URL || 'mysql://root@127.0.0.1:3306/test';

/** A URL with any password replaced by `***`, safe to print. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** True when `moduleUrl` is the file node was asked to run (not imported by a test). */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && pathToFileURL(entry).href === moduleUrl;
}

/** Print one line to stderr and exit non-zero: the playground never shows a stack trace. */
export function fail(line: string): never {
  process.stderr.write(`✗ ${line}\n`);
  process.exit(1);
}

/** The short, readable form of an error: its code (if any) and message. */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return describeError(error.errors[0]);
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const message = error.message || error.name;
    return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
  }
  return String(error);
}

// ---------------------------------------------------------------------------
// Per-request observation
// ---------------------------------------------------------------------------

/** One thing that happened to the session during a request, in order. */
export type Observation =
  | { kind: 'event'; event: TraceEvent }
  | {
      kind: 'store';
      op: 'get' | 'set' | 'destroy';
      key: string;
      ttl?: unknown;
      ms: number;
      outcome: string;
      ok: boolean;
    };

/** Everything recorded for one request. */
export interface RequestRecord {
  /** The session cookie as it arrived, before any signature check. */
  rawCookie: string | undefined;
  /** The `.sig` companion cookie as it arrived. */
  rawSignature: string | undefined;
  steps: Observation[];
}

const records = new WeakMap<Context, RequestRecord>();

// One subscription for the whole process. Each event carries its `ctx`;
// requests that no playground app is observing are simply not in the map.
onTrace(({ ctx, ...event }) => {
  records.get(ctx)?.steps.push({ kind: 'event', event: event as TraceEvent });
});

/** What has been recorded so far for this request (undefined outside a playground app). */
export function recordOf(ctx: Context): RequestRecord | undefined {
  return records.get(ctx);
}

/** The session cookie's name and whether it is signed: what the observer needs to read it. */
export interface CookieSettings {
  key: string;
  signed: boolean;
}

/** An error from a session store call, labelled with what was attempted. */
export class StoreUnavailableError extends Error {
  readonly status = 503;
  readonly expose = true;
  constructor(
    readonly label: string,
    readonly op: string,
    cause: unknown,
  ) {
    super(`${label} ${op} failed: ${describeError(cause)}`, { cause });
    this.name = 'StoreUnavailableError';
  }
}

// #region observeStore
/**
 * Wrap a store so that every call the port makes is recorded for the
 * request it belongs to (the port passes `ctx` to every store method) with
 * its key, its TTL, how long it took and how it ended. A failing call is
 * re-thrown as a {@link StoreUnavailableError}, which the error middleware
 * turns into a 503 instead of a bare 500.
 *
 * The wrapper changes no argument and no result: the port sees exactly the
 * store it was configured with.
 *
 * See chapters/run-it-yourself.md#trace-mode
 */
export function observeStore(store: SessionStore, label: string): SessionStore {
  const run = async <T>(
    ctx: Context | undefined,
    op: 'get' | 'set' | 'destroy',
    key: string,
    ttl: unknown,
    call: () => unknown,
    describeResult: (value: T) => string,
  ): Promise<T> => {
    const started = performance.now();
    const note = (outcome: string, ok: boolean) => {
      const ms = performance.now() - started;
      if (ctx) records.get(ctx)?.steps.push({ kind: 'store', op, key, ttl, ms, outcome, ok });
    };
    try {
      const value = (await call()) as T;
      note(describeResult(value), true);
      return value;
    } catch (error) {
      note(`FAILED: ${describeError(error)}`, false);
      throw new StoreUnavailableError(label, op, error);
    }
  };
  return {
    get: (key, maxAge, options) =>
      run(
        options?.ctx,
        'get',
        key,
        undefined,
        () => store.get(key, maxAge, options),
        (value: unknown) => (value ? 'found' : 'nothing there'),
      ),
    set: (key, sess, maxAge, options) =>
      run(
        options?.ctx,
        'set',
        key,
        maxAge,
        () => store.set(key, sess, maxAge, options),
        () => 'ok',
      ),
    destroy: (key, options) =>
      run(
        options?.ctx,
        'destroy',
        key,
        undefined,
        () => store.destroy(key, options),
        () => 'ok',
      ),
  };
}
// #endregion observeStore

// #region observer
/**
 * The outermost middleware of every playground app. It opens the request's
 * record (raw cookies first, before anything verifies them), lets the rest
 * run — session middleware included, so the commit has happened when
 * control comes back — and then, in trace mode, prints the record as one
 * block.
 *
 * See chapters/run-it-yourself.md#trace-mode
 */
export function observer(
  cookie: CookieSettings,
  options: { trace: boolean; log?: (text: string) => void },
): Middleware {
  const log = options.log ?? ((text: string) => process.stdout.write(`${text}\n`));
  return async function observe(ctx, next) {
    const record: RequestRecord = {
      rawCookie: ctx.cookies.get(cookie.key, { signed: false }),
      rawSignature: cookie.signed
        ? ctx.cookies.get(`${cookie.key}.sig`, { signed: false })
        : undefined,
      steps: [],
    };
    records.set(ctx, record);
    const started = performance.now();
    try {
      await next();
    } finally {
      if (options.trace) log(formatTrace(ctx, cookie, record, performance.now() - started));
    }
  };
}
// #endregion observer

/**
 * How the server judged the incoming cookie's signature, worked out from
 * what arrived and what the port reported after `ctx.cookies.get` verified
 * it (the `cookie` / `external-key` trace events).
 */
export function signatureStatus(
  cookie: CookieSettings,
  record: RequestRecord,
): 'no cookie' | 'not signed (signed: false)' | 'valid' | 'missing' | 'invalid' | 'not checked' {
  if (record.rawCookie === undefined) return 'no cookie';
  if (!cookie.signed) return 'not signed (signed: false)';
  const seen = record.steps.find(
    (s) => s.kind === 'event' && (s.event.step === 'cookie' || s.event.step === 'external-key'),
  );
  if (seen?.kind !== 'event') return 'not checked';
  const accepted =
    seen.event.step === 'cookie'
      ? seen.event.present
      : seen.event.step === 'external-key' && !!seen.event.key;
  if (accepted) return 'valid';
  return record.rawSignature === undefined ? 'missing' : 'invalid';
}

/** Browsers ignore a cookie whose name plus value exceeds this many bytes. */
export const COOKIE_LIMIT = 4096;

/** Shorten long values so a trace line stays on one screen line. */
function clip(text: string, max = 48): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The trace's skip reasons, in words. */
const SKIP_TEXT: Record<SkipReason, string> = {
  untouched: 'session never accessed',
  'new-empty': 'new and still empty',
  unchanged: 'unchanged, and neither rolling nor due for renewal',
};

function formatTtl(value: unknown): string {
  if (value === undefined) return 'not set (so the cookie gets no Expires)';
  if (typeof value === 'number') return `${value} ms (${(value / 1000).toFixed(1)} s)`;
  return JSON.stringify(value) ?? String(value);
}

// #region formatTrace
/**
 * Render one request's record as the block trace mode prints:
 *
 * ```text
 * ── GET / → 200 in 2.1 ms ──────────────
 *   cookie      session=session8f…: signature valid
 *   store.get   session8f… → found (0.4 ms)
 *   valid       yes
 *   loaded      from the store, hash 3735928559
 *   hash        3735928559 → 1234567890: changed
 *   save        reason: changed
 *   write       store, maxAge 86400000, store TTL 86410000 ms (86410.0 s)
 *   store.set   session8f… ttl 86410000 ms (86410.0 s) → ok (0.3 ms)
 *   set-cookie  session=session8f…; path=/; expires=…; httponly (52 B)
 * ```
 *
 * See chapters/run-it-yourself.md#reading-a-trace
 */
export function formatTrace(
  ctx: Context,
  cookie: CookieSettings,
  record: RequestRecord,
  ms: number,
): string {
  const lines = [`── ${ctx.method} ${ctx.url} → ${ctx.status} in ${ms.toFixed(1)} ms ──`];
  const add = (label: string, text: string) => lines.push(`  ${label.padEnd(13)} ${text}`);

  const sig = signatureStatus(cookie, record);
  if (record.rawCookie === undefined) add('cookie', `${cookie.key}: none sent`);
  else add('cookie', `${cookie.key}=${clip(record.rawCookie, 24)}: signature ${sig}`);

  let loadedHash: number | undefined;
  let touched = false;
  for (const step of record.steps) {
    if (step.kind === 'store') {
      const ttl = step.op === 'set' ? ` ttl ${formatTtl(step.ttl)}` : '';
      add(
        `store.${step.op}`,
        `${clip(step.key, 30)}${ttl} → ${step.outcome} (${step.ms.toFixed(1)} ms)`,
      );
      continue;
    }
    const e = step.event;
    switch (e.step) {
      case 'cookie':
      case 'external-key':
      case 'store-get':
        break; // already shown: the cookie line above, the store.get line from the wrapper
      case 'decode':
        add(
          'decode',
          e.ok ? 'ok' : `failed (${e.error})${e.rethrown ? ': rethrown' : ': new session'}`,
        );
        break;
      case 'valid':
        add(
          'valid',
          e.ok
            ? 'yes'
            : `no: ${e.reason}${e.reason === 'hostile' ? ` (${e.detail})` : ''} → new session`,
        );
        break;
      case 'loaded':
        touched = true;
        loadedHash = e.hash;
        add('loaded', `from the ${e.mode}, hash ${e.hash}`);
        break;
      case 'created':
        touched = true;
        add('created', `new session${e.externalKey ? `, id ${clip(e.externalKey, 30)}` : ''}`);
        break;
      case 'commit':
        add('hash', hashLine(ctx, loadedHash, touched));
        add(
          'save',
          `reason: ${e.reason}${e.forced ? ' (forced: save(), regenerate() or a maxAge change)' : ''}`,
        );
        break;
      case 'skip': {
        if (touched) add('hash', hashLine(ctx, loadedHash, touched));
        add('no save', SKIP_TEXT[e.reason]);
        break;
      }
      case 'save':
        add(
          'write',
          e.target === 'cookie'
            ? `cookie, ${e.bytes} bytes encoded, maxAge ${formatTtl(e.maxAge)}`
            : `store, maxAge ${formatTtl(e.maxAge)}, store TTL ${formatTtl(e.storeTtl)}`,
        );
        break;
      case 'remove':
        add(
          'remove',
          `session destroyed${e.externalKey ? ` (store id ${clip(e.externalKey, 30)})` : ''}, cookie cleared`,
        );
        break;
    }
  }

  const setCookies = responseCookies(ctx);
  if (setCookies.length === 0) add('set-cookie', '(none)');
  for (const header of setCookies) {
    const nameValue = header.split(';', 1)[0] ?? '';
    const bytes = Buffer.byteLength(nameValue);
    const attributes = header.slice(nameValue.length);
    add('set-cookie', `${clip(nameValue, 60)}${attributes} (${bytes} B)`);
    if (bytes > COOKIE_LIMIT) {
      add('⚠ too big', `${bytes} bytes > ${COOKIE_LIMIT}: browsers silently drop this cookie`);
    }
  }
  return lines.join('\n');
}
// #endregion formatTrace

function hashLine(ctx: Context, loadedHash: number | undefined, touched: boolean): string {
  if (!touched) return 'not compared (session never accessed)';
  const session = ctx.session;
  if (!session) return 'not compared (session set to null)';
  const now = hash(session.toJSON());
  if (loadedHash === undefined) return `new session, now ${now}`;
  return `${loadedHash} → ${now}: ${loadedHash === now ? 'unchanged' : 'changed'}`;
}

/** The `Set-Cookie` headers this response carries, as strings. */
export function responseCookies(ctx: Context): string[] {
  const value = ctx.response.headers['set-cookie'];
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

// ---------------------------------------------------------------------------
// Error handling
// ---------------------------------------------------------------------------

// #region storeErrors
/**
 * Turn a failed store call into `503 Service Unavailable` with a one-line
 * explanation, and log one line on the server — no stack trace on either
 * side. Anything else is left to Koa's normal error handling.
 *
 * The request fails, the process does not: when the store is back, the
 * next request simply works.
 *
 * See chapters/run-it-yourself.md#when-a-service-is-down
 */
export function storeErrors(log: (text: string) => void = console.error): Middleware {
  return async function storeErrorsToStatus(ctx, next) {
    try {
      await next();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      ctx.status = 503;
      ctx.set('Retry-After', '1');
      ctx.body = `Session store unavailable: ${error.message}\n`;
      log(`✗ ${ctx.method} ${ctx.url}: ${error.message}`);
    }
  };
}
// #endregion storeErrors

// ---------------------------------------------------------------------------
// The inspector
// ---------------------------------------------------------------------------

/** What the inspector can say about the stored record behind a session id. */
export interface StoredRecord {
  /** Where it lives, e.g. `redis key session0f…` or `row in _mysql_session_store`. */
  where: string;
  /** The record as the store holds it (raw text or row), or `null` when absent. */
  record: unknown;
  /** Milliseconds before the store forgets it, `null` when absent or without expiry. */
  ttlMs: number | null;
}

// #region inspector
/**
 * `GET /__session`: the current session as the server sees it — the cookie
 * as it arrived and its signature status, the decoded cookie (cookie mode:
 * readable by anyone who has it, which is the point), the session object
 * after loading, and, in store mode, the stored record and how long the
 * store will keep it.
 *
 * It sits after the session middleware, so it shows what a real request
 * sees; like any request it may refresh a `rolling` session.
 *
 * See chapters/run-it-yourself.md#the-inspector
 */
export function inspector(
  cookie: CookieSettings,
  lookup?: (id: string) => Promise<StoredRecord>,
): Middleware {
  return async function inspect(ctx, next) {
    if (ctx.path !== '/__session') return next();
    const record = recordOf(ctx);
    const session = ctx.session;
    const raw = record?.rawCookie;
    let decoded: unknown;
    if (raw !== undefined && !lookup) {
      try {
        decoded = decode(raw);
      } catch (error) {
        decoded = { error: `cannot decode: ${describeError(error)}` };
      }
    }
    const id = session?.externalKey;
    let stored: unknown;
    if (lookup && id) {
      try {
        stored = await lookup(id);
      } catch (error) {
        stored = { error: describeError(error) };
      }
    }
    ctx.body = {
      cookie: {
        name: cookie.key,
        value: raw ?? null,
        signature: record ? signatureStatus(cookie, record) : 'unknown',
        ...(decoded !== undefined ? { decoded } : {}),
      },
      session: session
        ? {
            isNew: session.isNew,
            id: id ?? null,
            data: session.toJSON(),
            maxAge: session.maxAge ?? null,
          }
        : null,
      ...(lookup ? { store: stored ?? null } : {}),
    };
  };
}
// #endregion inspector

// ---------------------------------------------------------------------------
// Start-up
// ---------------------------------------------------------------------------

/** Listen, or explain in one line why not (port taken, say) and exit. */
export function listen(app: Koa, port: number): Promise<import('node:http').Server> {
  return new Promise((resolve) => {
    const server = app.listen(port);
    server.once('listening', () => resolve(server));
    server.once('error', (error) => {
      const code = (error as { code?: string }).code;
      if (code === 'EADDRINUSE') {
        fail(`port ${port} is already in use; pick another with PORT=3001 npm run playground:…`);
      }
      fail(`cannot listen on port ${port}: ${describeError(error)}`);
    });
  });
}

/**
 * The start-up text: where the server is and what to try. With
 * `PLAYGROUND_QUIET=1` (the scale-out demo's children) only `ready <url>`.
 */
export function banner(title: string, url: string, lines: readonly string[]): void {
  if (process.env.PLAYGROUND_QUIET) {
    process.stdout.write(`ready ${url}\n`);
    return;
  }
  const jar = '/tmp/koa-session-jar';
  const text = [
    '',
    `  ${title}`,
    `  listening on ${url}`,
    '',
    ...lines.map((line) => `  ${line}`),
    '',
    '  Try it:',
    `    curl -b ${jar} -c ${jar} ${url}/          # run it a few times: the count goes up`,
    `    curl -b ${jar} ${url}/__session           # the inspector: cookie, signature, stored record`,
    `    curl -b ${jar} -c ${jar} ${url}/logout    # forget the session`,
    `    curl -b ${jar} -c ${jar} '${url}/grow?bytes=5000'  # a 5 kB session: too big for a cookie`,
    `    or open ${url}/ in a browser and reload`,
    '',
    traceRequested()
      ? '  Trace mode is ON: one block per request below.'
      : '  Add TRACE=1 (or --trace) to see, per request, the path the session took.',
    '',
  ];
  process.stdout.write(`${text.join('\n')}\n`);
}

/** A `GET /logout` route: `ctx.session = null` removes the session (store record and cookie). */
export function logoutRoute(): Middleware {
  return async function logout(ctx, next) {
    if (ctx.path !== '/logout') return next();
    ctx.session = null;
    ctx.body = 'session removed\n';
  };
}

// #region growRoute
/**
 * `GET /grow?bytes=5000`: pad the session with that many bytes, to watch
 * what size does. In cookie mode the cookie crosses the 4096-byte limit
 * browsers enforce, trace mode warns, and a browser silently stops sending
 * the cookie (the count starts over); with a store only the record grows.
 *
 * See chapters/run-it-yourself.md#the-4-kb-cookie-limit
 */
export function growRoute(): Middleware {
  return async function grow(ctx, next) {
    if (ctx.path !== '/grow') return next();
    const bytes = Number(ctx.query.bytes ?? 5000);
    if (!Number.isInteger(bytes) || bytes < 0 || bytes > 1_000_000) {
      ctx.status = 400;
      ctx.body = 'bytes must be a whole number from 0 to 1000000\n';
      return;
    }
    ctx.session!.padding = 'x'.repeat(bytes);
    ctx.body = `session padded with ${bytes} bytes\n`;
  };
}
// #endregion growRoute

/** Every response says which process answered: the scale-out demo relies on it. */
export function servedBy(): Middleware {
  return async function stamp(ctx, next) {
    ctx.set('X-Served-By', `pid ${process.pid}`);
    await next();
  };
}
