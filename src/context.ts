/**
 * `ContextSession`: one per request, created the first time anything asks
 * for the session. It decides where the session comes from (cookie or
 * store), whether loaded data can be trusted, and — at the end — whether
 * and how to write it back.
 *
 * Read with: chapters/03-architecture.md#contextsession, then chapters 4–7.
 *
 * @module context
 */
import { debuglog } from 'node:util';
import type { Context } from 'koa';
import { findHostileKey } from './hardening.js';
import {
  asCookieOptions,
  type ResolvedOptions,
  type SessionStore,
} from './options.js';
import { type CommitOptions, Session } from './session.js';
import { readSessionCookie } from './signed-cookie.js';
import { step, trace } from './trace.js';
import { hash, type SessionData } from './util.js';

/**
 * Plain-text debug output, on by `NODE_DEBUG=koa-session` — the switch
 * koa-session's entry uses, so habits carry over.
 */
const debug = debuglog('koa-session');

/**
 * The `Expires` date that tells a browser to drop a cookie at once: the
 * Unix epoch, long past. See chapters/07-save-remove-commit.md#remove.
 */
const COOKIE_EXP_DATE = new Date('Thu, 01 Jan 1970 00:00:00 GMT');
/** One day in milliseconds: the lifetime used when no `maxAge` is set. */
const ONE_DAY = 24 * 60 * 60 * 1000;

/**
 * The request-level session logic. Created lazily by the `ctx` getter that
 * `extendContext` installs, so a request that never touches the session
 * pays nothing.
 */
export class ContextSession {
  /** The request this session belongs to. */
  readonly ctx: Context;
  /** The Koa application; the `session:*` events are emitted on it. */
  readonly app: Context['app'];
  /** This request's options (`ctx.sessionOptions`), a private copy. */
  readonly opts: ResolvedOptions;
  /**
   * The store for this request: a ContextStore instance, `opts.store`, or none.
   */
  readonly store: SessionStore | undefined;
  /**
   * `undefined`: not loaded yet · `false`: set to `null` (to be removed) ·
   * a Session: loaded or created.
   */
  session: Session | false | undefined;
  /** The store id this request's session lives under (store mode). */
  externalKey: string | undefined;
  /** Hash of the session as it was loaded; `undefined` for a new one. */
  prevHash: number | undefined;

  constructor(ctx: Context, opts: ResolvedOptions) {
    this.ctx = ctx;
    this.app = ctx.app;
    this.opts = opts;
    this.store = opts.ContextStore ? new opts.ContextStore(ctx) : opts.store;
  }

  // #region get
  /**
   * What `ctx.session` returns. Cookie sessions are decoded here, on first
   * read — a request that never reads its session never pays for decoding.
   * Store sessions were already loaded by the middleware (I/O cannot happen
   * inside a synchronous getter), so reaching `create()` here only happens
   * when `ctx.session` is read *before* the middleware ran.
   *
   * See chapters/03-architecture.md#lazy-ctx-session
   */
  get(): Session | null {
    if (this.session) return this.session;
    if (this.session === false) return null;
    if (this.store) this.create();
    else this.initFromCookie();
    return this.session as unknown as Session;
  }
  // #endregion get

  // #region set
  /**
   * What `ctx.session = value` does: `null` marks the session for removal at
   * commit; an object replaces the data but keeps the current store id, so
   * the store overwrites one record instead of leaving an orphan behind.
   *
   * See chapters/03-architecture.md#assigning-ctx-session
   */
  set(value: unknown): void {
    if (value === null) {
      this.session = false;
      return;
    }
    if (typeof value === 'object') {
      this.create(value as SessionData, this.externalKey);
      return;
    }
    throw new Error('this.session can only be set as null or an object.');
  }
  // #endregion set

