/**
 * The measured tables of chapters/15-production.md, rendered from
 * test/production/results/*.json (written by `npm run production:measure`).
 * The chapter holds them between `<!-- production:NAME:start -->` and
 * `<!-- production:NAME:end -->`; report.test.ts fails when the chapter,
 * the JSON and the measurement's settings disagree.
 */
import type { ClusterOptions } from 'ioredis';
import type { FailoverResult } from '../cluster/load.js';
import type { OutageConfig, OutageRequest, OutageResult } from './outage.js';

export interface Meta {
  date: string;
  node: string;
  redis: string;
  cpus: number;
  command: string;
}

export interface OutageRecording {
  meta: Meta;
  config: OutageConfig;
  setups: Array<{ name: string; result: OutageResult }>;
}

export interface FailoverConfig {
  users: number;
  duration: number;
  killAt: number;
  nodeTimeout: number;
  runs: Array<{ name: string; fullCoverage: boolean; client: ClusterOptions }>;
}

export interface FailoverRecording {
  meta: Meta;
  config: FailoverConfig;
  runs: Array<{ name: string; result: FailoverResult }>;
}

const secs = (ms: number | undefined, digits = 1) =>
  ms === undefined || !Number.isFinite(ms) ? '–' : `${(ms / 1000).toFixed(digits)} s`;

/** One request as a table cell: status and how long it took. */
function cell(r: OutageRequest | undefined): string {
  if (!r) return '–';
  if (r.status === undefined) return 'no answer';
  const took = r.took! < 100 ? `${Math.round(r.took!)} ms` : secs(r.took, 1);
  return r.status === 200 ? `200 · ${took}` : `**${r.status}** · ${took}`;
}

/** Error messages, each once, in order of first appearance, shortened for a table. */
function messages(requests: OutageRequest[]): string[] {
  return [...new Set(requests.map((r) => r.error).filter((e): e is string => !!e))];
}

/** The second-by-second table, and what each setup logged and reported. */
export function renderOutage(rec: OutageRecording): string {
  const { config, meta, setups } = rec;
  const labels = new Map(config.setups.map((s) => [s.name, s.label]));
  const by = (name: string, visitor: OutageRequest['visitor'], i: number) =>
    setups.find((s) => s.name === name)!.result.requests.filter((r) => r.visitor === visitor)[i];
  const out = [
    `| sent at | ${setups.map((s) => labels.get(s.name)).join(' | ')} |`,
    `| ---: |${setups.map(() => ' ---: |').join('')}`,
  ];
  // Rows until every set-up answers a fast 200 again; the rest in one line.
  const fast = (r: OutageRequest | undefined) => r?.status === 200 && r.took! < 100;
  let last = config.requests - 1;
  for (let i = 0; i < config.requests; i++) {
    const settled = (j: number) => setups.every((s) => fast(by(s.name, 'returning', j)));
    if (Array.from({ length: config.requests - i }, (_, k) => settled(i + k)).every(Boolean)) {
      last = i;
      break;
    }
  }
  for (let i = 0; i <= last; i++) {
    const at = secs(i * config.every, 0);
    const marker =
      i * config.every >= config.restartAt && (i - 1) * config.every < config.restartAt;
    out.push(
      `| ${marker ? `**${at}** ¹` : at} | ${setups.map((s) => cell(by(s.name, 'returning', i))).join(' | ')} |`,
    );
  }
  if (last < config.requests - 1) {
    const slowest = (name: string) => {
      const rest = setups
        .find((s) => s.name === name)!
        .result.requests.filter((q) => q.visitor === 'returning')
        .slice(last + 1);
      return Math.round(Math.max(...rest.map((q) => q.took!)));
    };
    const span = `${secs((last + 1) * config.every, 0)}–${secs((config.requests - 1) * config.every, 0)}`;
    out.push(`| ${span} | ${setups.map((s) => `200 · ≤ ${slowest(s.name)} ms`).join(' | ')} |`);
  }
  out.push('');
  const restarted = setups.map((s) => s.result.restartedAfter);
  out.push(
    `¹ Redis answers again from ${secs(Math.min(...restarted), 2)} after the kill (an empty one: ` +
      'no persistence, so every session is gone and counts start again at 1). ' +
      `Each cell: a returning visitor's request (cookie: a \`GET\` first), sent that many seconds after the \`SIGKILL\`, its status and how long it took.`,
  );
  out.push('');
  out.push(`| measured | ${setups.map((s) => labels.get(s.name)).join(' | ')} |`);
  out.push(`| --- |${setups.map(() => ' --- |').join('')}`);
  const row = (label: string, f: (r: OutageResult) => string) =>
    out.push(`| ${label} | ${setups.map((s) => f(s.result)).join(' | ')} |`);
  const fails = (r: OutageResult, v: OutageRequest['visitor']) =>
    r.requests.filter((q) => q.visitor === v && q.status !== 200);
  row('failed, returning visitor', (r) => `${fails(r, 'returning').length} of ${config.requests}`);
  row('failed, new visitor', (r) => `${fails(r, 'new').length} of ${config.requests}`);
  row('handler ran in a failed request', (r) => {
    const f = [...fails(r, 'returning'), ...fails(r, 'new')];
    const ran = f.filter((q) => q.handlerRan);
    return f.length
      ? `${ran.length} of ${f.length} (${ran.every((q) => q.visitor === 'new') ? 'new visitors only' : 'both'})`
      : '–';
  });
  row('longest wait', (r) =>
    secs(Math.max(...r.requests.map((q) => q.took ?? Number.POSITIVE_INFINITY)), 1),
  );
  row(
    'error Koa reported',
    (r) =>
      messages(r.requests)
        .map((m) => `\`${m}\``)
        .join('<br>') || '–',
  );
  row("client 'error' events", (r) =>
    r.events.error === undefined ? 'not counted ²' : String(r.events.error),
  );
  row('lines the client printed', (r) => {
    const first = r.logged[0]?.split('\n')[0];
    return r.logged.length ? `${r.logged.length}, like \`${first}\`` : '0';
  });
  out.push('');
  out.push(
    "² No listener, so nothing to count with: an 'error' event without one is what ioredis prints. " +
      "Koa's own error log is off (`app.silent`), so the last row is only what the Redis client printed. " +
      `*From \`${meta.command}\` (${meta.date.slice(0, 10)}, Node ${meta.node}, redis-server ${meta.redis}, ${meta.cpus} cores). ` +
      `A redis-server of its own on a free port, killed with SIGKILL and started again after ${config.restartAt / 1000} s; ` +
      `one request per second from each kind of visitor for ${config.requests} s; a client that gets no answer gives up after ${config.giveUpAfter / 1000} s.*`,
  );
  return out.join('\n');
}

