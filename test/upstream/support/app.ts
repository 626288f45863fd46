/**
 * A tiny app factory so every test reads as "these options, these handlers,
 * these requests".
 */
import Koa, { type Middleware } from 'koa';
import type { SessionOptions } from '../../../src/index.js';
import { session } from './session.js';

/** The signing keys every app here uses; `sign()` in cookies.ts assumes the first one. */
export const KEYS = ['a', 'b'];

/**
 * A Koa app with `app.keys` set, the session middleware installed with
 * `options`, then `handlers` in order. The app is silent so that expected
 * 500s do not print stack traces; use {@link captureErrors} to look at them.
 */
export function makeApp(options: SessionOptions = {}, ...handlers: Middleware[]): Koa {
  const app = new Koa();
  app.keys = KEYS;
  app.silent = true;
  app.use(session(options, app));
  for (const handler of handlers) app.use(handler);
  return app;
}

/** Collect the errors Koa reports, so a test can assert on the 500 it expects. */
export { collectErrors as captureErrors } from '../../support/apps.js';
