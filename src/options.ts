/**
 * Everything you can pass to `session(opts, app)`, and what you get when
 * you pass nothing: the option types, the store contract, the defaults, and
 * how the same object doubles as the cookie options. The checks live in
 * `validate-options.ts`, the per-request copy in `live-options.ts`.
 *
 * Read with: chapters/03-architecture.md#options
 *
 * @module options
 */
import type { Context } from 'koa';
import type { Session } from './session.js';
import {
  decode as defaultDecode,
  encode as defaultEncode,
  type MaxAge,
  type SessionData,
} from './util.js';

/**
 * The contract an external session store fulfils. Three methods, each may
 * return a value or a promise.
 *
 * The `maxAge` a store receives is worth a close look
 * (chapters/09-redis-store.md#the-session-pitfall): `get` receives the
 * configured `maxAge` as is (possibly `undefined`), while `set` receives the
 * cookie's lifetime plus ten seconds — or the string `'session'`, which
 * a store must not hand to a command that expects a number.
 */
export interface SessionStore {
  /**
   * Load the record saved under `key`; return a falsy value when there is none.
   */
  get(
    key: string,
    maxAge: MaxAge | undefined,
    options: { ctx: Context; rolling: boolean | undefined },
  ): unknown;
  /**
   * Save `sess` under `key` for `maxAge` milliseconds (or a browser session).
   */
  set(
    key: string,
    sess: SessionData,
    maxAge: MaxAge | undefined,
    options: { changed: boolean; ctx: Context; rolling: boolean | undefined },
  ): unknown;
  /** Forget the record saved under `key`. */
  destroy(key: string, options: { ctx: Context }): unknown;
}

/** A store class instantiated once per request with the request's context. */
export type ContextStoreClass = new (ctx: Context) => SessionStore;

/**
 * Where the session id lives when it is not in the session cookie — for
 * example an HTTP header for API clients.
 */
export interface ExternalKey {
  /** Read the session id from the request; `undefined` when it carries none. */
  get(ctx: Context): string | undefined;
  /** Hand the session id to the client, on every save. */
  set(ctx: Context, key: string): void;
}

/**
 * The options accepted by {@link createSession}. Every field is optional;
 * the doc comment of each says what it does and where the book explains it.
 * Anything else you pass (`path`, `domain`, `partitioned`, `priority` …) is
 * handed to `ctx.cookies.set` unchanged.
 */
export interface SessionOptions {
  /** Cookie name. Default `'koa.sess'`. chapters/01-cookies.md#cookie-names */
  key?: string;
  /**
   * Lifetime in ms (default one day), or `'session'` for a cookie the browser
   * drops when it closes. chapters/07-save-remove-commit.md#save
   */
  maxAge?: MaxAge;
  /** @deprecated old spelling of `maxAge`; still honoured, with a warning. */
  maxage?: MaxAge;
  /**
   * Commit (write headers / store) automatically after downstream middleware.
   * Default `true`.
   */
  autoCommit?: boolean;
  /**
   * Replace an earlier `Set-Cookie` of the same name in this response. Default
   * `true`.
   */
  overwrite?: boolean;
  /**
   * Hide the cookie from page scripts. Default `true`.
   * chapters/01-cookies.md#attributes
   */
  httpOnly?: boolean;
  /**
   * Sign the cookie with `app.keys` (adds `<key>.sig`). Default `true`.
   * chapters/01-cookies.md#signing
   */
  signed?: boolean;
  /**
   * Re-send the cookie on every response, restarting its lifetime. Default
   * `false`.
   */
  rolling?: boolean;
  /**
   * Re-send the cookie when less than half its lifetime is left. Default
   * `false`.
   */
  renew?: boolean;
  /** Mark the cookie `Secure`. Default: whatever the connection is. */
  secure?: boolean;
  /**
   * `SameSite` attribute: `'strict'`, `'lax'` or `'none'`. Default: not sent.
   */
  sameSite?: string;
  /**
   * Read and write the session id somewhere other than the cookie.
   * chapters/05-init-from-external.md#external-keys
   */
  externalKey?: ExternalKey;
  /**
   * Keep session data server-side and put only an id in the cookie.
   * chapters/05-init-from-external.md
   */
  store?: SessionStore;
  /** Like `store`, but a class constructed per request with `ctx`. */
  ContextStore?: ContextStoreClass;
  /** Turn session data into a cookie value. Default: JSON then base64. */
  encode?: (data: SessionData) => string;
  /** Turn a cookie value back into session data. Default: base64 then JSON. */
  decode?: (text: string) => SessionData;
  /**
   * Make a new session id (store mode). Default: `randomUUID()` with `prefix`
   * in front.
   */
  genid?: (ctx: Context) => string;
  /** Put in front of generated ids (ignored when `genid` is given). */
  prefix?: string;
  /** Extra veto on loaded data: return falsy to throw it away. */
  valid?: (ctx: Context, data: SessionData) => unknown;
  /** Last look at the session before it is written. */
  beforeSave?: (ctx: Context, session: Session) => void;
  /** Cookie `Path` (default `/`), passed through to `ctx.cookies.set`. */
  path?: string;
  /** Cookie `Domain`, passed through to `ctx.cookies.set`. */
  domain?: string;
  /** Cookie `Partitioned` (CHIPS), passed through to `ctx.cookies.set`. */
  partitioned?: boolean;
  /** Cookie `Priority`, passed through to `ctx.cookies.set`. */
  priority?: 'low' | 'medium' | 'high';
  /** Any other cookie option. */
  [cookieOption: string]: unknown;
}

/**
 * The options as one request sees them (`ctx.sessionOptions`): defaults
 * filled in, `genid` always present. Code may change fields of this object
 * during the request (the Session's `maxAge` setter does) without touching
 * any other request.
 */
export interface ResolvedOptions extends SessionOptions {
  key: string;
  encode: (data: SessionData) => string;
  decode: (text: string) => SessionData;
  genid: (ctx: Context) => string;
}

// #region defaults
/**
 * The defaults, spelled out. `maxAge` is deliberately absent: with no
 * `maxAge`, `save` falls back to one day, but stores still receive
 * `undefined` in `get` — absence is information a store may use.
 * `genid` is absent too: its default depends on `prefix`.
 */
export const DEFAULTS = {
  key: 'koa.sess',
  autoCommit: true,
  overwrite: true,
  httpOnly: true,
  signed: true,
  rolling: false,
  renew: false,
  encode: defaultEncode,
  decode: defaultDecode,
} as const;
// #endregion defaults

/**
 * The session options double as the cookie options: `ctx.cookies` picks the
 * fields it knows (`maxAge`, `httpOnly`, `signed`, `path` …) and ignores the
 * rest, which is why koa-session passes one object straight through.
 */
export type CookieOptions = Parameters<Context['cookies']['set']>[2] &
  Parameters<Context['cookies']['get']>[1];

/**
 * The session options, handed to `ctx.cookies` as cookie options: only the
 * type changes, the object is the one koa-session would pass.
 */
export function asCookieOptions(opts: object): CookieOptions {
  return opts as CookieOptions;
}