  // #region initFromExternal
  /**
   * Load a store-backed session. Runs in the middleware *before* your
   * handlers, because fetching from a store is asynchronous.
   *
   * 1. Find the id: from `opts.externalKey.get(ctx)` if configured, else from
   *    the (signed) cookie.
   * 2. No id → a brand-new session with a freshly generated id.
   * 3. Ask the store. Missing, expired or rejected data → new session, new id
   *    (never adopt an id the store does not know: that is session fixation).
   * 4. Otherwise build the session under the *same* id and remember its hash.
   *
   * See chapters/05-init-from-external.md
   */
  async initFromExternal(): Promise<void> {
    const ctx = this.ctx;
    const opts = this.opts;

    let externalKey: string | undefined;
    if (opts.externalKey) {
      externalKey = opts.externalKey.get(ctx);
      trace(ctx, step.customKey(externalKey));
    } else {
      // Port: the fast signed read, one HMAC (src/signed-cookie.ts).
      const read = readSessionCookie(ctx, opts);
      externalKey = read.value;
      trace(ctx, step.cookieKey(read));
    }
    debug('external key: %s', externalKey);

    if (!externalKey) {
      this.create();
      return;
    }

    const data = await this.store!.get(externalKey, opts.maxAge, {
      ctx,
      rolling: opts.rolling,
    });
    trace(ctx, step.storeGet(externalKey, data));
    if (!this.valid(data, externalKey)) {
      this.create();
      return;
    }
    // Port: create + hash, hardened against data that cannot be hashed.
    this.load(data as SessionData, externalKey);
  }
  // #endregion initFromExternal

  // #region initFromCookie
  /**
   * Load a cookie session, on first read of `ctx.session`.
   *
   * No cookie (or a bad signature, which `ctx.cookies.get` reports as no
   * cookie) → new session. Then decode: a `SyntaxError` means the value is
   * not ours — start afresh quietly. Any *other* error is a real fault in a
   * custom `decode`: clear the cookie so the next request does not fail the
   * same way, attach that `Set-Cookie` to the error (Koa's error handler
   * drops all other headers but keeps `err.headers`), and rethrow.
   *
   * See chapters/04-init-from-cookie.md
   */
  initFromCookie(): void {
    const ctx = this.ctx;
    const opts = this.opts;

    // Port: the fast signed read, one HMAC (src/signed-cookie.ts).
    const read = readSessionCookie(ctx, opts);
    const cookie = read.value;
    trace(ctx, step.cookie(opts.key, read));
    if (!cookie) {
      this.create();
      return;
    }

    let data: SessionData;
    try {
      data = opts.decode(cookie);
    } catch (err) {
      const rethrow = err instanceof Error && !(err instanceof SyntaxError);
      debug('cannot decode cookie %j: %s', cookie, err);
      trace(ctx, step.decodeFailed(err, rethrow));
      if (rethrow) {
        ctx.cookies.set(opts.key, '', asCookieOptions(opts));
        Reflect.set(err, 'headers', {
          'set-cookie': ctx.response.get('set-cookie'),
        });
        throw err;
      }
      this.create();
      return;
    }
    trace(ctx, step.decoded());

    if (!this.valid(data)) {
      this.create();
      return;
    }
    // Port: create + hash, hardened against data that cannot be hashed.
    this.load(data);
  }
  // #endregion initFromCookie

  // #region valid
  /**
   * Decide whether loaded data may become this request's session. Each "no"
   * is announced as an app event, so you can log or count them:
   * `session:missed` (nothing there), `session:expired` (its `_expire` has
   * passed), `session:invalid` (your `opts.valid` said no — or, in this port,
   * the data is hostile; see chapters/deviations.md).
   *
   * See chapters/04-init-from-cookie.md#valid
   */
  protected valid(data: unknown, key?: string): boolean {
    const ctx = this.ctx;
    if (!data) {
      trace(ctx, step.refused('missed'));
      this.emit('missed', { key, value: data, ctx });
      return false;
    }

    const record = data as SessionData;
    if (typeof record._expire === 'number' && record._expire < Date.now()) {
      debug('expired session');
      trace(ctx, step.refused('expired'));
      this.emit('expired', { key, value: data, ctx });
      return false;
    }

    // Port: refuse data that would crash koa-session (src/hardening.ts).
    const hostile = findHostileKey(data);
    if (hostile) return this.refuse(data, key, hostile);

    const valid = this.opts.valid;
    if (typeof valid === 'function' && !valid(ctx, record)) {
      debug('invalid session');
      trace(ctx, step.refused('invalid'));
      this.emit('invalid', { key, value: data, ctx });
      return false;
    }
    trace(ctx, step.valid());
    return true;
  }
  // #endregion valid

