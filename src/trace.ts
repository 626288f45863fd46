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
  | { step: 'cookie'; key: string; present: boolean }
  | { step: 'external-key'; source: 'cookie' | 'custom'; key: string | undefined }
  | { step: 'decode'; ok: true }
  | { step: 'decode'; ok: false; error: string; rethrown: boolean }
  | { step: 'store-get'; key: string; found: boolean }
  | {
      step: 'valid';
      ok: boolean;
      reason?: 'missed' | 'expired' | 'invalid' | 'hostile';
      detail?: string;
    }
  | { step: 'loaded'; mode: 'cookie' | 'store'; hash: number }
  | { step: 'created'; externalKey: string | undefined }
  | { step: 'commit'; reason: string; forced: boolean }
  | { step: 'skip'; why: string }
  | {
      step: 'save';
      target: 'cookie' | 'store';
      maxAge: unknown;
      bytes?: number;
      storeTtl?: unknown;
    }
  | { step: 'remove'; externalKey: string | undefined };

/** What a subscriber receives: the event plus the request it belongs to. */
export type TraceMessage = TraceEvent & { ctx: Context };

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
