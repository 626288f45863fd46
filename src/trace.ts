/**
 * Structured tracing: the port announces each decision it makes on a
 * `node:diagnostics_channel` channel, so tools (the playground's trace mode,
 * your own logger) can show *why* a session was loaded, discarded or saved
 * without copying any of the logic.
 *
 * Publishing costs one property read when nobody listens, so it is safe to
 * leave in the hot path. Each event is built here, by a function of
 * {@link step} named after it, so every trace call in `context.ts` is one
 * line. Read with: chapters/run-it-yourself.md#trace-mode
 *
 * @module trace
 */
import diagnostics from 'node:diagnostics_channel';
import type { Context } from 'koa';
import type { Session } from './session.js';
import type { SessionCookie, SignatureVerdict } from './signed-cookie.js';
import { hash, type MaxAge } from './util.js';

/** Name of the channel the port publishes {@link TraceEvent}s on. */
export const TRACE_CHANNEL = 'koa-session-annotated:trace';

/**
 * Why commit wrote the session: `'changed'` (its hash differs from the
 * loaded one), `'rolling'`, `'renew'` (less than half its lifetime left),
 * or `'force'` (`save()`, `regenerate()` or a `maxAge` change).
 * See chapters/06-should-save-session.md.
 */
export type CommitReason = 'changed' | 'rolling' | 'renew' | 'force';

/**
 * Why commit wrote nothing:
 *
 * - `'untouched'` — the request never read `ctx.session`;
 * - `'new-empty'` — a new session that is still empty (no empty sessions
 *   are sent to the browser);
 * - `'unchanged'` — loaded and not changed, and neither rolling nor due
 *   for renewal.
 */
export type SkipReason = 'untouched' | 'new-empty' | 'unchanged';

/** Why loaded data was refused; each but `hostile` is also an app event. */
export type RejectReason = 'missed' | 'expired' | 'invalid';

