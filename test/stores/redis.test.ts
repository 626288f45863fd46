/**
 * RedisStore against the real Redis: key and value format, expiry in
 * milliseconds, `maxAge: 'session'` (and koa-redis failing on it), exactly
 * one command per call (counted with MONITOR), and outages: a killed
 * connection, an address nothing listens on, a proxy cut and restored.
 * Read with: chapters/09-redis-store.md
 */
import { Redis } from 'ioredis';
import Koa from 'koa';
import redisStore from 'koa-redis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { observeStore, storeErrors } from '../../playground/observe.js';
import { setCookieValue } from '../../playground/shared/cookies.js';
import { createSession, type SessionStore } from '../../src/index.js';
import { RedisStore } from '../../src/stores/index.js';
import { browserAgent } from '../support/browser.js';
import { faultProxy } from '../support/fault-proxy.js';
import { hasRedis, REDIS_URL } from '../support/services.js';
import { redisCommandWatcher, uniqueName } from './support.js';

const { hostname, port } = new URL(REDIS_URL);
const REDIS_PORT = Number(port || 6379);

/** A counter app whose store errors become 503s, as in the playground. */
function counterApp(store: SessionStore, maxAge?: number | 'session') {
  const app = new Koa();
  app.keys = ['test key'];
  app.use(storeErrors(() => {}));
  app.use(
    createSession(
      { store: observeStore(store, 'redis'), ...(maxAge !== undefined ? { maxAge } : {}) },
      app,
    ),
  );
  app.use((ctx) => {
    const n = ((ctx.session!.views as number) || 0) + 1;
    ctx.session!.views = n;
    ctx.body = String(n);
  });
  return app;
}

/** The client settings the playground uses: fail fast while disconnected. */
const FAIL_FAST = { enableOfflineQueue: false, maxRetriesPerRequest: 1 } as const;