  /**
   * Emit `session:<event>` on the app on the next turn of the event loop,
   * as koa-session does: the listener runs after the code that refused the
   * session, but in the same process. A slow listener blocks every request
   * still in flight (this one too, if it is waiting for its store), and one
   * that throws is an uncaught exception: by default the process ends.
   */
  emit(event: SessionEventName, data: SessionEvent): void {
    setImmediate(() => {
      this.app.emit(`session:${event}`, data);
    });
  }

  // #region create
  /**
   * Make `data` (or nothing) the current session. In store mode every
   * session needs an id: keep the one we were given, or generate one.
   *
   * See chapters/04-init-from-cookie.md#create
   */
  protected create(data?: SessionData, externalKey?: string): void {
    if (this.store) {
      this.externalKey = externalKey ?? this.opts.genid?.(this.ctx);
    }
    this.session = new Session(this, data, this.externalKey);
    if (!data) trace(this.ctx, step.created(this.externalKey));
  }
  // #endregion create

  // #region commit
  /**
   * The end-of-request step (or `session.commit()` when called by hand).
   *
   * - never touched → nothing to do, not even a header;
   * - set to `null` → remove it;
   * - `regenerate` → remove the old one, and in store mode pick a new id;
   * - otherwise save if forced (`save`, `regenerate`, a `maxAge` change) or
   *   if `_shouldSaveSession` finds a reason.
   *
   * See chapters/07-save-remove-commit.md#commit
   */
  async commit({
    save = false,
    regenerate = false,
  }: CommitOptions = {}): Promise<void> {
    const session = this.session;
    const opts = this.opts;
    const ctx = this.ctx;

    if (session === undefined) {
      trace(ctx, step.untouched());
      return;
    }
    if (session === false) {
      await this.remove();
      return;
    }
    if (regenerate) {
      await this.remove();
      if (this.store) this.externalKey = opts.genid?.(ctx);
    }

    const forced = save || regenerate || session._requireSave;
    const reason = forced ? 'force' : this._shouldSaveSession();
    debug('should save session: %j', reason);
    if (!reason) {
      trace(ctx, step.skip(this.prevHash, session));
      return;
    }
    trace(ctx, step.commit(reason, this.prevHash, session));
    if (typeof opts.beforeSave === 'function') opts.beforeSave(ctx, session);
    await this.save(reason === 'changed');
  }
  // #endregion commit

  // #region _shouldSaveSession
  /**
   * Why this session should be written back, or `''` for "don't":
   *
   * - `''` — brand new and still empty: don't litter the browser with empty
   *   sessions;
   * - `'changed'` — its hash differs from the one taken at load;
   * - `'rolling'` — `opts.rolling`: re-send on every response;
   * - `'renew'` — `opts.renew` and less than half the lifetime is left;
   * - `''` — otherwise.
   *
   * See chapters/06-should-save-session.md
   */
  _shouldSaveSession(): '' | 'changed' | 'rolling' | 'renew' {
    const prevHash = this.prevHash;
    const session = this.session as Session;
    const data = session.toJSON();

    if (!prevHash && !Object.keys(data).length) return '';
    if (prevHash !== hash(data)) return 'changed';
    if (this.opts.rolling) return 'rolling';
    if (this.opts.renew) {
      const expire = session._expire;
      const maxAge = session.maxAge;
      if (expire && maxAge && expire - Date.now() < (maxAge as number) / 2)
        return 'renew';
    }
    return '';
  }
  // #endregion _shouldSaveSession

  // #region remove
  /**
   * Forget the session: destroy the stored record (store mode), then
   * overwrite the cookie with an empty value dated 1 January 1970, which
   * every browser treats as "delete now". The `maxAge: false` is kept from
   * koa-session but changes no byte: `cookies` 0.9 already dates every empty
   * value to 1970 and drops `maxAge` for it.
   *
   * See chapters/07-save-remove-commit.md#remove
   */
  async remove(): Promise<void> {
    const opts = { ...this.opts, expires: COOKIE_EXP_DATE, maxAge: false };
    const ctx = this.ctx;
    const externalKey = this.externalKey;
    trace(ctx, step.remove(externalKey));
    if (externalKey) await this.store!.destroy(externalKey, { ctx });
    ctx.cookies.set(opts.key, '', asCookieOptions(opts));
  }
  // #endregion remove

