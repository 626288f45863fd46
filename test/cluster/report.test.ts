/**
 * The chapter's failover numbers cannot go stale silently: the table in
 * chapters/13-scaling-out.md must be exactly what the recorded JSON
 * renders to, and the JSON must have been measured with the settings the
 * code uses now (cluster node timeout, client options, load). Changing
 * any of them without `npm run cluster:measure` fails here.
 * No cluster needed: this reads files.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHAPTER, MEASURE_CONFIG, RESULTS } from './measure.js';
import { type FailoverRecording, renderFailover, replaceFailover } from './report.js';

const recording = JSON.parse(readFileSync(RESULTS, 'utf8')) as FailoverRecording;
const stale = 'stale: run `npm run cluster:measure`';

describe('recorded failover numbers (chapters/13-scaling-out.md)', () => {
  it('were measured with the settings in the code today', () => {
    expect(JSON.parse(JSON.stringify(MEASURE_CONFIG)), stale).toEqual(recording.config);
    expect(recording.runs.map((r) => r.name)).toEqual(MEASURE_CONFIG.runs.map((r) => r.name));
  });

  it('appear in the chapter exactly as the JSON renders them', () => {
    const chapter = readFileSync(CHAPTER, 'utf8');
    expect(replaceFailover(chapter, renderFailover(recording)), stale).toBe(chapter);
  });

  it('say what the chapter claims about them', () => {
    const [, partial, wait] = recording.runs.map((r) => r.result);
    // Every failure was a 500, and with partial coverage only the users of
    // the dead primary saw one.
    for (const run of recording.runs) {
      expect(Object.keys(run.result.failedStatuses).every((s) => s === '500')).toBe(true);
      // "a couple of seconds with a one-second node timeout"
      expect(run.result.promotedAfter).toBeGreaterThan(recording.config.nodeTimeout);
      expect(run.result.promotedAfter).toBeLessThan(5000);
      // "about a third of the users"
      expect(run.result.usersOnKilled / run.result.users).toBeGreaterThan(0.15);
      expect(run.result.usersOnKilled / run.result.users).toBeLessThan(0.55);
      // "the sessions lost never exceed" the writes at risk
      expect(run.result.lostSessions + run.result.rolledBack).toBeLessThanOrEqual(
        run.result.atRisk,
      );
    }
    // "No session was lost." (if a re-measurement loses one, rewrite that paragraph)
    for (const run of recording.runs) expect(run.result.lostSessions).toBe(0);
    expect(partial!.failedElsewhere).toBe(0);
    expect(wait!.failedElsewhere).toBe(0);
  });
});

describe('what chapter 13 says about the recorded numbers', () => {
  const results = recording.runs.map((r) => r.result);

  it('the replica trailed by milliseconds at the median and by less than 100 ms at worst, in every recorded run', () => {
    for (const r of results) {
      expect(r.lag.median, stale).toBeLessThan(10);
      expect(r.lag.max, stale).toBeLessThan(100);
    }
    // "under a millisecond at the median when the machine is quiet"
    expect(Math.min(...results.map((r) => r.lag.median)), stale).toBeLessThan(1);
  });

  it('some recorded requests waited well past 1.6 s and still succeeded', () => {
    // The slowest request of a run with no failures at all took longer than
    // sixteen 100 ms retries: the retries are not a fixed 1.6 s.
    const clean = results.filter((r) => r.failed === 0);
    expect(clean.length, stale).toBeGreaterThan(0);
    expect(Math.max(...clean.map((r) => r.maxLatency)), stale).toBeGreaterThan(2 * 1600);
  });
});

describe('replaceFailover', () => {
  it('replaces only the text between the markers', () => {
    const text = 'a\n<!-- cluster:failover:start -->\nold\n<!-- cluster:failover:end -->\nb\n';
    expect(replaceFailover(text, 'new')).toBe(
      'a\n<!-- cluster:failover:start -->\nnew\n<!-- cluster:failover:end -->\nb\n',
    );
    expect(() => replaceFailover('no markers', 'x')).toThrow(/markers/);
  });
});
