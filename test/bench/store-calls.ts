/**
 * `npm run bench:stores`: what one store call costs, with no HTTP and no
 * session logic around it — `get` and `set` of the bench payload, 20 calls
 * in flight at a time, the stores taking turns round by round.
 *
 * For each store and call it reports the CPU time this process spent per
 * call (the client library's work: building the command, parsing the
 * reply, JSON), the CPU time the database server spent per call (read from
 * /proc on Linux), and the wall time per call with 20 in flight (what a
 * busy server would see as throughput). This is the fairest comparison of
 * RedisStore and koa-redis: the same client, the same Redis, the same
 * commands — only the code in between differs.
 *
 * Knobs: BENCH_STORE_ROUNDS=12  BENCH_STORE_BATCHES=100
 *        BENCH_STORE_OUT=test/bench/results/store-calls.json
 *
 * See chapters/12-performance.md#round-trips
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { SessionStore } from '../../src/index.js';
import { MemoryStore, MysqlStore, RedisStore } from '../../src/stores/index.js';
import { BENCH_MYSQL_TABLE, BENCH_PAYLOAD, MYSQL_URL, REDIS_URL } from './contenders.js';
import { serviceCpuMicros } from './machine.js';
import { median } from './stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const require = createRequire(import.meta.url);

const rounds = Number(process.env.BENCH_STORE_ROUNDS ?? 12);
const batches = Number(process.env.BENCH_STORE_BATCHES ?? 100);
const inFlight = 20;
const out = path.resolve(
  root,
  process.env.BENCH_STORE_OUT ?? 'test/bench/results/store-calls.json',
);

/** The record a session store holds for the bench payload after a save. */
const record = {
  views: 1,
  ...BENCH_PAYLOAD,
  _expire: Date.now() + 86_400_000,
  _maxAge: 86_400_000,
};
const TTL = 86_410_000;
const ids = Array.from({ length: inFlight }, (_, i) => `bench:calls:${i}`);
// The stores ignore the third argument's fields for these calls; koa-session
// would pass the request's ctx.
const getOpts = { ctx: undefined, rolling: false } as unknown as Parameters<SessionStore['get']>[2];
const setOpts = { ctx: undefined, rolling: false, changed: true } as unknown as Parameters<
  SessionStore['set']
>[3];

interface Contender {
  name: string;
  store: SessionStore;
  /** The database process whose CPU counts against this store. */
  server?: string;
  close(): Promise<unknown>;
}

async function contenders(): Promise<Contender[]> {
  const redisA = new Redis(REDIS_URL);
  const redisB = new Redis(REDIS_URL);
  const koaRedis = require('koa-redis') as (opts: { client: unknown }) => SessionStore;
  const mysql = new MysqlStore({ uri: MYSQL_URL, table: BENCH_MYSQL_TABLE, cleanupInterval: 0 });
  return [
    { name: 'MemoryStore', store: new MemoryStore(), close: async () => {} },
    {
      name: 'RedisStore',
      store: new RedisStore({ client: redisA }),
      server: 'redis-server',
      close: () => redisA.quit(),
    },
    {
      name: 'koa-redis',
      store: koaRedis({ client: redisB }),
      server: 'redis-server',
      close: () => redisB.quit(),
    },
    {
      name: 'MysqlStore',
      store: mysql,
      server: 'mariadbd',
      close: async () => {
        await mysql.pool.query(`DROP TABLE IF EXISTS \`${BENCH_MYSQL_TABLE}\``);
        await mysql.close();
      },
    },
  ];
}

const call = (store: SessionStore, op: 'get' | 'set', id: string) =>
  op === 'get' ? store.get(id, 86_400_000, getOpts) : store.set(id, record, TTL, setOpts);

async function main() {
  const list = await contenders();
  for (const { store } of list) {
    for (const id of ids) await store.set(id, record, TTL, setOpts);
    for (let i = 0; i < batches; i++) {
      await Promise.all(ids.map((id) => call(store, 'get', id)));
      await Promise.all(ids.map((id) => call(store, 'set', id)));
    }
  }
  const runs = new Map<string, { cpu: number[]; server: number[]; wall: number[] }>();
  for (let round = 0; round < rounds; round++) {
    for (const { name, store, server } of round % 2 ? [...list].reverse() : list) {
      for (const op of ['get', 'set'] as const) {
        const cpu0 = process.cpuUsage();
        const server0 = server ? serviceCpuMicros(server) : 0;
        const wall0 = performance.now();
        for (let i = 0; i < batches; i++) await Promise.all(ids.map((id) => call(store, op, id)));
        const wall = (performance.now() - wall0) * 1000;
        const cpu = process.cpuUsage(cpu0);
        const calls = batches * inFlight;
        const key = `${name}\u0000${op}`;
        const entry = runs.get(key) ?? { cpu: [], server: [], wall: [] };
        entry.cpu.push((cpu.user + cpu.system) / calls);
        entry.server.push(server ? (serviceCpuMicros(server) - server0) / calls : 0);
        entry.wall.push(wall / calls);
        runs.set(key, entry);
      }
    }
  }
  for (const { name, store } of list) {
    if (name !== 'MysqlStore')
      for (const id of ids) await store.destroy(id, { ctx: undefined } as never);
  }
  for (const c of list) await c.close();

  const rows = [...runs].map(([key, v]) => {
    const [store, op] = key.split('\u0000') as [string, string];
    return {
      store,
      op,
      clientMicros: Math.min(...v.cpu),
      // /proc counts in 10 ms ticks: only the total over all rounds is precise enough.
      serverMicros: v.server.reduce((a, b) => a + b, 0) / v.server.length,
      wallMicros: median(v.wall),
    };
  });
  console.log(
    `per call, ${inFlight} in flight (client CPU: lowest of ${rounds} rounds; server CPU: mean; wall: median)`,
  );
  for (const r of rows) {
    console.log(
      `  ${r.store.padEnd(12)} ${r.op}  client ${r.clientMicros.toFixed(1).padStart(6)} µs  ` +
        `server ${r.serverMicros.toFixed(1).padStart(6)} µs  wall ${r.wallMicros.toFixed(1).padStart(7)} µs`,
    );
  }
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        meta: {
          date: new Date().toISOString(),
          node: process.version,
          command: 'npm run bench:stores',
          rounds,
          batches,
          inFlight,
        },
        rows,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${path.relative(root, out)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
