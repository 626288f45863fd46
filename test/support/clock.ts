/**
 * Controlled time. koa-session reads the clock only through `Date.now()`
 * (for `_expire`, renewal, and, via `cookies`, the `Expires` attribute), so
 * setting the system time lets a test jump forward instead of sleeping.
 * The setting is vitest's own (`vi.setSystemTime`, which mocks `Date`
 * without faking timers); nothing here hand-patches `Date.now`.
 */
import { onTestFinished, vi } from 'vitest';

export const ONE_DAY = 24 * 60 * 60 * 1000;

export interface Clock {
  now(): number;
  advance(ms: number): void;
}

/**
 * Freeze the clock (`Date.now()` and `new Date()`) at `start`; `advance`
 * moves it. Call it in a test or a `beforeEach`: the clock runs again by
 * itself when that test ends.
 */
export function freezeClock(start: number): Clock {
  let now = start;
  vi.setSystemTime(now);
  onTestFinished(() => {
    vi.useRealTimers();
  });
  return {
    now: () => now,
    advance(ms) {
      now += ms;
      vi.setSystemTime(now);
    },
  };
}

/** `Expires` text for an instant, as `cookies` writes it. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}