  // #region save
  /**
   * Write the session out.
   *
   * First the lifetime is stamped into the data: `_expire` (absolute, so a
   * stale copy can be recognised) and `_maxAge` (so the next request keeps
   * the same lifetime) — or `_session: true` for a browser-session cookie,
   * in which case `maxAge` is dropped from this response's cookie options so
   * the cookie gets no `Expires`.
   *
   * Store mode: the data goes to the store with a TTL ten seconds longer
   * than the cookie's, and only the id goes into the cookie (or to
   * `opts.externalKey.set`). Cookie mode: the data itself, encoded, is the
   * cookie.
   *
   * See chapters/07-save-remove-commit.md#save
   */
  async save(changed: boolean): Promise<void> {
    const opts = this.opts;
    const key = opts.key;
    const externalKey = this.externalKey;
    const data = (this.session as Session).toJSON();

    let maxAge: number | 'session' = opts.maxAge ? opts.maxAge : ONE_DAY;
    if (maxAge === 'session') {
      opts.maxAge = undefined;
      data._session = true;
    } else {
      data._expire = maxAge + Date.now();
      data._maxAge = maxAge;
    }

    if (externalKey) {
      // The record outlives the cookie: a live cookie never finds it gone.
      if (typeof maxAge === 'number') maxAge += 10000;
      trace(this.ctx, step.saveToStore(opts.maxAge, maxAge));
      await this.store!.set(externalKey, data, maxAge, {
        changed,
        ctx: this.ctx,
        rolling: opts.rolling,
      });
      if (opts.externalKey) opts.externalKey.set(this.ctx, externalKey);
      else this.ctx.cookies.set(key, externalKey, asCookieOptions(opts));
      return;
    }

    const value = opts.encode(data);
    trace(this.ctx, step.saveToCookie(opts.maxAge, value));
    this.ctx.cookies.set(key, value, asCookieOptions(opts));
  }
  // #endregion save

  // ------------------------------------------------------------------
  // The port's two helpers, each called from a `// Port:` line above.
  // ------------------------------------------------------------------

  // #region load
  /**
   * Shared tail of both init paths: build the session from trusted data and
   * remember its hash, so commit can tell whether the request changed it —
   * koa-session's two lines `this.create(data, key)` and `this.prevHash =
   * hash(…)`.
   *
   * Hardening (chapters/deviations.md#hostile-session-data): if the data
   * cannot be copied or serialised — nested deeper than the stack allows, a
   * cycle, a BigInt or a throwing getter from a custom store — koa-session
   * 7.0.2 throws here and the request fails with a 500. We undo the
   * lifetime the data may have set, refuse it as invalid and start a fresh
   * session.
   */
  private load(data: SessionData, externalKey?: string): void {
    const maxAgeBefore = this.opts.maxAge;
    try {
      this.create(data, externalKey);
      this.prevHash = hash((this.session as Session).toJSON());
    } catch (err) {
      this.opts.maxAge = maxAgeBefore;
      this.refuse(data, externalKey, `cannot serialise: ${String(err)}`);
      this.create();
      return;
    }
    trace(this.ctx, step.loaded(externalKey, this.prevHash));
  }
  // #endregion load

  /**
   * Refuse hostile data the way `valid` refuses data your `opts.valid`
   * rejects — a debug line, then `session:invalid` — and trace what was
   * wrong with it. Returns `false`, the answer `valid` gives.
   */
  private refuse(value: unknown, key: string | undefined, why: string): false {
    debug('invalid session (%s)', why);
    trace(this.ctx, step.hostile(why));
    this.emit('invalid', { key, value, ctx: this.ctx });
    return false;
  }
}

/**
 * The three events a ContextSession can emit on the app, minus the
 * `session:` prefix.
 */
export type SessionEventName = 'missed' | 'expired' | 'invalid';

/** Payload of `session:missed`, `session:expired` and `session:invalid`. */
export interface SessionEvent {
  /** The store id that was looked up (store mode), else `undefined`. */
  key: string | undefined;
  /** The data that was rejected (falsy for `missed`). */
  value: unknown;
  /** The request during which the data was refused. */
  ctx: Context;
}
