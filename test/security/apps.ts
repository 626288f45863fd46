/**
 * Small Koa apps the security tests and the attack scripts share. Each is
 * as plain as an app can be, so what you see on the wire is the session
 * middleware's doing and nothing else.
 *
 * Read with: chapters/11-security.md
 */
import Koa from 'koa';
import session, { type SessionOptions } from '../../src/index.js';

export const ONE_DAY = 86_400_000;

/**
 * A day-long session (spelled out so every cookie carries an `expires`).
 * `/login?user=` writes the session, `/whoami` only reads it (so we can
 * see which headers the *reading* alone produces), `/visit` counts.
 */
export function identityApp(keys: string[] | undefined, options: SessionOptions = {}) {
  const app = new Koa();
  if (keys) app.keys = keys;
  app.use(session({ maxAge: ONE_DAY, ...options }, app));
  app.use((ctx) => {
    const s = ctx.session!;
    if (ctx.path === '/login') s.user = ctx.query.user;
    if (ctx.path === '/visit') s.hits = ((s.hits as number) || 0) + 1;
    ctx.body = { user: s.user ?? null, hits: s.hits ?? null, isNew: s.isNew };
  });
  return app;
}
