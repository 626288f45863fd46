/**
 * `MemoryStore`: the smallest honest session store. It keeps every session
 * in a `Map` inside this Node process.
 *
 * Good for learning, tests and a single-process demo; wrong for production,
 * and the playground's scale-out demo shows why: a second process has its
 * own `Map`, so a user whose next request lands there is a stranger
 * (chapters/08-memory-store.md#one-process-only). Everything is also lost
 * on restart.
 *
 * Read with: chapters/08-memory-store.md
 *
 * @module stores/memory
 */
import type { MaxAge, SessionData, SessionStore } from '../index.js';
import { checkSessionTtl, storeTtl } from './contract.js';

/** Options for {@link MemoryStore}; all optional. */
export interface MemoryStoreOptions {
  /**
   * Lifetime in ms of a record saved with `maxAge: 'session'`. Default one day.
   */
  sessionTtl?: number;
  /**
   * Sweep out expired records at most this often (ms), on a write. Default one
   * minute.
   */
  pruneInterval?: number;
  /**
   * The clock. Tests pass their own to step over an expiry without sleeping.
   */
  now?: () => number;
}

/** One record as the inspector sees it. */
export interface MemoryStoreEntry {
  /** The session id the record is saved under. */
  key: string;
  /** A copy of the saved session data. */
  data: SessionData;
  /** When the record expires, in ms since the epoch. */
  expires: number;
  /** Milliseconds left before it expires. */
  ttl: number;
}

interface Slot {
  /** The session as JSON text: see `set` for why not the object itself. */
  json: string;
  expires: number;
}

/**
 * A session store in a `Map`, with expiry.
 *
 * @example
 * ```ts
 * import { MemoryStore } from 'koa-session-annotated/stores';
 * app.use(session({ store: new MemoryStore() }, app));
 * ```
 *
 * See chapters/08-memory-store.md
 */
export class MemoryStore implements SessionStore {
  readonly #slots = new Map<string, Slot>();
  readonly #sessionTtl: number;
  readonly #pruneInterval: number;
  readonly #now: () => number;
  #nextPrune: number;

  constructor(options: MemoryStoreOptions = {}) {
    this.#sessionTtl = checkSessionTtl('MemoryStore', options.sessionTtl);
    const pruneInterval = options.pruneInterval ?? 60_000;
    if (!Number.isFinite(pruneInterval) || pruneInterval < 0) {
      throw new TypeError(
        `MemoryStore: pruneInterval must be ms >= 0, got ${pruneInterval}`,
      );
    }
    this.#pruneInterval = pruneInterval;
    this.#now = options.now ?? Date.now;
    this.#nextPrune = this.#now() + this.#pruneInterval;
  }

  // #region get
  /**
   * Return a fresh copy of the record, or `undefined` when there is none or
   * it has expired. An expired record is deleted on the spot: nobody can
   * use it any more, so there is no reason to wait for the next sweep.
   *
   * koa-session passes `maxAge` and `{ rolling, ctx }` too; a memory store
   * needs neither — the expiry was fixed when the record was saved.
   *
   * See chapters/08-memory-store.md#get
   */
  get(key: string): SessionData | undefined {
    const slot = this.#slots.get(key);
    if (!slot) return undefined;
    if (slot.expires <= this.#now()) {
      this.#slots.delete(key);
      return undefined;
    }
    return JSON.parse(slot.json) as SessionData;
  }
  // #endregion get

  // #region set
  /**
   * Save a copy of `sess` for `maxAge` milliseconds.
   *
   * Why store JSON text instead of the object? koa-session hands us the
   * result of `session.toJSON()`, whose nested objects are *shared* with the
   * live `ctx.session`. Keeping that reference would let a later request
   * change "stored" data without ever saving it — a bug no real store has.
   * Serialising also makes the memory store fail exactly where Redis or
   * MySQL would, on data JSON cannot represent.
   *
   * Writes are also when the store grows, so they are when it tidies up:
   * see {@link MemoryStore.prune}.
   *
   * See chapters/08-memory-store.md#set
   */
  set(key: string, sess: SessionData, maxAge: MaxAge | undefined): void {
    const now = this.#now();
    const json = JSON.stringify(sess);
    this.#slots.set(key, {
      json,
      expires: now + storeTtl(maxAge, this.#sessionTtl),
    });
    if (now >= this.#nextPrune) this.prune();
  }
  // #endregion set

  // #region destroy
  /**
   * Forget the record. Deleting a key that is not there is fine: `destroy`
   * must be safe to call for a session that already expired.
   *
   * See chapters/08-memory-store.md#destroy
   */
  destroy(key: string): void {
    this.#slots.delete(key);
  }
  // #endregion destroy

  // #region prune
  /**
   * Delete every expired record; returns how many went.
   *
   * Without this, a visitor who never comes back leaves their record behind
   * forever and the `Map` grows without bound. `set` calls it at most once
   * per `pruneInterval`, so the cost (one pass over the map) is spread
   * thinly over many requests, and no timer is needed: a store that receives
   * no writes does not grow, so it has nothing urgent to clean.
   *
   * See chapters/08-memory-store.md#pruning
   */
  prune(): number {
    const now = this.#now();
    let removed = 0;
    for (const [key, slot] of this.#slots) {
      if (slot.expires <= now) {
        this.#slots.delete(key);
        removed++;
      }
    }
    this.#nextPrune = now + this.#pruneInterval;
    return removed;
  }
  // #endregion prune

  /** Milliseconds left for `key`, or `undefined` when absent or expired. */
  ttl(key: string): number | undefined {
    const slot = this.#slots.get(key);
    if (!slot) return undefined;
    const left = slot.expires - this.#now();
    return left > 0 ? left : undefined;
  }

  /**
   * Every live record, for the playground's inspector. Expired records
   * still waiting for a sweep are left out, as `get` would.
   */
  entries(): MemoryStoreEntry[] {
    const now = this.#now();
    const out: MemoryStoreEntry[] = [];
    for (const [key, slot] of this.#slots) {
      if (slot.expires <= now) continue;
      out.push({
        key,
        data: JSON.parse(slot.json) as SessionData,
        expires: slot.expires,
        ttl: slot.expires - now,
      });
    }
    return out;
  }

  /** How many records are held, expired ones not yet swept included. */
  get size(): number {
    return this.#slots.size;
  }

  /** Drop everything. */
  clear(): void {
    this.#slots.clear();
  }
}
