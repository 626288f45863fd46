/**
 * Chapter 9 (chapters/09-redis-store.md): RedisStore and koa-redis on a real
 * Redis. The chapter quotes the recordings made here
 * (chapters/recorded/redis-*.txt).
 *
 * Redis is expected on 127.0.0.1 (test/support/services.ts): without it
 * these tests are skipped with a message, in CI they fail.
 */
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import redisStore from 'koa-redis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp as createPlayground } from '../../playground/redis.js';
import type { SessionStore } from '../../src/index.js';
import { RedisStore } from '../../src/stores/index.js';
import { hasRedis, REDIS_URL } from '../support/services.js';
import { tryIt } from '../support/tryit.js';
import {
  Browser,
  bookApp,
  checkRecording,
  collectErrors,
  counter,
  countViews,
  freezeClock,
  IdRedactor,
  portOnly,
  transcript,
  UUID_V4,
  usingUpstream,
} from './support.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const TAG = `book_redis_${process.pid}_${Date.now().toString(36)}`;

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

  portOnly('RedisStore keeps JSON under prefix + id, expiring maxAge + 10 s later', async () => {
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

  portOnly('rolling renews the Redis expiry on every request', async () => {
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
    const errors = collectErrors(app);
    const x = await new Browser(app).get();
    expect(x.status).toBe(500);
    expect(errors[0]?.message).toMatch(/ERR value is not an integer or out of range/);
  });

  portOnly("RedisStore with maxAge 'session' keeps the record for sessionTtl", async () => {
    const store = new RedisStore({ client, prefix: `${TAG}:` });
    const browser = new Browser(counter(store, { maxAge: 'session' }));
    const x = await browser.get();
    expect(x.status).toBe(200);
    const pttl = await client.pttl(`${TAG}:${browser.jar.get('koa.sess')}`);
    expect(pttl).toBeGreaterThan(86_399_000);
    expect(pttl).toBeLessThanOrEqual(86_400_000);
  });

  portOnly(
    'when Redis cannot be reached, a request that needs the store fails with a 500',
    async () => {
      const nowhere = new Redis({
        host: '127.0.0.1',
        port: 1,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      const app = counter(new RedisStore({ client: nowhere }));
      const errors = collectErrors(app);
      const x = await new Browser(app).get();
      expect(x.status).toBe(500);
      expect(errors).toHaveLength(1);
      nowhere.disconnect();
    },
  );

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

  portOnly("records the 'session' pitfall: koa-redis fails, RedisStore does not", async () => {
    freezeClock();
    const pitfall = counter(redisStore({ client }) as unknown as SessionStore, {
      maxAge: 'session',
      prefix: `${TAG}-`,
    });
    const errors = collectErrors(pitfall);
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

const canTry = hasRedis && existsSync('/usr/bin/curl') && existsSync('/usr/bin/redis-cli');

describe.runIf(canTry && !usingUpstream)(
  'Try it: the Redis playground, its keys, and the pitfall (port only: the playground)',
  () => {
    let client: Redis;
    // The chapter's id prefix is `session`; on the shared Redis these runs
    // use their own, shown as `session` in the recordings.
    const prefix = `${TAG}_tryit:`;
    const options = {
      // The chapter's `redis-cli` talks to the Redis the tests use.
      aliases: { "'session*'": `'${prefix}session*'`, 'redis-cli ': `redis-cli -u ${REDIS_URL} ` },
      tidy: (text: string) =>
        text
          .replaceAll(prefix, '')
          // TTL counts down in whole seconds, and a busy machine can take more
          // than half of one between the save and the question: show it to
          // the next ten, which still tells 86400 (one day) from 86410.
          .replace(
            /^(\$ redis-cli TTL .*\n)(\d+)$/gm,
            (_, command: string, ttl: string) => `${command}${Math.ceil(Number(ttl) / 10) * 10}`,
          ),
    };

    beforeAll(async () => {
      client = new Redis(REDIS_URL);
      await client.ping();
    });

    afterAll(async () => {
      const keys = await client.keys(`${prefix}*`);
      if (keys.length) await client.del(...keys);
      client.disconnect();
    });

    it('records a visit and its key, value and TTL in redis-cli (tryit-09.txt)', async () => {
      const text = await tryIt(
        (sink) => createPlayground({ client, idPrefix: `${prefix}session`, ...sink }),
        [
          'curl -c /tmp/jar -b /tmp/jar http://localhost:3000/fixed; echo',
          "redis-cli --scan --pattern 'session*'",
          `redis-cli GET "$(awk '$6 == "session" {print $7}' /tmp/jar)"`,
          `redis-cli TTL "$(awk '$6 == "session" {print $7}' /tmp/jar)"`,
        ],
        { ...options, trace: false },
      );
      expect(text).toContain('\nsession<id-1>\n');
      expect(text).toContain('{"views":1,"_expire":<n>,"_maxAge":<n>}');
      // One day plus ten seconds, in whole seconds (Redis rounds its TTL).
      expect(text).toMatch(/\n86410\n$/);
      checkRecording('tryit-09.txt', text);
    });

    it("records maxAge 'session': koa-redis fails the save, RedisStore keeps it (tryit-09-pitfall.txt)", async () => {
      const visit = 'curl -i -c /tmp/jar -b /tmp/jar http://localhost:3000/fixed';
      const ttl = `redis-cli TTL "$(awk '$6 == "session" {print $7}' /tmp/jar)"`;
      const parts: string[] = [];
      for (const store of ['koa-redis', 'ours'] as const) {
        const text = await tryIt(
          (sink) =>
            createPlayground({
              client,
              store,
              maxAge: 'session',
              idPrefix: `${prefix}session`,
              ...sink,
            }),
          store === 'ours' ? [visit, ttl] : [visit],
          { ...options, trace: false },
        );
        const flags = store === 'ours' ? '--store=ours --max-age=session' : '--max-age=session';
        parts.push(`# npm run playground:redis -- ${flags}\n${text}`);
      }
      const text = parts.join('\n');
      expect(text).toContain('HTTP/1.1 500 Internal Server Error');
      expect(text).toContain('ERR value is not an integer');
      expect(text).toContain('HTTP/1.1 200 OK');
      // No Expires on the cookie; the record is kept for sessionTtl, one day.
      expect(text).toContain('Set-Cookie: session=session<id-1>; path=/; httponly\n');
      expect(text).toMatch(/\n86400\n$/);
      checkRecording('tryit-09-pitfall.txt', text);
    });
  },
);
