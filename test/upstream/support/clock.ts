/**
 * Controlled time. koa-session reads the clock only through `Date.now()`
 * (for `_expire`, renewal, and — via `cookies` — the `Expires` attribute),
 * so spying on it lets a test jump forward instead of sleeping.
 * Undo with `vi.restoreAllMocks()`.
 */
import { vi } from 'vitest';

/** A fixed, readable starting instant: 2025-01-19 12:00:00 UTC. */
export const T0 = Date.UTC(2025, 0, 19, 12, 0, 0);

export interface Clock {
  now(): number;
  advance(ms: number): void;
}

export function freezeClock(start = T0): Clock {
  let now = start;
  vi.spyOn(Date, 'now').mockImplementation(() => now);
  return {
    now: () => now,
    advance(ms) {
      now += ms;
    },
  };
}

/** `Expires` text for an instant, as `cookies` writes it. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

export const ONE_DAY = 24 * 60 * 60 * 1000;
