/**
 * Just enough typing for koa-passport 6.0.0, which ships none: a passport
 * `Authenticator` whose middlewares are Koa middlewares, and the promise
 * methods it adds to Koa's context are declared in playground/login/auth.ts
 * (an augmentation must live in a module).
 */
declare module 'koa-passport' {
  import type { Middleware } from 'koa';
  import type passport from 'passport';

  export interface KoaPassport
    extends passport.Authenticator<Middleware, Middleware> {}
  export const KoaPassport: new () => KoaPassport;
  const instance: KoaPassport;
  export default instance;
}
