/**
 * Small Koa apps the security tests and the attack scripts share. Each is
 * as plain as an app can be, so what you see on the wire is the session
 * middleware's doing and nothing else.
 *
 * Read with: chapters/11-security.md
 */
import Koa from 'koa';
import session, { type SessionOptions, type SessionStore } from '../../src/index.js';
import { NEW_KEY } from './support.js';

export const ONE_DAY = 86_400_000;

/**
 * The next value of a counter kept in a session that may hold anything:
 * `hits + 1` for a safe integer, else 1. (`(hits || 0) + 1` is not safe:
 * an object whose `toString` was replaced makes `+` throw — a crash in the
 * app, not in the session middleware, but a crash all the same.)
 */
export function countFrom(hits: unknown): number {
  return Number.isSafeInteger(hits) ? (hits as number) + 1 : 1;
}

/**
 * A day-long session (spelled out so every cookie carries an `expires`).
 * `/login?user=` writes the session, `/whoami` only reads it (so we can
 * see which headers the *reading* alone produces), `/visit` counts,
 * `/logout` assigns `null`.
 */
export function identityApp(keys: string[] | undefined, options: SessionOptions = {}) {
  const app = new Koa();
  if (keys) app.keys = keys;
  app.use(session({ maxAge: ONE_DAY, ...options }, app));
  app.use((ctx) => {
    if (ctx.path === '/logout') {
      ctx.session = null;
      ctx.body = { loggedOut: true };
      return;
    }
    const s = ctx.session!;
    if (ctx.path === '/login') s.user = ctx.query.user;
    if (ctx.path === '/visit') s.hits = countFrom(s.hits);
    ctx.body = { user: s.user ?? null, hits: s.hits ?? null, isNew: s.isNew };
  });
  return app;
}

/**
 * The same routes over a store, plus the two login styles the fixation
 * tests compare and a logout:
 *
 * - `/login-naive?user=` writes the user into whatever session the request
 *   came with — the mistake session fixation exploits;
 * - `/login?user=` calls `regenerate()` first: new id, old record destroyed;
 * - `/logout` assigns `null`: record destroyed, cookie expired.
 *
 * Every answer includes the session id, so a test can see which record it
 * is talking to.
 */
export function storeApp(store: SessionStore, options: SessionOptions = {}, keys = [NEW_KEY]) {
  const app = new Koa();
  app.keys = keys;
  app.use(session({ maxAge: ONE_DAY, store, ...options }, app));
  app.use(async (ctx) => {
    if (ctx.path === '/logout') {
      ctx.session = null;
      ctx.body = { loggedOut: true };
      return;
    }
    if (ctx.path === '/login') await ctx.session!.regenerate();
    const s = ctx.session!;
    if (ctx.path === '/login' || ctx.path === '/login-naive') s.user = ctx.query.user;
    if (ctx.path === '/visit') s.hits = countFrom(s.hits);
    ctx.body = { user: s.user ?? null, hits: s.hits ?? null, isNew: s.isNew, id: s.externalKey };
  });
  return app;
}
