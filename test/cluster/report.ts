/**
 * The failover numbers in chapters/13-scaling-out.md, generated from
 * test/cluster/results/failover.json (written by `npm run cluster:measure`).
 * The chapter holds them between `<!-- cluster:failover:start -->` and
 * `<!-- cluster:failover:end -->`; report.test.ts fails when the chapter,
 * the JSON and the measurement's settings disagree.
 *
 * See chapters/13-scaling-out.md#failover-measured
 */
import type { ClusterOptions } from 'ioredis';
import type { FailoverResult } from './load.js';

/** What one measurement run is made of; changing any of it makes the recording stale. */
export interface MeasureConfig {
  users: number;
  duration: number;
  killAt: number;
  nodeTimeout: number;
  wait: { replicas: number; timeout: number };
  client: ClusterOptions;
  /** The columns: a fresh cluster each. */
  runs: Array<{ name: string; fullCoverage: boolean; wait: boolean }>;
}

export interface FailoverRecording {
  meta: { date: string; node: string; redis: string; cpus: number; command: string };
  config: MeasureConfig;
  runs: Array<MeasureConfig['runs'][number] & { result: FailoverResult }>;
}

const ms = (n: number | undefined) =>
  n === undefined || !Number.isFinite(n) ? '–' : `${Math.round(n).toLocaleString('en-US')} ms`;
const sub = (n: number) => `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms`;
const int = (n: number) => n.toLocaleString('en-US');

/** The chapter's table and the line under it. */
export function renderFailover(rec: FailoverRecording): string {
  const { config, meta } = rec;
  const rows: Array<[string, (r: FailoverResult) => string]> = [
    ['requests in total', (r) => int(r.requests)],
    ['users with their session on the killed primary', (r) => `${r.usersOnKilled} of ${r.users}`],
    ['requests failed (HTTP 500)', (r) => int(r.failed)],
    ['… of users of the other primaries', (r) => int(r.failedElsewhere)],
    ['replica promoted, after the kill', (r) => ms(r.promotedAfter)],
    ['last failure ended, after the kill', (r) => ms(r.recoveredAfter)],
    ['succeeded after waiting > 500 ms', (r) => int(r.delayed)],
    ['slowest request', (r) => ms(r.maxLatency)],
    ['median request before the kill', (r) => sub(r.medianBefore)],
    ['replication lag, median / max', (r) => `${sub(r.lag.median)} / ${sub(r.lag.max)}`],
    ['sessions lost (restarted at 1)', (r) => int(r.lostSessions)],
    ['sessions rolled back', (r) => int(r.rolledBack)],
  ];
  const head = rec.runs.map(
    (run) =>
      `${run.fullCoverage ? 'full coverage' : 'partial coverage'}${run.wait ? ', `wait`' : ''}`,
  );
  const out = [
    `| | ${head.join(' | ')} |`,
    `| --- |${rec.runs.map(() => ' ---: |').join('')}`,
    ...rows.map(
      ([label, cell]) => `| ${label} | ${rec.runs.map((run) => cell(run.result)).join(' | ')} |`,
    ),
    '',
    `*From \`${meta.command}\` (${meta.date.slice(0, 10)}, Node ${meta.node}, redis-server ${meta.redis}, ${meta.cpus} cores shared with other work). ` +
      `Six local nodes, \`cluster-node-timeout ${config.nodeTimeout}\`; ${config.users} users, each making one request at a time for ${config.duration / 1000} s; ` +
      `the primary holding the first user's session killed with SIGKILL at ${config.killAt / 1000} s; a fresh cluster per column. ` +
      `Full coverage: \`cluster-require-full-coverage yes\` (Redis's default); partial: \`no\`. ` +
      `\`wait\`: \`{ replicas: ${config.wait.replicas}, timeout: ${config.wait.timeout} }\`.*`,
  ];
  return out.join('\n');
}

/** Replace the generated part of the chapter (markers kept). */
export function replaceFailover(chapter: string, content: string): string {
  const start = '<!-- cluster:failover:start -->';
  const end = '<!-- cluster:failover:end -->';
  const from = chapter.indexOf(start);
  const to = chapter.indexOf(end);
  if (from < 0 || to < from) throw new Error(`markers ${start} … ${end} not found`);
  return `${chapter.slice(0, from + start.length)}\n${content.trim()}\n${chapter.slice(to)}`;
}
