/**
 * `npm run bench`: measure every contender on both workloads and write the
 * results as JSON (then `npm run bench:report` turns them into the chapter's
 * table and chart).
 *
 * The method, in short (the long version is chapters/12-performance.md):
 * - each contender is its own server process; this process only generates
 *   load (autocannon), so the two never fight over one event loop;
 * - every round starts fresh server processes; each is primed (one session
 *   per connection) and warmed up so the JIT has compiled the hot path;
 *   afterwards only one server at a time receives load, the others sit idle;
 * - each round gives every contender `BENCH_DURATION` seconds per workload,
 *   cut into short turns taken in alternation (A B C, C B A, …), so a
 *   disturbance of the machine lands on all of them alike;
 * - the reported figure is the median over rounds; ratios are computed
 *   round by round, then their median taken.
 *
 * Knobs (environment variables):
 *   BENCH_ROUNDS=5  BENCH_DURATION=3 (s per round)  BENCH_SLICE=0.5 (s per turn)
 *   BENCH_WARMUP=1.5 (s per workload, per server and round)  BENCH_CONNECTIONS=20
 *   BENCH_CONTENDERS=port,koa-session  BENCH_WORKLOADS=change,read
 *   BENCH_OUT=test/bench/results/latest.json  BENCH_ALT_SRC=/tmp/copy-of-src (adds `port-alt`)
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { reachable, startScript, stopChild } from '../../playground/processes.js';
import { sentBack } from '../../playground/shared/cookies.js';
import {
  ALT_SRC,
  BENCH_MYSQL_TABLE,
  BENCH_REDIS_PREFIXES,
  CONTENDERS,
  type ContenderName,
  MYSQL_URL,
  NEEDS_SERVICE,
  REDIS_URL,
  WORKLOADS,
  type WorkloadName,
} from './contenders.js';
import { foreignCores, snapshot } from './machine.js';
import { pairedRatio, percentile, roundOrder, type Sample, summarise } from './stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const SERVER = path.join(here, 'server.ts');

// ---------------------------------------------------------------------------
// Configuration

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function listFromEnv<T extends string>(name: string, all: readonly T[]): T[] {
  const raw = process.env[name];
  if (!raw) return [...all];
  const wanted = raw.split(',').map((s) => s.trim());
  const unknown = wanted.filter((w) => !all.includes(w as T));
  if (unknown.length)
    throw new Error(`${name}: unknown ${unknown.join(', ')}; known: ${all.join(', ')}`);
  return all.filter((c) => wanted.includes(c));
}

export const config = {
  rounds: Math.round(numberFromEnv('BENCH_ROUNDS', 5)),
  duration: numberFromEnv('BENCH_DURATION', 3),
  warmup: numberFromEnv('BENCH_WARMUP', 1.5),
  /** Length of one turn, s: each round's duration is split into turns of this size. */
  slice: numberFromEnv('BENCH_SLICE', 0.5),
  get slices(): number {
    return Math.max(1, Math.round(this.duration / this.slice));
  },
  connections: Math.round(numberFromEnv('BENCH_CONNECTIONS', 20)),
  contenders: listFromEnv<ContenderName>(
    'BENCH_CONTENDERS',
    CONTENDERS.filter((c) => c !== 'port-alt' || ALT_SRC),
  ),
  workloads: listFromEnv<WorkloadName>('BENCH_WORKLOADS', WORKLOADS),
  out: path.resolve(root, process.env.BENCH_OUT ?? 'test/bench/results/latest.json'),
};

// ---------------------------------------------------------------------------
// Server processes

interface Server {
  child: ChildProcess;
  url: string;
}

/** Start one contender's server and wait for it to announce its port. */
export async function startServer(
  contender: ContenderName,
  nodeArgs: string[] = [],
): Promise<Server> {
  const { child, ready } = await startScript(SERVER, {
    args: [contender],
    node: nodeArgs,
    cwd: root,
    env: { NODE_ENV: 'production' },
    ready: /READY (\d+)/,
    timeout: 20_000,
    stderr: 'inherit',
  }).catch((error: Error) => {
    throw new Error(`${contender}: server did not start: ${error.message}`);
  });
  return { child, url: `http://127.0.0.1:${ready[1]}` };
}

/** Ask the server to exit cleanly (it must, for `--cpu-prof` to write) and wait. */
export function stopServer(server: Server): Promise<void> {
  return stopChild(server.child);
}

// ---------------------------------------------------------------------------
// Sessions: prime one per connection, and check the workloads do what they say

