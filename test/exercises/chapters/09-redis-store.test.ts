/**
 * Exercise `redis-store` — chapters/09-redis-store.md
 *
 * You write `get`, `set` and `destroy` of RedisStore against a real Redis
 * (127.0.0.1:6379, see README "Services"). The tests read Redis directly
 * with their own client, so they check what is really stored, under which
 * key, for how long. Every key they touch starts with a prefix of their
 * own and is deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis, REDIS_URL } from '../../support/services.js';
import { redis } from '../impl.js';
import { cookiesAfter, type Reply, sessionApp } from '../support/harness.js';

describe.runIf(hasRedis)('RedisStore against a real Redis', () => {
  const prefix = `exercises:redis-store:${randomUUID()}:`;
  let client: Redis;

  beforeAll(() => {
    client = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length) await client.del(...keys);
    await client.quit();
  });

  const store = (options: { sessionTtl?: number } = {}) =>
    new redis.RedisStore({ client, prefix, ...options });

  describe('get / set / destroy', () => {
    it('set writes the session as JSON text under prefix + id', async () => {
      await store().set('id-1', { user: 'alice', cart: [1, 2] }, 60_000);
      const raw = await client.get(`${prefix}id-1`);
      expect(raw, 'the Redis key prefix + id holds the session').not.toBeNull();
      expect(JSON.parse(raw!), 'as JSON').toEqual({ user: 'alice', cart: [1, 2] });
    });

    it('set gives the key an expiry of maxAge milliseconds', async () => {
      await store().set('id-ttl', { n: 1 }, 60_000);
      const ttl = await client.pttl(`${prefix}id-ttl`);
      expect(ttl, 'PTTL: no expiry means -1').toBeGreaterThan(59_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    });

    it('maxAge "session" gets sessionTtl, never the string "session"', async () => {
      await store({ sessionTtl: 5000 }).set('id-browser', { n: 1 }, 'session');
      const ttl = await client.pttl(`${prefix}id-browser`);
      expect(ttl).toBeGreaterThan(4000);
      expect(ttl).toBeLessThanOrEqual(5000);
    });

    it('get returns what set saved', async () => {
      await store().set('id-2', { views: 7 }, 60_000);
      expect(await store().get('id-2')).toEqual({ views: 7 });
    });

    it('get of an unknown id is undefined', async () => {
      expect(await store().get('nobody')).toBeUndefined();
    });

    it('get treats text that is not a JSON object as no session', async () => {
      for (const [id, junk] of [
        ['junk-1', 'not json {'],
        ['junk-2', '42'],
        ['junk-3', 'null'],
      ] as const) {
        await client.set(`${prefix}${id}`, junk, 'PX', 60_000);
        expect(await store().get(id), `the text ${JSON.stringify(junk)}`).toBeUndefined();
      }
    });

    it('destroy deletes the key, and destroying an unknown id is fine', async () => {
      await store().set('id-3', { n: 1 }, 60_000);
      await store().destroy('id-3');
      expect(await client.exists(`${prefix}id-3`), 'the key is gone').toBe(0);
      await expect(store().destroy('never-existed')).resolves.toBeUndefined();
    });
  });

  describe('behind the session middleware', () => {
    async function visit(t: ReturnType<typeof sessionApp>, times: number) {
      let cookie: string | undefined;
      let reply: Reply | undefined;
      for (let i = 0; i < times; i++) {
        reply = await t.get(cookie);
        cookie = cookiesAfter(reply) || cookie;
      }
      return { reply: reply!, cookie };
    }

    const counter = (options: { maxAge?: number | 'session' } = {}) =>
      sessionApp({ store: store(), ...options }, (ctx) => {
        if (ctx.path === '/logout') ctx.session = null;
        else ctx.session!.views = ((ctx.session!.views as number) ?? 0) + 1;
        ctx.body = { views: ctx.session?.views ?? null, id: ctx.session?.externalKey ?? null };
      });

    it('counts visits, with the session readable in Redis, and logout deletes it', async () => {
      const t = counter();
      const { reply, cookie } = await visit(t, 3);
      expect(reply.body.views, 'the third visit').toBe(3);
      const raw = await client.get(`${prefix}${reply.body.id}`);
      expect(JSON.parse(raw!).views, 'redis-cli GET shows the session').toBe(3);
      await t.get(cookie, { path: '/logout' });
      expect(await client.exists(`${prefix}${reply.body.id}`), 'logout deleted the key').toBe(0);
    });

    it('works with maxAge "session" (the koa-redis pitfall)', async () => {
      const { reply } = await visit(counter({ maxAge: 'session' }), 2);
      expect(reply.body.views).toBe(2);
    });
  });
});
