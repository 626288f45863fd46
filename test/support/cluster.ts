/**
 * A real Redis Cluster on this machine: six `redis-server` processes
 * (three primaries, three replicas) on local ports, each in its own
 * directory under a temporary folder, joined with
 * `redis-cli --cluster create … --cluster-replicas 1`.
 *
 * Used by the cluster tests, `npm run cluster:measure` and
 * `npm run playground:cluster`; on its own:
 *
 *     npm run cluster -- up [--base-port 7100] [--node-timeout 1000]
 *
 * Three choices matter for failover experiments:
 * - a short `cluster-node-timeout`, so a dead primary is declared failed
 *   (and its replica promoted) in seconds rather than the default 15 s;
 * - `repl-diskless-sync-delay 0`: Redis 7 otherwise waits 5 s before the
 *   first sync, and `cluster_state:ok` arrives before the replicas hold
 *   any data. A primary killed in that gap has nobody to fail over to.
 *   So "ready" here means cluster_state:ok on every node AND every
 *   replica reporting `master_link_status:up`;
 * - never port 6379 (the shared Redis) and never a process we did not
 *   start: each node runs under a tiny shell watchdog whose stdin is a
 *   pipe from this process, so when this process ends for any reason —
 *   even SIGKILL — the pipe closes and the watchdog stops its node.
 *
 * Read with: chapters/13-scaling-out.md
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort as anyFreePort, portFree as isPortFree } from '../../playground/processes.js';

const run = promisify(execFile);

export const HOST = '127.0.0.1';
/** Default first port: 7100–7105, bus ports 17100–17105. */
export const DEFAULT_BASE_PORT = 7100;
/** Milliseconds without an answer before a node is considered failing. */
export const DEFAULT_NODE_TIMEOUT = 1000;
/** Redis Cluster's bus listens on the client port plus this. */
const BUS_OFFSET = 10_000;
const NODES = 6;

export interface ClusterOptions {
  /** First client port; the six nodes use basePort … basePort + 5. */
  basePort?: number;
  /** `cluster-node-timeout` in ms (default {@link DEFAULT_NODE_TIMEOUT}). */
  nodeTimeout?: number;
  /**
   * `cluster-require-full-coverage` (Redis's default: true). When true,
   * every node refuses every command (CLUSTERDOWN) while any slot has no
   * live primary — from the moment a dead primary is marked failed until
   * its replica takes over. False keeps the other shards serving.
   */
  fullCoverage?: boolean;
  /** Progress lines (default: silent). */
  log?: (line: string) => void;
}

/** One node the script started. */
export interface ClusterNode {
  port: number;
  /** The redis-server's pid (not the watchdog's). */
  pid: number;
  dir: string;
  watchdog: ChildProcess;
  /** Set once the redis-server process is gone. */
  dead: boolean;
}

/** A primary and the slots it serves, as the cluster reports them now. */
export interface Shard {
  port: number;
  id: string;
  slots: Array<[number, number]>;
  replicas: number[];
}

/** One node as the cluster describes it (`CLUSTER NODES`). */
export interface TopologyNode {
  id: string;
  port: number;
  /** `myself`, `master`, `slave`, `fail?` (suspected), `fail` (agreed) … */
  flags: string[];
  /** For a replica: the id of the primary it copies. */
  primaryId: string | null;
  slots: Array<[number, number]>;
}

export class PortInUseError extends Error {}

/** Resolve true when nothing listens on `port` (we can bind it ourselves). */
export function portFree(port: number): Promise<boolean> {
  return isPortFree(port, HOST);
}

/** The client and bus ports of six nodes starting at `basePort` that are taken. */
export async function takenPorts(basePort: number): Promise<number[]> {
  const taken: number[] = [];
  for (let i = 0; i < NODES; i++) {
    for (const port of [basePort + i, basePort + i + BUS_OFFSET]) {
      if (!(await portFree(port))) taken.push(port);
    }
  }
  return taken;
}

/** A free TCP port on 127.0.0.1, for a server a test starts (the OS picks it). */
export function freePort(): Promise<number> {
  return anyFreePort(HOST);
}

/**
 * A base port whose twelve ports (six client, six bus) are all free, picked
 * at random in 20000–29990 so parallel runs (tests, a playground) rarely
 * collide. Used by tests; people get the fixed default.
 */