export async function primeCookies(base: string, count: number): Promise<string[]> {
  const cookies: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${base}/prime`);
    await response.text();
    const cookie = sentBack(response.headers.getSetCookie());
    if (!response.ok || !cookie)
      throw new Error(`/prime answered ${response.status} with no cookie`);
    cookies.push(cookie);
  }
  return cookies;
}

/**
 * One request per workload before measuring, to prove the contender really
 * loaded the primed session, saved it on `change`, and left it alone on
 * `read`. A benchmark of a broken server measures nothing.
 */
export async function checkWorkloads(contender: ContenderName, base: string, cookie: string) {
  const change = await fetch(`${base}/change`, { headers: { cookie } });
  const changeBody = await change.text();
  const saved = change.headers.getSetCookie().length > 0;
  if (!change.ok || changeBody !== 'views 1' || saved !== (contender !== 'bare')) {
    throw new Error(`${contender} /change: ${change.status} ${changeBody} saved=${saved}`);
  }
  const read = await fetch(`${base}/read`, { headers: { cookie } });
  const readBody = await read.text();
  if (!read.ok || !readBody.startsWith('Ada Lovelace') || read.headers.getSetCookie().length) {
    throw new Error(
      `${contender} /read: ${read.status} ${readBody} set-cookie=${read.headers.get('set-cookie')}`,
    );
  }
}

/** The server's CPU time used so far and its monotonic clock, both in µs. */
export async function serverClock(base: string): Promise<{ cpuMicros: number; nowMicros: number }> {
  const response = await fetch(`${base}/__cpu`);
  return (await response.json()) as { cpuMicros: number; nowMicros: number };
}

// ---------------------------------------------------------------------------
// Load

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
  /** Seconds the load actually ran. */
  seconds: number;
}

/**
 * Drive `url` for `seconds` with one persistent connection per cookie, each
 * replaying the cookie it was primed with, as a browser that keeps one
 * session would. Latencies are recorded here at full resolution (autocannon's
 * own histogram rounds to whole milliseconds); pass `latencies` to collect
 * them across several calls.
 */
export function load(
  url: string,
  cookies: readonly string[],
  seconds: number,
  latencies: number[] = [],
): Promise<LoadResult> {
  let next = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: cookies.length,
        duration: seconds,
        setupClient(client) {
          client.setHeaders({ cookie: cookies[next++ % cookies.length] as string });
        },
      },
      (err, result) => {
        if (err) return reject(err);
        const sorted = Float64Array.from(latencies).sort();
        resolve({
          rps: result['2xx'] / result.duration,
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          requests: result['2xx'],
          errors: result.errors + result.timeouts,
          non2xx: result.non2xx,
          seconds: result.duration,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode < 300) latencies.push(responseTime);
    });
  });
}

/** What a contender accumulates over the slices of one round. */
interface Tally {
  requests: number;
  errors: number;
  non2xx: number;
  seconds: number;
  serverMicros: number;
  foreignCoreSeconds: number;
  latencies: number[];
}

const emptyTally = (): Tally => ({
  requests: 0,
  errors: 0,
  non2xx: 0,
  seconds: 0,
  serverMicros: 0,
  foreignCoreSeconds: 0,
  latencies: [],
});

// ---------------------------------------------------------------------------
// Services

/** Remove every key and row the bench wrote, so repeated runs never pile up data. */
async function cleanUp(used: Set<string>) {
  if (used.has('redis')) {
    const { Redis } = await import('ioredis');
    const client = new Redis(REDIS_URL);
    for (const prefix of BENCH_REDIS_PREFIXES) {
      let cursor = '0';
      do {
        const [nextCursor, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = nextCursor;
        if (keys.length) await client.del(...keys);
      } while (cursor !== '0');
    }
    await client.quit();
  }
  if (used.has('mysql')) {
    const mysql = await import('mysql2/promise');
    const connection = await mysql.createConnection(MYSQL_URL);
    await connection.query(`DROP TABLE IF EXISTS \`${BENCH_MYSQL_TABLE}\``);
    await connection.end();
  }
}

// ---------------------------------------------------------------------------
// Main

