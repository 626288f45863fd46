/**
 * koa-session announces rejected session data as app events
 * (`session:missed`, `session:expired`, `session:invalid`) on a later turn of
 * the event loop. Start waiting *before* the request, await after it.
 */
import type { EventEmitter } from 'node:events';
import { once } from 'node:events';
import type { Context } from 'koa';

export interface SessionEventPayload {
  key: string | undefined;
  value: unknown;
  ctx: Context;
}

/** Resolves with the first payload of `event`; rejects if none comes within `ms`. */
export async function nextEvent(
  emitter: EventEmitter,
  event: string,
  ms = 2000,
): Promise<SessionEventPayload> {
  const [payload] = await once(emitter, event, { signal: AbortSignal.timeout(ms) });
  return payload as SessionEventPayload;
}