/** One step the session machinery took for a request. */
export type TraceEvent =
  | {
      /** The session cookie was read (cookie mode). */
      step: 'cookie';
      /** The cookie name. */
      key: string;
      /** Whether a cookie with a valid signature was there. */
      present: boolean;
      /** What became of its signature. */
      signature: SignatureVerdict;
      /** Length of the value as it arrived, before any check; 0: none. */
      length: number;
    }
  | {
      /** The store id was read from the session cookie (store mode). */
      step: 'external-key';
      /** Where the id came from: the session cookie. */
      source: 'cookie';
      /** The id found, if any (only with a trusted signature). */
      key: string | undefined;
      /** What became of the cookie's signature. */
      signature: SignatureVerdict;
      /** Length of the value as it arrived, before any check; 0: none. */
      length: number;
    }
  | {
      /** The store id was read by `opts.externalKey.get` (store mode). */
      step: 'external-key';
      /** Where the id came from: `opts.externalKey`. */
      source: 'custom';
      /** The id found, if any. */
      key: string | undefined;
    }
  | {
      /** The cookie value was decoded. */
      step: 'decode';
      /** It decoded. */
      ok: true;
    }
  | {
      /** The cookie value could not be decoded. */
      step: 'decode';
      /** It did not decode. */
      ok: false;
      /** The decoder's error, as text. */
      error: string;
      /**
       * `true` when the error is rethrown (not a `SyntaxError`): the
       * request fails.
       */
      rethrown: boolean;
    }
  | {
      /** The store was asked for the record. */
      step: 'store-get';
      /** The id asked for. */
      key: string;
      /** Whether the store returned anything. */
      found: boolean;
    }
  | {
      /** Loaded data was accepted. */
      step: 'valid';
      /** Accepted. */
      ok: true;
    }
  | {
      /** Loaded data was refused, and the app event of that name emitted. */
      step: 'valid';
      /** Refused. */
      ok: false;
      /** Why: the name of the event the app receives. */
      reason: RejectReason;
    }
  | {
      /**
       * Loaded data was refused as hostile (a port addition, reported to
       * the app as `session:invalid`). See chapters/deviations.md.
       */
      step: 'valid';
      /** Refused. */
      ok: false;
      /** Why: data koa-session would crash or corrupt itself on. */
      reason: 'hostile';
      /** What exactly was wrong with it, for a log line. */
      detail: string;
    }
  | {
      /** Trusted data became the session. */
      step: 'loaded';
      /** Where it came from. */
      mode: 'cookie' | 'store';
      /** Its fingerprint, compared at commit time. */
      hash: number;
    }
  | {
      /** A new, empty session was created. */
      step: 'created';
      /** Its freshly generated store id (store mode only). */
      externalKey: string | undefined;
    }
  | {
      /** Commit decided to write the session. */
      step: 'commit';
      /** Why it writes. */
      reason: CommitReason;
      /** `true` for `save()`, `regenerate()` or a `maxAge` change. */
      forced: boolean;
      /** The hash taken at load (`undefined`: a new session) … */
      prevHash: number | undefined;
      /** … and the session's hash now, before `_expire` is stamped. */
      hash: number;
    }
  | {
      /** Commit wrote nothing: the request never read the session. */
      step: 'skip';
      /** Why: `'untouched'`. */
      reason: Extract<SkipReason, 'untouched'>;
    }
  | {
      /** Commit decided to write nothing. */
      step: 'skip';
      /** Why: `'new-empty'` or `'unchanged'`. */
      reason: Exclude<SkipReason, 'untouched'>;
      /** The hash taken at load (`undefined`: a new session) … */
      prevHash: number | undefined;
      /** … and the session's hash now: equal, or the session is new. */
      hash: number;
    }
  | {
      /** The session was written into the cookie itself. */
      step: 'save';
      /** Where the data went: the cookie. */
      target: 'cookie';
      /**
       * The cookie's `maxAge` for this response; `undefined`: no
       * `Expires` (a browser-session cookie).
       */
      maxAge: MaxAge | undefined;
      /** Length of the encoded cookie value. */
      bytes: number;
    }
  | {
      /** The session was written to the store, its id into the cookie. */
      step: 'save';
      /** Where the data went: the store. */
      target: 'store';
      /** The cookie's `maxAge` for this response (as above). */
      maxAge: MaxAge | undefined;
      /** The TTL handed to the store: `maxAge` + 10 s, or `'session'`. */
      storeTtl: MaxAge;
    }
  | {
      /** The session was removed: record destroyed, cookie expired. */
      step: 'remove';
      /** The destroyed store id (store mode). */
      externalKey: string | undefined;
    };

/** What a subscriber receives: the event plus the request it belongs to. */
export type TraceMessage = TraceEvent & {
  /** The Koa context of the request the event belongs to. */
  ctx: Context;
  /** When it happened: `performance.now()`, in milliseconds. */
  at: number;
};

const channel = diagnostics.channel(TRACE_CHANNEL);

/**
 * Publish a trace event for `ctx` if anyone is listening. A function (the
 * `skip` and `commit` events hash the session) runs only for a listener.
 */
export function trace(
  ctx: Context,
  event: TraceEvent | (() => TraceEvent),
): void {
  if (!channel.hasSubscribers) return;
  let e: TraceEvent;
  try {
    e = typeof event === 'function' ? event() : event;
  } catch {
    // Building the event (hashing data JSON cannot hold, say) must not
    // change what the request does: the failure belongs where koa-session
    // would meet it, not in the trace.
    return;
  }
  channel.publish({ ...e, ctx, at: performance.now() });
}

/**
 * Subscribe to trace events; returns the function that unsubscribes.
 * Used by the playground's `TRACE=1` mode.
 */
export function onTrace(listener: (message: TraceMessage) => void): () => void {
  const handler = (message: unknown) => listener(message as TraceMessage);
  diagnostics.subscribe(TRACE_CHANNEL, handler);
  return () => {
    diagnostics.unsubscribe(TRACE_CHANNEL, handler);
  };
}

