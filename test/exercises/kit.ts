/**
 * What every step's checks are written with: `describe`, `it`, hooks, a
 * small `expect` and a hand-moved clock.
 *
 * Two masters. Under Vitest (`npm test`, which proves every step against
 * `src/`) `describe`, `it` and the hooks are Vitest's own. Under the
 * exercise runner they only *register* checks, which runner/child.ts then
 * runs in a child process it can kill — without Vitest's start-up cost,
 * which alone would blow the one-second budget of watch mode.
 *
 * `expect` is ours in both cases: it throws an {@link AssertionError} with
 * `expected` and `actual`, which Vitest prints as a diff and the runner as
 * two quoted lines. It covers what the checks use, nothing more.
 */
import { inspect, isDeepStrictEqual } from 'node:util';

type Fn = () => unknown;

/** One registered check: its full name ("describe › it") and body. */
export interface Check {
  name: string;
  fn: Fn;
}

interface Registry {
  checks: Check[];
  /** Groups left out because a service they need is not running. */
  skipped: number;
  beforeAll: Fn[];
  afterAll: Fn[];
  beforeEach: Fn[];
  afterEach: Fn[];
}

const vitest = process.env.VITEST ? await import('vitest') : undefined;

let registry: Registry = fresh();
const prefix: string[] = [];
function fresh(): Registry {
  return { checks: [], skipped: 0, beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] };
}

/** The checks (and hooks) registered since the last call; used by the runner. */
export function takeRegistry(): Registry {
  const taken = registry;
  registry = fresh();
  return taken;
}

/** Group checks; the group's name prefixes theirs. */
export function describe(name: string, body: () => void): void {
  if (vitest) {
    vitest.describe(name, body);
    return;
  }
  prefix.push(name);
  try {
    body();
  } finally {
    prefix.pop();
  }
}

/** A group that only runs when `condition` holds (a service is up). */
describe.runIf = (condition: boolean) => (name: string, body: () => void) => {
  if (vitest) {
    vitest.describe.runIf(condition)(name, body);
    return;
  }
  if (condition) describe(name, body);
  else registry.skipped++;
};

/** One check. */
export function it(name: string, fn: Fn, timeout?: number): void {
  if (vitest) {
    vitest.it(name, fn as () => Promise<void>, timeout);
    return;
  }
  registry.checks.push({ name: [...prefix, name].join(' › '), fn });
}

export function beforeAll(fn: Fn): void {
  if (vitest) {
    vitest.beforeAll(fn as () => Promise<void>);
    return;
  }
  registry.beforeAll.push(fn);
}
export function afterAll(fn: Fn): void {
  if (vitest) {
    vitest.afterAll(fn as () => Promise<void>);
    return;
  }
  registry.afterAll.push(fn);
}
export function beforeEach(fn: Fn): void {
  if (vitest) {
    vitest.beforeEach(fn as () => Promise<void>);
    return;
  }
  registry.beforeEach.push(fn);
}
export function afterEach(fn: Fn): void {
  if (vitest) {
    vitest.afterEach(fn as () => Promise<void>);
    return;
  }
  registry.afterEach.push(fn);
}

/** A failed expectation. `expected`/`actual` are what the runner shows. */
export class AssertionError extends Error {
  override name = 'AssertionError';
  constructor(
    message: string,
    readonly expected?: unknown,
    readonly actual?: unknown,
    readonly showDiff = expected !== undefined || actual !== undefined,
    /** The check's own words for the value (`expect(x, 'label')`). */
    readonly label?: string,
  ) {
    super(message);
  }
}

