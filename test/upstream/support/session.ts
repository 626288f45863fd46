/**
 * Which implementation the mirrored suite runs against.
 *
 * By default: the port in src/. Set `KOA_SESSION_IMPL=upstream` to run the
 * very same tests against the published koa-session 7.0.2 instead — the
 * quickest way to tell "the port is wrong" from "the test is wrong". A test
 * that checks a documented deviation of the port is declared with
 * {@link portOnly}, so it is skipped (visibly) in that mode.
 */
import { it } from 'vitest';
import createSession from '../../../src/index.js';

export const usingUpstream = process.env.KOA_SESSION_IMPL === 'upstream';

/**
 * The `session(opts, app)` factory under test. koa-session's own typings are
 * looser than the port's; both accept the same calls, so the reference is
 * viewed through the port's type.
 */
export const session: typeof createSession = usingUpstream
  ? ((await import('koa-session')).default as unknown as typeof createSession)
  : createSession;

/** `it` for behaviour the port defines on purpose and koa-session does not share. */
export const portOnly = it.skipIf(usingUpstream);
