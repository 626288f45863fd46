/**
 * Recipes "koa-redis against a Redis Cluster" and "WAIT on a cluster"
 * (chapters/15-production.md), on a real six-node Redis Cluster this file
 * starts on random ports and stops in afterAll (see test/support/cluster.ts).
 *
 * - koa-redis given one node's host and port talks to that node alone:
 *   every key whose slot another primary owns fails with `MOVED`, so about
 *   two visitors in three get a 500 — and always the same ones.
 * - koa-redis with `isRedisCluster: true` but no `nodes` builds a Cluster
 *   client with no start-up nodes: it never connects, says nothing, and
 *   every command waits in its offline queue forever.
 * - What works: `nodes` (+ `clusterOptions`), a ready ioredis `Cluster` as
 *   koa-redis's `client`, or the project's `RedisStore`.
 * - A keyless `cluster.wait()` goes to any primary, not the session's.
 *
 * Run under `flock /work/heavy.lock` (six redis-server processes).
 */
import { type Cluster, Redis } from 'ioredis';
import redisStore from 'koa-redis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySlot } from '../../playground/cluster.js';
import type { SessionStore } from '../../src/index.js';
import { RedisStore } from '../../src/stores/index.js';
import { clusterClient } from '../cluster/load.js';
import { findFreeBasePort, LocalCluster, requireRedisBinaries } from '../support/cluster.js';
import { hasRedis, REDIS_URL } from '../support/services.js';
import { Browser, countViews, recipeApp, record } from './support.js';

const hasBinaries = await requireRedisBinaries();

/** The koa-redis store type, seen as koa-session's store contract plus its client. */
type KoaRedis = SessionStore & { client: Redis | Cluster; on(e: string, f: () => void): void };
const koaRedis = (options: Record<string, unknown>) =>
  redisStore(options as never) as unknown as KoaRedis;

/** An app on `store` whose session ids are `ids` in turn (so their slots are known). */
function appWithIds(store: SessionStore, ids: string[]) {
  let next = 0;
  return recipeApp({ store, genid: () => ids[next++ % ids.length]! }, countViews);
}

/** Fixed visitor ids for the transcript: their slots, hence their owners, never change. */
const VISITORS = Array.from({ length: 9 }, (_, i) => `visitor-${i + 1}`);

