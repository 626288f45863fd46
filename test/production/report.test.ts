/**
 * The outage and failover numbers in chapters/15-production.md cannot go
 * stale silently: the tables must be exactly what the recorded JSON renders
 * to, the JSON must have been measured with the settings the code uses now,
 * and the sentences the chapter builds on the numbers must hold for them.
 * Changing any of it without `npm run production:measure` fails here.
 * No service needed: this reads files.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CHAPTER,
  FAILOVER_CONFIG,
  FAILOVER_RESULTS,
  OUTAGE_CONFIG,
  OUTAGE_RESULTS,
  renderChapter,
} from './measure.js';
import type { FailoverRecording, OutageRecording } from './report.js';

const outage = JSON.parse(readFileSync(OUTAGE_RESULTS, 'utf8')) as OutageRecording;
const failover = JSON.parse(readFileSync(FAILOVER_RESULTS, 'utf8')) as FailoverRecording;
const stale = 'stale: run `npm run production:measure`';
const plain = (x: unknown) => JSON.parse(JSON.stringify(x));

describe('recorded production timings (chapters/15-production.md)', () => {
  it('were measured with the settings in the code today', () => {
    expect(plain(OUTAGE_CONFIG), stale).toEqual(outage.config);
    expect(plain(FAILOVER_CONFIG), stale).toEqual(failover.config);
  });

  it('appear in the chapter exactly as the JSON renders them', () => {
    const chapter = readFileSync(CHAPTER, 'utf8');
    expect(renderChapter(chapter), stale).toBe(chapter);
  });
});

describe('what the chapter says about the outage holds for the recording', () => {
  const setup = (name: string) => outage.setups.find((s) => s.name === name)!.result;
  const sent = (r: { start: number }) => Math.round(r.start / 1000);
  const ended = (r: { start: number; took?: number }) => r.start + (r.took ?? Number.NaN);

  it('koa-redis: the first ten seconds of requests fail together at about 10.6 s, later ones wait for Redis; nothing printed', () => {
    const r = setup('koa-redis');
    const failed = r.requests.filter((q) => q.status !== 200);
    expect(new Set(failed.map((q) => q.error))).toEqual(
      new Set([
        'Reached the max retries per request limit (which is 20). Refer to "maxRetriesPerRequest" option for details.',
      ]),
    );
    expect(failed.every((q) => q.status === 500 && sent(q) <= 10)).toBe(true);
    expect(r.requests.filter((q) => sent(q) <= 10).every((q) => q.status === 500)).toBe(true);
    const ends = failed.map(ended);
    expect(Math.min(...ends)).toBeGreaterThan(10_000);
    expect(Math.max(...ends) - Math.min(...ends)).toBeLessThan(500);
    expect(Math.max(...ends)).toBeLessThan(11_500);
    // Handler: never for a returning visitor's failure, always for a new one's.
    expect(failed.filter((q) => q.visitor === 'returning').some((q) => q.handlerRan)).toBe(false);
    expect(failed.filter((q) => q.visitor === 'new').every((q) => q.handlerRan)).toBe(true);
    expect(r.logged).toEqual([]);
    expect(r.events.error).toBe(27);
  });

  it('ioredis 6 defaults: no failure, the longest wait over 20 s, recovery about two seconds after Redis, a line per attempt on stderr', () => {
    const r = setup('ours');
    expect(r.requests.every((q) => q.status === 200)).toBe(true);
    const longest = Math.max(...r.requests.map((q) => q.took!));
    expect(longest).toBeGreaterThan(20_000);
    expect(longest).toBeLessThan(23_000); // "up to 22 s"
    const firstAnswer = Math.min(...r.requests.map(ended));
    expect(firstAnswer - r.restartedAfter).toBeGreaterThan(1_000);
    expect(firstAnswer - r.restartedAfter).toBeLessThan(3_500);
    expect(r.logged.length).toBeGreaterThan(0);
    expect(
      r.logged.every((l) =>
        l.startsWith('[ioredis] Unhandled error event: Error: connect ECONNREFUSED'),
      ),
    ).toBe(true);
  });

  it('no offline queue: every failure in well under a second, and failures outlast Redis coming back', () => {
    const r = setup('fail-fast');
    const failed = r.requests.filter((q) => q.status !== 200);
    expect(new Set(failed.map((q) => q.error))).toEqual(
      new Set(["Stream isn't writeable and enableOfflineQueue options is false"]),
    );
    expect(failed.every((q) => q.took! < 200)).toBe(true);
    expect(failed.some((q) => q.start > r.restartedAfter)).toBe(true);
    expect(
      r.requests.filter((q) => q.start > r.restartedAfter + 5_000).every((q) => q.status === 200),
    ).toBe(true);
    expect(r.logged).toEqual([]);
  });
});

describe('what the chapter says about the failover holds for the recording', () => {
  const run = (name: string) => failover.runs.find((r) => r.name === name)!.result;
  const timeout = failover.config.nodeTimeout;

  it('promotion comes a few seconds after the 15 s node timeout', () => {
    for (const { result } of failover.runs) {
      expect(result.promotedAfter).toBeGreaterThan(timeout);
      expect(result.promotedAfter).toBeLessThan(timeout + 8_000);
    }
  });

  it('with ioredis defaults, affected users fail again and again, each failure in about two seconds; nobody else fails', () => {
    for (const name of ['default', 'partial']) {
      const r = run(name);
      expect(r.failed).toBeGreaterThan(r.usersOnKilled * 3);
      expect(r.maxLatency).toBeLessThan(2_500);
      expect(
        Object.keys(r.errors).every((e) => e.startsWith('Too many Cluster redirections')),
      ).toBe(true);
    }
    for (const { result } of failover.runs) expect(result.failedElsewhere).toBe(0);
    expect(Object.keys(run('default').errors).some((e) => e.includes('CLUSTERDOWN'))).toBe(true);
  });

  it('the patient client: no request fails, the affected ones wait over 20 s for the promotion', () => {
    const patient = run('patient');
    expect(patient.failed).toBe(0);
    expect(patient.delayed).toBeGreaterThan(0);
    expect(patient.maxLatency).toBeGreaterThan(20_000);
    expect(patient.maxLatency).toBeGreaterThan(patient.promotedAfter!);
  });
});
