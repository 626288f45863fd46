/**
 * Everything you can pass to `session(opts, app)`: the types, the defaults,
 * the construction-time checks, and the per-request snapshot that the rest
 * of the code reads.
 *
 * Read with: chapters/03-architecture.md#options
 *
 * @module options
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import type { Session } from './session.js';
import {
  decode as defaultDecode,
  encode as defaultEncode,
  type SessionData,
} from './util.js';

/** Lifetime of the session in milliseconds, or `'session'` for a browser-session cookie. */
export type MaxAge = number | 'session';

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
  /** Load the record saved under `key`; return a falsy value when there is none. */
  get(
    key: string,
    maxAge: MaxAge | undefined,
    options: { ctx: Context; rolling: boolean | undefined },
  ): unknown;
  /** Save `sess` under `key` for `maxAge` milliseconds (or a browser session). */
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
  /** Commit (write headers / store) automatically after downstream middleware. Default `true`. */
  autoCommit?: boolean;
  /** Replace an earlier `Set-Cookie` of the same name in this response. Default `true`. */
  overwrite?: boolean;
  /** Hide the cookie from page scripts. Default `true`. chapters/01-cookies.md#attributes */
  httpOnly?: boolean;
  /** Sign the cookie with `app.keys` (adds `<key>.sig`). Default `true`. chapters/01-cookies.md#signing */
  signed?: boolean;
  /** Re-send the cookie on every response, restarting its lifetime. Default `false`. */
  rolling?: boolean;
  /** Re-send the cookie when less than half its lifetime is left. Default `false`. */
  renew?: boolean;
  /** Mark the cookie `Secure`. Default: whatever the connection is. */
  secure?: boolean;
  /** `SameSite` attribute: `'strict'`, `'lax'` or `'none'`. Default: not sent. */
  sameSite?: string;
  /** Read and write the session id somewhere other than the cookie. chapters/05-init-from-external.md#external-keys */
  externalKey?: ExternalKey;
  /** Keep session data server-side and put only an id in the cookie. chapters/05-init-from-external.md */
  store?: SessionStore;
  /** Like `store`, but a class constructed per request with `ctx`. */
  ContextStore?: ContextStoreClass;
  /** Turn session data into a cookie value. Default: JSON then base64. */
  encode?: (data: SessionData) => string;
  /** Turn a cookie value back into session data. Default: base64 then JSON. */
  decode?: (text: string) => SessionData;
  /** Make a new session id (store mode). Default: `randomUUID()` with `prefix` in front. */
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
const DEFAULTS = {
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

/** Thrown by {@link createSession} when an option has the wrong shape. */
export class SessionOptionError extends TypeError {
  /** The offending option, e.g. `'maxAge'` or `'store.get'`. */
  readonly option: string;
  constructor(option: string, expected: string, got: unknown) {
    super(
      `koa-session: option \`${option}\` must be ${expected}, got ${describe(got)}`,
    );
    this.name = 'SessionOptionError';
    this.option = option;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object')
    return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
}

const BOOLEAN_OPTIONS = [
  'autoCommit',
  'overwrite',
  'httpOnly',
  'signed',
  'rolling',
  'renew',
  'secure',
] as const;
const FUNCTION_OPTIONS = [
  'encode',
  'decode',
  'genid',
  'valid',
  'beforeSave',
] as const;
const SAME_SITE = /^(?:lax|none|strict)$/i;
/** Largest |ms| a JavaScript Date can hold: 100 million days either side of 1970. */
const MAX_DATE_MS = 8.64e15;

/**
 * True for a lifetime a cookie can actually carry: `'session'`, or a finite
 * number of milliseconds that lands on a representable date.
 */
export function isUsableMaxAge(value: unknown): value is MaxAge {
  if (value === 'session') return true;
  return (
    typeof value === 'number' && Math.abs(Date.now() + value) <= MAX_DATE_MS
  );
}

/**
 * "Is this a class?" as koa-session answers it (via is-type-of): native
 * `class` syntax, or a function compiled from one by Babel or TypeScript for
 * an old target, recognisable by its class-call guard.
 */
function isClass(value: unknown): value is ContextStoreClass {
  if (typeof value !== 'function') return false;
  const source = Function.prototype.toString.call(value);
  if (/^class[\s{]/.test(source)) return true;
  const body = source.replace(/^[^{]*{\s*/, '').replace(/\s*}[^}]*$/, '');
  return (
    /classCallCheck\(/.test(body) ||
    /TypeError\("Cannot call a class as a function"\)/.test(body)
  );
}

function requireMethods(
  owner: string,
  target: unknown,
  names: readonly string[],
): void {
  if (
    target === null ||
    (typeof target !== 'object' && typeof target !== 'function')
  ) {
    throw new SessionOptionError(
      owner,
      `an object with ${names.join(', ')} methods`,
      target,
    );
  }
  for (const name of names) {
    const method = (target as Record<string, unknown>)[name];
    if (typeof method !== 'function') {
      throw new SessionOptionError(`${owner}.${name}`, 'a function', method);
    }
  }
}

// #region validateOptions
/**
 * Reject a malformed configuration when the app starts, not on the first
 * request. The rules are koa-session 7.0.2's (it checks with a zod schema
 * plus asserts), with two additions that turn per-request 500s into startup
 * errors: `maxAge` must be a usable lifetime and `sameSite` one of the three
 * values cookies accept. `undefined` passes every check; what it then
 * means is up to `resolveOptions` (usually "the default" — but see `key`).
 *
 * See chapters/03-architecture.md#options and chapters/deviations.md#options.
 */
export function validateOptions(opts: SessionOptions): void {
  const { key, maxAge, sameSite, prefix } = opts;
  if (key !== undefined && typeof key !== 'string') {
    throw new SessionOptionError('key', 'a string', key);
  }
  if (maxAge !== undefined && !isUsableMaxAge(maxAge)) {
    throw new SessionOptionError(
      'maxAge',
      "a finite number of milliseconds or 'session'",
      maxAge,
    );
  }
  for (const name of BOOLEAN_OPTIONS) {
    const value = opts[name];
    if (value !== undefined && typeof value !== 'boolean') {
      throw new SessionOptionError(name, 'a boolean', value);
    }
  }
  for (const name of FUNCTION_OPTIONS) {
    const value = opts[name];
    if (value !== undefined && typeof value !== 'function') {
      throw new SessionOptionError(name, 'a function', value);
    }
  }
  if (
    sameSite !== undefined &&
    (typeof sameSite !== 'string' || !SAME_SITE.test(sameSite))
  ) {
    throw new SessionOptionError(
      'sameSite',
      "'strict', 'lax' or 'none'",
      sameSite,
    );
  }
  if (prefix !== undefined && typeof prefix !== 'string') {
    throw new SessionOptionError('prefix', 'a string', prefix);
  }
  if (opts.store !== undefined)
    requireMethods('store', opts.store, ['get', 'set', 'destroy']);
  if (opts.externalKey !== undefined)
    requireMethods('externalKey', opts.externalKey, ['get', 'set']);
  const ContextStore = opts.ContextStore;
  if (ContextStore) {
    if (!isClass(ContextStore))
      throw new SessionOptionError('ContextStore', 'a class', ContextStore);
    requireMethods('ContextStore.prototype', ContextStore.prototype, [
      'get',
      'set',
      'destroy',
    ]);
  }
}
// #endregion validateOptions

/**
 * Your options object, read live, never written.
 *
 * koa-session keeps a reference to the object you passed and reads it on
 * every request, so changing `opts.store` or `opts.maxAge` later changes
 * later requests — its own test suite relies on that. It gets there by
 * writing its defaults (and a `genid`) *into your object* once, at startup.
 *
 * We reproduce exactly what that mutated object would contain, without
 * mutating yours: at startup we compute the *settled* options — what
 * koa-session would have written — and remember your values as they were.
 * Each request then starts from the settled options and applies whatever you
 * have changed, added or deleted since. So a value you never touch keeps its
 * startup default, and a value you change later is used as you wrote it,
 * even `undefined` — just as upstream would see it.
 *
 * See chapters/03-architecture.md#options
 */
export class LiveOptions {
  readonly #user: Record<string, unknown>;
  /** Your own keys and values as they were at startup. */
  readonly #initial: Record<string, unknown>;
  /** What koa-session would have turned your object into at startup. */
  readonly #settled: Record<string, unknown>;

  constructor(user: SessionOptions) {
    this.#user = user;
    this.#initial = { ...user };
    this.#settled = LiveOptions.settle(user);
  }

  // #region settle
  /**
   * The startup step, done on a copy: the `maxage` alias, the defaults for
   * every key you did not write, the null checks, and a default `genid`.
   * Key order matters (the `cookies` library copies options in order, and
   * its deprecated `maxage` setter overwrites `maxAge`), so the copy keeps
   * your keys first and appends the rest, as writing into your object would.
   */
  static settle(user: SessionOptions): Record<string, unknown> {
    const o: Record<string, unknown> = { ...user };
    if (!('maxAge' in user) && 'maxage' in user) o.maxAge = user.maxage;
    // An explicit `key: undefined` survives this merge, exactly as in
    // koa-session, and names the cookie "undefined" (chapters/deviations.md).
    Object.assign(o, { ...DEFAULTS, ...o });
    if (o.overwrite == null) o.overwrite = true;
    if (o.httpOnly == null) o.httpOnly = true;
    if (o.signed == null) o.signed = true;
    if (o.autoCommit == null) o.autoCommit = true;
    if (o.sameSite == null) delete o.sameSite;
    if (!o.genid) o.genid = defaultGenid(user);
    return o;
  }
  // #endregion settle

  // #region snapshot
  /**
   * The options one request will use (`ctx.sessionOptions`): a fresh object,
   * so `save` can adjust `maxAge` for one response without touching the
   * next request.
   */
  snapshot(): ResolvedOptions {
    const user = this.#user;
    const initial = this.#initial;
    const opts = { ...this.#settled };
    for (const k in initial) {
      if (!Object.hasOwn(user, k)) delete opts[k];
      else if (!Object.is(user[k], initial[k])) opts[k] = user[k];
    }
    for (const k of Object.keys(user)) {
      if (!Object.hasOwn(initial, k)) opts[k] = user[k];
    }
    // Hardening (chapters/deviations.md#options): a missing codec would
    // crash every request that loads or saves; use the default instead.
    if (!opts.encode) opts.encode = defaultEncode;
    if (!opts.decode) opts.decode = defaultDecode;
    return opts as ResolvedOptions;
  }
  // #endregion snapshot

  /** The current value of one option, as koa-session would read it from your object. */
  current(name: string): unknown {
    const user = this.#user;
    if (Object.hasOwn(user, name)) {
      const changed =
        !Object.hasOwn(this.#initial, name) ||
        !Object.is(user[name], this.#initial[name]);
      return changed ? user[name] : this.#settled[name];
    }
    return Object.hasOwn(this.#initial, name) ? undefined : this.#settled[name];
  }
}

/**
 * The id generator used when you give none: a random UUID, with `prefix` in
 * front when one was configured at startup. Like koa-session, the prefix is
 * read from your options object each time, so a later change is honoured.
 */
function defaultGenid(user: SessionOptions): (ctx: Context) => string {
  if (user.prefix) return () => `${user.prefix}${randomUUID()}`;
  return () => randomUUID();
}
