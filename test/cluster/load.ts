/**
 * Sessions on a live Redis Cluster under load, with one primary killed in
 * the middle: the measurement behind chapters/13-scaling-out.md#failover,
 * shared by the cluster tests (short run) and `npm run cluster:measure`
 * (the recorded numbers).
 *
 * The app is the book's view counter on a plain Koa server: no error
 * handler of its own, so a store error reaches Koa, which answers 500 —
 * exactly what koa-session leaves you with (chapters/11-security.md).
 * Every client is a user: one cookie jar, one request at a time.
 */
import type { AddressInfo } from 'node:net';
import { Cluster, type ClusterOptions } from 'ioredis';
import Koa from 'koa';
import { CookieJar } from '../../playground/shared/cookies.js';
import { createSession } from '../../src/index.js';
import { RedisStore, type RedisStoreOptions } from '../../src/stores/index.js';
import { HOST, type LocalCluster, parseInfo } from '../support/cluster.js';

/**
 * The client settings the book recommends for sessions on a cluster.
 * ioredis retries a command whose node vanished after a
 * `retryDelayOnFailover` ms timer and a fresh read of the slot map, and
 * fails it on the `maxRedirections`th error: sixteen tries, roughly 1.6 s
 * or more (chapters/13-scaling-out.md explains why it is not fixed), after
 * which the request gets its 500 instead of hanging until the failover is
 * over.
 */
export const CLUSTER_CLIENT_OPTIONS: ClusterOptions = {
  maxRedirections: 16,
  retryDelayOnFailover: 100,
  retryDelayOnClusterDown: 100,
  // Learn the new topology soon after a failover even without a MOVED.
  slotsRefreshInterval: 1000,
  redisOptions: { connectTimeout: 500 },
};

/** A connected ioredis Cluster client for `cluster`. */
export async function clusterClient(
  cluster: Pick<LocalCluster, 'startupNodes'>,
  options: ClusterOptions = {},
): Promise<Cluster> {
  const client = new Cluster(cluster.startupNodes, { ...CLUSTER_CLIENT_OPTIONS, ...options });
  // Node-level errors (a killed node) surface on the commands that hit
  // them; the client-level event only needs a listener so Node does not
  // treat it as unhandled.
  client.on('error', () => {});
  if (client.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve);
      client.once('end', () => reject(new Error('cluster client ended before ready')));
    });
  }
  return client;
}

