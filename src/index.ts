/**
 * The entry point: `session(opts, app)` checks your options, teaches Koa's
 * context about `ctx.session`, and returns the middleware that loads and
 * commits the session around every request.
 *
 * Read with: chapters/03-architecture.md
 *
 * @module koa-session-annotated
 */
import type Koa from 'koa';
import type { Context, Middleware } from 'koa';
import { ContextSession } from './context.js';
import { LiveOptions } from './live-options.js';
import type { ResolvedOptions, SessionOptions } from './options.js';
import type { Session } from './session.js';
import { validateOptions } from './validate-options.js';

export type { SessionEvent, SessionEventName } from './context.js';
export { ContextSession } from './context.js';
export type {
  ContextStoreClass,
  ExternalKey,
  ResolvedOptions,
  SessionOptions,
  SessionStore,
} from './options.js';
export type { Callback, CommitOptions } from './session.js';
export { Session } from './session.js';
export type { SignatureVerdict } from './signed-cookie.js';
export type {
  CommitReason,
  RejectReason,
  SkipReason,
  TraceEvent,
  TraceMessage,
} from './trace.js';
export { onTrace, TRACE_CHANNEL } from './trace.js';
export type { MaxAge, SessionData } from './util.js';
export { decode, encode, hash } from './util.js';
export { SessionOptionError } from './validate-options.js';

declare module 'koa' {
  interface ExtendableContext {
    /**
     * The current session, loaded on first read (cookie mode) or by the
     * middleware (store mode). `null` only after you assigned `null`.
     * Assign an object to replace the data, `null` to remove the session.
     */
    get session(): Session | null;
    set session(value: Record<string, unknown> | null);
    /** This request's copy of the session options. */
    readonly sessionOptions: ResolvedOptions | undefined;
  }
}

/** Where the per-request {@link ContextSession} hides on `ctx`. */
const CONTEXT_SESSION = Symbol('context session');
/** Marks a Koa context prototype that already has the session accessors. */
const CONTEXT_SESSION_GETTER = Symbol('context session getter');

type SessionfulContext = Context & { [CONTEXT_SESSION]?: ContextSession };

/**
 * Either argument order is accepted, like koa-session: `session(opts, app)` or
 * `session(app, opts)`.
 */
function isApp(value: unknown): value is Koa {
  return (
    typeof value === 'object' &&
    value !== null &&
    'use' in value &&
    typeof (value as Koa).use === 'function'
  );
}

// #region createSession
/**
 * Create the session middleware.
 *
 * The app is needed up front because the session lives on `ctx` through
 * accessors installed once on `app.context` (see `extendContext`), and
 * because the session events are emitted on the app.
 *
 * Your options object is read, never written: each request takes a fresh
 * snapshot of it (chapters/03-architecture.md#options).
 *
 * @example
 * ```ts
 * const app = new Koa();
 * app.keys = ['a secret only the server knows'];
 * app.use(session({ maxAge: 86_400_000 }, app));
 * ```
 */
export function createSession(
  opts: SessionOptions | undefined,
  app: Koa,
): Middleware;
export function createSession(app: Koa, opts?: SessionOptions): Middleware;
export function createSession(
  first: SessionOptions | Koa | undefined,
  second?: SessionOptions | Koa,
): Middleware {
  const [opts, app] = isApp(first) ? [second, first] : [first, second];
  if (!isApp(app))
    throw new TypeError('app instance required: `session(opts, app)`');
  if (opts != null && typeof opts !== 'object') {
    throw new TypeError(
      `koa-session: options must be an object, got ${typeof opts}`,
    );
  }
  const user = (opts ?? {}) as SessionOptions;

  if (
    !('maxAge' in user) &&
    'maxage' in user &&
    process.env.NODE_ENV !== 'production'
  ) {
    console.warn(
      '[koa-session] DeprecationWarning: `maxage` option has been renamed ' +
        'to `maxAge`',
    );
  }
  validateOptions({
    ...user,
    maxAge: 'maxAge' in user ? user.maxAge : user.maxage,
  });

  // Port: your options, read live on every request and never written into
  // (src/live-options.ts); each request gets its own snapshot.
  const live = new LiveOptions(user);
  const snapshot = (): ResolvedOptions => live.snapshot();

  extendContext(app.context, snapshot);

  // #region middleware
  /**
   * Runs around everything after it. Store sessions must be fetched
   * *before* `next()` because the fetch is asynchronous and `ctx.session` is
   * a synchronous getter. The commit sits in `finally` so that a handler
   * that throws still gets its session written (or removed) — and a commit
   * that fails is not silently swallowed either.
   *
   * Whether to commit is your `autoCommit` option, read from the options
   * you passed (live, as koa-session reads them), never from this
   * request's `ctx.sessionOptions`: a handler cannot switch it off for one
   * request.
   */
  return async function session(ctx, next) {
    // Through the accessor, not `ensureContextSession`: if several session
    // middlewares share an app, the first one's options win, as upstream.
    const sess = Reflect.get(ctx, CONTEXT_SESSION_GETTER) as ContextSession;
    if (sess.store) await sess.initFromExternal();
    try {
      await next();
    } finally {
      // Port: your option, read live without writing defaults into your
      // object (src/live-options.ts).
      if (live.current('autoCommit')) await sess.commit();
    }
  };
  // #endregion middleware
}
// #endregion createSession

/** Usage: `import session from 'koa-session-annotated'`. */
export default createSession;

function ensureContextSession(
  ctx: Context,
  snapshot: () => ResolvedOptions,
): ContextSession {
  const holder = ctx as SessionfulContext;
  holder[CONTEXT_SESSION] ??= new ContextSession(ctx, snapshot());
  return holder[CONTEXT_SESSION];
}

// #region extendContext
/**
 * Install `ctx.session` and `ctx.sessionOptions` on the app's context
 * prototype, once per app.
 *
 * Accessors on the prototype cost nothing until used; the first access in a
 * request creates that request's {@link ContextSession} and caches it on the
 * context. Only the first `session()` call on an app installs them (later
 * ones find the marker and return), so a second session middleware on the
 * same app shares the first one's options — a koa-session behaviour kept on
 * purpose.
 *
 * See chapters/03-architecture.md#extendcontext
 */
function extendContext(context: object, snapshot: () => ResolvedOptions): void {
  if (Object.hasOwn(context, CONTEXT_SESSION_GETTER)) return;
  Object.defineProperties(context, {
    [CONTEXT_SESSION_GETTER]: {
      get(this: Context) {
        return ensureContextSession(this, snapshot);
      },
    },
    session: {
      get(this: Context) {
        return ensureContextSession(this, snapshot).get();
      },
      set(this: Context, value: unknown) {
        ensureContextSession(this, snapshot).set(value);
      },
      configurable: true,
    },
    sessionOptions: {
      get(this: Context) {
        return ensureContextSession(this, snapshot).opts;
      },
    },
  });
}
// #endregion extendContext
