/**
 * MemoryStore: the store contract, expiry, pruning, copy semantics and
 * `maxAge: 'session'`, each shown through the port where it matters.
 * Read with: chapters/08-memory-store.md
 */
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { CookieJar } from '../../playground/shared/cookies.js';
import { createSession } from '../../src/index.js';
import { DEFAULT_SESSION_TTL, MemoryStore, storeTtl } from '../../src/stores/index.js';
import { browserAgent } from '../support/browser.js';

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function counterApp(store: MemoryStore, maxAge?: number | 'session') {
  const app = new Koa();
  app.keys = ['test key'];
  app.use(createSession({ store, ...(maxAge !== undefined ? { maxAge } : {}) }, app));
  app.use((ctx) => {
    if (ctx.path === '/logout') {
      ctx.session = null;
      ctx.body = 'bye';
      return;
    }
    const n = ((ctx.session!.views as number) || 0) + 1;
    ctx.session!.views = n;
    ctx.body = String(n);
  });
  return app;
}

describe('MemoryStore contract', () => {
  it('returns what was set, until its TTL runs out, then nothing', () => {
    const clock = manualClock();
    const store = new MemoryStore({ now: clock.now });
    store.set('id-1', { views: 1 }, 1000);
    expect(store.get('id-1')).toEqual({ views: 1 });
    expect(store.ttl('id-1')).toBe(1000);
    clock.advance(999);
    expect(store.get('id-1')).toEqual({ views: 1 });
    clock.advance(1);
    expect(store.get('id-1')).toBeUndefined();
    expect(store.size).toBe(0); // an expired record is deleted when it is found
  });

  it('destroy forgets a record, and is harmless for a missing one', () => {
    const store = new MemoryStore();
    store.set('a', { x: 1 }, 60_000);
    store.destroy('a');
    store.destroy('never-there');
    expect(store.get('a')).toBeUndefined();
  });

  it('keeps a copy: changing the saved object or the returned one changes nothing stored', () => {
    const store = new MemoryStore();
    const data = { cart: { items: ['book'] } };
    store.set('a', data, 60_000);
    data.cart.items.push('pen');
    const first = store.get('a') as typeof data;
    first.cart.items.push('lamp');
    expect(store.get('a')).toEqual({ cart: { items: ['book'] } });
  });

  it("gives 'session' (and a missing maxAge) the sessionTtl, default one day", () => {
    const clock = manualClock();
    const store = new MemoryStore({ now: clock.now });
    store.set('s', { a: 1 }, 'session');
    store.set('u', { a: 1 }, undefined);
    expect(store.ttl('s')).toBe(DEFAULT_SESSION_TTL);
    expect(store.ttl('u')).toBe(DEFAULT_SESSION_TTL);
    const short = new MemoryStore({ now: clock.now, sessionTtl: 5000 });
    short.set('s', { a: 1 }, 'session');
    expect(short.ttl('s')).toBe(5000);
    expect(storeTtl(Number.NaN, 7)).toBe(7);
    expect(storeTtl(-5, 7)).toBe(7);
    expect(storeTtl(1.2, 7)).toBe(2);
  });

  it('rejects nonsense options at construction', () => {
    expect(() => new MemoryStore({ sessionTtl: 0 })).toThrow(/sessionTtl/);
    expect(() => new MemoryStore({ pruneInterval: -1 })).toThrow(/pruneInterval/);
  });
});

describe('MemoryStore pruning', () => {
  it('sweeps expired records on a write once per pruneInterval, so memory stays bounded', () => {
    const clock = manualClock();
    const store = new MemoryStore({ now: clock.now, pruneInterval: 1000 });
    // 1,000 visitors who never come back, each with a 100 ms session.
    for (let i = 0; i < 1000; i++) store.set(`gone-${i}`, { i }, 100);
    expect(store.size).toBe(1000);
    clock.advance(1000);
    store.set('newcomer', { hello: true }, 60_000); // the write triggers the sweep
    expect(store.size).toBe(1);
    expect(store.entries().map((e) => e.key)).toEqual(['newcomer']);
  });

  it('size stays flat under steady churn of short sessions', () => {
    const clock = manualClock();
    const store = new MemoryStore({ now: clock.now, pruneInterval: 500 });
    let peak = 0;
    for (let second = 0; second < 60; second++) {
      for (let i = 0; i < 50; i++) store.set(`s-${second}-${i}`, { i }, 1000);
      clock.advance(1000);
      peak = Math.max(peak, store.size);
    }
    // At most ~two seconds' worth of sessions, not sixty.
    expect(peak).toBeLessThanOrEqual(150);
  });

  it('prune() can be called directly and reports how many records went', () => {
    const clock = manualClock();
    const store = new MemoryStore({ now: clock.now });
    store.set('a', {}, 10);
    store.set('b', {}, 10_000);
    clock.advance(10);
    expect(store.prune()).toBe(1);
    expect(store.entries()).toHaveLength(1);
  });
});

describe('MemoryStore behind the port', () => {
  it('counts, keys records by the cookie value, and deletes on logout', async () => {
    const store = new MemoryStore();
    const agent = browserAgent(counterApp(store, 60_000).callback());
    for (const expected of ['1', '2', '3']) {
      const res = await agent.get('/').expect(200);
      expect(res.text).toBe(expected);
    }
    const [entry] = store.entries();
    expect(entry?.data).toMatchObject({ views: 3, _maxAge: 60_000 });
    // The store received the cookie lifetime plus 10 s of grace.
    expect(entry!.ttl).toBeGreaterThan(69_000);
    expect(entry!.ttl).toBeLessThanOrEqual(70_000);
    await agent.get('/logout').expect(200);
    expect(store.size).toBe(0);
  });

  it("works with maxAge: 'session': a cookie without Expires, a record with the session TTL", async () => {
    const store = new MemoryStore({ sessionTtl: 30_000 });
    const agent = browserAgent(counterApp(store, 'session').callback());
    const first = await agent.get('/').expect(200);
    expect(first.headers['set-cookie']![0]).not.toMatch(/expires=/i);
    expect((await agent.get('/')).text).toBe('2');
    const [entry] = store.entries();
    expect(entry?.data).toEqual({ views: 2, _session: true });
    expect(entry!.ttl).toBeLessThanOrEqual(30_000);
    expect(entry!.ttl).toBeGreaterThan(29_000);
  });

  it('a second process (a second store) does not know the session: the count restarts', async () => {
    const one = counterApp(new MemoryStore(), 60_000);
    const two = counterApp(new MemoryStore(), 60_000);
    // One browser, one jar: the same cookies go to either process.
    const jar = new CookieJar();
    await browserAgent(one, jar).get('/');
    expect((await browserAgent(one, jar).get('/')).text).toBe('2');
    const elsewhere = await browserAgent(two, jar).get('/');
    expect(elsewhere.text).toBe('1');
  });
});
