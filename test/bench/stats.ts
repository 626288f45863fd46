/**
 * The arithmetic of the benchmark, kept apart from anything that times or
 * spawns, so that test/bench/stats.test.ts can prove it on fixed numbers.
 *
 * See chapters/12-performance.md#reading-the-numbers
 */

/** One measurement: one contender, one workload, one round. */
export interface Sample {
  round: number;
  contender: string;
  workload: string;
  /** Completed 2xx responses per second over the measured window. */
  rps: number;
  /** Latency percentiles in milliseconds, from the client's side. */
  p50: number;
  p99: number;
  /** Server CPU time (user + system) per request, in microseconds. */
  cpuMicrosPerRequest: number;
  requests: number;
  errors: number;
  non2xx: number;
  /** Cores' worth of CPU other processes used, on average, while it was measured (NaN: unknown). */
  foreignCores?: number;
}

/** The middle value (mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The `p`-th percentile (0–100) by the nearest-rank method: the smallest
 * value such that at least p% of the values are less than or equal to it.
 * `sorted` must be ascending.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** Median and spread of one contender on one workload across rounds. */
export interface Summary {
  contender: string;
  workload: string;
  rounds: number;
  rps: number;
  rpsMin: number;
  rpsMax: number;
  p50: number;
  p99: number;
  cpuMicrosPerRequest: number;
}

/** Collapse rounds into medians, per workload and contender, in input order. */
export function summarise(samples: readonly Sample[]): Summary[] {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    const key = `${s.workload}\u0000${s.contender}`;
    const group = groups.get(key);
    if (group) group.push(s);
    else groups.set(key, [s]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as Sample;
    const rps = group.map((s) => s.rps);
    return {
      contender: first.contender,
      workload: first.workload,
      rounds: group.length,
      rps: median(rps),
      rpsMin: Math.min(...rps),
      rpsMax: Math.max(...rps),
      p50: median(group.map((s) => s.p50)),
      p99: median(group.map((s) => s.p99)),
      cpuMicrosPerRequest: median(group.map((s) => s.cpuMicrosPerRequest)),
    };
  });
}

/** How contender `a` compares with `b` on one workload. */
export interface Ratio {
  workload: string;
  a: string;
  b: string;
  /** Median of the per-round ratios rps(a) / rps(b). */
  median: number;
  min: number;
  max: number;
  /** Rounds in which both were measured. */
  rounds: number;
  /** Median of b's CPU per request over a's: above 1 means a costs less CPU. */
  cpuMedian: number;
}

/**
 * Compare two contenders round by round. Within a round they ran minutes
 * apart at most, under the same background load, so the ratio of each
 * pair cancels much of the machine's drift; the median of those ratios is
 * the figure we report. `undefined` when no round measured both.
 */
export function pairedRatio(
  samples: readonly Sample[],
  workload: string,
  a: string,
  b: string,
): Ratio | undefined {
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  const rounds = new Set(samples.map((s) => s.round));
  for (const round of rounds) {
    const find = (c: string) =>
      samples.find((s) => s.round === round && s.workload === workload && s.contender === c);
    const sa = find(a);
    const sb = find(b);
    if (!sa || !sb || sb.rps === 0) continue;
    ratios.push(sa.rps / sb.rps);
    if (sa.cpuMicrosPerRequest > 0) cpuRatios.push(sb.cpuMicrosPerRequest / sa.cpuMicrosPerRequest);
  }
  if (ratios.length === 0) return undefined;
  return {
    workload,
    a,
    b,
    median: median(ratios),
    min: Math.min(...ratios),
    max: Math.max(...ratios),
    rounds: ratios.length,
    cpuMedian: median(cpuRatios),
  };
}

/**
 * The order contenders run in during round `round`: as listed on even
 * rounds, reversed on odd ones. Interleaving spreads slow drifts of the
 * machine (another job starting, thermal limits) over every contender, and
 * reversing stops any one of them from always running first or last.
 */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...items] : [...items].reverse();
}
