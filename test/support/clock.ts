/**
 * Controlled time. koa-session reads the clock only through `Date.now()`
 * (for `_expire`, renewal, and, via `cookies`, the `Expires` attribute), so
 * spying on it lets a test jump forward instead of sleeping.
 */
import { vi } from 'vitest';

export const ONE_DAY = 24 * 60 * 60 * 1000;

export interface Clock {
  now(): number;
  advance(ms: number): void;
}

/** Freeze `Date.now()` at `start`; `advance` moves it. Undo with `vi.restoreAllMocks()`. */
export function freezeClock(start: number): Clock {
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
