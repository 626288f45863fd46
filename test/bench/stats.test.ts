/**
 * The bench's arithmetic, on numbers small enough to check by hand. No
 * timing here: the bench itself never runs under `vitest`.
 */
import { describe, expect, it } from 'vitest';
import { median, pairedRatio, percentile, roundOrder, type Sample, summarise } from './stats.js';

function sample(
  round: number,
  contender: string,
  workload: string,
  rps: number,
  cpu = 100,
): Sample {
  return {
    round,
    contender,
    workload,
    rps,
    p50: rps / 1000,
    p99: rps / 100,
    cpuMicrosPerRequest: cpu,
    requests: rps * 3,
    errors: 0,
    non2xx: 0,
  };
}

describe('median', () => {
  it('takes the middle value of an odd count, whatever the input order', () => {
    expect(median([5, 1, 3])).toBe(3);
  });
  it('averages the two middle values of an even count', () => {
    expect(median([4, 1, 3, 10])).toBe(3.5);
  });
  it('is NaN for no values rather than a made-up number', () => {
    expect(median([])).toBeNaN();
  });
  it('does not reorder the caller’s array', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('percentile (nearest rank)', () => {
  const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  it('p50 of 1..10 is 5 and p99 is 10', () => {
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 99)).toBe(10);
  });
  it('p0 is the smallest value and p100 the largest', () => {
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile(sorted, 100)).toBe(10);
  });
  it('works on typed arrays, which is what the runner sorts latencies into', () => {
    expect(percentile(Float64Array.from([0.5, 0.25, 2]).sort(), 50)).toBe(0.5);
  });
});

describe('summarise', () => {
  it('reports the median, min and max over rounds per workload and contender', () => {
    const rows = summarise([
      sample(0, 'port', 'change', 100, 90),
      sample(1, 'port', 'change', 300, 110),
      sample(2, 'port', 'change', 200, 100),
      sample(0, 'port', 'read', 50),
    ]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      contender: 'port',
      workload: 'change',
      rounds: 3,
      rps: 200,
      rpsMin: 100,
      rpsMax: 300,
      p50: 0.2,
      cpuMicrosPerRequest: 100,
    });
    expect(rows[1]).toMatchObject({ workload: 'read', rounds: 1, rps: 50 });
  });
});

describe('pairedRatio', () => {
  const samples = [
    sample(0, 'port', 'change', 110, 90),
    sample(0, 'koa-session', 'change', 100, 99),
    // A disturbed round: both slow, the ratio survives.
    sample(1, 'port', 'change', 55, 90),
    sample(1, 'koa-session', 'change', 50, 99),
    sample(2, 'port', 'change', 130, 90),
    sample(2, 'koa-session', 'change', 100, 99),
    // A round where only one of the pair was measured is left out.
    sample(3, 'port', 'change', 1000, 90),
  ];

  it('takes the median of the per-round ratios', () => {
    const ratio = pairedRatio(samples, 'change', 'port', 'koa-session');
    expect(ratio?.rounds).toBe(3);
    expect(ratio?.median).toBeCloseTo(1.1, 10);
    expect(ratio?.min).toBeCloseTo(1.1, 10);
    expect(ratio?.max).toBeCloseTo(1.3, 10);
  });

  it('reports the CPU ratio the other way round: less CPU per request is better', () => {
    expect(pairedRatio(samples, 'change', 'port', 'koa-session')?.cpuMedian).toBeCloseTo(1.1, 10);
  });

  it('is undefined when no round measured both contenders', () => {
    expect(pairedRatio(samples, 'read', 'port', 'koa-session')).toBeUndefined();
  });
});

describe('roundOrder', () => {
  it('runs the list forwards on even rounds and backwards on odd ones', () => {
    expect(roundOrder(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(roundOrder(['a', 'b', 'c'], 1)).toEqual(['c', 'b', 'a']);
    expect(roundOrder(['a', 'b', 'c'], 2)).toEqual(['a', 'b', 'c']);
  });
});
