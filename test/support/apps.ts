/**
 * Small things every suite does to a Koa app under test.
 */
import type Koa from 'koa';

/**
 * Collect what the app reports on its `error` event, so a test can assert
 * on the 500 it expects (and Koa does not print the stack trace).
 */
export function collectErrors(app: Koa): Error[] {
  const errors: Error[] = [];
  app.on('error', (err: Error) => errors.push(err));
  return errors;
}
