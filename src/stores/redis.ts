/**
 * `RedisStore`: sessions in Redis through an ioredis client you own.
 *
 * Each call is exactly one command, so one network round trip: `GET`,
 * `SET key value PX ttl`, `DEL` (with the opt-in `wait`, `set` pipelines
 * a `WAIT` behind its `SET`: still one round trip). Values are JSON text,
 * readable with `redis-cli GET <key>`, and every key carries its own
 * expiry, so Redis — not this code — forgets abandoned sessions.
 *
 * Why write one when koa-redis exists? koa-redis 4.0.1 (the article's
 * choice, still used by the playground's Redis demo) works, but it has no
 * types, bundles an old ioredis, and fails every request of an app
 * configured with `maxAge: 'session'`: it hands the string to `SETEX`, and
 * Redis answers `ERR value is not an integer or out of range`
 * (chapters/09-redis-store.md#the-session-pitfall).
 *
 * Read with: chapters/09-redis-store.md
 *
 * @module stores/redis
 */
import type { Cluster, Redis } from 'ioredis';
import type { MaxAge, SessionData, SessionStore } from '../index.js';
import { attempt, checkSessionTtl, parseRecord, storeTtl } from './contract.js';

/** Options for {@link RedisStore}. */
export interface RedisStoreOptions {
  /**
   * A connected (or connecting) ioredis `Redis` or `Cluster`. The store
   * never creates, configures or closes it: connection policy — retries,
   * timeouts, TLS — belongs to the application.
   */
  client: Redis | Cluster;
  /**
   * Put in front of every session id to form the Redis key. Default `''`,
   * which gives the same keys as koa-redis, so an app can switch stores
   * without logging everybody out. Note koa-session's own `prefix` option
   * is different: it goes into the id itself, and so into the cookie.
   */
  prefix?: string;
  /**
   * Lifetime in ms of a record saved with `maxAge: 'session'`. Default one day.
   */
  sessionTtl?: number;
  /**
   * Opt-in: after each `set`, wait (Redis `WAIT`) until `replicas`
   * replicas hold the write, or `timeout` ms pass. Off by default, and then
   * `set` stays one `SET`. Narrows, does not close, the window in which a
   * crashed primary takes acknowledged sessions with it; a timeout is not
   * an error (the write is on the primary). See
   * chapters/13-scaling-out.md#wait
   */
  wait?: {
    /** How many replicas must acknowledge the write. */
    replicas: number;
    /** How long to wait for them, in ms (0: forever). */
    timeout: number;
  };
}

/**
 * A koa-session store backed by Redis.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { RedisStore } from 'koa-session-annotated/stores';
 * const store = new RedisStore({ client: new Redis(), prefix: 'sess:' });
 * app.use(session({ store }, app));
 * ```
 *
 * See chapters/09-redis-store.md
 */
export class RedisStore implements SessionStore {
  /** The client the store talks through (yours). */
  readonly client: Redis | Cluster;
  /** The key prefix in use. */
  readonly prefix: string;
  readonly #sessionTtl: number;
  readonly #wait: { replicas: number; timeout: number } | undefined;

  constructor(options: RedisStoreOptions) {
    const client = options?.client as unknown;
    if (
      !client ||
      typeof (client as Redis).get !== 'function' ||
      typeof (client as Redis).set !== 'function' ||
      typeof (client as Redis).del !== 'function'
    ) {
      throw new TypeError(
        'RedisStore: `client` must be an ioredis Redis or Cluster instance',
      );
    }
    if (options.prefix !== undefined && typeof options.prefix !== 'string') {
      throw new TypeError('RedisStore: `prefix` must be a string');
    }
    this.client = options.client;
    this.prefix = options.prefix ?? '';
    this.#sessionTtl = checkSessionTtl('RedisStore', options.sessionTtl);
    this.#wait = checkWait(options.wait);
  }

  /** The Redis key a session id is stored under. */
  keyFor(id: string): string {
    return this.prefix + id;
  }

