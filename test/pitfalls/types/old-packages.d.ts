/**
 * koa-session 6.3.1, installed under an npm alias only to reproduce an old
 * failure (passport ≥ 0.6 on koa-session < 6.4). It ships no types; the
 * test needs only its factory. (koa-passport's types are the playground's,
 * playground/types/koa-passport.d.ts.)
 */
/** koa-session 6.3.1 under an npm alias: `session(opts, app)`, as in 7. */
declare module 'koa-session-6' {
  const session: (opts: object, app: unknown) => import('koa').Middleware;
  export default session;
}
