/**
 * RedisStore on a real Redis Cluster that this file starts itself: six
 * local redis-server processes (three primaries, three replicas, see
 * test/support/cluster.ts), stopped in afterAll even when a test fails
 * (and by their watchdogs if this process dies).
 *
 * What is proven: counters stay exact with many users in parallel; each
 * get/set/destroy is one command, sent to the primary that owns the key;
 * session keys spread over all three primaries (and a hash tag in the
 * prefix piles them onto one); a slot moved while requests run (ASK, then
 * MOVED) costs no request; and a killed primary: its users get 500s for a
 * few seconds, everybody else carries on, then everything succeeds again,
 * with the sessions lost no more than replication lag allows.
 *
 * Read with: chapters/13-scaling-out.md
 */
import type { Cluster, Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterApp, keySlot } from '../../playground/cluster.js';
import { sentBack } from '../../playground/shared/cookies.js';
import { RedisStore } from '../../src/stores/index.js';
import { findFreeBasePort, LocalCluster, requireRedisBinaries } from '../support/cluster.js';
import {
  clusterClient,
  counterServer,
  primariesOf,
  replicationLag,
  runFailover,
  User,
} from './load.js';

const hasBinaries = await requireRedisBinaries();

/** Every command any client sends to the given nodes, with the node's port. */
async function monitorNodes(cluster: LocalCluster, ports: number[]) {
  const seen: Array<{ port: number; args: string[] }> = [];
  const monitors: Redis[] = [];
  for (const port of ports) {
    const monitor = await (await cluster.connect(port)).monitor();
    monitor.on('monitor', (_time: string, args: string[]) => seen.push({ port, args }));
    monitors.push(monitor);
  }
  return {
    async during(fn: () => Promise<unknown>) {
      const from = seen.length;
      await fn();
      // MONITOR lines arrive asynchronously: give them a moment.
      await new Promise((resolve) => setTimeout(resolve, 150));
      return seen.slice(from).map(({ port, args }) => ({
        port,
        command: args.map((a) => (a.length > 30 ? `${a.slice(0, 27)}...` : a)).join(' '),
      }));
    },
    close: () => {
      for (const m of monitors) m.disconnect();
    },
  };
}

