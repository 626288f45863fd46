/**
 * Differential test: the port in src/ must be observably identical to
 * koa-session 7.0.2 — same statuses, bodies, `Set-Cookie` bytes and order,
 * store calls, and session events — on hundreds of random scenarios.
 *
 * How it works and how to replay a failure: test/differential/README.md.
 *   DIFF_SEED=<seed>[,<seed>…]  replay exactly these scenarios
 *   DIFF_SCENARIOS=<n>          how many scenarios (default 400)
 *   DIFF_BASE_SEED=<n>|random   which batch of scenarios (default fixed)
 */
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import upstream from 'koa-session';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSession } from '../../src/index.js';
import {
  firstDifference,
  formatMismatch,
  type Impl,
  nextUuid,
  type Outcome,
  runScenario,
  startServer,
  stopServer,
  world,
} from './harness.js';
import { scenarioSeed } from './prng.js';
import { generateScenario, type OptionSpec, type Scenario, type Step } from './scenario.js';

const REFERENCE: Impl = {
  name: 'koa-session 7.0.2',
  create: (opts, app) => upstream(opts as Parameters<typeof upstream>[0], app),
};
const PORT: Impl = {
  name: 'port (src/)',
  create: (opts, app) => createSession(opts, app),
};

const DEFAULT_BASE_SEED = 0x5e551017;
const baseSeed =
  process.env.DIFF_BASE_SEED === 'random'
    ? Math.floor(Math.random() * 2 ** 32)
    : Number(process.env.DIFF_BASE_SEED ?? DEFAULT_BASE_SEED);
const scenarioCount = Number(process.env.DIFF_SCENARIOS ?? 400);
const replay = process.env.DIFF_SEED?.split(',').map((s) => Number(s.trim()) >>> 0);
const seeds = replay ?? Array.from({ length: scenarioCount }, (_, i) => scenarioSeed(baseSeed, i));

/** depd (used by `cookies`) hands deprecations to listeners instead of printing them. */
const ignoreDeprecation = () => {};

beforeAll(async () => {
  await startServer();
  // `cookies` prints a deprecation notice when the session options carry the
  // old `maxage` spelling; both sides trigger it, it is only noise here.
  process.on('deprecation' as 'warning', ignoreDeprecation);
  // One controlled clock for both apps, and one deterministic UUID sequence
  // per side. `syncBuiltinESMExports` makes the ESM named export
  // `randomUUID` (which both libraries import) follow the patched function.
  const realUuid = crypto.randomUUID.bind(crypto);
  vi.spyOn(Date, 'now').mockImplementation(() => world.now);
  vi.spyOn(crypto, 'randomUUID').mockImplementation(
    () => (nextUuid() ?? realUuid()) as ReturnType<typeof crypto.randomUUID>,
  );
  syncBuiltinESMExports();
});

afterAll(async () => {
  process.off('deprecation' as 'warning', ignoreDeprecation);
  vi.restoreAllMocks();
  syncBuiltinESMExports();
  await stopServer();
});

interface RunSummary {
  outcomes: Outcome[];
  failures: { scenario: Scenario; outcome: Outcome }[];
  ms: number;
}

async function runMany(list: readonly number[], a: Impl, b: Impl): Promise<RunSummary> {
  const started = performance.now();
  const outcomes: Outcome[] = [];
  const failures: RunSummary['failures'] = [];
  for (const seed of list) {
    const scenario = generateScenario(seed);
    const outcome = await runScenario(scenario, a, b);
    outcomes.push(outcome);
    if (outcome.mismatch) failures.push({ scenario, outcome });
  }
  return { outcomes, failures, ms: performance.now() - started };
}

function failureReport(summary: RunSummary, a: Impl, b: Impl): string {
  const [first] = summary.failures;
  if (!first) return '';
  const others = summary.failures.slice(1).map((f) => f.scenario.seed);
  return [
    `${summary.failures.length} of ${summary.outcomes.length} scenarios differ (base seed ${baseSeed}).`,
    others.length ? `Other failing seeds: ${others.join(',')}` : '',
    formatMismatch(first.scenario, first.outcome, a, b),
  ].join('\n');
}

describe('differential: port vs koa-session 7.0.2', () => {
  it('the harness is deterministic: koa-session against itself never differs', async () => {
    const summary = await runMany(seeds.slice(0, 40), REFERENCE, REFERENCE);
    expect(summary.failures, failureReport(summary, REFERENCE, REFERENCE)).toHaveLength(0);
  });

  it('the same seed produces the same scenario and the same observations', async () => {
    for (const seed of seeds.slice(0, 5)) {
      expect(generateScenario(seed)).toEqual(generateScenario(seed));
      const first = await runScenario(generateScenario(seed), REFERENCE, PORT);
      const second = await runScenario(generateScenario(seed), REFERENCE, PORT);
      expect(second.transcript).toEqual(first.transcript);
    }
  });

  it(`the port behaves exactly like koa-session on ${seeds.length} random scenarios`, async () => {
    const summary = await runMany(seeds, REFERENCE, PORT);
    const steps = summary.outcomes.reduce((n, o) => n + o.steps, 0);
    const requests = summary.outcomes.reduce((n, o) => n + o.requests, 0);
    console.info(
      `differential: ${summary.outcomes.length} scenarios, ${steps} steps, ${requests} requests ` +
        `(x2 apps) in ${Math.round(summary.ms)} ms, base seed ${baseSeed}, ` +
        `${summary.failures.length} differing`,
    );
    expect(summary.failures, failureReport(summary, REFERENCE, PORT)).toHaveLength(0);

    // Guard against a vacuous run: over a full batch the generator must
    // have reached every interesting path at least once.
    if (!replay && seeds.length >= 200) {
      const all = summary.outcomes.flatMap((o) => o.transcript).join('\n');
      for (const needle of [
        '"set-cookie"',
        'expires=Thu, 01 Jan 1970 00:00:00 GMT',
        '"missed"',
        '"expired"',
        '"invalid"',
        '"status":500',
        '"status":418',
        '["get"',
        '["set"',
        '["destroy"',
        '["construct"',
        '"x-session-id"',
        '"changed":true',
        '"changed":false',
        'samesite=',
        'hex codec',
        'regenerate',
      ]) {
        expect(all, `no scenario exercised ${needle}`).toContain(needle);
      }
    }
  }, 300_000);
});

