/**
 * Step redis-set — chapters/09-redis-store.md#set
 *
 * Against a real Redis. The checks read Redis with their own client, so
 * they see what is really stored, under which key, for how long.
 */
import { hasRedis } from '../../support/services.js';
import { redis } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { cookiesAfter, type Reply, sessionApp } from '../support/harness.js';
import { useRedis } from '../support/services.js';

const { RedisStore } = await redis();

describe.runIf(hasRedis)('RedisStore against a real Redis', () => {
  const { client, prefix } = useRedis();

  const store = (
    options: { sessionTtl?: number; wait?: { replicas: number; timeout: number } } = {},
  ) => new RedisStore({ client, prefix, ...options });

  /**
   * The commands Redis itself receives while `fn` runs, from every
   * connection, in order (Redis MONITOR, on a connection of its own).
   */
  async function commandsDuring(fn: () => Promise<unknown>) {
    const monitor = await client.duplicate().monitor();
    const seen: { args: string[]; source: string }[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) =>
      seen.push({ args, source }),
    );
    try {
      await fn();
      // MONITOR reports a command once it has run; one more round trip on
      // the checks' own connection lets the last report arrive.
      await client.ping();
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      monitor.disconnect();
    }
    return seen;
  }

  describe('RedisStore.set', () => {
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
  });

  describe('the wait option (chapter 13)', () => {
    it('with wait, a WAIT with its numbers follows the SET on the same connection', async () => {
      const seen = await commandsDuring(() =>
        store({ wait: { replicas: 0, timeout: 50 } }).set('id-wait', { n: 1 }, 60_000),
      );
      const at = seen.findIndex(
        (c) => c.args[0]?.toLowerCase() === 'set' && c.args[1] === `${prefix}id-wait`,
      );
      expect(at, 'Redis received the SET').toBeGreaterThanOrEqual(0);
      const next = seen.slice(at + 1).find((c) => c.source === seen[at]!.source);
      expect(
        next?.args.map((a) => a.toLowerCase()),
        'the next command on that connection',
      ).toEqual(['wait', '0', '50']);
    });

    it('without wait, no WAIT is sent', async () => {
      const seen = await commandsDuring(() => store().set('id-nowait', { n: 1 }, 60_000));
      // MONITOR sees every client of this Redis: only the store's own
      // connection (the one that sent the SET) counts.
      const set = seen.find((c) => c.args[1] === `${prefix}id-nowait`);
      expect(set, 'Redis received the SET').toBeDefined();
      expect(
        seen.filter((c) => c.source === set!.source && c.args[0]?.toLowerCase() === 'wait').length,
        'WAIT commands from the store’s connection',
      ).toBe(0);
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
