/**
 * The inspector, `GET /__session`: the session as the server sees it, for
 * curl users — pretty-printed JSON, `_expire` as a date and "expires in
 * …", the store record parsed.
 *
 * Read with: chapters/run-it-yourself.md#the-inspector
 */
import type { Middleware } from 'koa';
import { decode, type SignatureVerdict } from '../src/index.js';
import { describeError } from './cli.js';
import { SIGNATURE_TEXT } from './format.js';
import { parseRecord } from './lab/shared/display.js';
import type { CookieSettings } from './lab/shared/protocol.js';
import { recordOf, signatureOf } from './observe.js';

/** What the inspector can say about the stored record behind a session id. */
export interface StoredRecord {
  /** Where it lives, e.g. `redis key session0f…` or `row in _mysql_session_store`. */
  where: string;
  /** The record as the store holds it (raw text or row), or `null` when absent. */
  record: unknown;
  /** Milliseconds before the store forgets it, `null` when absent or without expiry. */
  ttlMs: number | null;
}

/** `_expire` (ms since the epoch) for people: an ISO time and the time left. */
export function expiry(expire: unknown, now = Date.now()) {
  if (typeof expire !== 'number' || !Number.isFinite(expire)) return undefined;
  const left = expire - now;
  return {
    at: new Date(expire).toISOString(),
    in:
      left > 0
        ? `expires in ${duration(left)}`
        : `expired ${duration(-left)} ago`,
  };
}

/** 1234 → "1.2 s", 90061000 → "1 d 1 h 1 min". */
export function duration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['min', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${unit}`);
  }
  return parts.slice(0, 3).join(' ');
}

function signatureText(verdict: SignatureVerdict | undefined): string {
  return verdict ? SIGNATURE_TEXT[verdict] : 'not checked';
}

// #region inspector
/**
 * `GET /__session`: the current session as the server sees it — the
 * cookie as it arrived and its signature status, the decoded cookie
 * (cookie mode: readable by anyone who has it, which is the point), the
 * session object after loading, and, in store mode, the stored record
 * (raw and parsed) and how long the store will keep it. Printed as
 * indented JSON, so `curl` output reads without `jq`.
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
    let stored: unknown = null;
    if (lookup && id) {
      try {
        const found = await lookup(id);
        const parsed = parseRecord(found.record);
        stored = {
          ...found,
          ...(found.record !== null ? { parsed } : {}),
          expires: expiry((parsed as { _expire?: unknown } | null)?._expire),
        };
      } catch (error) {
        stored = { error: describeError(error) };
      }
    }
    const body = {
      cookie: {
        name: cookie.key,
        value: raw ?? null,
        signature: signatureText(record && signatureOf(record)),
        ...(decoded !== undefined
          ? {
              decoded,
              expires: expiry((decoded as { _expire?: unknown })._expire),
            }
          : {}),
      },
      session: session
        ? {
            isNew: session.isNew,
            id: id ?? null,
            data: session.toJSON(),
            maxAge: session.maxAge ?? null,
          }
        : null,
      ...(lookup ? { store: stored } : {}),
    };
    ctx.type = 'application/json';
    ctx.body = `${JSON.stringify(body, null, 2)}\n`;
  };
}
// #endregion inspector
