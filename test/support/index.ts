/**
 * What several test suites share, one way each: signing and reading
 * cookies, a cookie jar, a frozen clock, a store that records its calls and
 * a checker for recorded outputs.
 *
 * `services.ts` (Redis and MariaDB availability) is left out on purpose:
 * importing it probes both services, which only store tests should pay for.
 */
export * from './apps.js';
export * from './clock.js';
export * from './cookies.js';
export * from './ids.js';
export * from './recordings.js';
export * from './stores.js';
