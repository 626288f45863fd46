/**
 * The contract every store here is written against, and the helpers they
 * share: how long a record lives, how a record read back as text is
 * trusted, and the one kind of error a store throws. The stores depend on
 * this module and on the public types, never on each other.
 *
 * Errors, in one place:
 *
 * - a configuration mistake (a bad `sessionTtl`, a missing client …) is a
 *   `TypeError` from the constructor, when the app starts;
 * - data JSON cannot hold (a `BigInt`, a cycle) is the `TypeError` that
 *   `JSON.stringify` throws, before any I/O — a mistake in the caller's
 *   data, not a store failure (the port never gets that far: hashing the
 *   session fails first);
 * - a failure of the store itself while serving a request — the database
 *   is down, a command is refused — is a {@link StoreError}. The port does
 *   not catch it, exactly as koa-session does not: it propagates to Koa,
 *   which answers 500 and emits `error` on the app.
 *
 * Read with: chapters/08-memory-store.md
 *
 * @module stores/contract
 */
import type { MaxAge, SessionData } from '../index.js';

/**
 * How long a record saved with `maxAge: 'session'` is kept when the caller
 * gives no `sessionTtl`: one day, koa-session's own default lifetime.
 * The reasoning is in {@link storeTtl}.
 */
export const DEFAULT_SESSION_TTL = 24 * 60 * 60 * 1000;

// #region storeTtl
/**
 * Turn the `maxAge` a store receives in `set` into a number of milliseconds
 * the record should live.
 *
 * From koa-session's `save` a store receives either a number (the cookie's
 * lifetime plus ten seconds of grace) or the string `'session'`, meaning
 * "a browser-session cookie: no `Expires`, gone when the browser closes".
 * The server is never told when that happens — and browsers that restore
 * tabs keep session cookies for weeks. So there is no right expiry to copy;
 * we have to pick one. Never expiring would let abandoned sessions pile up
 * forever, so a browser-session record lives `sessionTtl` ms (default: one
 * day) after its last save. Anything that is not a positive finite number
 * (`undefined` from a direct caller, `NaN`) is treated the same way.
 *
 * See chapters/09-redis-store.md#the-session-pitfall
 */
export function storeTtl(
  maxAge: MaxAge | undefined,
  sessionTtl: number,
): number {
  if (typeof maxAge === 'number' && Number.isFinite(maxAge) && maxAge > 0) {
    return Math.ceil(maxAge);
  }
  return sessionTtl;
}
// #endregion storeTtl

/** Validate a `sessionTtl` option once, at construction. */
export function checkSessionTtl(
  owner: string,
  value: number | undefined,
): number {
  if (value === undefined) return DEFAULT_SESSION_TTL;
  if (!Number.isFinite(value) || value <= 0) {
    throw new TypeError(
      `${owner}: sessionTtl must be a positive number of ms, got ${value}`,
    );
  }
  return Math.ceil(value);
}

/**
 * Read a record a network store handed back as text. Anything that is not a
 * JSON object — a half-written value, a plain string some other service
 * stored under our key — counts as "no session", so the visitor gets a
 * fresh one instead of a 500 on every request until the key expires.
 */
export function parseRecord(text: string): SessionData | undefined {
  try {
    const data: unknown = JSON.parse(text);
    return data !== null && typeof data === 'object'
      ? (data as SessionData)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The store methods a {@link StoreError} can come from. */
export type StoreOperation = 'get' | 'set' | 'destroy';

/**
 * What every store here throws when a call fails while serving a request.
 *
 * `message` and `code` are the underlying error's own (`'Connection is
 * closed.'`, `'ECONNREFUSED'` …), so code that matched on them keeps
 * working; `store` and `operation` say where it happened, and `cause` is
 * the original error. It carries no HTTP `status`, so Koa answers 500.
 *
 * @example
 * ```ts
 * app.on('error', (err) => {
 *   if (err instanceof StoreError) log(`${err.store}.${err.operation}`, err);
 * });
 * ```
 */
export class StoreError extends Error {
  /** The store class that failed: `'RedisStore'`, `'MysqlStore'` … */
  readonly store: string;
  /** The method that failed. */
  readonly operation: StoreOperation;
  /** The underlying error's `code` (a driver or system code), if any. */
  readonly code: string | undefined;

  constructor(store: string, operation: StoreOperation, cause: unknown) {
    super(messageOf(cause, `${store}.${operation} failed`), { cause });
    this.name = 'StoreError';
    this.store = store;
    this.operation = operation;
    const code = (cause as { code?: unknown } | null)?.code;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

/**
 * The underlying error's message; for an `AggregateError` (Node reports a
 * refused connection to every address of a host that way, often with an
 * empty message) the first inner one; `fallback` plus the code when there
 * is no text at all.
 */
function messageOf(cause: unknown, fallback: string): string {
  if (cause instanceof AggregateError && cause.errors.length > 0) {
    return messageOf(cause.errors[0], fallback);
  }
  if (cause instanceof Error && cause.message) return cause.message;
  if (!(cause instanceof Error) && cause != null) return String(cause);
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? `${fallback}: ${code}` : fallback;
}

/**
 * Run one store operation; whatever it throws or rejects with comes out
 * as a {@link StoreError} (one already made passes through).
 */
export async function attempt<T>(
  store: string,
  operation: StoreOperation,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (cause) {
    if (cause instanceof StoreError) throw cause;
    throw new StoreError(store, operation, cause);
  }
}