describe.runIf(hasRedis)('RedisStore on a real Redis', () => {
  let client: Redis;
  let admin: Redis;
  const prefix = `${uniqueName('test_stores_redis')}:`;

  beforeAll(async () => {
    client = new Redis(REDIS_URL);
    admin = new Redis(REDIS_URL);
    await client.ping();
  });

  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    client.disconnect();
    admin.disconnect();
  });

  it('stores JSON under prefix + id with a millisecond TTL (SET … PX)', async () => {
    const store = new RedisStore({ client, prefix });
    await store.set('abc', { views: 1, name: 'Zoë 😀' }, 86_410_000);
    expect(await admin.get(`${prefix}abc`)).toBe('{"views":1,"name":"Zoë 😀"}');
    const pttl = await admin.pttl(`${prefix}abc`);
    expect(pttl).toBeGreaterThan(86_409_000);
    expect(pttl).toBeLessThanOrEqual(86_410_000);
    expect(await store.get('abc')).toEqual({ views: 1, name: 'Zoë 😀' });
    expect(await store.ttl('abc')).toBeGreaterThan(86_409_000);
    await store.destroy('abc');
    expect(await admin.exists(`${prefix}abc`)).toBe(0);
    expect(await store.get('abc')).toBeUndefined();
    expect(await store.ttl('abc')).toBeUndefined();
  });

  it('keeps sub-second TTLs exact (koa-redis would round up to whole seconds)', async () => {
    const store = new RedisStore({ client, prefix });
    await store.set('short', { a: 1 }, 300);
    expect(await admin.pttl(`${prefix}short`)).toBeLessThanOrEqual(300);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await store.get('short')).toBeUndefined();
  });

  it('treats a value that is not a JSON object as no session', async () => {
    const store = new RedisStore({ client, prefix });
    await admin.set(`${prefix}junk`, 'not json', 'PX', 60_000);
    await admin.set(`${prefix}number`, '42', 'PX', 60_000);
    expect(await store.get('junk')).toBeUndefined();
    expect(await store.get('number')).toBeUndefined();
  });

  it('refuses a missing or wrong client at construction', () => {
    expect(() => new RedisStore({} as never)).toThrow(/client/);
    expect(() => new RedisStore({ client: {} as never })).toThrow(/client/);
    expect(() => new RedisStore({ client, prefix: 5 as never })).toThrow(/prefix/);
  });

  it('behind the port: the key is prefix + cookie id and PTTL is maxAge + 10 s', async () => {
    const store = new RedisStore({ client, prefix });
    const agent = browserAgent(counterApp(store, 60_000).callback());
    const res = await agent.get('/').expect(200);
    const id = setCookieValue(res.headers['set-cookie'], 'koa.sess')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const pttl = await admin.pttl(`${prefix}${id}`);
    expect(pttl).toBeGreaterThan(69_000);
    expect(pttl).toBeLessThanOrEqual(70_000);
    expect(JSON.parse((await admin.get(`${prefix}${id}`))!)).toMatchObject({
      views: 1,
      _maxAge: 60_000,
    });
    expect((await agent.get('/')).text).toBe('2');
  });

  it("maxAge: 'session' works: cookie without Expires, key kept for sessionTtl", async () => {
    const store = new RedisStore({ client, prefix, sessionTtl: 3_600_000 });
    const agent = browserAgent(counterApp(store, 'session').callback());
    const first = await agent.get('/').expect(200);
    expect(first.headers['set-cookie']![0]).not.toMatch(/expires=/i);
    expect((await agent.get('/').expect(200)).text).toBe('2');
    const id = setCookieValue(first.headers['set-cookie'], 'koa.sess')!;
    expect(JSON.parse((await admin.get(`${prefix}${id}`))!)).toEqual({ views: 2, _session: true });
    const pttl = await admin.pttl(`${prefix}${id}`);
    expect(pttl).toBeGreaterThan(3_599_000);
    expect(pttl).toBeLessThanOrEqual(3_600_000);
  });

  it("koa-redis 4.0.1 with maxAge: 'session' fails the request (the pitfall our store avoids)", async () => {
    const koaRedis = redisStore({ client });
    const app = counterApp(koaRedis, 'session');
    const res = await request(app.callback()).get('/');
    // Redis is up and answered: it refused the command, so a 500 that
    // says so, not a 503 "unavailable".
    expect(res.status).toBe(500);
    expect(res.text).toMatch(/refused set: ERR value is not an integer or out of range/);
  });

  it('costs exactly one Redis command per get, set and destroy', async () => {
    const store = new RedisStore({ client, prefix });
    const watcher = await redisCommandWatcher(client);
    try {
      const set = await watcher.during(() => store.set('rt', { a: 1 }, 5000));
      const get = await watcher.during(() => store.get('rt'));
      const miss = await watcher.during(() => store.get('rt-missing'));
      const destroy = await watcher.during(() => store.destroy('rt'));
      expect(set).toEqual([['set', `${prefix}rt`, '{"a":1}', 'PX', '5000']]);
      expect(get).toEqual([['get', `${prefix}rt`]]);
      expect(miss).toEqual([['get', `${prefix}rt-missing`]]);
      expect(destroy).toEqual([['del', `${prefix}rt`]]);

      // And a whole request through the port: one GET, one SET.
      const agent = browserAgent(counterApp(store, 60_000).callback());
      await agent.get('/');
      const commands = await watcher.during(() => agent.get('/'));
      expect(commands.map((c) => c[0])).toEqual(['get', 'set']);
    } finally {
      watcher.close();
    }
  });
});

