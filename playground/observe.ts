/**
 * Per-request observation: what trace mode, the inspector and the Session
 * Lab know about a request, and how they know it.
 *
 * Nothing here re-implements a session decision. Every step comes from
 * the port's own trace channel (`onTrace`, see src/trace.ts) or from
 * wrapping the store the port calls; the rest is the request's and the
 * response's own headers. If the port changes its mind, the record
 * follows.
 *
 * Read with: chapters/run-it-yourself.md#trace-mode
 */
import { performance } from 'node:perf_hooks';
import type { Context, Middleware } from 'koa';
import {
  onTrace,
  type SessionStore,
  type SignatureVerdict,
  type TraceEvent,
} from '../src/index.js';
import { describeError } from './cli.js';
import type { CookieSettings, Observation } from './lab/shared/protocol.js';

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
// requests that no playground app observes are simply not in the map.
onTrace(({ ctx, ...event }) => {
  records.get(ctx)?.steps.push({ kind: 'event', event: event as TraceEvent });
});

/** What has been recorded so far for this request (if a playground observes it). */
export function recordOf(ctx: Context): RequestRecord | undefined {
  return records.get(ctx);
}

/**
 * The port's verdict on the session cookie's signature, as its `cookie` /
 * `external-key` trace event reported it; `undefined` when the request
 * never read the cookie.
 */
export function signatureOf(
  record: RequestRecord,
): SignatureVerdict | undefined {
  for (const step of record.steps) {
    if (step.kind !== 'event') continue;
    const e = step.event;
    if (e.step === 'cookie') return e.signature;
    if (e.step === 'external-key' && e.source === 'cookie') return e.signature;
  }
  return undefined;
}

/**
 * Error codes and messages that mean "could not reach the store". The
 * last two are a Redis Cluster in failover: ioredis gave up following a
 * slot whose primary is gone (or the cluster said so) — retrying soon
 * will work, as for a dropped connection.
 */
const UNREACHABLE =
  /ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|ECONNRESET|EPIPE|PROTOCOL_CONNECTION_LOST|Stream isn't writeable|Connection is closed|MaxRetriesPerRequest|Too many Cluster redirections|CLUSTERDOWN/i;

/**
 * An error from a session store call, labelled with what was attempted.
 * `unreachable` tells a store that could not be reached (503: try again)
 * from a store that answered with an error of its own (500: the command
 * itself is wrong, retrying will not help).
 */
export class StoreCallError extends Error {
  readonly status: 503 | 500;
  readonly expose = true;
  readonly unreachable: boolean;
  constructor(
    readonly label: string,
    readonly op: string,
    cause: unknown,
  ) {
    const said = describeError(cause);
    const name = (cause as { name?: unknown } | null)?.name;
    const unreachable =
      name === 'MaxRetriesPerRequestError' || UNREACHABLE.test(said);
    super(
      unreachable
        ? `${label} ${op} failed: ${said}`
        : `${label} refused ${op}: ${said}`,
      { cause },
    );
    this.name = 'StoreCallError';
    this.unreachable = unreachable;
    this.status = unreachable ? 503 : 500;
  }
}

// #region observeStore
/**
 * Wrap a store so that every call the port makes is recorded for the
 * request it belongs to (the port passes `ctx` to every store method)
 * with its key, its TTL, how long it took and how it ended. A failing call
 * is re-thrown as a {@link StoreCallError}, which {@link storeErrors}
 * turns into a one-line answer instead of a bare 500.
 *
 * The wrapper changes no argument and no result: the port sees exactly
 * the store it was configured with.
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
      const steps = ctx ? records.get(ctx)?.steps : undefined;
      steps?.push({ kind: 'store', op, key, ttl, ms, outcome, ok });
    };
    try {
      const value = (await call()) as T;
      note(describeResult(value), true);
      return value;
    } catch (error) {
      note(`FAILED: ${describeError(error)}`, false);
      throw new StoreCallError(label, op, error);
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

/** Called once a request has finished, with everything observed. */
export type RequestListener = (
  ctx: Context,
  record: RequestRecord,
  ms: number,
) => void;

// #region observer
/**
 * The outermost middleware of every playground app. It opens the
 * request's record (raw cookies first, before anything verifies them),
 * lets the rest run — session middleware included, so the commit has
 * happened when control comes back — and then hands the record to each
 * listener: trace mode prints it, the Session Lab streams it.
 *
 * See chapters/run-it-yourself.md#trace-mode
 */
export function observer(
  cookie: CookieSettings,
  listeners: readonly RequestListener[],
): Middleware {
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
      const ms = performance.now() - started;
      for (const listener of listeners) listener(ctx, record, ms);
    }
  };
}
// #endregion observer

/** The `Set-Cookie` headers this response carries, as strings. */
export function responseCookies(ctx: Context): string[] {
  const value = ctx.response.headers['set-cookie'];
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

// #region storeErrors
/**
 * Turn a failed store call into a one-line answer, and log one line on
 * the server — no stack trace on either side:
 *
 * - the store could not be reached → `503 Service Unavailable` and
 *   `Retry-After: 1`: the request fails, the process does not, and the
 *   next request after the store is back simply works;
 * - the store answered with an error of its own (Redis refusing
 *   `SETEX key session …`, say) → `500` with what the store said, because
 *   retrying the same command will not help.
 *
 * Anything else is left to Koa's normal error handling.
 *
 * See chapters/run-it-yourself.md#when-a-service-is-down
 */
export function storeErrors(
  log: (text: string) => void = console.error,
): Middleware {
  return async function storeErrorsToStatus(ctx, next) {
    try {
      await next();
    } catch (error) {
      if (!(error instanceof StoreCallError)) throw error;
      ctx.status = error.status;
      if (error.unreachable) {
        ctx.set('Retry-After', '1');
        ctx.body = `Session store unavailable: ${error.message}\n`;
      } else {
        ctx.body = `Session store error: ${error.message}\n`;
      }
      log(`✗ ${ctx.method} ${ctx.url}: ${error.message}`);
    }
  };
}
// #endregion storeErrors
