/**
 * What several test suites share, one way each: signing and reading
 * cookies and a cookie jar (cookies.ts), a frozen clock (clock.ts), a store
 * that records its calls (stores.ts), a checker for recorded outputs
 * (recordings.ts), proof citations (proofs.ts), the session id shape
 * (ids.ts) and an app's error collector (apps.ts).
 *
 * Also shared, imported directly: `tryit.ts`, which runs a chapter's
 * "Try it" commands against a playground and records what they print,
 * and `chromium.ts`, which launches Debian's chromium for browser tests.
 *
 * Left out on purpose: `services.ts` (importing it probes Redis and
 * MariaDB, which only store tests should pay for) and `cluster.ts`.
 * Scripts run outside vitest (the attack scripts) import cookies.ts, ids.ts
 * or apps.ts directly: the others need vitest.
 */
export * from './apps.js';
export * from './clock.js';
export * from './cookies.js';
export * from './ids.js';
export * from './proofs.js';
export * from './recordings.js';
export * from './stores.js';
