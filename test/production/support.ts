/**
 * Shared tools for the production recipes (chapters/15-production.md):
 * apps on the session middleware under test (the port, or koa-session 7.0.2
 * itself with `KOA_SESSION_IMPL=upstream`: test/support/impl.ts), and the
 * recorded transcripts the chapter
 * includes (chapters/recorded/production-*.txt, rewritten by
 * `npm run book:record`).
 */
import type Koa from 'koa';
import type { Middleware } from 'koa';
import type { SessionOptions } from '../../src/index.js';
import { bookApp, checkRecording } from '../book/support.js';
import { UNDER_TEST } from '../support/impl.js';

export { Browser, IdRedactor, transcript } from '../book/support.js';

/** An app on the session middleware under test, collecting the errors Koa reports. */
export function recipeApp(
  options: SessionOptions,
  ...handlers: Middleware[]
): { app: Koa; errors: Error[] } {
  const app = bookApp(UNDER_TEST, options, ...handlers);
  const errors: Error[] = [];
  app.on('error', (error: Error) => errors.push(error));
  return { app, errors };
}

/** The article's counter, answering the count as text. */
export const countViews: Middleware = (ctx) => {
  const session = ctx.session!;
  session.views = ((session.views as number | undefined) ?? 0) + 1;
  ctx.body = `${session.views} views`;
};

/** Write (BOOK_RECORD=1) or check one recipe's transcript. */
export function record(name: string, text: string): void {
  checkRecording(`production-${name}.txt`, `${text.trimEnd()}\n`);
}