describe.runIf(hasRedis)('RedisStore with the opt-in wait, on a Redis without replicas', () => {
  let client: Redis;
  const prefix = `${uniqueName('test_stores_redis_wait')}:`;

  beforeAll(async () => {
    client = new Redis(REDIS_URL);
    await client.ping();
  });

  afterAll(async () => {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length) await client.del(...keys);
    client.disconnect();
  });

  it('a save no replica acknowledged still succeeds: WAIT times out with 0 and the store does not look', async () => {
    // The shared Redis has no replicas, so WAIT 1 can only time out.
    const info = await client.info('replication');
    expect(info).toMatch(/connected_slaves:0/);
    expect(await client.wait(1, 50)).toBe(0);

    const store = new RedisStore({ client, prefix, wait: { replicas: 1, timeout: 100 } });
    const started = performance.now();
    await expect(store.set('unreplicated', { views: 1 }, 60_000)).resolves.toBeUndefined();
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(await store.get('unreplicated')).toEqual({ views: 1 });

    // Through the port: the request that saved answers 200 all the same.
    const res = await request(counterApp(store, 60_000).callback()).get('/');
    expect(res.status).toBe(200);
  });
});

describe.runIf(hasRedis)('RedisStore when Redis goes away', () => {
  const prefix = `${uniqueName('test_stores_redis_fault')}:`;
  let admin: Redis;

  beforeAll(() => {
    admin = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
  });

  it('a killed connection (CLIENT KILL): the session survives, requests succeed again', async () => {
    const client = new Redis(REDIS_URL, FAIL_FAST);
    try {
      await vi.waitFor(() => expect(client.status).toBe('ready'), { timeout: 5000, interval: 20 });
      const agent = browserAgent(counterApp(new RedisStore({ client, prefix }), 60_000).callback());
      expect((await agent.get('/')).text).toBe('1');
      expect((await agent.get('/')).text).toBe('2');
      const id = Number(await client.client('ID'));
      expect(await admin.client('KILL', 'ID', String(id))).toBe(1);
      // Right after the kill a request either fails cleanly or already
      // rides the reconnection; it never crashes and never loses data.
      const during = await agent.get('/');
      expect([200, 503]).toContain(during.status);
      if (during.status === 503) expect(during.text).toMatch(/^Session store unavailable: /);
      await vi.waitFor(() => expect(client.status).toBe('ready'), { timeout: 5000, interval: 20 });
      const after = await agent.get('/').expect(200);
      expect(after.text).toBe(during.status === 200 ? '4' : '3');
    } finally {
      client.disconnect();
    }
  });

  it('an address nothing listens on: a clear 503, and the app keeps serving', async () => {
    const client = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, ...FAIL_FAST });
    client.on('error', () => {}); // connection errors are expected here
    try {
      const app = counterApp(new RedisStore({ client, prefix }));
      for (let i = 0; i < 3; i++) {
        const res = await request(app.callback()).get('/');
        expect(res.status).toBe(503);
        expect(res.text).toMatch(/^Session store unavailable: redis (get|set) failed: /);
      }
    } finally {
      client.disconnect();
    }
  });

  it('an outage and a recovery (proxy cut, then restored): 503 while down, same session after', async () => {
    const proxy = await faultProxy({ host: hostname, port: REDIS_PORT });
    const client = new Redis({ host: '127.0.0.1', port: proxy.port, ...FAIL_FAST });
    client.on('error', () => {});
    try {
      await vi.waitFor(() => expect(client.status).toBe('ready'), { timeout: 5000, interval: 20 });
      const agent = browserAgent(counterApp(new RedisStore({ client, prefix }), 60_000).callback());
      expect((await agent.get('/')).text).toBe('1');
      await proxy.unplug();
      await vi.waitFor(() => expect(client.status).not.toBe('ready'), {
        timeout: 5000,
        interval: 20,
      });
      const down = await agent.get('/');
      expect(down.status).toBe(503);
      expect(down.text).toMatch(/^Session store unavailable: redis get failed: /);
      await proxy.up();
      await vi.waitFor(() => expect(client.status).toBe('ready'), {
        timeout: 10_000,
        interval: 20,
      });
      expect((await agent.get('/').expect(200)).text).toBe('2');
    } finally {
      client.disconnect();
      await proxy.unplug();
    }
  });
});