// ---------------------------------------------------------------------------
// Self-test: a comparator that always passes would make the suite above
// worthless. Each case below runs koa-session against a deliberately
// altered variant and asserts that the difference is reported, at the step
// and in the part of the observation where it belongs.

function fixedScenario(spec: Partial<OptionSpec>, steps: Step[]): Scenario {
  return {
    seed: 12345,
    clients: 1,
    start: 1_700_000_000_000,
    spec: {
      mode: 'cookie',
      storeAsync: false,
      storeMissing: 'undefined',
      externalKeyHeader: false,
      appKeys: ['k1'],
      https: false,
      opts: {},
      genid: 'default',
      valid: false,
      beforeSave: 'none',
      codec: 'default',
      early: 'none',
      ...spec,
    },
    steps,
  };
}

const setViews: Step = {
  t: 'req',
  client: 0,
  actions: [{ a: 'incr', k: 'views' }],
  manual: false,
};
const readOnly: Step = { t: 'req', client: 0, actions: [{ a: 'read' }], manual: false };

/** The port with its options rewritten before it sees them. */
function alteredPort(name: string, alter: (opts: Record<string, unknown>) => void): Impl {
  return {
    name,
    create: (opts, app) => {
      const copy = { ...opts };
      alter(copy);
      return createSession(copy, app);
    },
  };
}

describe('differential: the harness can fail', () => {
  it('reports a different cookie name in the first Set-Cookie header', async () => {
    const variant = alteredPort('port with key "other"', (o) => {
      o.key = 'other';
    });
    const scenario = fixedScenario({}, [setViews, readOnly]);
    const outcome = await runScenario(scenario, REFERENCE, variant);
    expect(outcome.mismatch?.step).toBe(0);
    expect(outcome.mismatch?.path).toMatch(/^response\.headers\[\d+\]\[1\]$/);
    const message = formatMismatch(scenario, outcome, REFERENCE, variant);
    expect(message).toContain('DIFF_SEED=12345');
    expect(message).toContain('step #0');
    expect(message).toContain('koa.sess=');
    expect(message).toContain('other=');
  });

  it('reports a store call whose arguments differ (maxAge off by one ms)', async () => {
    const variant = alteredPort('port with maxAge + 1', (o) => {
      o.maxAge = 5001;
    });
    const scenario = fixedScenario({ mode: 'store', opts: { maxAge: 5000 }, genid: 'counter' }, [
      setViews,
    ]);
    const outcome = await runScenario(scenario, REFERENCE, variant);
    expect(outcome.mismatch?.step).toBe(0);
    expect(outcome.mismatch?.path).toMatch(/^response\.store\[0\]/);
  });

  it('reports a difference that only shows on a later request (rolling)', async () => {
    const variant = alteredPort('port with rolling', (o) => {
      o.rolling = true;
    });
    const scenario = fixedScenario({}, [setViews, { t: 'clock', ms: 1000 }, readOnly]);
    const outcome = await runScenario(scenario, REFERENCE, variant);
    expect(outcome.mismatch?.step).toBe(2);
    expect(outcome.mismatch?.path).toMatch(/^response\.headers/);
  });

  it('reports an event that only one side emits', async () => {
    const variant: Impl = {
      name: 'port that emits an extra session:missed',
      create: (opts, app) => {
        const middleware = createSession(opts, app);
        return async (ctx, next) => {
          await middleware(ctx, next);
          setImmediate(() => app.emit('session:missed', { key: 'x', value: undefined, ctx }));
        };
      },
    };
    const scenario = fixedScenario({}, [readOnly]);
    const outcome = await runScenario(scenario, REFERENCE, variant);
    expect(outcome.mismatch?.step).toBe(0);
    expect(outcome.mismatch?.path).toBe('response.events[0]');
  });

  it('finds the first differing path in nested values', () => {
    expect(firstDifference({ a: [1, 2] }, { a: [1, 2] })).toBeUndefined();
    expect(firstDifference({ a: [1, 2] }, { a: [1, 3] })).toBe('a[1]');
    expect(firstDifference({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe('{keys}');
    expect(firstDifference([1], [1, 2])).toBe('[1]');
    expect(firstDifference('x', null)).toBe('(root)');
  });
});