/** The counter app on `store`, listening on a free port. */
export async function counterServer(storeOptions: RedisStoreOptions) {
  const app = new Koa();
  app.keys = ['cluster secret'];
  app.silent = true;
  const errors: string[] = [];
  app.on('error', (error: Error) => errors.push(error.message));
  app.use(createSession({ store: new RedisStore(storeOptions) }, app));
  app.use((ctx) => {
    const views = ((ctx.session!.views as number | undefined) ?? 0) + 1;
    ctx.session!.views = views;
    ctx.body = String(views);
  });
  const server = app.listen(0, HOST);
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const url = `http://${HOST}:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    errors,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One user: a cookie jar and the last count the server acknowledged. */
export class User {
  readonly cookies = new CookieJar();
  acknowledged = 0;
  constructor(readonly url: string) {}

  /** The session id (the value of `koa.sess`), once the server set one. */
  get sessionId(): string | undefined {
    return this.cookies.get('koa.sess');
  }

  async visit(): Promise<{ status: number; body: string }> {
    const cookie = this.cookies.header();
    const response = await fetch(this.url, { headers: cookie ? { cookie } : {} });
    this.cookies.take(response.headers.getSetCookie());
    const body = await response.text();
    if (response.status === 200) this.acknowledged = Number(body);
    return { status: response.status, body };
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)]! : Number.NaN;
}

/** One finished request, in ms since the run started. */
export interface Sample {
  user: number;
  start: number;
  end: number;
  status: number;
}

/** The port of the primary holding each user's session key now. */
export async function primariesOf(
  cluster: LocalCluster,
  keys: string[],
): Promise<Map<string, number>> {
  const shards = await cluster.shards();
  const out = new Map<string, number>();
  const admin = await cluster.connect(shards[0]!.port);
  try {
    for (const key of keys) {
      const slot = Number(await admin.cluster('KEYSLOT', key));
      const shard = shards.find((s) => s.slots.some(([a, b]) => slot >= a && slot <= b));
      out.set(key, shard!.port);
    }
  } finally {
    admin.disconnect();
  }
  return out;
}

/**
 * Replication lag as a reader would feel it: write a probe key on a
 * primary, poll its replica (READONLY) until the value shows, `rounds`
 * times. Returns the observed delays in ms (poll resolution ~0.2 ms).
 */
export async function replicationLag(
  cluster: LocalCluster,
  primary: number,
  replica: number,
  rounds = 50,
): Promise<number[]> {
  const writer = await cluster.connect(primary);
  const reader = await cluster.connect(replica);
  try {
    await reader.readonly();
    // A key that hashes to one of `primary`'s slots.
    const mine = (await cluster.shards()).find((s) => s.port === primary)!.slots;
    let key = '';
    for (let i = 0; ; i++) {
      key = `lag-probe-${i}`;
      const slot = Number(await writer.cluster('KEYSLOT', key));
      if (mine.some(([a, b]) => slot >= a && slot <= b)) break;
    }
    const lags: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const value = `v${i}-${Date.now()}`;
      const start = performance.now();
      await writer.set(key, value, 'PX', 10_000);
      while ((await reader.get(key)) !== value) {
        if (performance.now() - start > 5000) throw new Error('replica never caught up');
      }
      lags.push(performance.now() - start);
    }
    return lags;
  } finally {
    writer.disconnect();
    reader.disconnect();
  }
}

/** The replication offsets of a primary's replicas behind it, in bytes. */
export async function replicationOffsets(cluster: LocalCluster, primary: number) {
  const admin = await cluster.connect(primary);
  try {
    return parseInfo(await admin.info('replication'));
  } finally {
    admin.disconnect();
  }
}

export interface FailoverOptions {
  cluster: LocalCluster;
  users: number;
  /** Length of the load, ms. */
  duration: number;
  /** When to kill the primary, ms after the load starts. */
  killAt: number;
  /** Passed to RedisStore (e.g. `{ wait: { replicas: 1, timeout: 100 } }`). */
  store?: Partial<RedisStoreOptions>;
  /** Overrides of {@link CLUSTER_CLIENT_OPTIONS} for the app's client. */
  client?: ClusterOptions;
}

export interface FailoverResult {
  users: number;
  duration: number;
  /** The primary killed and the replica that took over. */
  killed: number;
  promoted: number | undefined;
  /** Users whose session lived on the killed primary. */
  usersOnKilled: number;
  requests: number;
  failed: number;
  /** Failed requests of users whose session lived on another primary. */
  failedElsewhere: number;
  /** Statuses of the failed requests. */
  failedStatuses: Record<string, number>;
  /** Distinct error messages Koa saw. */
  errors: Record<string, number>;
  /** ms from the kill until the cluster named a new primary for its slots. */
  promotedAfter: number | undefined;
  /** ms from the kill until the end of the last failed request (0: none failed). */
  recoveredAfter: number;
  /** Slowest request, ms. */
  maxLatency: number;
  /** Median latency of the requests that finished before the kill, ms. */
  medianBefore: number;
  /** Requests that succeeded but took over 500 ms: they waited the failover out. */
  delayed: number;
  /** Replication lag probes before the load (write on primary, read on replica), ms. */
  lag: { median: number; max: number };
  /** Sessions gone after the failover (their next visit started from 1). */
  lostSessions: number;
  /** Sessions that came back older than the server had acknowledged. */
  rolledBack: number;
  /** Successful writes to the killed primary in its last `lagBound` ms. */
  atRisk: number;
  lagBound: number;
}

/**
 * Run `users` users against one app for `duration` ms, kill the primary
 * holding the first user's session at `killAt`, then check every session.
 */
export async function runFailover(options: FailoverOptions): Promise<FailoverResult> {
  const { cluster, users: count, duration, killAt } = options;
  const client = await clusterClient(cluster, options.client);
  const server = await counterServer({ client, ...options.store });
  const users = Array.from({ length: count }, () => new User(server.url));
  try {
    // Every user gets a session first, so we know where each one lives.
    await Promise.all(users.map((u) => u.visit()));
    const owners = await primariesOf(
      cluster,
      users.map((u) => decodeURIComponent(u.sessionId!)),
    );
    const ownerOf = (u: User) => owners.get(decodeURIComponent(u.sessionId!))!;
    const killed = ownerOf(users[0]!);
    const shard = (await cluster.shards()).find((s) => s.port === killed)!;
    const lags = await replicationLag(cluster, killed, shard.replicas[0]!, 30);
    const lagBound = Math.ceil(Math.max(...lags)) + 1;

    const samples: Sample[] = [];
    const t0 = performance.now();
    let killTime = Number.POSITIVE_INFINITY;
    let promotedAfter: number | undefined;
    let promoted: number | undefined;
    const load = users.map(async (user, index) => {
      while (performance.now() - t0 < duration) {
        const start = performance.now() - t0;
        let status = 0;
        try {
          status = (await user.visit()).status;
        } catch {
          status = -1; // the app itself did not answer
        }
        samples.push({ user: index, start, end: performance.now() - t0, status });
      }
    });
    const killer = (async () => {
      await new Promise((resolve) => setTimeout(resolve, killAt));
      killTime = performance.now() - t0;
      await cluster.kill(killed);
      // Watch, from a survivor, for the replica to take the slots over.
      const survivor = cluster.nodes.find((n) => !n.dead && n.port !== killed)!.port;
      while (performance.now() - t0 < duration + 10_000) {
        const now = await cluster.shards(survivor).catch(() => []);
        const owner = now.find((s) => s.slots.some(([a]) => a === shard.slots[0]![0]));
        if (owner && owner.port !== killed) {
          promoted = owner.port;
          promotedAfter = performance.now() - t0 - killTime;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await Promise.all([...load, killer]);

    // After the storm: every user visits once more. A session that is
    // gone starts again at 1; one that lost its last writes comes back
    // lower than the count the user was shown.
    let lostSessions = 0;
    let rolledBack = 0;
    for (const user of users) {
      const before = user.acknowledged;
      const { status, body } = await user.visit();
      if (status !== 200) throw new Error(`after failover a request still failed: ${status}`);
      const now = Number(body);
      if (now === 1 && before > 0) lostSessions++;
      else if (now !== before + 1) rolledBack++;
    }

    const failures = samples.filter((s) => s.status !== 200);
    const failedStatuses: Record<string, number> = {};
    for (const f of failures) failedStatuses[f.status] = (failedStatuses[f.status] ?? 0) + 1;
    const errors: Record<string, number> = {};
    for (const e of server.errors) {
      const short = e.replace(/\d+\.\d+\.\d+\.\d+:\d+/g, 'HOST:PORT').replace(/ \d+ /g, ' N ');
      errors[short] = (errors[short] ?? 0) + 1;
    }
    const onKilled = new Set(users.map((u, i) => (ownerOf(u) === killed ? i : -1)));
    const atRisk = samples.filter(
      (s) =>
        onKilled.has(s.user) &&
        s.status === 200 &&
        s.end <= killTime &&
        s.end > killTime - lagBound,
    ).length;
    return {
      users: count,
      duration,
      killed,
      promoted,
      usersOnKilled: onKilled.size - (onKilled.has(-1) ? 1 : 0),
      requests: samples.length,
      failed: failures.length,
      failedElsewhere: failures.filter((f) => !onKilled.has(f.user)).length,
      failedStatuses,
      errors,
      promotedAfter,
      recoveredAfter: failures.length ? Math.max(...failures.map((f) => f.end)) - killTime : 0,
      maxLatency: samples.reduce((max, s) => Math.max(max, s.end - s.start), 0),
      medianBefore: median(samples.filter((s) => s.end < killTime).map((s) => s.end - s.start)),
      delayed: samples.filter((s) => s.status === 200 && s.end - s.start > 500).length,
      lag: { median: median(lags), max: Math.max(...lags) },
      lostSessions,
      rolledBack,
      atRisk,
      lagBound,
    };
  } finally {
    await server.close();
    client.disconnect();
  }
}