/** The 15-second failover table. */
export function renderFailover(rec: FailoverRecording): string {
  const { config, meta, runs } = rec;
  const head = (name: string) => {
    const run = config.runs.find((r) => r.name === name)!;
    const coverage = run.fullCoverage ? 'full coverage' : 'partial';
    return run.name === 'patient'
      ? `${coverage}, patient client ¹`
      : `${coverage}, ioredis defaults`;
  };
  const rows: Array<[string, (r: FailoverResult) => string]> = [
    ['replica promoted after the kill', (r) => secs(r.promotedAfter, 2)],
    ['requests', (r) => r.requests.toLocaleString('en-US')],
    ['users on the killed primary', (r) => `${r.usersOnKilled}/${r.users}`],
    ['failed (500)', (r) => r.failed.toLocaleString('en-US')],
    ['… of users on other primaries', (r) => r.failedElsewhere.toLocaleString('en-US')],
    ['last failure ended, after the kill', (r) => (r.failed ? secs(r.recoveredAfter, 2) : '–')],
    ['200 after waiting > 0.5 s', (r) => r.delayed.toLocaleString('en-US')],
    ['slowest request', (r) => secs(r.maxLatency, 2)],
    ['sessions lost', (r) => String(r.lostSessions)],
  ];
  const patient = config.runs.find((r) => r.name === 'patient')!.client;
  const out = [
    `| measured | ${runs.map((r) => head(r.name)).join(' | ')} |`,
    `| --- |${runs.map(() => ' ---: |').join('')}`,
    ...rows.map(([label, f]) => `| ${label} | ${runs.map((r) => f(r.result)).join(' | ')} |`),
    '',
    'The errors Koa reported (slot and address replaced by `N` and `HOST:PORT`):',
    '',
    ...runs.map((r) => {
      const list = Object.entries(r.result.errors).map(([m, n]) => `${n} × \`${m}\``);
      return `- ${head(r.name)}: ${list.length ? list.join('; ') : 'none'}`;
    }),
    '',
    `¹ \`retryDelayOnFailover: ${patient.retryDelayOnFailover}, maxRedirections: ${patient.maxRedirections}, retryDelayOnClusterDown: ${patient.retryDelayOnClusterDown}\`. ` +
      `*From \`${meta.command}\` (${meta.date.slice(0, 10)}, Node ${meta.node}, redis-server ${meta.redis}, ${meta.cpus} cores). ` +
      `Six local nodes, \`cluster-node-timeout ${config.nodeTimeout}\` (Redis's default); ${config.users} users of one Koa app with \`RedisStore\` on an ioredis \`Cluster\`, each making one request at a time for ${config.duration / 1000} s; ` +
      `the primary holding the first user's session killed with SIGKILL at ${config.killAt / 1000} s; a fresh cluster per column.*`,
  ];
  return out.join('\n');
}

/** Replace the generated part between `<!-- name:start -->` and `<!-- name:end -->`. */
export function replaceBetween(text: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`markers ${start} … ${end} not found`);
  return `${text.slice(0, from + start.length)}\n${content.trim()}\n${text.slice(to)}`;
}
