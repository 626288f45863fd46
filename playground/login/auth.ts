/**
 * passport, wired for Koa: a local strategy (name and password from the
 * form), and what goes into the session — the user's id, nothing more.
 *
 * koa-passport hands passport a request object whose `session` is
 * `ctx.session`. passport 0.6+ calls `req.session.regenerate()` when you
 * sign in and `save()` after, which is why koa-session added both
 * (koajs/session#221); with it, `ctx.login(user)` gives the session a new
 * id before the user is written into it.
 *
 * Read with: chapters/17-login.md#passport
 */
import { KoaPassport } from 'koa-passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { User, Users } from './users.js';

declare module 'koa' {
  interface BaseContext {
    /** koa-passport: sign `user` in (passport regenerates the session). */
    login(user: unknown): Promise<void>;
    /** koa-passport: sign out (clears the user, saves, regenerates). */
    logout(): Promise<void>;
    isAuthenticated(): boolean;
  }
}

// #region passport
export function createPassport(users: Users): KoaPassport {
  const passport = new KoaPassport();
  passport.use(
    new LocalStrategy({ usernameField: 'name' }, (name, password, done) => {
      users.verify(name, password).then(
        (user) => done(null, user ?? false),
        (error) => done(error),
      );
    }),
  );
  // Into the session: only the id. Out of it: the user as they are *now*
  // (a deleted user is signed out on their next request).
  passport.serializeUser((user, done) => done(null, (user as User).id));
  passport.deserializeUser((id: string, done) =>
    done(null, users.byId(id) ?? false),
  );
  return passport;
}
// #endregion passport
