/**
 * Shared tools for the pitfall tests (chapters/pitfalls.md): each pitfall
 * is a small app that goes wrong and its fixed twin, driven by the book's
 * miniature browser, with what happened written down as a transcript the
 * chapter includes (chapters/recorded/pitfall-*.txt).
 *
 * The transcripts are compared on every run and fail when stale;
 * `npm run book:record` rewrites them (BOOK_RECORD=1).
 */
import type Koa from 'koa';
import type { Exchange } from '../book/support.js';
import { Browser, checkRecording, IdRedactor, transcript } from '../book/support.js';

export type { Exchange } from '../book/support.js';
export {
  BOOK_KEYS,
  Browser,
  bookApp,
  cookieNamed,
  decodeCookie,
  freezeClock,
  IdRedactor,
  transcript,
} from '../book/support.js';

/**
 * The session middleware under test: the port, or koa-session 7.0.2 itself
 * when `KOA_SESSION_IMPL=upstream` (`npm run test:pitfalls:upstream`).
 */
export {
  portOnly,
  session as createSession,
  usingUpstream,
} from '../support/impl.js';
export { sign } from '../support/index.js';

/** Collect the messages of the errors an app reports (Koa emits them even when silent). */
export function appErrors(app: Koa): string[] {
  const messages: string[] = [];
  app.on('error', (err: Error) => messages.push(err.message));
  return messages;
}

/** An exchange as the book shows it, plus the error the app reported, if any. */
export function shown(
  label: string,
  path: string,
  x: Exchange,
  opts: { decode?: string; error?: string; note?: string } = {},
): string {
  const lines = [transcript(label, path, x, opts.decode)];
  if (opts.error) lines.push(`   app 'error' event: ${opts.error}`);
  if (opts.note) lines.push(`   ${opts.note}`);
  return lines.join('\n');
}

/**
 * Write (BOOK_RECORD=1) or check one pitfall's transcript. Session ids and
 * their signatures are replaced by `<id-1>`, `<sig of id-1>` … so the
 * recording is stable from run to run.
 */
export function record(name: string, parts: string[], redactor = new IdRedactor()): void {
  checkRecording(`pitfall-${name}.txt`, `${redactor.redact(parts.join('\n\n'))}\n`);
}

/** Wait for `setImmediate` callbacks (koa-session emits its events on the next turn). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Chrome's and Firefox's limit on a cookie's name plus value, in bytes (RFC 6265 asks for at least this). */
export { BROWSER_COOKIE_LIMIT as COOKIE_LIMIT } from '../support/cookies.js';

/**
 * The book's browser (whose jar already drops a cookie once its `Expires`
 * has passed), plus what closing and reopening the browser does:
 * {@link restart} forgets every cookie that came without `Expires` or
 * `Max-Age`.
 */
export class RestartingBrowser extends Browser {
  /** How long the browser keeps `name`: `'browser-session'`, an HTTP date, or `'absent'`. */
  lifetime(name: string): string {
    const cookie = this.jar.cookie(name);
    if (!cookie) return 'absent';
    return cookie.expires === undefined
      ? 'browser-session'
      : new Date(cookie.expires).toUTCString();
  }

  /** Close the browser and open it again: browser-session cookies are gone. */
  restart(): void {
    for (const cookie of this.jar.cookies()) {
      if (cookie.expires === undefined) this.jar.delete(cookie.name);
    }
  }
}
