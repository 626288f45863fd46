/**
 * The login starter, assembled. Read the middleware list top to bottom:
 * it is the order every request goes through.
 *
 * Read with: chapters/17-login.md#app
 */
import { bodyParser } from '@koa/bodyparser';
import type { Cluster, Redis } from 'ioredis';
import Koa, { type Middleware } from 'koa';
import type { SessionStore } from '../../src/index.js';
import { createPassport } from './auth.js';
import type { LoginConfig } from './config.js';
import { requireToken, sameOrigin } from './csrf.js';
import { absoluteTimeout, type Clock } from './guards.js';
import { routes } from './routes.js';
import { sessionMiddleware } from './session.js';
import { UserSessionStore } from './session-store.js';
import type { Users } from './users.js';

export interface LoginAppDeps {
  config: LoginConfig;
  redis: Redis | Cluster;
  users: Users;
  /** The time, for the app's own timeouts (tests move it). */
  clock?: Clock;
  /**
   * For the playground only: middleware to run before the session (the
   * Session Lab's observer), and a wrapper the session middleware sees
   * instead of the store (to watch its calls). Your app needs neither.
   */
  instrument?: {
    outer?: Middleware[];
    store?: (store: SessionStore) => SessionStore;
  };
}

// #region createLoginApp
export function createLoginApp({
  config,
  redis,
  users,
  clock = Date,
  instrument = {},
}: LoginAppDeps) {
  const app = new Koa();
  app.proxy = config.production; // behind TLS: trust X-Forwarded-Proto
  const store = new UserSessionStore({
    client: redis,
    prefix: config.prefix,
    owner: (data) => (data.passport as { user?: string } | undefined)?.user,
  });
  const passport = createPassport(users);

  app.use(failSafely);
  app.use(noStore);
  for (const outer of instrument.outer ?? []) app.use(outer);
  const watched = instrument.store?.(store) ?? store;
  app.use(sessionMiddleware(app, config, watched));
  app.use(absoluteTimeout(config.absoluteTimeout, clock));
  app.use(bodyParser({ enableTypes: ['form'] }));
  app.use(sameOrigin(config.origin));
  app.use(requireToken());
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(lastSeen(clock));
  const router = routes({
    passport,
    users,
    store,
    clock,
    reauthAfter: config.reauthAfter,
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return { app, store };
}
// #endregion createLoginApp

/**
 * A failure on our side is a plain 500 page and a line in the log; the
 * client never sees a stack. A client's mistake (a 4xx Koa raised: bad
 * JSON, a body too large) keeps its status and message.
 */
const failSafely: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    const status = (error as { status?: number }).status ?? 500;
    ctx.status = status >= 400 && status < 500 ? status : 500;
    ctx.type = 'text';
    ctx.body =
      ctx.status === 500
        ? 'Something went wrong on our side. Try again in a moment.\n'
        : `${(error as Error).message}\n`;
    if (ctx.status === 500) ctx.app.emit('error', error, ctx);
  }
};

/**
 * Pages behind a login must not be kept by the browser's cache or a
 * proxy: after sign-out, Back must not show the devices page again.
 */
const noStore: Middleware = async (ctx, next) => {
  ctx.set('Cache-Control', 'no-store');
  return next();
};

/** Stamp `seenAt` for the devices page (the save happens anyway: rolling). */
function lastSeen(clock: Clock): Middleware {
  return async (ctx, next) => {
    if (ctx.isAuthenticated()) ctx.session!.seenAt = clock.now();
    return next();
  };
}
