/**
 * A session store that knows whose sessions it holds, so a user can see
 * their devices, sign one out, or sign out everywhere — and that never
 * stores a usable session id.
 *
 * Three ideas, each one line of Redis:
 *
 * 1. **Ids are stored hashed.** The cookie carries the id; Redis keys
 *    carry `sha256(id)`. A copy of the database (a backup, a replica, a
 *    `KEYS *` on a shared console) lists sessions without handing anyone
 *    a cookie that works.
 * 2. **A per-user index.** Each signed-in session is also listed in a
 *    sorted set for its user, scored by when it expires, so "list my
 *    sessions" is one read and expired entries fall out by score.
 * 3. **One slot per user.** On a Redis Cluster, keys live in 16,384 hash
 *    slots and one command (or MULTI) may only touch keys of one slot.
 *    Redis hashes only the part of a key inside `{…}` (a hash tag), so
 *    every key of a user carries `{<user tag>}`, and the *session id*
 *    begins with that tag: the store finds the slot from the id alone.
 *
 * Read with: chapters/17-login.md#store
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { SessionData, SessionStore } from '../../src/index.js';
import { storeTtl } from '../../src/stores/index.js';

/** Where a record lives for a browser-session cookie (no maxAge): one day. */
const DAY = 86_400_000;

/** `<16 hex>.<43 base64url>`: a tag, then 256 random bits. */
const ID = /^([0-9a-f]{16})\.[A-Za-z0-9_-]{43}$/;

// #region ids
/** The tag of a user's sessions: opaque, stable, the same for every id. */
export function userTag(userId: string): string {
  return createHash('sha256')
    .update(`user:${userId}`)
    .digest('hex')
    .slice(0, 16);
}

/**
 * A new session id: the tag of the user it is for (or a random tag for a
 * visitor who has not signed in), a dot, then 32 random bytes.
 */
export function newId(userId?: string): string {
  const tag = userId ? userTag(userId) : randomBytes(8).toString('hex');
  return `${tag}.${randomBytes(32).toString('base64url')}`;
}

/** What the store keeps instead of the id. */
export function hashId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}
// #endregion ids

/** One of a user's sessions, as the devices page lists it. */
export interface ListedSession {
  /** `sha256(id)`: names the session without being able to resume it. */
  hash: string;
  data: SessionData;
  /** When the record expires (ms since the epoch). */
  expires: number;
}

export interface UserSessionStoreOptions {
  client: Redis | Cluster;
  /** Prefix of every key, e.g. `login:`. */
  prefix: string;
  /** Whose session this is, from its data (`undefined`: nobody's). */
  owner: (data: SessionData) => string | undefined;
  now?: () => number;
}

export class UserSessionStore implements SessionStore {
  readonly #redis: Redis | Cluster;
  readonly #prefix: string;
  readonly #owner: (data: SessionData) => string | undefined;
  readonly #now: () => number;

  constructor(options: UserSessionStoreOptions) {
    this.#redis = options.client;
    this.#prefix = options.prefix;
    this.#owner = options.owner;
    this.#now = options.now ?? Date.now;
  }

  // #region keys
  /** `login:{<tag>}:s:<hash>`: one session. */
  #record(tag: string, hash: string): string {
    return `${this.#prefix}{${tag}}:s:${hash}`;
  }

  /** `login:{<tag>}:sessions`: the user's index, in the same slot. */
  #index(tag: string): string {
    return `${this.#prefix}{${tag}}:sessions`;
  }
  // #endregion keys

  /** The Redis key of a session id (`undefined`: not an id we issue). */
  keyOf(id: string): string | undefined {
    const tag = ID.exec(id)?.[1];
    return tag ? this.#record(tag, hashId(id)) : undefined;
  }

  // #region get
  async get(id: string): Promise<SessionData | undefined> {
    const tag = ID.exec(id)?.[1];
    if (!tag) return undefined; // not an id we issue: never ask Redis
    const text = await this.#redis.get(this.#record(tag, hashId(id)));
    return text ? (JSON.parse(text) as SessionData) : undefined;
  }
  // #endregion get

  // #region set
  async set(id: string, data: SessionData, maxAge: unknown): Promise<void> {
    const tag = ID.exec(id)?.[1];
    if (!tag) throw new Error(`UserSessionStore: not an id it issued: ${id}`);
    const ttl = storeTtl(maxAge as number | undefined, DAY);
    const hash = hashId(id);
    const tx = this.#redis.multi();
    tx.set(this.#record(tag, hash), JSON.stringify(data), 'PX', ttl);
    const owner = this.#owner(data);
    if (owner !== undefined) {
      // A session that signed in without a new id would be filed under
      // a visitor's tag, in another slot: refuse, loudly.
      if (userTag(owner) !== tag) {
        throw new Error(
          'UserSessionStore: a signed-in session must get a new id at ' +
            'sign-in (call regenerate(), as passport.logIn does)',
        );
      }
      const index = this.#index(tag);
      const expires = this.#now() + ttl;
      tx.zadd(index, expires, hash);
      tx.zremrangebyscore(index, '-inf', this.#now());
      // The index lives as long as its longest-lived session.
      tx.pexpireat(index, expires, 'NX');
      tx.pexpireat(index, expires, 'GT');
    }
    await tx.exec();
  }
  // #endregion set

  // #region destroy
  async destroy(id: string): Promise<void> {
    const tag = ID.exec(id)?.[1];
    if (!tag) return;
    const hash = hashId(id);
    await this.#redis
      .multi()
      .del(this.#record(tag, hash))
      .zrem(this.#index(tag), hash)
      .exec();
  }
  // #endregion destroy

  // #region list
  /** The user's live sessions, soonest-expiring first. */
  async list(userId: string): Promise<ListedSession[]> {
    const tag = userTag(userId);
    const index = this.#index(tag);
    const entries = await this.#redis.zrangebyscore(
      index,
      this.#now(),
      '+inf',
      'WITHSCORES',
    );
    const hashes = entries.filter((_, i) => i % 2 === 0);
    if (hashes.length === 0) return [];
    const texts = await this.#redis.mget(
      hashes.map((hash) => this.#record(tag, hash)),
    );
    const out: ListedSession[] = [];
    hashes.forEach((hash, i) => {
      const text = texts[i];
      if (text) {
        out.push({
          hash,
          data: JSON.parse(text) as SessionData,
          expires: Number(entries[i * 2 + 1]),
        });
      }
    });
    return out;
  }
  // #endregion list

  // #region revoke
  /** Sign one session out, by its hash (as the devices page names it). */
  async revoke(userId: string, hash: string): Promise<boolean> {
    const tag = userTag(userId);
    const [[, removed] = []] =
      (await this.#redis
        .multi()
        .zrem(this.#index(tag), hash)
        .del(this.#record(tag, hash))
        .exec()) ?? [];
    return removed === 1;
  }

  /** Sign every session of the user out. */
  async revokeAll(userId: string): Promise<number> {
    const tag = userTag(userId);
    const index = this.#index(tag);
    const hashes = await this.#redis.zrange(index, '0', '-1');
    const tx = this.#redis.multi();
    for (const hash of hashes) tx.del(this.#record(tag, hash));
    tx.del(index);
    await tx.exec();
    return hashes.length;
  }
  // #endregion revoke
}
