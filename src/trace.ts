/**
 * Structured tracing: the port announces each decision it makes on a
 * `node:diagnostics_channel` channel, so tools (the playground's trace mode,
 * your own logger) can show *why* a session was loaded, discarded or saved
 * without copying any of the logic.
 *
 * Publishing costs one property read when nobody listens, so it is safe to
 * leave in the hot path. Read with: chapters/run-it-yourself.md#trace-mode
 *
 * @module trace
 */
import diagnostics from 'node:diagnostics_channel';
import { debuglog } from 'node:util';
import type { Context } from 'koa';

/** Name of the channel the port publishes {@link TraceEvent}s on. */
export const TRACE_CHANNEL = 'koa-session-annotated:trace';

/** One step the session machinery took for a request. */
export type TraceEvent =
  | {
      /** The session cookie was looked up (cookie mode). */
      step: 'cookie';
      /** The cookie name. */
      key: string;
      /** Whether a cookie with a valid signature was there. */
      present: boolean;
    }
  | {
      /** The store id was looked up (store mode). */
      step: 'external-key';
      /** Where from: the session cookie or `opts.externalKey`. */
      source: 'cookie' | 'custom';
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
      /** `true` when the error is rethrown (not a `SyntaxError`): the request fails. */
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
      /** Loaded data was accepted or refused. */
      step: 'valid';
      /** Accepted? */
      ok: boolean;
      /** Why it was refused. */
      reason?: 'missed' | 'expired' | 'invalid' | 'hostile';
      /** For a hostile record: what exactly was wrong with it. */
      detail?: string;
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
      /** `'changed'`, `'rolling'`, `'renew'` or `'force'`. */
      reason: string;
      /** `true` for `save()`, `regenerate()` or a `maxAge` change. */
      forced: boolean;
    }
  | {
      /** Commit decided to write nothing. */
      step: 'skip';
      /** Why not, in words. */
      why: string;
    }
  | {
      /** The session was written. */
      step: 'save';
      /** To the cookie itself, or to the store (with the id in the cookie). */
      target: 'cookie' | 'store';
      /** The cookie's `maxAge` option for this response (`undefined`: no `Expires`). */
      maxAge: unknown;
      /** Length of the encoded cookie value (cookie mode). */
      bytes?: number;
      /** The TTL handed to the store (store mode). */
      storeTtl?: unknown;
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
};

const channel = diagnostics.channel(TRACE_CHANNEL);

/** Publish a trace event for `ctx` if anyone is listening. */
export function trace(ctx: Context, event: TraceEvent): void {
  if (channel.hasSubscribers) channel.publish({ ...event, ctx });
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
 * Plain-text debug output, on by `NODE_DEBUG=koa-session` — the same switch
 * koa-session uses, so habits carry over.
 */
export const debug = debuglog('koa-session');
