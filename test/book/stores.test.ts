/**
 * Chapters 8–10 (chapters/08-memory-store.md, 09-redis-store.md,
 * 10-mysql-store.md): the three stores behind the port, on the real
 * services. The store chapters quote the recordings made here
 * (chapters/recorded/redis-*.txt, mysql-*.txt).
 *
 * Redis and MariaDB are expected on 127.0.0.1 (test/support/services.ts):
 * without them these tests are skipped with a message, in CI they fail.
 */
import { Redis } from 'ioredis';
import type Koa from 'koa';
import redisStore from 'koa-redis';
import mysql, { type Pool, type RowDataPacket } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SessionStore } from '../../src/index.js';
import { MemoryStore, MysqlStore, RedisStore } from '../../src/stores/index.js';
import { hasMysql, hasRedis, MYSQL_URL, REDIS_URL } from '../support/services.js';
import {
  Browser,
  bookApp,
  checkRecording,
  countViews,
  freezeClock,
  IdRedactor,
  transcript,
  UUID_V4,
} from './support.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const TAG = `book_${process.pid}_${Date.now().toString(36)}`;

/** `/logout` removes the session; everything else counts views. */
function counter(store: SessionStore | undefined, extra: Record<string, unknown> = {}): Koa {
  return bookApp('port', { ...(store ? { store } : {}), ...extra }, (ctx, next) => {
    if (ctx.path === '/logout') {
      ctx.session = null;
      ctx.body = 'bye';
      return;
    }
    return countViews(ctx, next);
  });
}

describe('the memory store (chapter 8)', () => {
  it('a session saved in one process is unknown to another', async () => {
    // Two processes behind a load balancer: same code, same keys, each its own Map.
    const first = counter(new MemoryStore());
    const second = counter(new MemoryStore());
    const missed: string[] = [];
    second.on('session:missed', (e: { key: string }) => missed.push(e.key));
    const browser = new Browser(first);
    await browser.get();
    expect((await browser.get()).body).toBe('2 views');
    const id = browser.jar.get('koa.sess')!;
    const elsewhere = new Browser(second);
    for (const [k, v] of browser.jar) elsewhere.jar.set(k, v);
    expect((await elsewhere.get()).body).toBe('1 views');
    await new Promise((resolve) => setImmediate(resolve));
    expect(missed).toEqual([id]);
  });

  it('the record lives for what koa-session passes: maxAge plus ten seconds', async () => {
    let now = 1_000_000;
    const store = new MemoryStore({ now: () => now });
    const browser = new Browser(counter(store, { maxAge: 60_000 }));
    await browser.get();
    const id = browser.jar.get('koa.sess')!;
    expect(store.ttl(id)).toBe(70_000);
    now += 70_000;
    expect(store.get(id)).toBeUndefined();
  });

  it('it keeps a copy: changing the saved object afterwards changes nothing stored', () => {
    const store = new MemoryStore();
    const data = { cart: ['tea'] };
    store.set('id', data, 60_000);
    data.cart.push('cake');
    const loaded = store.get('id')!;
    (loaded.cart as string[]).push('jam');
    expect(store.get('id')).toEqual({ cart: ['tea'] });
  });

  it('expired records are swept on a write, at most once per pruneInterval', () => {
    let now = 0;
    const store = new MemoryStore({ now: () => now, pruneInterval: 60_000 });
    for (let i = 0; i < 100; i++) store.set(`old-${i}`, { i }, 1_000);
    expect(store.size).toBe(100);
    now = 30_000; // expired, but the next sweep is not due yet
    store.set('new-1', {}, 1_000_000);
    expect(store.size).toBe(101);
    now = 60_000; // due: this write sweeps
    store.set('new-2', {}, 1_000_000);
    expect(store.size).toBe(2);
  });

  it("maxAge 'session' records are kept for sessionTtl (one day by default)", async () => {
    const store = new MemoryStore({ now: () => 0 });
    const browser = new Browser(counter(store, { maxAge: 'session' }));
    await browser.get();
    expect(store.ttl(browser.jar.get('koa.sess')!)).toBe(86_400_000);
  });
});