function gitDescribe(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root })
      .toString()
      .trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root }).length > 0;
    return { commit, dirty };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main() {
  const started = new Date();
  const skipped: Record<string, string> = {};
  const used = new Set<string>();
  const contenders: ContenderName[] = [];
  for (const contender of config.contenders) {
    const service = NEEDS_SERVICE[contender];
    if (service) {
      const up =
        service === 'redis' ? await reachable(REDIS_URL, 6379) : await reachable(MYSQL_URL, 3306);
      if (!up) {
        skipped[contender] = `${service} not reachable`;
        console.warn(`SKIPPED ${contender}: ${service} is not reachable`);
        continue;
      }
      used.add(service);
    }
    contenders.push(contender);
  }

  console.log(
    `bench: ${contenders.length} contenders × ${config.workloads.length} workloads × ${config.rounds} rounds, ` +
      `${config.duration} s each, ${config.connections} connections`,
  );
  const loadBefore = os.loadavg();
  const samples: Sample[] = [];
  const servers = new Map<ContenderName, { server: Server; cookies: string[] }>();
  try {
    for (let round = 0; round < config.rounds; round++) {
      // Fresh processes every round: how well V8 happens to compile a hot
      // path varies a little from one process to the next, and a median
      // over rounds should cover that variation rather than freeze one draw.
      // Each server is started, primed and warmed up; then they sit idle
      // until their turn; only one of them ever receives load at a time.
      for (const contender of roundOrder(contenders, round)) {
        const server = await startServer(contender);
        servers.set(contender, { server, cookies: [] });
        const cookies = await primeCookies(server.url, config.connections);
        servers.set(contender, { server, cookies });
        await checkWorkloads(contender, server.url, cookies[0] as string);
        for (const workload of config.workloads) {
          await load(`${server.url}/${workload}`, cookies, config.warmup);
        }
      }
      for (const workload of roundOrder(config.workloads, round)) {
        // The round's time is cut into short slices, and the contenders take
        // turns slice by slice (A B C, C B A, A B C …). Whatever disturbs the
        // machine for a second or two then hits every contender alike.
        const tallies = new Map(contenders.map((c) => [c, emptyTally()]));
        for (let slice = 0; slice < config.slices; slice++) {
          for (const contender of roundOrder(roundOrder(contenders, round), slice)) {
            const { server, cookies } = servers.get(contender)!;
            const tally = tallies.get(contender)!;
            const machineBefore = snapshot();
            const before = await serverClock(server.url);
            const result = await load(
              `${server.url}/${workload}`,
              cookies,
              config.duration / config.slices,
              tally.latencies,
            );
            const after = await serverClock(server.url);
            const serverMicros = after.cpuMicros - before.cpuMicros;
            const foreign = foreignCores(machineBefore, snapshot(), serverMicros);
            tally.requests += result.requests;
            tally.errors += result.errors;
            tally.non2xx += result.non2xx;
            tally.seconds += result.seconds;
            tally.serverMicros += serverMicros;
            tally.foreignCoreSeconds += foreign * result.seconds;
          }
        }
        for (const contender of contenders) {
          const tally = tallies.get(contender)!;
          const sorted = Float64Array.from(tally.latencies).sort();
          const sample: Sample = {
            round,
            contender,
            workload,
            rps: tally.requests / tally.seconds,
            p50: percentile(sorted, 50),
            p99: percentile(sorted, 99),
            requests: tally.requests,
            errors: tally.errors,
            non2xx: tally.non2xx,
            cpuMicrosPerRequest: tally.requests ? tally.serverMicros / tally.requests : 0,
            foreignCores: Math.round((tally.foreignCoreSeconds / tally.seconds) * 100) / 100,
          };
          samples.push(sample);
          console.log(
            `round ${round + 1}/${config.rounds}  ${contender.padEnd(15)} ${workload.padEnd(6)} ` +
              `${fmt(sample.rps).padStart(7)} req/s  p50 ${fmt(sample.p50, 2)} ms  p99 ${fmt(sample.p99, 2)} ms  ` +
              `${fmt(sample.cpuMicrosPerRequest, 1)} µs CPU/req  foreign ${fmt(sample.foreignCores ?? Number.NaN, 2)}` +
              (sample.errors || sample.non2xx
                ? `  errors ${sample.errors} non2xx ${sample.non2xx}`
                : ''),
          );
        }
      }
      for (const { server } of servers.values()) await stopServer(server);
      servers.clear();
    }
  } finally {
    for (const { server } of servers.values()) await stopServer(server);
    await cleanUp(used);
  }

  const summary = summarise(samples);
  const ratios = config.workloads.flatMap((workload) =>
    [
      pairedRatio(samples, workload, 'port', 'koa-session'),
      pairedRatio(samples, workload, 'port+redis', 'port+koa-redis'),
      pairedRatio(samples, workload, 'port', 'floor'),
      pairedRatio(samples, workload, 'port-alt', 'koa-session'),
      pairedRatio(samples, workload, 'port', 'port-alt'),
    ].filter((r) => r !== undefined),
  );

  const results = {
    meta: {
      date: started.toISOString(),
      node: process.version,
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cpus: os.cpus().length,
      loadavgBefore: loadBefore.map((n) => Math.round(n * 100) / 100),
      loadavgAfter: os.loadavg().map((n) => Math.round(n * 100) / 100),
      git: gitDescribe(),
      command: 'npm run bench',
      config: { ...config, out: path.relative(root, config.out) },
      skipped,
    },
    summary,
    ratios,
    samples,
  };
  writeFileSync(config.out, `${JSON.stringify(results, null, 2)}\n`);

  console.log('\nmedians over rounds');
  for (const s of summary) {
    console.log(
      `  ${s.workload.padEnd(6)} ${s.contender.padEnd(15)} ${fmt(s.rps).padStart(7)} req/s ` +
        `(${fmt(s.rpsMin)}–${fmt(s.rpsMax)})  p50 ${fmt(s.p50, 2)} ms  p99 ${fmt(s.p99, 2)} ms  ` +
        `${fmt(s.cpuMicrosPerRequest, 1)} µs CPU/req`,
    );
  }
  console.log('\nratios (median of per-round ratios of req/s; CPU: ratio of µs/req)');
  for (const r of ratios) {
    console.log(
      `  ${r.workload.padEnd(6)} ${`${r.a} / ${r.b}`.padEnd(32)} ${r.median.toFixed(3)}× ` +
        `(${r.min.toFixed(3)}–${r.max.toFixed(3)}, ${r.rounds} rounds)  CPU ${r.cpuMedian.toFixed(3)}×`,
    );
  }
  console.log(`\nwrote ${path.relative(root, config.out)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
