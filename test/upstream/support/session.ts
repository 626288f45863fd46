/**
 * Which implementation the mirrored suite runs against: the port in src/ by
 * default, koa-session 7.0.2 itself with `KOA_SESSION_IMPL=upstream` — the
 * quickest way to tell "the port is wrong" from "the test is wrong". The
 * switch is shared with the book's and the pitfalls' tests
 * (test/support/impl.ts); a test that pins a documented deviation of the
 * port is declared with `portOnly`, so it is skipped (visibly) in that mode.
 */
export { portOnly, session, usingUpstream } from '../../support/impl.js';
