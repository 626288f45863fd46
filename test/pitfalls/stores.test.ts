/**
 * Pitfalls from the field that live in the store (chapters/pitfalls.md),
 * on the real Redis: every key carries this run's tag, and only those keys
 * are deleted afterwards (never a flush). Without Redis these tests are
 * skipped with a message; in CI (CI=true) that is a failure instead.
 */
import { Redis } from 'ioredis';
import Koa, { type Middleware } from 'koa';
import redisStore from 'koa-redis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SessionOptions, SessionStore } from '../../src/index.js';
import { RedisStore } from '../../src/stores/index.js';
import { signature } from '../book/support.js';
import { session as sessionUnderTest } from '../support/impl.js';
import { hasRedis, REDIS_URL } from '../support/services.js';
import { appErrors, Browser, freezeClock, IdRedactor, record, shown } from './support.js';

const TAG = `pitfall_${process.pid}_${Date.now().toString(36)}`;
const ONE_DAY = 86_400_000;

afterEach(() => {
  vi.restoreAllMocks();
});

/** An app with keys, the session middleware (ids prefixed with this run's tag) and `handler`. */
function app(store: SessionStore, options: SessionOptions, handler: Middleware): Koa {
  const koa = new Koa();
  koa.keys = ['k'];
  koa.silent = true;
  koa.use(sessionUnderTest({ store, prefix: `${TAG}:`, ...options }, koa));
  koa.use(handler);
  return koa;
}

const countViews: Middleware = (ctx) => {
  const session = ctx.session!;
  session.views = ((session.views as number | undefined) ?? 0) + 1;
  ctx.body = `${session.views} views`;
};

/**
 * koa-redis, kept, with the one thing it gets wrong taken care of: koa-session
 * hands the store the string 'session' as the lifetime of a browser-session
 * cookie, and koa-redis sends it to Redis as a number of seconds.
 */
function sessionSafe(store: SessionStore): SessionStore {
  return {
    get: (key, maxAge, options) => store.get(key, maxAge, options),
    set: (key, data, maxAge, options) =>
      store.set(key, data, maxAge === 'session' ? ONE_DAY : maxAge, options),
    destroy: (key, options) => store.destroy(key, options),
  };
}