describe.runIf(hasBinaries)('RedisStore on a six-node Redis Cluster', () => {
  let cluster: LocalCluster;
  let client: Cluster;

  beforeAll(async () => {
    // Partial coverage: while one shard has no primary, the others serve on
    // (Redis's default would refuse every command: chapter 13 measures both).
    cluster = await LocalCluster.start({ basePort: await findFreeBasePort(), fullCoverage: false });
    client = await clusterClient(cluster, { slotsRefreshInterval: 0 });
  });

  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  it('starts three primaries with one synced replica each, never on 6379', async () => {
    const shards = await cluster.shards();
    expect(shards).toHaveLength(3);
    for (const shard of shards) expect(shard.replicas).toHaveLength(1);
    const slots = shards.flatMap((s) => s.slots).reduce((n, [a, b]) => n + b - a + 1, 0);
    expect(slots).toBe(16384);
    expect(cluster.nodes.map((n) => n.port)).not.toContain(6379);
  });

  it('keeps every counter exact with 30 users visiting in parallel', async () => {
    const server = await counterServer({ client, prefix: 'exact:' });
    try {
      const users = Array.from({ length: 30 }, () => new User(server.url));
      await Promise.all(
        users.map(async (user) => {
          for (let i = 0; i < 10; i++) expect((await user.visit()).status).toBe(200);
        }),
      );
      expect(users.map((u) => u.acknowledged)).toEqual(users.map(() => 10));
      expect(server.errors).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('sends one command per get, set and destroy, to the primary owning the key', async () => {
    const store = new RedisStore({ client, prefix: 'one:' });
    const shards = await cluster.shards();
    const owner = (await primariesOf(cluster, ['one:abc'])).get('one:abc');
    const replica = shards.find((s) => s.port === owner)!.replicas[0];
    // Let the client open its connections first (HELLO, INFO) so only the
    // store's commands fall inside the watched window.
    await Promise.all(client.nodes('master').map((node) => node.ping()));
    const monitor = await monitorNodes(
      cluster,
      cluster.nodes.map((n) => n.port),
    );
    try {
      const sent = await monitor.during(async () => {
        await store.set('abc', { views: 1 }, 60_000);
        await store.get('abc');
        await store.destroy('abc');
      });
      // On the owner: exactly the three commands, nothing else (no
      // pipeline, no existence check, no TTL probe).
      expect(sent.filter((s) => s.port === owner)).toEqual([
        { port: owner, command: 'set one:abc {"views":1} PX 60000' },
        { port: owner, command: 'get one:abc' },
        { port: owner, command: 'del one:abc' },
      ]);
      // Its replica receives the writes through replication, the expiry
      // rewritten as an absolute time (PXAT) so a late copy expires on time.
      const copied = sent.filter((s) => s.port === replica && s.command.includes('one:abc'));
      expect(copied.map((s) => s.command.split(' ')[0]!.toUpperCase())).toEqual(['SET', 'DEL']);
      expect(copied[0]!.command).toMatch(/ PXAT \d+$/);
      expect(sent.filter((s) => s.port !== owner && s.port !== replica)).toEqual([]);
    } finally {
      monitor.close();
    }
  });

  it('with the opt-in `wait`, set pipelines SET and WAIT to the owner: one round trip', async () => {
    const store = new RedisStore({ client, prefix: 'one:', wait: { replicas: 1, timeout: 100 } });
    const owner = (await primariesOf(cluster, ['one:def'])).get('one:def');
    await Promise.all(client.nodes('master').map((node) => node.ping()));
    const monitor = await monitorNodes(cluster, [owner!]);
    try {
      const sent = await monitor.during(() => store.set('def', { views: 2 }, 60_000));
      expect(sent.map((s) => s.command)).toEqual([
        'set one:def {"views":2} PX 60000',
        'wait 1 100',
      ]);
    } finally {
      monitor.close();
      await store.destroy('def');
    }
  });

  it('spreads session keys over all three primaries; a hash tag in the prefix piles them on one', async () => {
    const ids = Array.from(
      { length: 30 },
      (_, i) => `id-${i}-${Math.random().toString(36).slice(2)}`,
    );
    const plain = await primariesOf(
      cluster,
      ids.map((id) => `sess:${id}`),
    );
    const tagged = await primariesOf(
      cluster,
      ids.map((id) => `{sess}:${id}`),
    );
    const count = (m: Map<string, number>) => new Set(m.values()).size;
    expect(count(plain)).toBe(3);
    expect(count(tagged)).toBe(1);
    // And the store really writes there: read it back from the owner alone.
    const store = new RedisStore({ client, prefix: 'sess:' });
    await store.set(ids[0]!, { here: true }, 60_000);
    const owner = await cluster.connect(plain.get(`sess:${ids[0]}`)!);
    try {
      expect(await owner.get(`sess:${ids[0]}`)).toBe('{"here":true}');
    } finally {
      owner.disconnect();
      await store.destroy(ids[0]!);
    }
  });

  it('the playground computes the same slot as Redis, and names the node that holds the session', async () => {
    const admin = await cluster.connect(cluster.nodes[0]!.port);
    try {
      // sess:c4a2f7d1 → 13797 is the example in chapter 13.
      expect(keySlot('sess:c4a2f7d1')).toBe(13797);
      for (const key of [
        'sess:c4a2f7d1',
        'sess:abc',
        '{user:42}:cart',
        'a{}b',
        '{}{x}',
        'x{y',
        'Zoë 😀',
      ]) {
        expect(keySlot(key), key).toBe(Number(await admin.cluster('KEYSLOT', key)));
      }
    } finally {
      admin.disconnect();
    }
    const app = clusterApp(client, 'app-test');
    const first = await request(app.callback()).get('/');
    const id = first.headers['x-session-id'] as string;
    const owner = (await primariesOf(cluster, [`sess:${id}`])).get(`sess:${id}`);
    expect(first.headers['x-served-by']).toMatch(/^app-test \(pid \d+\)$/);
    expect(first.headers['x-redis-node']).toBe(`127.0.0.1:${owner}`);
    expect(Number(first.headers['x-redis-slot'])).toBe(keySlot(`sess:${id}`));
    const cookie = sentBack(first.headers['set-cookie']);
    const second = await request(app.callback()).get('/').set('Cookie', cookie);
    expect(second.text).toBe('2 views\n');
    expect(second.headers['x-redis-node']).toBe(`127.0.0.1:${owner}`);
  });

  it('moves a slot while requests run: ASK, then MOVED, and no request fails', async () => {
    const server = await counterServer({ client, prefix: 'moving:' });
    const users = Array.from({ length: 10 }, () => new User(server.url));
    await Promise.all(users.map((u) => u.visit()));
    const key = `moving:${decodeURIComponent(users[0]!.sessionId!)}`;
    const shards = await cluster.shards();
    const sourcePort = (await primariesOf(cluster, [key])).get(key)!;
    const source = shards.find((s) => s.port === sourcePort)!;
    const target = shards.find((s) => s.port !== sourcePort)!;
    const src = await cluster.connect(source.port);
    const dst = await cluster.connect(target.port);
    const monitor = await monitorNodes(cluster, [target.port]);
    const slot = Number(await src.cluster('KEYSLOT', key));
    const statuses: number[] = [];
    let visits = 0;
    let running = true;
    const load = users.map(async (user) => {
      while (running) {
        statuses.push((await user.visit()).status);
        visits++;
      }
    });
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      const seen = await monitor.during(async () => {
        // The manual resharding steps `redis-cli --cluster reshard` takes.
        await dst.cluster('SETSLOT', slot, 'IMPORTING', source.id);
        await src.cluster('SETSLOT', slot, 'MIGRATING', target.id);
        await pause(300);
        const keys = (await src.cluster('GETKEYSINSLOT', slot, 100)) as string[];
        expect(keys).toContain(key);
        for (const k of keys) await src.migrate('127.0.0.1', target.port, k, 0, 5000);
        await pause(400); // ASK: the key is on target, the slot still on source
        for (const shard of shards) {
          const node = await cluster.connect(shard.port);
          await node.cluster('SETSLOT', slot, 'NODE', target.id);
          node.disconnect();
        }
        await pause(400); // MOVED: clients learn the new owner
      });
      running = false;
      await Promise.all(load);
      // ASK redirections showed up on the target as ASKING before the command.
      expect(seen.some((s) => s.command === 'asking')).toBe(true);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      expect(visits).toBeGreaterThan(20);
      // Every user saw every one of their visits counted, exactly.
      for (const user of users) {
        const before = user.acknowledged;
        expect(Number((await user.visit()).body)).toBe(before + 1);
      }
      expect(await dst.exists(key)).toBe(1);
      expect((await primariesOf(cluster, [key])).get(key)).toBe(target.port);
    } finally {
      running = false;
      monitor.close();
      src.disconnect();
      dst.disconnect();
      await server.close();
    }
  });

  it('measures replication lag in milliseconds', async () => {
    const [shard] = await cluster.shards();
    const lags = await replicationLag(cluster, shard!.port, shard!.replicas[0]!, 20);
    console.log(
      `replication lag ms: median ${lags.sort((a, b) => a - b)[10]?.toFixed(2)}, max ${Math.max(...lags).toFixed(2)}`,
    );
    expect(Math.max(...lags)).toBeLessThan(100);
  });

  it('a killed primary: 500s for its users only, then all succeed; lost sessions within replication lag', async () => {
    // A client that gives up at the second error, well inside the
    // failover: the window shows as errors even on a machine so busy that
    // the book's settings (16 tries) would ride most of it out.
    const result = await runFailover({
      cluster,
      users: 30,
      duration: 9000,
      killAt: 2000,
      client: { maxRedirections: 2 },
    });
    console.log(
      `failover: ${result.failed} of ${result.requests} requests failed, all on the ` +
        `killed primary's ${result.usersOnKilled} users; replica promoted after ` +
        `${Math.round(result.promotedAfter ?? -1)} ms, last failure ended ` +
        `${Math.round(result.recoveredAfter)} ms after the kill; lost sessions ` +
        `${result.lostSessions}, rolled back ${result.rolledBack} ` +
        `(writes at risk in the last ${result.lagBound} ms: ${result.atRisk})`,
    );
    expect(result.promoted).toBeDefined();
    expect(result.usersOnKilled).toBeGreaterThan(0);
    // The window: requests of the dead primary's users fail, with 500 —
    // koa-session hands the store's error to Koa — and a message that
    // names the cause. Nobody else's request fails.
    expect(result.failed).toBeGreaterThan(0);
    expect(Object.keys(result.failedStatuses)).toEqual(['500']);
    for (const message of Object.keys(result.errors)) {
      expect(message).toMatch(/Too many Cluster redirections|CLUSTERDOWN|Connection is closed/);
    }
    expect(result.failedElsewhere).toBe(0);
    // Afterwards everything succeeds (runFailover throws if a final
    // visit fails), and the window closes soon after the promotion.
    expect(result.recoveredAfter).toBeLessThan((result.promotedAfter ?? 0) + 2000);
    // Asynchronous replication: only writes acknowledged in the last
    // moments (measured lag) before the kill can be lost.
    expect(result.lostSessions + result.rolledBack).toBeLessThanOrEqual(result.atRisk);
  }, 40_000);
});

describe('RedisStore `wait` option', () => {
  const client = { get() {}, set() {}, del() {} } as unknown as Cluster;
  it.each([
    { replicas: 1, timeout: 0 },
    { replicas: -1, timeout: 10 },
    { replicas: 1.5, timeout: 10 },
    { replicas: 1 },
    null,
  ])('refuses %j at construction (timeout 0 would block forever)', (wait) => {
    expect(() => new RedisStore({ client, wait: wait as never })).toThrow(/`wait` must be/);
  });
});
