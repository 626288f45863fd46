/**
 * The session middleware, configured for a login. Every option here is a
 * decision; the comment beside it says which.
 *
 * Read with: chapters/17-login.md#session
 */
import type Koa from 'koa';
import {
  createSession,
  type SessionOptions,
  type SessionStore,
} from '../../src/index.js';
import type { LoginConfig } from './config.js';
import { newId } from './session-store.js';

// #region options
export function sessionOptions(
  config: LoginConfig,
  store: SessionStore,
): SessionOptions {
  return {
    // `__Host-` makes the browser refuse the cookie unless it is Secure,
    // host-only and for the whole path: no subdomain can plant it. It
    // needs HTTPS, so on http://localhost the name is plain.
    key: config.production ? '__Host-sid' : 'sid',
    secure: config.production,
    httpOnly: true, // page scripts never see the id
    sameSite: 'lax', // the browser's half of the CSRF defence
    // The idle timeout: every response moves the expiry (rolling), so the
    // session ends `idleTimeout` after the *last* request — in the
    // cookie, in the `_expire` koa-session checks, and in Redis's TTL.
    maxAge: config.idleTimeout,
    rolling: true,
    store,
    // Ids carry the tag of the user they belong to (see session-store.ts).
    // passport sets ctx.state.user before it calls regenerate(), so the
    // id made at sign-in is already in that user's slot.
    genid: (ctx) => newId((ctx.state.user as { id: string } | undefined)?.id),
  };
}
// #endregion options

export function sessionMiddleware(
  app: Koa,
  config: LoginConfig,
  store: SessionStore,
) {
  app.keys = config.keys;
  return createSession(sessionOptions(config, store), app);
}