  // #region get
  /**
   * One `GET`. A missing key comes back as `null` and we answer
   * `undefined`: "no session", and koa-session starts a fresh one with a
   * fresh id.
   *
   * Any failure comes out as a `StoreError` (src/stores/contract.ts).
   * Redis already deleted expired keys, so there is no expiry to check
   * here. Text that is not JSON (written by something else, or truncated)
   * is treated as missing too — a visitor gets a new session rather than a
   * 500 on every request until the key expires.
   *
   * See chapters/09-redis-store.md#get
   */
  async get(id: string): Promise<SessionData | undefined> {
    return attempt('RedisStore', 'get', async () => {
      const text = await this.client.get(this.keyFor(id));
      return text === null ? undefined : parseRecord(text);
    });
  }
  // #endregion get

  // #region set
  /**
   * One `SET key value PX ttl`: value and expiry written atomically, in
   * milliseconds, so nothing is lost to rounding (koa-redis rounds up to
   * whole seconds for `SETEX`).
   *
   * koa-session's `save` passes the cookie's lifetime plus ten seconds, so
   * the record outlives the cookie that points at it and a browser never
   * presents a live cookie for a vanished record. For `maxAge: 'session'`
   * it passes the string `'session'`; {@link storeTtl} turns that into
   * `sessionTtl` (one day by default) instead of sending the string to
   * Redis.
   *
   * With the opt-in `wait` option a `WAIT` rides along in the same
   * round trip (chapters/13-scaling-out.md#wait).
   *
   * See chapters/09-redis-store.md#set
   */
  async set(
    id: string,
    sess: SessionData,
    maxAge: MaxAge | undefined,
  ): Promise<void> {
    const ttl = storeTtl(maxAge, this.#sessionTtl);
    const key = this.keyFor(id);
    const value = JSON.stringify(sess);
    return attempt('RedisStore', 'set', async () => {
      if (!this.#wait) {
        await this.client.set(key, value, 'PX', ttl);
        return;
      }
      // Opt-in durability: SET and WAIT in one pipeline, one round trip. A
      // Cluster client sends a pipeline to the node owning its key, and
      // WAIT must run on the connection (so the node) that wrote.
      const { replicas, timeout } = this.#wait;
      const replies = await this.client
        .pipeline()
        .set(key, value, 'PX', ttl)
        .wait(replicas, timeout)
        .exec();
      for (const [error] of replies ?? []) if (error) throw error;
    });
  }
  // #endregion set

  // #region destroy
  /**
   * One `DEL`. Deleting a key that is already gone is not an error.
   *
   * See chapters/09-redis-store.md#destroy
   */
  async destroy(id: string): Promise<void> {
    return attempt('RedisStore', 'destroy', async () => {
      await this.client.del(this.keyFor(id));
    });
  }
  // #endregion destroy

  /**
   * Milliseconds left on the record (Redis `PTTL`): `undefined` when there
   * is none, `Infinity` for a key without expiry (what koa-redis writes when
   * it gets no TTL). One extra round trip: for the inspector, not requests.
   */
  async ttl(id: string): Promise<number | undefined> {
    const left = await this.client.pttl(this.keyFor(id));
    if (left === -1) return Number.POSITIVE_INFINITY;
    return left >= 0 ? left : undefined;
  }
}

/** `wait` must be whole, non-negative numbers; a typo fails at start-up. */
function checkWait(wait: RedisStoreOptions['wait']) {
  if (wait === undefined) return undefined;
  const int = (n: unknown, min: number) =>
    Number.isInteger(n) && (n as number) >= min;
  // WAIT with timeout 0 blocks forever: a request would hang, so refuse it.
  if (
    typeof wait !== 'object' ||
    wait === null ||
    !int(wait.replicas, 0) ||
    !int(wait.timeout, 1)
  ) {
    throw new TypeError(
      'RedisStore: `wait` must be { replicas, timeout }: integers, ' +
        'timeout ≥ 1 ms',
    );
  }
  return { replicas: wait.replicas, timeout: wait.timeout };
}