describe.runIf(hasRedis)('store pitfalls, on a real Redis', () => {
  let client: Redis;

  beforeAll(async () => {
    client = new Redis(REDIS_URL);
    await client.ping();
  });

  afterAll(async () => {
    const keys = await client.keys(`*${TAG}*`);
    if (keys.length) await client.del(...keys);
    client.disconnect();
  });

  // -------------------------------------------------------------------------
  describe("pitfall: maxAge 'session' with koa-redis", () => {
    const koaRedis = () => redisStore({ client }) as unknown as SessionStore;

    it("koa-redis with maxAge 'session' fails every save with a 500", async () => {
      const broken = app(koaRedis(), { maxAge: 'session' }, countViews);
      const errors = appErrors(broken);
      const res = await new Browser(broken).get();
      expect(res.status).toBe(500);
      expect(errors).toEqual(['ERR value is not an integer or out of range']);
    });

    it("koa-redis wrapped to turn 'session' into a day: 200, a browser-session cookie, a one-day record", async () => {
      const browser = new Browser(app(sessionSafe(koaRedis()), { maxAge: 'session' }, countViews));
      const res = await browser.get();
      expect(res.status).toBe(200);
      expect(res.setCookie[0]).not.toMatch(/expires=/);
      const pttl = await client.pttl(browser.jar.get('koa.sess')!);
      expect(pttl).toBeGreaterThan(ONE_DAY - 5_000);
      expect(pttl).toBeLessThanOrEqual(ONE_DAY);
    });

    it('records the transcript', async () => {
      freezeClock();
      const broken = app(koaRedis(), { maxAge: 'session' }, countViews);
      const errors = appErrors(broken);
      const fixed = new Browser(app(sessionSafe(koaRedis()), { maxAge: 'session' }, countViews));
      const ok = await fixed.get();
      const id = fixed.jar.get('koa.sess')!;
      const ttl = Math.round((await client.pttl(id)) / 3_600_000);
      record(
        'koa-redis-session',
        [
          shown("koa-redis, maxAge: 'session'", '/', await new Browser(broken).get(), {
            error: errors[0],
          }),
          shown("the same koa-redis behind sessionSafe(), maxAge: 'session'", '/', ok, {
            note: `redis> TTL <id-1> → about ${ttl} hours`,
          }),
        ],
        tagged(),
      );
    });
  });

  // -------------------------------------------------------------------------
  describe('pitfall: ctx.session = {} does not give a new id', () => {
    /** `/` visits anonymously; `/login` logs in, the wrong way or the right way. */
    const site = (login: 'assign' | 'regenerate') =>
      app(new RedisStore({ client }), {}, async (ctx) => {
        if (ctx.path === '/login') {
          if (login === 'assign') {
            ctx.session = { user: 'ada' };
          } else {
            ctx.session!.user = 'ada';
            await ctx.session!.regenerate();
          }
        } else {
          ctx.session!.visited = true;
        }
        ctx.body = String(ctx.session!.user ?? 'anonymous');
      });

    it('ctx.session = { user } at login keeps the id the visitor arrived with (fixation)', async () => {
      const browser = new Browser(site('assign'));
      await browser.get('/');
      const before = browser.jar.get('koa.sess')!;
      await browser.get('/login');
      expect(browser.jar.get('koa.sess')).toBe(before);
      expect(JSON.parse((await client.get(before))!).user).toBe('ada');
    });

    it('await ctx.session.regenerate() at login: a new id, and the old record is gone', async () => {
      const browser = new Browser(site('regenerate'));
      await browser.get('/');
      const before = browser.jar.get('koa.sess')!;
      await browser.get('/login');
      const after = browser.jar.get('koa.sess')!;
      expect(after).not.toBe(before);
      expect(await client.exists(before)).toBe(0);
      expect(JSON.parse((await client.get(after))!).user).toBe('ada');
    });

    it('records the transcript', async () => {
      freezeClock();
      const parts: string[] = [];
      for (const login of ['assign', 'regenerate'] as const) {
        const browser = new Browser(site(login));
        await browser.get('/');
        const label =
          login === 'assign' ? 'ctx.session = { user }' : 'await ctx.session.regenerate()';
        const res = await browser.get('/login');
        const old = res.sent.match(/koa\.sess=([^;]+)/)?.[1] ?? '';
        parts.push(
          shown(`login with ${label}`, '/login', res, {
            note: `redis> EXISTS <old id> → ${await client.exists(old)}`,
          }),
        );
      }
      record('assign-vs-regenerate', parts, tagged());
    });
  });

  // -------------------------------------------------------------------------
  describe('pitfall: parallel requests overwrite each other', () => {
    /**
     * Two requests from one page, at once: one adds to the cart, the other
     * records the theme. Each waits at `barrier` (a slow database call, say)
     * after loading the session, so both load the same version.
     */
    function shop(cartInSession: boolean, barrier: () => Promise<void>) {
      return app(new RedisStore({ client }), {}, async (ctx) => {
        const session = ctx.session!;
        if (ctx.path === '/start') {
          session.theme = 'light';
          ctx.body = 'ok';
          return;
        }
        await barrier();
        if (ctx.path === '/cart') {
          if (cartInSession) session.cart = [...((session.cart as string[]) ?? []), 'tea'];
          // The fix: the cart is its own Redis key, changed by one atomic command.
          else await client.rpush(`${TAG}:cart:${session.externalKey}`, 'tea');
        }
        if (ctx.path === '/theme') session.theme = 'dark';
        ctx.body = 'ok';
      });
    }

    async function race(cartInSession: boolean) {
      // Neither request goes on until both have loaded the session.
      let open!: () => void;
      const both = new Promise<void>((resolve) => {
        open = resolve;
      });
      let arrived = 0;
      const barrier = () => {
        arrived += 1;
        if (arrived === 2) open();
        return both;
      };
      const browser = new Browser(shop(cartInSession, barrier));
      await browser.get('/start');
      const id = browser.jar.get('koa.sess')!;
      await Promise.all([browser.get('/cart'), browser.get('/theme')]);
      const stored = JSON.parse((await client.get(id))!) as Record<string, unknown>;
      const cart = cartInSession
        ? ((stored.cart as string[] | undefined) ?? [])
        : await client.lrange(`${TAG}:cart:${id}`, 0, -1);
      return { theme: stored.theme, cart };
    }

    /** How many of the two changes made it: the dark theme, the tea in the cart. */
    const survived = (r: { theme: unknown; cart: string[] }) =>
      Number(r.theme === 'dark') + Number(r.cart.length === 1);

    it('cart kept in the session: one of the two changes is lost', async () => {
      // Whichever request saved last wrote its whole copy over the other's.
      expect(survived(await race(true))).toBe(1);
    });

    it('cart in its own key, changed atomically: both changes survive', async () => {
      const { theme, cart } = await race(false);
      expect(theme).toBe('dark');
      expect(cart).toEqual(['tea']);
    });

    it('records the transcript', async () => {
      const lost = await race(true);
      const kept = await race(false);
      record('lost-update', [
        [
          '── GET /cart and GET /theme at the same time, cart kept in the session',
          `   changes that survived: ${survived(lost)} of 2`,
          '   (the request that saved last wrote back the copy it loaded,',
          '   without the other one’s change)',
          '',
          '── the same two requests, cart in its own Redis list (RPUSH)',
          `   changes that survived: ${survived(kept)} of 2 (theme=${kept.theme}, cart=${JSON.stringify(kept.cart)})`,
        ].join('\n'),
      ]);
    });
  });
});

/**
 * An IdRedactor for this file's ids, which carry the run's tag as a prefix:
 * ids become `<id-1>` …, their signatures (under the key 'k') `<sig of id-1>`,
 * and the tag disappears, so the recording is the same on every run.
 */
function tagged(): IdRedactor {
  const redactor = new IdRedactor();
  const redact = redactor.redact.bind(redactor);
  redactor.redact = (text: string) => {
    let out = redact(text);
    for (const [id, label] of redactor.labels) {
      out = out.split(signature('koa.sess', `${TAG}:${id}`, 'k')).join(`<sig of ${label}>`);
    }
    return out.split(`${TAG}:`).join('');
  };
  return redactor;
}
