/**
 * The object your handlers see as `ctx.session`: your data as plain
 * properties, plus a handful of methods and flags the middleware uses.
 *
 * Read with: chapters/03-architecture.md#the-session-model
 *
 * @module session
 */
import { inspect } from 'node:util';
import type { ContextSession } from './context.js';
import type { MaxAge, SessionData } from './util.js';

/**
 * Node-style completion callback accepted by `save`, `regenerate` and `commit`.
 */
export type Callback = (err?: unknown) => void;

/** What `commit` can be asked to do beyond its normal "save if needed". */
export interface CommitOptions {
  /** Save even if nothing changed. */
  save?: boolean;
  /** Throw away the old id and record, then save under a new id. */
  regenerate?: boolean;
}

/**
 * One request's session.
 *
 * Everything you assign (`ctx.session.views = 3`) becomes an own property
 * and is saved; properties whose names start with `_`, the `isNew` flag and
 * functions are machinery and are never saved (see {@link Session.toJSON}).
 * The per-request collaborators live in `#private` fields precisely so
 * that they stay invisible to `for…in` and JSON.
 */
export class Session {
  /** Your data: any JSON-friendly value under any name not reserved below. */
  [key: string]: unknown;

  #owner: ContextSession;
  #externalKey: string | undefined;

  /** `true` when this session was not loaded from a cookie or store. */
  isNew = false;
  /** Set by the `maxAge` setter: a lifetime change must reach the browser. */
  _requireSave = false;
  /**
   * When the saved copy expires (ms since epoch), restored from `_expire` in
   * the data. Declared so it exists — as `undefined` — on every session,
   * exactly like upstream's class field; `renew` reads it.
   */
  _expire: number | undefined = undefined;

  // #region constructor
  /**
   * Build a session from loaded data, or an empty new one.
   *
   * Two keys in saved data are not user data but the lifetime the session
   * was saved with: `_maxAge` (a number) and `_session` (a flag meaning
   * "browser-session cookie"). They are moved back into the request's
   * options so the next save keeps the same lifetime. Everything else —
   * including `_expire` — is copied onto the session, in the data's own
   * key order, which is why the saved JSON keeps a stable shape. A name
   * that is a getter-only property here (`length`, `populated`) is
   * skipped, not copied and not an error.
   *
   * See chapters/03-architecture.md#the-session-model
   */
  constructor(
    owner: ContextSession,
    data?: SessionData | null,
    externalKey?: string,
  ) {
    this.#owner = owner;
    this.#externalKey = externalKey;
    if (!data) {
      this.isNew = true;
      return;
    }
    for (const k in data) {
      if (k === '_maxAge') {
        owner.opts.maxAge = data._maxAge as MaxAge;
      } else if (k === '_session') {
        owner.opts.maxAge = 'session';
      } else {
        // Reflect.set, not `this[k] =`: a name that is a getter-only accessor
        // here (`length`, `populated`) is skipped instead of throwing.
        Reflect.set(this, k, data[k]);
      }
    }
  }
  // #endregion constructor

  // #region toJSON
  /**
   * The session as plain data: own and inherited enumerable properties,
   * minus `isNew`, anything starting with `_`, and functions. This is what
   * gets hashed, encoded into the cookie, or handed to the store.
   *
   * See chapters/03-architecture.md#what-gets-saved
   */
  toJSON(): SessionData {
    const out: SessionData = {};
    for (const key in this) {
      if (key === 'isNew') continue;
      if (key[0] === '_') continue;
      const value = this[key];
      if (typeof value === 'function') continue;
      out[key] = value;
    }
    return out;
  }
  // #endregion toJSON

  /** `console.log(ctx.session)` shows the data, not the machinery. */
  [inspect.custom](): SessionData {
    return this.toJSON();
  }

  /** How many saved properties the session has. */
  get length(): number {
    return Object.keys(this.toJSON()).length;
  }

  /** `true` when the session holds any saved property. */
  get populated(): boolean {
    return !!this.length;
  }

  /**
   * This request's lifetime for the session (it reads
   * `ctx.sessionOptions.maxAge`). Assigning it forces a save, so the
   * browser (and store) learn the new lifetime even if no data changed.
   *
   * See chapters/06-should-save-session.md#forced-saves
   */
  get maxAge(): MaxAge | undefined {
    return this.#owner.opts.maxAge;
  }

  /**
   * Change this request's lifetime, and force a save so it reaches the browser.
   */
  set maxAge(value: MaxAge | undefined) {
    this.#owner.opts.maxAge = value;
    this._requireSave = true;
  }

  /**
   * The store id of this session (store mode only; `undefined` for cookie
   * sessions).
   */
  get externalKey(): string | undefined {
    return this.#externalKey;
  }

  /** Save now (or at commit) even if nothing changed. */
  save(callback?: Callback): Promise<void> | undefined {
    return this.commit({ save: true }, callback);
  }

  /**
   * Issue a fresh session id and destroy the old record — do this when a user
   * logs in, to defeat session fixation. chapters/11-security.md#fixation
   */
  regenerate(callback?: Callback): Promise<void> | undefined {
    return this.commit({ regenerate: true }, callback);
  }

  /** Write headers/store yourself when `autoCommit: false`. */
  manuallyCommit(): Promise<void> | undefined {
    return this.commit();
  }

  /**
   * Run the commit step now. With a callback, nothing is returned and the
   * callback receives the outcome; without one, you get the promise.
   * See chapters/07-save-remove-commit.md#commit
   */
  commit(
    options?: CommitOptions | Callback,
    callback?: Callback,
  ): Promise<void> | undefined {
    if (typeof options === 'function') {
      callback = options;
      options = {};
    }
    const promise = this.#owner.commit(options);
    if (!callback) return promise;
    const done = callback;
    promise.then(() => done(), done);
    return undefined;
  }
}