/**
 * The events, one builder each, so that `context.ts` says *what* happened in
 * one line (`trace(ctx, step.decoded())`) and the shape of each event lives
 * here, beside its type.
 */
export const step = {
  /** Cookie mode read the session cookie (src/signed-cookie.ts). */
  cookie: (key: string, read: SessionCookie): TraceEvent => ({
    step: 'cookie',
    key,
    present: !!read.value,
    signature: read.signature,
    length: read.length,
  }),
  /** Store mode read the store id from the session cookie. */
  cookieKey: (read: SessionCookie): TraceEvent => ({
    step: 'external-key',
    source: 'cookie',
    key: read.value,
    signature: read.signature,
    length: read.length,
  }),
  /** Store mode read the store id with `opts.externalKey.get`. */
  customKey: (key: string | undefined): TraceEvent => ({
    step: 'external-key',
    source: 'custom',
    key,
  }),
  /** The store answered `get`. */
  storeGet: (key: string, data: unknown): TraceEvent => ({
    step: 'store-get',
    key,
    found: !!data,
  }),
  /** The cookie value decoded. */
  decoded: (): TraceEvent => ({ step: 'decode', ok: true }),
  /**
   * The cookie value did not decode; `rethrown`: the request fails. Built
   * only for a listener: `decode` may throw anything, even a value `String`
   * cannot convert.
   */
  decodeFailed: (err: unknown, rethrown: boolean) => (): TraceEvent => ({
    step: 'decode',
    ok: false,
    error: String(err),
    rethrown,
  }),
  /** `valid` accepted the loaded data. */
  valid: (): TraceEvent => ({ step: 'valid', ok: true }),
  /** `valid` refused the loaded data, with the app event of that name. */
  refused: (reason: RejectReason): TraceEvent => ({
    step: 'valid',
    ok: false,
    reason,
  }),
  /** The port refused loaded data as hostile (`detail`: what was wrong). */
  hostile: (detail: string): TraceEvent => ({
    step: 'valid',
    ok: false,
    reason: 'hostile',
    detail,
  }),
  /** Trusted data became the session (store mode when it has a store id). */
  loaded: (externalKey: string | undefined, hash: number): TraceEvent => ({
    step: 'loaded',
    mode: externalKey ? 'store' : 'cookie',
    hash,
  }),
  /** A new, empty session was created. */
  created: (externalKey: string | undefined): TraceEvent => ({
    step: 'created',
    externalKey,
  }),
  /** Commit found a session nobody read. */
  untouched: (): TraceEvent => ({ step: 'skip', reason: 'untouched' }),
  /**
   * Commit decided to write nothing. `_shouldSaveSession` says `''` for two
   * reasons; the event names the one it was.
   */
  skip: (prevHash: number | undefined, session: Session) => (): TraceEvent => ({
    step: 'skip',
    reason: !prevHash && !session.length ? 'new-empty' : 'unchanged',
    prevHash,
    hash: hash(session.toJSON()),
  }),
  /** Commit decided to write the session, for `reason`. */
  commit:
    (reason: CommitReason, prevHash: number | undefined, session: Session) =>
    (): TraceEvent => ({
      step: 'commit',
      reason,
      forced: reason === 'force',
      prevHash,
      hash: hash(session.toJSON()),
    }),
  /** The session was removed (record destroyed in store mode). */
  remove: (externalKey: string | undefined): TraceEvent => ({
    step: 'remove',
    externalKey,
  }),
  /** The data went to the store for `storeTtl`, the id into the cookie. */
  saveToStore: (maxAge: MaxAge | undefined, storeTtl: MaxAge): TraceEvent => ({
    step: 'save',
    target: 'store',
    maxAge,
    storeTtl,
  }),
  /**
   * The encoded data itself became the cookie value. Built only for a
   * listener: a custom `encode` may return something without a length.
   */
  saveToCookie:
    (maxAge: MaxAge | undefined, value: string) => (): TraceEvent => ({
      step: 'save',
      target: 'cookie',
      maxAge,
      bytes: value.length,
    }),
};
