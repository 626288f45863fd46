/**
 * Your options object, read live on every request and never written: the
 * port's one piece of machinery around the options, and the reason is on
 * chapters/deviations.md#options.
 *
 * Read with: chapters/03-architecture.md#options
 *
 * @module live-options
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import {
  DEFAULTS,
  type ResolvedOptions,
  type SessionOptions,
} from './options.js';
import { decode as defaultDecode, encode as defaultEncode } from './util.js';

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

  /**
   * The current value of one option, as koa-session would read it from your
   * object.
   */
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