describe.runIf(hasBinaries)('koa-redis and RedisStore on a six-node Redis Cluster', () => {
  let cluster: LocalCluster;
  /** Slot ranges of the three primaries, by port. */
  let owners: Array<{ port: number; slots: Array<[number, number]> }>;
  const cleanups: Array<() => void> = [];

  const ownerOf = (key: string) =>
    owners.find((o) => o.slots.some(([a, b]) => keySlot(key) >= a && keySlot(key) <= b))!.port;
  /** A port as it would be on `npm run cluster -- up` (7100–7105): stable in the transcript. */
  const shown = (text: string) =>
    text.replace(
      /127\.0\.0\.1:(\d+)/g,
      (_m, p) => `127.0.0.1:${7100 + Number(p) - cluster.basePort}`,
    );

  beforeAll(async () => {
    cluster = await LocalCluster.start({ basePort: await findFreeBasePort() });
    owners = await cluster.shards();
  });

  afterAll(async () => {
    for (const cleanup of cleanups) cleanup();
    await cluster?.stop();
  });

  it("koa-redis with one node's host and port: every key another primary owns fails with MOVED, about two visitors in three", async () => {
    const node = cluster.basePort;
    const store = koaRedis({ host: '127.0.0.1', port: node });
    cleanups.push(() => store.client.disconnect());
    const { app, errors } = recipeApp({ store }, countViews);
    let failed = 0;
    const visitors = 30;
    for (let i = 0; i < visitors; i++) {
      const browser = new Browser(app);
      const res = await browser.get();
      // A fresh visitor: no GET, the one command is koa-redis's SETEX at
      // the commit, on a key named by the new random id.
      const id = /koa\.sess=([^;]+)/.exec(res.setCookie.join(';'))?.[1];
      if (res.status === 200) {
        expect(ownerOf(id!), 'a 200 is a key the configured node owns').toBe(node);
        // And that visitor keeps working: the same key, the same node.
        expect((await browser.get()).body).toBe('2 views');
      } else {
        failed++;
        expect(res.status).toBe(500);
        expect(res.setCookie).toEqual([]);
        expect(errors.at(-1)!.message).toMatch(/^MOVED \d+ 127\.0\.0\.1:\d+$/);
        const [, slot, port] = /^MOVED (\d+) 127\.0\.0\.1:(\d+)$/.exec(errors.at(-1)!.message)!;
        expect(Number(port)).not.toBe(node);
        expect(
          owners
            .find((o) => o.port === Number(port))!
            .slots.some(([a, b]) => Number(slot) >= a && Number(slot) <= b),
        ).toBe(true);
      }
    }
    // The configured node owns 5461 of 16384 slots: a third of random ids.
    const mine = owners.find((o) => o.port === node)!.slots.reduce((n, [a, b]) => n + b - a + 1, 0);
    expect(mine).toBe(5461);
    expect(failed / visitors).toBeGreaterThan(0.4);
    expect(failed / visitors).toBeLessThan(0.9);
  });

  it('koa-redis with isRedisCluster: true and no nodes: the request hangs, the client never connects and emits no error', async () => {
    const store = koaRedis({ isRedisCluster: true, host: '127.0.0.1', port: cluster.basePort });
    cleanups.push(() => store.client.disconnect());
    const events: string[] = [];
    for (const name of ['error', 'ready', 'connect']) store.on(name, () => events.push(name));
    const { app } = recipeApp({ store }, countViews);
    const outcome = await request(app.callback())
      .get('/')
      .timeout(2000)
      .then((r) => `answered ${r.status}`)
      .catch((e: Error) => e.message);
    expect(outcome).toBe('Timeout of 2000ms exceeded');
    expect(store.client.status).toBe('reconnecting');
    expect(events).toEqual([]);
    // Why: no start-up nodes. Each (re)connect fails before any socket
    // opens, and the client just tries again, forever.
    const client = store.client as unknown as { startupNodes: unknown };
    expect(client.startupNodes).toBeUndefined();
  });

  it('what works: koa-redis with nodes, koa-redis with a ready ioredis Cluster as client, RedisStore', async () => {
    const nodes = cluster.startupNodes;
    const viaNodes = koaRedis({ isRedisCluster: true, nodes, clusterOptions: {} });
    const ready = await clusterClient(cluster);
    const stores: Array<[string, SessionStore]> = [
      ['koa-redis with nodes', viaNodes],
      ['koa-redis with client: a ready Cluster', koaRedis({ client: ready })],
      ['RedisStore with client: the same Cluster', new RedisStore({ client: ready })],
    ];
    cleanups.push(() => {
      viaNodes.client.disconnect();
      ready.disconnect();
    });
    for (const [label, store] of stores) {
      const { app, errors } = recipeApp({ store }, countViews);
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const browser = new Browser(app);
        statuses.push((await browser.get()).status);
        expect((await browser.get()).body, label).toBe('2 views');
      }
      expect(
        statuses.every((s) => s === 200),
        label,
      ).toBe(true);
      expect(errors, label).toEqual([]);
    }
  });

  it("a keyless cluster.wait() goes to any primary, and counts that primary's replicas", async () => {
    const client = await clusterClient(cluster);
    const monitors: Redis[] = [];
    const seen: Array<{ port: number; command: string }> = [];
    cleanups.push(() => {
      client.disconnect();
      for (const m of monitors) m.disconnect();
    });
    for (const { port } of owners) {
      const monitor = await (await cluster.connect(port)).monitor();
      monitor.on('monitor', (_t: string, args: string[]) =>
        seen.push({ port, command: args[0]!.toLowerCase() }),
      );
      monitors.push(monitor);
    }
    const answers: number[] = [];
    const elsewhere: string[] = [];
    for (let i = 0; i < 12; i++) {
      const key = `wait-probe-${i}`;
      seen.length = 0;
      await client.set(key, 'v', 'PX', 10_000);
      answers.push(await client.wait(1, 100));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const at = seen.find((s) => s.command === 'wait')!.port;
      if (at !== ownerOf(key)) elsewhere.push(key);
    }
    // Each WAIT landed on a random primary; most of them not the one that
    // wrote, and every one still answered "1 replica has it".
    expect(elsewhere.length).toBeGreaterThan(0);
    expect(answers.every((n) => n === 1)).toBe(true);
  });

  it('records the transcript', async () => {
    const node = cluster.basePort;
    const lines: string[] = [];
    const one = koaRedis({ host: '127.0.0.1', port: node });
    const hang = koaRedis({ isRedisCluster: true, host: '127.0.0.1', port: node });
    const viaNodes = koaRedis({ isRedisCluster: true, nodes: cluster.startupNodes });
    cleanups.push(() => {
      for (const s of [one, hang, viaNodes]) s.client.disconnect();
    });
    const visit = async (label: string, store: SessionStore) => {
      lines.push(`── ${label}`);
      const { app, errors } = appWithIds(store, VISITORS);
      for (const id of VISITORS) {
        const res = await request(app.callback())
          .get('/')
          .timeout(2000)
          .catch(() => undefined);
        const where = `slot ${String(keySlot(id)).padStart(5)} on :${7100 + ownerOf(id) - node}`;
        const outcome = res
          ? `${res.status} ${res.status === 200 ? res.text : shown(errors.shift()!.message)}`
          : 'no answer after 2 s';
        lines.push(`${id}  ${where}  → ${outcome}`);
        if (!res) break;
      }
      lines.push('');
    };
    await visit("koa-redis({ host: '127.0.0.1', port: 7100 })", one);
    await visit("koa-redis({ isRedisCluster: true, host: '127.0.0.1', port: 7100 })", hang);
    await visit('koa-redis({ isRedisCluster: true, nodes: [7100 … 7105] })', viaNodes);
    record('koa-redis-cluster', lines.join('\n'));
  });
});

describe.runIf(hasRedis)("Redis's own defaults", () => {
  it('cluster-node-timeout is 15000 ms on a server started without it (the shared Redis)', async () => {
    const redis = new Redis(REDIS_URL);
    try {
      expect(await redis.config('GET', 'cluster-node-timeout')).toEqual([
        'cluster-node-timeout',
        '15000',
      ]);
    } finally {
      redis.disconnect();
    }
  });
});
