/**
 * The session middleware under test, chosen in one place for every suite
 * that holds a claim about koa-session: test/upstream, test/book and
 * test/pitfalls.
 *
 * By default it is the port in src/. With `KOA_SESSION_IMPL=upstream` it is
 * the published koa-session 7.0.2 from node_modules, and the very same tests
 * run against it; a claim that passes there is a claim about koa-session, not
 * only about our copy of it:
 *
 *     npm run test:upstream:reference   # the mirrored upstream suite
 *     npm run test:book:upstream        # the book's proofs
 *     npm run test:pitfalls:upstream    # the pitfalls
 *
 * How a test uses it:
 * - `session(opts, app)` (or `bookApp(UNDER_TEST, …)` in the book) builds
 *   the middleware under test; `describe.each(IMPLS)` runs a block on both
 *   implementations by default and on koa-session alone under the switch.
 * - A test about something koa-session does not have is `portOnly` /
 *   `describePortOnly` (its title says why): the port's trace events, its
 *   start-up option checks and hardening (chapters/deviations.md), never
 *   writing into your options, its stores (MemoryStore, RedisStore,
 *   MysqlStore), the playground and its "Try it" recordings, side-by-side
 *   comparisons. Tests of the book itself (its text, site, annotated source)
 *   are `describeBookOnly`. Under the switch vitest lists all of them as
 *   skipped.
 * - Asking for the port by name (`sessionOf('port')`), tracing, or starting
 *   the playground under the switch throws ({@link requirePort}), so a test
 *   cannot pass there without exercising koa-session.
 * - Recordings are compared, never written, under the switch: koa-session
 *   must print the very bytes the chapters quote.
 */
import upstreamSession from 'koa-session';
import { describe, it } from 'vitest';
import { createSession } from '../../src/index.js';

/** The two implementations: ours and the original. */
export type Impl = 'port' | 'upstream';

/** True when `KOA_SESSION_IMPL=upstream`: koa-session 7.0.2 is under test. */
export const usingUpstream = process.env.KOA_SESSION_IMPL === 'upstream';

if (process.env.KOA_SESSION_IMPL && !usingUpstream) {
  throw new Error(
    `KOA_SESSION_IMPL must be unset or 'upstream', got ${JSON.stringify(process.env.KOA_SESSION_IMPL)}`,
  );
}

/** The implementation a single-implementation test runs against. */
export const UNDER_TEST: Impl = usingUpstream ? 'upstream' : 'port';

/**
 * The implementations a side-by-side test runs against: both by default
 * (the book checks each claim on the port and on koa-session 7.0.2), only
 * koa-session under the switch.
 */
export const IMPLS: readonly Impl[] = usingUpstream ? ['upstream'] : ['port', 'upstream'];

/**
 * `session(opts, app)` of one implementation. koa-session's own typings are
 * looser than the port's; both accept the same calls, so the reference is
 * viewed through the port's type.
 */
export function sessionOf(impl: Impl): typeof createSession {
  if (impl === 'upstream') return upstreamSession as unknown as typeof createSession;
  requirePort('the session middleware asked for by name');
  return createSession;
}

/**
 * Throw when something that only the port has (its trace channel, the
 * playground) is used while koa-session is under test: such a test would
 * pass without proving anything about koa-session, so it must be portOnly.
 */
export function requirePort(what: string): void {
  if (usingUpstream) {
    throw new Error(
      `KOA_SESSION_IMPL=upstream, but ${what} is the port's: declare this test portOnly`,
    );
  }
}

/** The `session(opts, app)` factory under test. */
export const session: typeof createSession = usingUpstream
  ? (upstreamSession as unknown as typeof createSession)
  : createSession;

/** What a test title calls the implementation under test. */
export const IMPL_NAME = usingUpstream ? 'koa-session 7.0.2' : 'port';

/** `it` for behaviour only the port has; skipped (listed as such) under the switch. */
export const portOnly = it.skipIf(usingUpstream);

/** `describe` for a group about port-only things; skipped under the switch. */
export const describePortOnly = describe.skipIf(usingUpstream);

/**
 * `describe` for tests of the book itself (its text, its site, the annotated
 * source): they hold no claim about either implementation, so the switch
 * skips them rather than run them twice.
 */
export const describeBookOnly = describe.skipIf(usingUpstream);