/** A value as a learner should read it: strings quoted, so `''` and `' '` are visible. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  return inspect(value, { depth: 4, breakLength: Infinity, compact: true });
}

interface Matchers {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toMatchObject(expected: Record<string, unknown>): void;
  toContain(part: unknown): void;
  toMatch(pattern: RegExp | string): void;
  toBeDefined(): void;
  toBeUndefined(): void;
  toBeNull(): void;
  toBeTruthy(): void;
  toBeFalsy(): void;
  toBeGreaterThan(n: number): void;
  toBeGreaterThanOrEqual(n: number): void;
  toBeLessThan(n: number): void;
  toBeLessThanOrEqual(n: number): void;
  toBeInstanceOf(type: abstract new (...args: never[]) => unknown): void;
  toHaveLength(n: number): void;
  toThrow(type?: (new (...args: never[]) => Error) | RegExp | string): void;
}

/** `expect(actual, 'what it is').toBe(…)`: a failure names the value in your words. */
export function expect(actual: unknown, label?: string): Matchers & { not: Matchers } {
  const make = (negate: boolean): Matchers => {
    const say = (what: string) => `${label ? `${label}: ` : ''}expected ${what}`;
    const check = (ok: boolean, what: string, expected?: unknown, diff = true) => {
      if (ok === negate) {
        const words = negate ? what.replace(/^(to )/, 'not $1') : what;
        throw new AssertionError(
          say(`${show(actual)} ${words}`),
          negate || !diff ? undefined : expected,
          negate || !diff ? undefined : actual,
          diff && !negate,
          label,
        );
      }
    };
    return {
      toBe: (e) => check(Object.is(actual, e), `to be ${show(e)}`, e),
      toEqual: (e) => check(isDeepStrictEqual(plain(actual), plain(e)), `to equal ${show(e)}`, e),
      toMatchObject: (e) =>
        check(
          actual !== null &&
            typeof actual === 'object' &&
            Object.entries(e).every(([k, v]) =>
              isDeepStrictEqual(plain((actual as Record<string, unknown>)[k]), plain(v)),
            ),
          `to include ${show(e)}`,
          e,
        ),
      toContain: (part) =>
        check(
          typeof actual === 'string'
            ? actual.includes(String(part))
            : Array.isArray(actual) && actual.some((item) => isDeepStrictEqual(item, part)),
          `to contain ${show(part)}`,
          undefined,
          false,
        ),
      toMatch: (p) =>
        check(
          typeof actual === 'string' &&
            (typeof p === 'string' ? actual.includes(p) : p.test(actual)),
          `to match ${String(p)}`,
          undefined,
          false,
        ),
      toBeDefined: () => check(actual !== undefined, 'to be defined', undefined, false),
      toBeUndefined: () => check(actual === undefined, 'to be undefined', undefined),
      toBeNull: () => check(actual === null, 'to be null', null),
      toBeTruthy: () => check(!!actual, 'to be truthy', undefined, false),
      toBeFalsy: () => check(!actual, 'to be falsy', undefined, false),
      toBeGreaterThan: (n) => check((actual as number) > n, `to be greater than ${n}`, n, false),
      toBeGreaterThanOrEqual: (n) =>
        check((actual as number) >= n, `to be at least ${n}`, n, false),
      toBeLessThan: (n) => check((actual as number) < n, `to be less than ${n}`, n, false),
      toBeLessThanOrEqual: (n) => check((actual as number) <= n, `to be at most ${n}`, n, false),
      toBeInstanceOf: (type) =>
        check(actual instanceof type, `to be an instance of ${type.name}`, undefined, false),
      toHaveLength: (n) =>
        check((actual as { length?: number })?.length === n, `to have length ${n}`, n, false),
      toThrow: (type) => {
        let thrown: unknown;
        let threw = false;
        try {
          (actual as () => unknown)();
        } catch (err) {
          threw = true;
          thrown = err;
        }
        let ok = threw;
        if (threw && typeof type === 'function') ok = thrown instanceof type;
        if (threw && type instanceof RegExp) ok = type.test(String((thrown as Error)?.message));
        if (threw && typeof type === 'string')
          ok = String((thrown as Error)?.message).includes(type);
        const kind =
          typeof type === 'function' ? ` a ${type.name}` : type ? ` ${String(type)}` : '';
        const got = threw ? `, but it threw ${String(thrown)}` : ', but it returned normally';
        if (ok === negate) {
          const message = negate
            ? `${label ? `${label}: ` : ''}expected no error, but it threw ${String(thrown)}`
            : `${label ? `${label}: ` : ''}expected it to throw${kind}${got}`;
          throw new AssertionError(message);
        }
      },
    };
  };
  return Object.assign(make(false), { not: make(true) });
}

/** Compare data, not classes: a Session equals the plain object with its fields. */
function plain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  try {
    return JSON.parse(JSON.stringify(value));
  } catch {
    return value;
  }
}

/** Fail with a message of your own. */
export function fail(message: string): never {
  throw new AssertionError(message);
}

const realNow = Date.now;
/** Pretend the time is `ms` (ms since the epoch) until {@link realTime}. */
export function setNow(ms: number): void {
  Date.now = () => ms;
}
/** Back to the real clock. */
export function realTime(): void {
  Date.now = realNow;
}
