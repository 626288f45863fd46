/**
 * What a signed-in session must pass on every request, beyond what
 * koa-session checks itself. koa-session ends a session `maxAge` after
 * its last save — with `rolling`, that is the idle timeout. Two limits
 * need a stamp of our own in the session:
 *
 * - `authAt`, when the user signed in: the **absolute** timeout ends the
 *   session that long after, however active it is, so a stolen cookie
 *   cannot be kept alive forever by using it;
 * - `verifiedAt`, when the user last typed their password: a sensitive
 *   action (a new password, the devices page's "sign out everywhere")
 *   asks for it again when that was too long ago.
 *
 * Read with: chapters/17-login.md#timeouts
 */
import type { Middleware } from 'koa';

export interface Clock {
  now(): number;
}

// #region absoluteTimeout
/** End a session `limit` ms after sign-in, and send the user to sign in. */
export function absoluteTimeout(limit: number, clock: Clock): Middleware {
  return async function checkAbsolute(ctx, next) {
    const authAt = ctx.session?.authAt;
    if (typeof authAt === 'number' && clock.now() - authAt > limit) {
      ctx.session = null; // the record goes, the cookie is expired
      ctx.redirect('/login?expired=1');
      return;
    }
    return next();
  };
}
// #endregion absoluteTimeout

// #region requireUser
/** Only for signed-in users; everyone else goes to the sign-in form. */
export const requireUser: Middleware = async (ctx, next) => {
  if (!ctx.isAuthenticated()) {
    ctx.redirect(`/login?next=${encodeURIComponent(ctx.path)}`);
    return;
  }
  return next();
};
// #endregion requireUser

// #region requireRecentAuth
/**
 * For sensitive actions: the password must have been typed within
 * `window` ms, else the user confirms it first (GET /reauth) and comes
 * back here.
 */
export function requireRecentAuth(window: number, clock: Clock): Middleware {
  return async function checkRecent(ctx, next) {
    const verifiedAt = ctx.session?.verifiedAt;
    if (typeof verifiedAt !== 'number' || clock.now() - verifiedAt > window) {
      ctx.redirect(`/reauth?next=${encodeURIComponent(ctx.path)}`);
      return;
    }
    return next();
  };
}
// #endregion requireRecentAuth
