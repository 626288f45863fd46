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

const secs = (n: number | undefined) =>
  n === undefined || !Number.isFinite(n) ? '–' : `${(n / 1000).toFixed(2)} s`;
const sub = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
const int = (n: number) => n.toLocaleString('en-US');

/** The chapter's table and the line under it (short labels: it must fit a phone). */
export function renderFailover(rec: FailoverRecording): string {
  const { config, meta } = rec;
  const rows: Array<[string, (r: FailoverResult) => string]> = [
    ['requests', (r) => int(r.requests)],
    ['users on the killed primary', (r) => `${r.usersOnKilled}/${r.users}`],
    ['failed (500)', (r) => int(r.failed)],
    ['… of other users', (r) => int(r.failedElsewhere)],
    ['replica promoted ¹', (r) => secs(r.promotedAfter)],
    ['last failure ended ¹', (r) => (r.failed ? secs(r.recoveredAfter) : '–')],
    ['200 after waiting > 0.5 s', (r) => int(r.delayed)],
    ['slowest request', (r) => secs(r.maxLatency)],
    ['median before the kill, ms', (r) => sub(r.medianBefore)],
    ['replication lag, ms ²', (r) => `${sub(r.lag.median)} / ${sub(r.lag.max)}`],
    ['sessions lost', (r) => int(r.lostSessions)],
    ['sessions rolled back', (r) => int(r.rolledBack)],
  ];
  const head = rec.runs.map(
    (run) => `${run.fullCoverage ? 'full' : 'partial'}${run.wait ? ' + `wait`' : ''}`,
  );
  const out = [
    `| | ${head.join(' | ')} |`,
    `| --- |${rec.runs.map(() => ' ---: |').join('')}`,
    ...rows.map(
      ([label, cell]) => `| ${label} | ${rec.runs.map((run) => cell(run.result)).join(' | ')} |`,
    ),
    '',
    `¹ after the kill. ² median / max of probes: write on the primary, poll the replica. ` +
      `Full, partial: \`cluster-require-full-coverage\` \`yes\` (Redis's default) or \`no\`; ` +
      `\`wait\`: \`{ replicas: ${config.wait.replicas}, timeout: ${config.wait.timeout} }\`.`,
    '',
    `*From \`${meta.command}\` (${meta.date.slice(0, 10)}, Node ${meta.node}, redis-server ${meta.redis}, ${meta.cpus} cores shared with other work). ` +
      `Six local nodes, \`cluster-node-timeout ${config.nodeTimeout}\`; ${config.users} users, each making one request at a time for ${config.duration / 1000} s; ` +
      `the primary holding the first user's session killed with SIGKILL at ${config.killAt / 1000} s; a fresh cluster per column.*`,
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