export async function findFreeBasePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = 20_000 + 10 * Math.floor(Math.random() * 1000);
    if ((await takenPorts(base)).length === 0) return base;
  }
  throw new PortInUseError('no free range of cluster ports found in 20000–39999');
}

/** Resolve once `check()` resolves true; reject with `what` after `ms`. */
async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`cluster: ${what} not reached within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One short-lived connection to one node (no retries: a dead node is an answer). */
async function withNode<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({
    host: HOST,
    port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: 500,
    enableOfflineQueue: false,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** `INFO`-style text as a map. */
export function parseInfo(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0) map.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return map;
}

export class LocalCluster {
  readonly nodes: ClusterNode[] = [];
  /** Watchdogs of killed nodes that were restarted (stopped with the rest). */
  readonly #retired: ChildProcess[] = [];
  readonly #dir: string;
  #stopping: Promise<void> | undefined;
  readonly #onExit = () => this.#killNow();

  private constructor(
    readonly basePort: number,
    readonly nodeTimeout: number,
    readonly fullCoverage: boolean,
    readonly log: (line: string) => void,
  ) {
    this.#dir = mkdtempSync(path.join(tmpdir(), 'koa-session-cluster-'));
    process.once('exit', this.#onExit);
  }

  /** Where the nodes' directories (config, log) live. */
  get dir(): string {
    return this.#dir;
  }

  /** `{ host, port }` of every node, for `new Cluster(...)`. */
  get startupNodes(): Array<{ host: string; port: number }> {
    return this.nodes.map((n) => ({ host: HOST, port: n.port }));
  }

  /**
   * Start six nodes, create the cluster, wait until it is fully ready.
   * Throws {@link PortInUseError} before starting anything when a port is
   * taken; on any later failure stops what it started, then rethrows.
   */
  static async start(options: ClusterOptions = {}): Promise<LocalCluster> {
    const basePort = options.basePort ?? DEFAULT_BASE_PORT;
    const nodeTimeout = options.nodeTimeout ?? DEFAULT_NODE_TIMEOUT;
    if (!Number.isInteger(basePort) || basePort < 1024 || basePort + NODES > 65_535 - BUS_OFFSET) {
      throw new RangeError(`cluster: base port must be 1024–${65_535 - BUS_OFFSET - NODES}`);
    }
    const ports = Array.from({ length: NODES }, (_, i) => basePort + i);
    if (ports.includes(6379))
      throw new RangeError('cluster: 6379 is the shared Redis; pick another');
    const taken = await takenPorts(basePort);
    if (taken.length) {
      throw new PortInUseError(
        `cluster: port${taken.length > 1 ? 's' : ''} ${taken.join(', ')} already in use ` +
          `(nodes need ${basePort}–${basePort + NODES - 1} and their bus ports ` +
          `${basePort + BUS_OFFSET}–${basePort + BUS_OFFSET + NODES - 1}). ` +
          'Is another cluster running? Choose another range with --base-port / CLUSTER_BASE_PORT.',
      );
    }
    const cluster = new LocalCluster(
      basePort,
      nodeTimeout,
      options.fullCoverage ?? true,
      options.log ?? (() => {}),
    );
    try {
      await Promise.all(ports.map((port) => cluster.#startNode(port)));
      await cluster.#create();
      await cluster.waitReady();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  async #startNode(port: number): Promise<void> {
    const dir = path.join(this.#dir, String(port));
    const args = [
      '--port',
      String(port),
      '--bind',
      HOST,
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      String(this.nodeTimeout),
      '--repl-diskless-sync-delay',
      '0',
      '--cluster-require-full-coverage',
      this.fullCoverage ? 'yes' : 'no',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--logfile',
      path.join(dir, 'redis.log'),
      '--daemonize',
      'no',
    ];
    // The watchdog: start redis-server, print its pid, then block reading
    // stdin. EOF (we closed it, or we died) → stop the node and wait for it.
    mkdirSync(dir, { recursive: true });
    const script =
      'redis-server "$@" & pid=$!; echo "pid $pid"; ' +
      'read -r _; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; ' +
      'rm -rf "$NODE_DIR"; exit 0';
    const watchdog = spawn('sh', ['-c', script, 'watchdog', ...args], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, NODE_DIR: dir },
    });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      watchdog.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const m = /pid (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      watchdog.once('error', reject);
      watchdog.once('exit', () => reject(new Error(`cluster: node ${port} did not start`)));
    });
    const node: ClusterNode = { port, pid, dir, watchdog, dead: false };
    this.nodes.push(node);
    this.nodes.sort((a, b) => a.port - b.port);
    await until(`node ${port} answering PING`, 10_000, async () => {
      if (!alive(pid)) throw new Error(`cluster: redis-server on ${port} exited (see ${dir})`);
      return (await withNode(port, (r) => r.ping())) === 'PONG';
    });
    this.log(`node ${port} up (pid ${pid})`);
  }

  async #create(): Promise<void> {
    const addresses = this.nodes.map((n) => `${HOST}:${n.port}`);
    this.log(`redis-cli --cluster create ${addresses.join(' ')} --cluster-replicas 1`);
    await run(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'],
      { timeout: 60_000 },
    );
  }

  /**
   * Wait until every live node says `cluster_state:ok` and every replica's
   * link to its primary is up (so a failover has someone to promote).
   */
  async waitReady(ms = 30_000): Promise<void> {
    const start = Date.now();
    await until('cluster_state:ok on every node and all replica links up', ms, async () => {
      let replicas = 0;
      for (const node of this.nodes) {
        if (node.dead) continue;
        const info = parseInfo(
          await withNode(node.port, (r) => r.cluster('INFO') as Promise<string>),
        );
        if (info.get('cluster_state') !== 'ok') return false;
        const repl = parseInfo(await withNode(node.port, (r) => r.info('replication')));
        if (repl.get('role') === 'slave' && repl.get('master_link_status') !== 'up') return false;
        if (repl.get('role') === 'slave') replicas++;
      }
      // Links up is not enough: gossip may not yet have told every node who
      // replicates whom, and tests read the topology from any node.
      for (const node of this.nodes) {
        if (node.dead) continue;
        const seen = (await this.shards(node.port)).flatMap((s) => s.replicas);
        if (seen.length !== replicas) return false;
      }
      return true;
    });
    this.log(`cluster ready (${Date.now() - start} ms after create)`);
  }

  /**
   * Every node as `CLUSTER NODES` on node `askPort` (default: the first
   * live one) describes it — failed and slot-less nodes included.
   */
  async topology(askPort?: number): Promise<TopologyNode[]> {
    const port = askPort ?? this.nodes.find((n) => !n.dead)?.port;
    if (port === undefined) throw new Error('cluster: no live node');
    const text = (await withNode(port, (r) => r.cluster('NODES'))) as string;
    return text
      .trim()
      .split('\n')
      .map((line) => {
        const row = line.split(' ');
        const [id = '', address = '', flags = '', primary = '-'] = row;
        const slots = row
          .slice(8)
          .filter((s) => /^\d/.test(s))
          .map((s) => s.split('-').map(Number) as [number, number?])
          .map(([a, b]): [number, number] => [a, b ?? a]);
        return {
          id,
          port: Number(/:(\d+)@/.exec(address)?.[1]),
          flags: flags.split(','),
          primaryId: primary === '-' ? null : primary,
          slots,
        };
      })
      .sort((a, b) => a.port - b.port);
  }

  /** The primaries and their slot ranges, as node `askPort` sees them. */
  async shards(askPort?: number): Promise<Shard[]> {
    const nodes = await this.topology(askPort);
    // `fail?` (suspected) counts as failed too: nobody should be sent there.
    const failing = (n: TopologyNode) => n.flags.some((f) => f.startsWith('fail'));
    return nodes
      .filter((n) => n.flags.includes('master') && !failing(n) && n.slots.length > 0)
      .map((n) => ({
        port: n.port,
        id: n.id,
        slots: n.slots,
        replicas: nodes.filter((r) => r.primaryId === n.id && !failing(r)).map((r) => r.port),
      }));
  }

  /**
   * A plain (non-cluster) connection to one node, for looking inside:
   * INFO, MONITOR, CLUSTER commands. The caller disconnects it.
   */
  async connect(port: number): Promise<Redis> {
    const redis = new Redis({ host: HOST, port, lazyConnect: true, retryStrategy: () => null });
    redis.on('error', () => {});
    await redis.connect();
    return redis;
  }

  /** The port of the primary serving `slot` now. */
  async primaryFor(slot: number): Promise<number> {
    const shard = (await this.shards()).find((s) =>
      s.slots.some(([a, b]) => slot >= a && slot <= b),
    );
    if (!shard) throw new Error(`cluster: nobody serves slot ${slot}`);
    return shard.port;
  }

  /**
   * Kill one node's redis-server (SIGKILL by default: no goodbye, no last
   * sync — what a crashed machine looks like). Only nodes we started.
   */
  async kill(port: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const node = this.nodes.find((n) => n.port === port);
    if (!node) throw new Error(`cluster: ${port} is not one of our nodes`);
    if (node.dead) return;
    process.kill(node.pid, signal);
    await until(`node ${port} gone`, 10_000, async () => !alive(node.pid));
    node.dead = true;
    this.log(`node ${port} killed (${signal})`);
  }

  /**
   * Start a killed node again on its old port and directory. Its
   * `nodes.conf` remembers the cluster, so it rejoins — as a replica of
   * whoever took its slots over.
   */
  async restart(port: number): Promise<void> {
    const index = this.nodes.findIndex((n) => n.port === port);
    const node = this.nodes[index];
    if (!node?.dead) throw new Error(`cluster: ${port} is not a killed node of ours`);
    this.#retired.push(node.watchdog);
    this.nodes.splice(index, 1);
    await this.#startNode(port);
  }

  /** Stop every node we started and remove the temporary folder. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    process.removeListener('exit', this.#onExit);
    for (const node of this.nodes) node.dead = true;
    await Promise.all(
      [...this.nodes.map((n) => n.watchdog), ...this.#retired].map(async (watchdog) => {
        const exited =
          watchdog.exitCode === null && watchdog.signalCode === null
            ? once(watchdog, 'exit')
            : Promise.resolve();
        watchdog.stdin?.end();
        await exited;
      }),
    );
    rmSync(this.#dir, { recursive: true, force: true });
    this.log('cluster stopped');
  }

  /** Synchronous last resort at process exit: signal our nodes directly. */
  #killNow(): void {
    for (const node of this.nodes) {
      if (!node.dead && alive(node.pid)) process.kill(node.pid, 'SIGTERM');
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/**
 * Is the process running? A SIGKILLed node stays a zombie until its
 * watchdog reaps it (at stop), so on Linux look at its state in /proc.
 */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True when redis-server and redis-cli are on PATH. */
export async function haveRedisBinaries(): Promise<boolean> {
  try {
    await run('redis-server', ['--version']);
    await run('redis-cli', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/**
 * For `describe.runIf(...)`: true when the binaries exist. Missing in CI
 * (CI=true) is a failure; elsewhere the suite is skipped with a message.
 */
export async function requireRedisBinaries(): Promise<boolean> {
  if (await haveRedisBinaries()) return true;
  const message = 'redis-server / redis-cli not found on PATH';
  if (process.env.CI) throw new Error(`${message}; CI must run the cluster tests`);
  console.warn(`\n  SKIPPED: ${message}. Install Redis 7 to run the cluster tests.\n`);
  return false;
}

// ---------------------------------------------------------------------------
// CLI: `npm run cluster -- up` keeps a cluster running until Ctrl-C.

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Stop `cluster` on Ctrl-C / SIGTERM / SIGHUP, then exit. */
export function stopOnSignals(cluster: LocalCluster, before?: () => Promise<void> | void): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    // npm forwards a second signal right after Ctrl-C: finish the first stop.
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: stopping the cluster\n`);
    Promise.resolve(before?.())
      .catch(() => {})
      .then(() => cluster.stop())
      .finally(() => process.exit(130));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, handler);
}

async function main(args: string[]): Promise<void> {
  const command = args[0] ?? 'up';
  if (command !== 'up') {
    console.error('usage: npm run cluster -- up [--base-port N] [--node-timeout MS]');
    process.exit(2);
  }
  const basePort = Number(
    flag(args, '--base-port') ?? process.env.CLUSTER_BASE_PORT ?? DEFAULT_BASE_PORT,
  );
  const nodeTimeout = Number(flag(args, '--node-timeout') ?? DEFAULT_NODE_TIMEOUT);
  const cluster = await LocalCluster.start({ basePort, nodeTimeout, log: (l) => console.log(l) });
  stopOnSignals(cluster);
  for (const shard of await cluster.shards()) {
    const slots = shard.slots.map(([a, b]) => `${a}-${b}`).join(',');
    console.log(`primary ${shard.port} slots ${slots} replica ${shard.replicas.join(',')}`);
  }
  console.log(`data and logs in ${cluster.dir}; Ctrl-C stops all six nodes`);
  console.log(`try: redis-cli -c -p ${basePort} set hello world`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main(process.argv.slice(2)).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
