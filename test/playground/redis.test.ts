/**
 * The Redis playground (the article's second demo: koa-session + koa-redis
 * + ioredis, here on the port) driven with supertest against the real
 * Redis: the article's `views++` quirk and its fix, the key and value
 * format, the TTL, `maxAge: 'session'` with both stores, and a 503 when
 * Redis is away.
 * Read with: chapters/09-redis-store.md and chapters/run-it-yourself.md
 */
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../playground/redis.js';
import { setCookieLines, setCookieValue } from '../../playground/shared/cookies.js';
import { uniqueName } from '../stores/support.js';
import { browserAgent } from '../support/browser.js';
import { hasRedis, REDIS_URL } from '../support/services.js';

/** The id in the first `Set-Cookie` line, which must be `session`. */
function sessionId(res: request.Response): string {
  return setCookieValue(setCookieLines(res.headers['set-cookie'])[0], 'session')!;
}

describe.runIf(hasRedis)('redis playground', () => {
  let client: Redis;
  const idPrefix = `${uniqueName('test_playground_redis')}:session`;
  const created = new Set<string>();

  beforeAll(async () => {
    client = new Redis(REDIS_URL);
    await client.ping();
  });
  afterAll(async () => {
    const keys = [...created, ...(await client.keys(`${idPrefix}*`))];
    if (keys.length) await client.del(...keys);
    client.disconnect();
  });

  it("reproduces the article's output: 0, 0, 1, 2 views, with views null stored first", async () => {
    // The article's own id prefix, to check the key format it produces.
    const agent = browserAgent(createApp({ client, trace: false }).app.callback());
    const bodies: string[] = [];
    const stored: unknown[] = [];
    let id = '';
    for (let i = 0; i < 4; i++) {
      const res = await agent.get('/').expect(200);
      bodies.push(res.text);
      id = sessionId(res);
      created.add(id);
      stored.push(JSON.parse((await client.get(id))!));
    }
    expect(bodies).toEqual(['0 views', '0 views', '1 views', '2 views']);
    expect(id).toMatch(/^session[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(stored.map((s) => (s as { views: unknown }).views)).toEqual([null, 1, 2, 3]);
    expect(stored[3]).toEqual({ views: 3, _expire: expect.any(Number), _maxAge: 86_400_000 });
    // No maxAge configured: one day, plus ten seconds in the store.
    const pttl = await client.pttl(id);
    expect(pttl).toBeGreaterThan(86_409_000);
    expect(pttl).toBeLessThanOrEqual(86_410_000);
  });

  it('the first cookie has no Expires (no maxAge yet), later ones expire in a day', async () => {
    const agent = browserAgent(createApp({ client, idPrefix, trace: false }).app.callback());
    const first = await agent.get('/');
    const second = await agent.get('/');
    const cookies = (r: request.Response) => ([] as string[]).concat(r.headers['set-cookie'] ?? []);
    expect(cookies(first)[0]).toMatch(/^session=[^;]+; path=\/; httponly$/);
    expect(cookies(second)[0]).toMatch(/; path=\/; expires=.+; httponly$/);
    expect(cookies(first)[1]).toMatch(/^session\.sig=/);
  });

  it('/fixed is the corrected handler: 1, 2, 3 views', async () => {
    const agent = browserAgent(createApp({ client, idPrefix, trace: false }).app.callback());
    const bodies = [];
    for (let i = 0; i < 3; i++) bodies.push((await agent.get('/fixed').expect(200)).text);
    expect(bodies).toEqual(['1 views', '2 views', '3 views']);
  });

  it('the favicon request still reads Redis (store sessions load before any handler) but saves nothing', async () => {
    const lines: string[] = [];
    const agent = browserAgent(
      createApp({ client, idPrefix, trace: true, log: (t) => lines.push(t) }).app.callback(),
    );
    await agent.get('/');
    await agent.get('/favicon.ico').expect(404);
    expect(lines[1]).toMatch(/store\.get {5}.* → found/);
    expect(lines[1]).toContain('no save       unchanged, and neither rolling nor due for renewal');
    expect(lines[1]).toContain('set-cookie    (none)');
  });

  it('logout deletes the key', async () => {
    const agent = browserAgent(createApp({ client, idPrefix, trace: false }).app.callback());
    const id = sessionId(await agent.get('/'));
    expect(await client.exists(id)).toBe(1);
    await agent.get('/logout').expect(200);
    expect(await client.exists(id)).toBe(0);
  });

  it('the inspector shows the raw stored JSON and its remaining TTL', async () => {
    const agent = browserAgent(createApp({ client, idPrefix, trace: false }).app.callback());
    const id = sessionId(await agent.get('/fixed'));
    const { body } = await agent.get('/__session').expect(200);
    expect(body.cookie).toEqual({ name: 'session', value: id, signature: 'valid' });
    expect(body.store.where).toContain(id);
    expect(JSON.parse(body.store.record)).toMatchObject({ views: 1 });
    expect(body.store.ttlMs).toBeGreaterThan(86_400_000);
  });

  it("maxAge: 'session' with koa-redis: a 500 saying what Redis said, not 'unavailable' (Redis is up; it refused the command)", async () => {
    const lines: string[] = [];
    const app = createApp({
      client,
      idPrefix,
      maxAge: 'session',
      trace: false,
      log: (t) => lines.push(t),
    }).app;
    const res = await request(app.callback()).get('/fixed');
    expect(res.status).toBe(500);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.text).toBe(
      'Session store error: redis (koa-redis) refused set: ERR value is not an integer or out of range\n',
    );
    expect(lines).toEqual([
      '✗ GET /fixed: redis (koa-redis) refused set: ERR value is not an integer or out of range',
    ]);
  });

  it("maxAge: 'session' with our RedisStore: works, browser-session cookie, key kept a day", async () => {
    const agent = browserAgent(
      createApp({
        client,
        idPrefix,
        store: 'ours',
        maxAge: 'session',
        trace: false,
      }).app.callback(),
    );
    const first = await agent.get('/fixed').expect(200, '1 views');
    await agent.get('/fixed').expect(200, '2 views');
    const id = sessionId(first);
    expect(([] as string[]).concat(first.headers['set-cookie'] ?? [])[0]).not.toMatch(/expires/i);
    expect(JSON.parse((await client.get(id))!)).toEqual({ views: 2, _session: true });
    expect(await client.pttl(id)).toBeGreaterThan(86_390_000);
  });

  it('with Redis unreachable: a one-line 503, and the app keeps answering', async () => {
    const lines: string[] = [];
    const down = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false });
    down.on('error', () => {});
    try {
      const app = createApp({
        client: down,
        idPrefix,
        trace: false,
        log: (t) => lines.push(t),
      }).app;
      for (let i = 0; i < 2; i++) {
        const res = await request(app.callback()).get('/');
        expect(res.status).toBe(503);
        expect(res.text).toMatch(
          /^Session store unavailable: redis \(koa-redis\) (get|set) failed: .+\n$/,
        );
      }
      expect(lines).toHaveLength(2);
    } finally {
      down.disconnect();
    }
  });
});
