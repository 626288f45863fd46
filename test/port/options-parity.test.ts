/**
 * Options parity (issue 19, section 3), part of `npm test`: every option of
 * koa-session 7.0.2's schema × a spread of values × cookie and store mode,
 * run on both implementations. test/port/options-parity.ts says what is
 * compared and what "valid input" means; in short: where koa-session
 * accepts a value and serves requests with it, the port must print the same
 * bytes; where koa-session accepts a value and then fails, the port may
 * differ only as listed below (and on chapters/deviations.md#options).
 */
import { readFileSync } from 'node:fs';
import { SessionOptions } from 'koa-session';
import { describe, expect, it } from 'vitest';
import {
  brokenKinds,
  type Mode,
  modesFor,
  type OptionName,
  type Run,
  runOne,
  SCHEMA_OPTIONS,
  trialsFor,
} from './options-parity.js';

/** How koa-session fails on a value it accepts, and what the port does instead. */
interface Deviation {
  option: OptionName;
  values: string[];
  /** The kind of failure, as `brokenKinds` names it. */
  upstream: '500' | 'expires=Invalid Date';
  /** The error koa-session's app reports, when it reports one. */
  error?: string;
  port: 'refused at start-up' | 'uses the default';
  /** Only in this mode (the codec is not used in store mode). */
  mode?: Mode;
}

/** Every configuration where the port may differ: each is on chapters/deviations.md. */
const DEVIATIONS: Deviation[] = [
  {
    option: 'maxAge',
    values: ['Infinity', '-Infinity'],
    upstream: '500',
    error: 'option maxAge is invalid',
    port: 'refused at start-up',
  },
  {
    option: 'maxAge',
    values: ['Number.MAX_SAFE_INTEGER', '-Number.MAX_SAFE_INTEGER', '1e16', 'one past the largest'],
    upstream: 'expires=Invalid Date',
    port: 'refused at start-up',
  },
  {
    option: 'sameSite',
    values: ["'x'", "'sometimes'", "' lax'", "'true'", "'false'"],
    upstream: '500',
    error: 'option sameSite is invalid',
    port: 'refused at start-up',
  },
  {
    option: 'encode',
    values: ['undefined'],
    upstream: '500',
    error: 'opts.encode is not a function',
    port: 'uses the default',
    mode: 'cookie',
  },
  {
    option: 'decode',
    values: ['undefined'],
    upstream: '500',
    error: 'opts.decode is not a function',
    port: 'uses the default',
    mode: 'cookie',
  },
];

function deviationFor(option: OptionName, label: string, mode: Mode): Deviation | undefined {
  return DEVIATIONS.find(
    (d) => d.option === option && d.values.includes(label) && (d.mode ?? mode) === mode,
  );
}

function verdict(run: Run): string {
  if (!run.started) return `refused (${run.error})`;
  return `started, ${brokenKinds(run).join(' + ') || 'served'}`;
}

describe('options parity with koa-session 7.0.2', () => {
  it("tries every option of koa-session 7.0.2's schema", () => {
    expect([...SCHEMA_OPTIONS].sort()).toEqual(Object.keys(SessionOptions.shape).sort());
  });

  it.each(SCHEMA_OPTIONS.map((o) => [o]))(
    '%s: what koa-session accepts and serves, the port serves byte for byte',
    async (option) => {
      const unexplained: string[] = [];
      let valid = 0;
      for (const trial of trialsFor(option)) {
        for (const mode of modesFor(option)) {
          const upstream = await runOne('upstream', option, trial, mode);
          const port = await runOne('port', option, trial, mode);
          const where = `${option} = ${trial.label} (${mode})`;
          const deviation = deviationFor(option, trial.label, mode);
          if (deviation) {
            // Both behaviours, as listed.
            expect(brokenKinds(upstream), where).toContain(deviation.upstream);
            if (deviation.error && upstream.started) {
              expect(upstream.errors, where).toContain(deviation.error);
            }
            if (deviation.port === 'refused at start-up') {
              expect(port.started, where).toBe(false);
            } else {
              expect(brokenKinds(port), where).toEqual([]);
            }
            continue;
          }
          if (!upstream.started && !port.started) continue;
          if (upstream.started && brokenKinds(upstream).length === 0) valid++;
          if (JSON.stringify(upstream) !== JSON.stringify(port)) {
            unexplained.push(`${where}: koa-session ${verdict(upstream)}, port ${verdict(port)}`);
          }
        }
      }
      expect(unexplained).toEqual([]);
      // Every option has values koa-session serves (undefined at least).
      expect(valid).toBeGreaterThan(0);
    },
    60_000,
  );

  it('each deviation is listed on chapters/deviations.md, with the failure it avoids', () => {
    const page = readFileSync(
      new URL('../../chapters/deviations.md', import.meta.url),
      'utf8',
    ).replace(/\s+/g, ' ');
    for (const d of DEVIATIONS) {
      expect(page, d.option).toContain(`\`${d.option}\``);
      expect(page).toContain(d.error ?? d.upstream);
    }
  });
});
