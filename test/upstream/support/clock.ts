/**
 * Controlled time for the mirrored suite: `Date.now()` frozen at a fixed,
 * readable instant and moved forward by hand (test/support/clock.ts), so
 * no test sleeps. It runs again by itself when the test ends.
 */
import { type Clock, freezeClock as freezeAt } from '../../support/clock.js';

export { type Clock, httpDate, ONE_DAY } from '../../support/clock.js';

/** A fixed, readable starting instant: 2025-01-19 12:00:00 UTC. */
export const T0 = Date.UTC(2025, 0, 19, 12, 0, 0);

export function freezeClock(start = T0): Clock {
  return freezeAt(start);
}