describe.runIf(hasRedis)('Redis (chapter 9)', () => {
  let client: Redis;
  const created = new Set<string>();

  beforeAll(async () => {
    client = new Redis(REDIS_URL);
    await client.ping();
  });

  afterAll(async () => {
    const keys = [...created, ...(await client.keys(`${TAG}*`))];
    if (keys.length) await client.del(...keys);
    client.disconnect();
  });

  /** What redis-cli would show for a key: GET, then TTL (seconds; -2 when there is no key). */
  async function inspect(key: string): Promise<string> {
    const value = await client.get(key);
    const pttl = await client.pttl(key);
    const ttl = pttl < 0 ? pttl : Math.ceil(pttl / 1000);
    return [`redis> GET ${key}`, value ?? '(nil)', `redis> TTL ${key}`, String(ttl)].join('\n');
  }

  it('RedisStore keeps JSON under prefix + id, expiring maxAge + 10 s later', async () => {
    const store = new RedisStore({ client, prefix: `${TAG}:` });
    const browser = new Browser(counter(store, { maxAge: 60_000 }));
    await browser.get();
    const id = browser.jar.get('koa.sess')!;
    const key = `${TAG}:${id}`;
    expect(JSON.parse((await client.get(key))!)).toMatchObject({ views: 1, _maxAge: 60_000 });
    const pttl = await client.pttl(key);
    expect(pttl).toBeGreaterThan(69_000);
    expect(pttl).toBeLessThanOrEqual(70_000);
  });

  it('rolling renews the Redis expiry on every request', async () => {
    const clock = freezeClock(Date.now());
    const store = new RedisStore({ client, prefix: `${TAG}:` });
    const app = bookApp('port', { store, rolling: true, maxAge: 60_000 }, (ctx) => {
      ctx.body = `views: ${ctx.session!.views ?? 0}`;
      if (ctx.path === '/count') countViews(ctx, async () => {});
    });
    const browser = new Browser(app);
    await browser.get('/count');
    const key = `${TAG}:${browser.jar.get('koa.sess')}`;
    await client.pexpire(key, 5_000); // pretend most of the lifetime has passed
    clock.advance(55_000);
    await browser.get('/read-only');
    expect(await client.pttl(key)).toBeGreaterThan(60_000);
  });

  it("koa-redis with maxAge 'session' fails every request that saves", async () => {
    const app = counter(redisStore({ client }) as unknown as SessionStore, {
      maxAge: 'session',
      prefix: `${TAG}-`,
    });
    const errors: Error[] = [];
    app.on('error', (e: Error) => errors.push(e));
    const x = await new Browser(app).get();
    expect(x.status).toBe(500);
    expect(errors[0]?.message).toMatch(/ERR value is not an integer or out of range/);
  });

  it("RedisStore with maxAge 'session' keeps the record for sessionTtl", async () => {
    const store = new RedisStore({ client, prefix: `${TAG}:` });
    const browser = new Browser(counter(store, { maxAge: 'session' }));
    const x = await browser.get();
    expect(x.status).toBe(200);
    const pttl = await client.pttl(`${TAG}:${browser.jar.get('koa.sess')}`);
    expect(pttl).toBeGreaterThan(86_399_000);
    expect(pttl).toBeLessThanOrEqual(86_400_000);
  });

  it('when Redis cannot be reached, a request that needs the store fails with a 500', async () => {
    const nowhere = new Redis({
      host: '127.0.0.1',
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const app = counter(new RedisStore({ client: nowhere }));
    const errors: Error[] = [];
    app.on('error', (e: Error) => errors.push(e));
    const x = await new Browser(app).get();
    expect(x.status).toBe(500);
    expect(errors).toHaveLength(1);
    nowhere.disconnect();
  });

  it('records the article’s koa-redis setup: cookie "session", ids prefixed "session"', async () => {
    freezeClock();
    // The article's options, on a real Redis through koa-redis.
    const app = counter(redisStore({ client }) as unknown as SessionStore, {
      key: 'session',
      prefix: 'session',
    });
    const browser = new Browser(app);
    const redactor = new IdRedactor('session');
    const parts: string[] = [];
    const first = await browser.get();
    const key = browser.jar.get('session')!;
    created.add(key);
    expect(key.slice('session'.length)).toMatch(UUID_V4);
    parts.push(transcript('visit 1', '/', first), await inspect(key));
    parts.push(transcript('visit 2', '/', await browser.get()), await inspect(key));
    parts.push(transcript('logout', '/logout', await browser.get('/logout')), await inspect(key));
    checkRecording('redis-koa-redis.txt', `${redactor.redact(parts.join('\n\n'))}\n`);
  });

  it("records the 'session' pitfall: koa-redis fails, RedisStore does not", async () => {
    freezeClock();
    const pitfall = counter(redisStore({ client }) as unknown as SessionStore, {
      maxAge: 'session',
      prefix: `${TAG}-`,
    });
    const errors: Error[] = [];
    pitfall.on('error', (e: Error) => errors.push(e));
    const failed = await new Browser(pitfall).get();
    const fixed = new Browser(counter(new RedisStore({ client }), { maxAge: 'session' }));
    const ok = await fixed.get();
    const key = fixed.jar.get('koa.sess')!;
    created.add(key);
    const text = [
      transcript("koa-redis, maxAge: 'session'", '/', failed),
      `   error: ${errors[0]?.message}`,
      '',
      transcript("RedisStore, maxAge: 'session'", '/', ok),
      await inspect(key),
    ].join('\n');
    checkRecording('redis-session-pitfall.txt', `${new IdRedactor().redact(text)}\n`);
  });
});

describe.runIf(hasMysql)('MySQL / MariaDB (chapter 10)', () => {
  const table = `${TAG}_sessions`;
  let admin: Pool;
  let store: MysqlStore;

  beforeAll(async () => {
    admin = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 2 });
    store = new MysqlStore({ uri: MYSQL_URL, table, cleanupInterval: 0 });
    await store.ready();
  });

  afterAll(async () => {
    await store?.close();
    await admin?.query(`DROP TABLE IF EXISTS \`${table}\``);
    await admin?.end();
  });

  async function rows() {
    const [result] = await admin.query<RowDataPacket[]>(
      `SELECT id, expires, data FROM \`${table}\` ORDER BY expires`,
    );
    return result as { id: string; expires: number | string; data: string }[];
  }

  it('creates its table with a primary key on id and an index on expires', async () => {
    const [result] = await admin.query<RowDataPacket[]>(`SHOW CREATE TABLE \`${table}\``);
    const ddl = String(result[0]!['Create Table']);
    expect(ddl).toMatch(/`id` varchar\(255\)/i);
    expect(ddl).toMatch(/`expires` bigint/i);
    expect(ddl).toMatch(/`data` text/i);
    expect(ddl).toMatch(/PRIMARY KEY \(`id`\)/);
    expect(ddl).toMatch(/KEY `[^`]+__expires` \(`expires`\)/);
  });

  it('a session is one row, updated in place on every save', async () => {
    const browser = new Browser(counter(store));
    await browser.get();
    await browser.get();
    await browser.get();
    const id = browser.jar.get('koa.sess')!;
    const mine = (await rows()).filter((r) => r.id === id);
    expect(mine).toHaveLength(1);
    expect(JSON.parse(mine[0]!.data)).toMatchObject({ views: 3 });
  });

  it('expires is absolute: the time of the save plus maxAge plus ten seconds', async () => {
    const clock = freezeClock(Date.now());
    const browser = new Browser(counter(store, { maxAge: 60_000 }));
    await browser.get();
    const id = browser.jar.get('koa.sess')!;
    const row = (await rows()).find((r) => r.id === id)!;
    expect(Number(row.expires)).toBe(clock.now() + 70_000);
  });

  it('an expired row is not returned, even before cleanup deletes it', async () => {
    const clock = freezeClock(Date.now());
    const browser = new Browser(counter(store, { maxAge: 1_000 }));
    await browser.get();
    const id = browser.jar.get('koa.sess')!;
    clock.advance(11_001);
    expect(await store.get(id)).toBeUndefined();
    expect((await rows()).some((r) => r.id === id)).toBe(true);
    const removed = await store.cleanup();
    expect(removed).toBeGreaterThanOrEqual(1);
    expect((await rows()).some((r) => r.id === id)).toBe(false);
  });

  it('logout deletes the row', async () => {
    const browser = new Browser(counter(store));
    await browser.get();
    const id = browser.jar.get('koa.sess')!;
    await browser.get('/logout');
    expect((await rows()).some((r) => r.id === id)).toBe(false);
  });

  it('records the table it creates', async () => {
    const [result] = await admin.query<RowDataPacket[]>(`SHOW CREATE TABLE \`${table}\``);
    const ddl = String(result[0]!['Create Table']).split(table).join('<table>');
    checkRecording('mysql-table.txt', `mysql> SHOW CREATE TABLE <table>;\n${ddl}\n`);
  });

  it('records a session as rows in the table', async () => {
    freezeClock();
    await admin.query(`DELETE FROM \`${table}\``);
    const browser = new Browser(counter(store));
    const show = async () => {
      const lines = (await rows()).map((r) => `| ${r.id} | ${r.expires} | ${r.data} |`);
      return [
        'mysql> SELECT id, expires, data FROM <the store table>;',
        '| id | expires | data |',
        ...(lines.length ? lines : ['(empty set)']),
      ].join('\n');
    };
    const parts = [
      transcript('visit 1', '/', await browser.get()),
      await show(),
      transcript('visit 2', '/', await browser.get()),
      await show(),
      transcript('logout', '/logout', await browser.get('/logout')),
      await show(),
    ];
    checkRecording('mysql-rows.txt', `${new IdRedactor().redact(parts.join('\n\n'))}\n`);
  });
});
