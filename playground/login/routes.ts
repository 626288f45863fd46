/**
 * The routes, on @koa/router. Each handler does one thing; every change
 * of privilege — signing in, confirming the password, a new password —
 * gives the session a new id.
 *
 * Read with: chapters/17-login.md#routes
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { KoaPassport } from 'koa-passport';
import { csrfToken } from './csrf.js';
import { type Clock, requireRecentAuth, requireUser } from './guards.js';
import { hashId, type UserSessionStore } from './session-store.js';
import type { User, Users } from './users.js';
import * as view from './views.js';

export interface RouteDeps {
  passport: KoaPassport;
  users: Users;
  store: UserSessionStore;
  clock: Clock;
  reauthAfter: number;
}

/** One field of a form post, as a string ('' when missing or not text). */
function field(ctx: Context, name: string): string {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const value = body[name];
  return typeof value === 'string' ? value : '';
}

/** Only our own paths: `next=https://evil.example` must not redirect there. */
function localPath(next: string): string {
  return /^\/(?![/\\])/.test(next) ? next : '/';
}

const userOf = (ctx: Context) => ctx.state.user as User;

/** The id of this request's session: the cookie koa-session read. */
const currentHash = (ctx: Context) => {
  const id = ctx.session?.externalKey;
  return id ? hashId(id) : '';
};

export function routes(deps: RouteDeps): Router {
  const { passport, users, store, clock } = deps;
  const router = new Router();

  router.get('/login', (ctx) => {
    if (ctx.isAuthenticated()) return ctx.redirect('/');
    ctx.type = 'html';
    ctx.body = view.loginPage(csrfToken(ctx), {
      next: localPath(String(ctx.query.next ?? '/')),
      notice: ctx.query.expired
        ? 'Your session ended. Sign in again.'
        : undefined,
    });
  });

  // #region login
  router.post('/login', async (ctx, next) => {
    const target = field(ctx, 'next');
    return passport.authenticate(
      'local',
      async (error: unknown, user: User | false) => {
        if (error) throw error;
        if (!user) {
          ctx.status = 401;
          ctx.type = 'html';
          ctx.body = view.loginPage(csrfToken(ctx), {
            error: 'That name and password do not match.',
            next: localPath(target),
          });
          return;
        }
        // passport: regenerate() (new id, in this user's slot), then
        // session.passport = { user: id }, then save().
        await ctx.login(user);
        const now = clock.now();
        const session = ctx.session!;
        // Nothing of the visitor's session carries over but passport's
        // entry: a fresh CSRF token, fresh stamps.
        for (const key of Object.keys(session.toJSON())) {
          if (key !== 'passport') delete session[key];
        }
        session.authAt = now;
        session.verifiedAt = now;
        session.seenAt = now;
        session.agent = ctx.get('User-Agent').slice(0, 200) || 'unknown';
        session.ip = ctx.ip;
        ctx.redirect(localPath(target));
      },
    )(ctx, next);
  });
  // #endregion login

  // #region logout
  router.post('/logout', (ctx) => {
    // The record is destroyed and the cookie expired: a copy of this
    // cookie is worthless from now on.
    ctx.session = null;
    ctx.redirect('/login');
  });
  // #endregion logout

  router.get('/', requireUser, (ctx) => {
    ctx.type = 'html';
    ctx.body = view.homePage(
      userOf(ctx),
      csrfToken(ctx),
      ctx.session!.toJSON(),
    );
  });

  // #region devices
  router.get('/devices', requireUser, async (ctx) => {
    const current = currentHash(ctx);
    const rows = (await store.list(userOf(ctx).id)).map(({ hash, data }) => ({
      hash,
      current: hash === current,
      agent: String(data.agent ?? 'unknown'),
      ip: String(data.ip ?? ''),
      authAt: Number(data.authAt ?? 0),
      seenAt: Number(data.seenAt ?? 0),
    }));
    rows.sort(
      (a, b) => Number(b.current) - Number(a.current) || b.seenAt - a.seenAt,
    );
    const notice =
      ctx.query.done === 'one' ? 'That device is signed out.' : undefined;
    ctx.type = 'html';
    ctx.body = view.devicesPage(userOf(ctx), csrfToken(ctx), rows, notice);
  });

  router.post('/devices/revoke', requireUser, async (ctx) => {
    const hash = field(ctx, 'session');
    if (hash === currentHash(ctx)) {
      ctx.session = null; // signing out this device is just signing out
      return ctx.redirect('/login');
    }
    await store.revoke(userOf(ctx).id, hash);
    ctx.redirect('/devices?done=one');
  });

  router.post(
    '/devices/revoke-all',
    requireUser,
    requireRecentAuth(deps.reauthAfter, clock),
    async (ctx) => {
      await store.revokeAll(userOf(ctx).id);
      ctx.session = null; // this device too: everywhere means everywhere
      ctx.redirect('/login');
    },
  );
  // #endregion devices

  // #region password
  router.get(
    '/account',
    requireUser,
    requireRecentAuth(deps.reauthAfter, clock),
    (ctx) => {
      ctx.type = 'html';
      ctx.body = view.accountPage(userOf(ctx), csrfToken(ctx));
    },
  );

  router.post(
    '/account',
    requireUser,
    requireRecentAuth(deps.reauthAfter, clock),
    async (ctx) => {
      const password = field(ctx, 'password');
      if (password.length < 12) {
        ctx.status = 400;
        ctx.type = 'html';
        ctx.body = view.accountPage(
          userOf(ctx),
          csrfToken(ctx),
          'Use at least 12 characters.',
        );
        return;
      }
      await users.setPassword(userOf(ctx).id, password);
      // Whoever had a copy of any session of this user — this one
      // included — is out; this browser continues under a new id.
      await store.revokeAll(userOf(ctx).id);
      await ctx.session!.regenerate();
      ctx.session!.verifiedAt = clock.now();
      ctx.redirect('/devices');
    },
  );
  // #endregion password

  // #region reauth
  router.get('/reauth', requireUser, (ctx) => {
    ctx.type = 'html';
    ctx.body = view.reauthPage(
      userOf(ctx),
      csrfToken(ctx),
      localPath(String(ctx.query.next ?? '/')),
    );
  });

  router.post('/reauth', requireUser, async (ctx) => {
    const password = field(ctx, 'password');
    const next = field(ctx, 'next');
    const user = await users.verify(userOf(ctx).name, password);
    if (!user) {
      ctx.status = 401;
      ctx.type = 'html';
      ctx.body = view.reauthPage(
        userOf(ctx),
        csrfToken(ctx),
        localPath(next),
        'Wrong password.',
      );
      return;
    }
    // More privilege now (a sensitive action is allowed): a new id.
    await ctx.session!.regenerate();
    ctx.session!.verifiedAt = clock.now();
    ctx.redirect(localPath(next));
  });
  // #endregion reauth

  return router;
}
