/**
 * Exercise `memory-store` — chapters/08-memory-store.md
 *
 * You write `get`, `set` and `destroy` of MemoryStore. The class keeps its
 * records as `{ json, expires }` slots (see the `Slot` interface); `prune`,
 * `ttl` and `entries` are written for you and read the same slots. A store
 * takes a `now` clock option, so the tests step over an expiry instead of
 * sleeping through it.
 */
import { describe, expect, it } from 'vitest';
import { memory } from '../impl.js';
import { cookiesAfter, type Reply, sessionApp } from '../support/harness.js';

/** A MemoryStore on a clock the test moves by hand. */
function storeWithClock(options: { sessionTtl?: number; pruneInterval?: number } = {}) {
  const clock = { now: 1_000_000 };
  const store = new memory.MemoryStore({ ...options, now: () => clock.now });
  return { store, clock };
}

describe('MemoryStore get / set / destroy', () => {
  it('get of an unknown id is undefined', () => {
    expect(new memory.MemoryStore().get('nobody')).toBeUndefined();
  });

  it('what set saved, get returns', () => {
    const store = new memory.MemoryStore();
    store.set('id-1', { user: 'alice', cart: [1, 2] }, 60_000);
    expect(store.get('id-1')).toEqual({ user: 'alice', cart: [1, 2] });
  });

  it('stores a copy: changing objects after set or after get changes nothing stored', () => {
    const store = new memory.MemoryStore();
    const data = { cart: [1] };
    store.set('id-1', data, 60_000);
    data.cart.push(2);
    const loaded = store.get('id-1')!;
    (loaded.cart as number[]).push(3);
    expect(store.get('id-1'), 'only a save may change a stored session').toEqual({ cart: [1] });
  });

  it('a record lives exactly maxAge ms, then get forgets it', () => {
    const { store, clock } = storeWithClock();
    store.set('id-1', { n: 1 }, 1000);
    clock.now += 999;
    expect(store.get('id-1'), '1 ms before expiry').toEqual({ n: 1 });
    clock.now += 1;
    expect(store.get('id-1'), 'at expiry').toBeUndefined();
    expect(store.size, 'the expired record was deleted by get').toBe(0);
  });

  it('reports the remaining lifetime through ttl()', () => {
    const { store, clock } = storeWithClock();
    store.set('id-1', { n: 1 }, 70_000);
    clock.now += 10_000;
    expect(store.ttl('id-1')).toBe(60_000);
  });

  it('maxAge "session" (or none) lives sessionTtl ms instead', () => {
    const { store, clock } = storeWithClock({ sessionTtl: 5000 });
    store.set('browser-session', { n: 1 }, 'session');
    store.set('no-max-age', { n: 2 }, undefined);
    clock.now += 4999;
    expect(store.get('browser-session'), '"session", before sessionTtl').toEqual({ n: 1 });
    expect(store.get('no-max-age'), 'undefined, before sessionTtl').toEqual({ n: 2 });
    clock.now += 1;
    expect(store.get('browser-session'), '"session", at sessionTtl').toBeUndefined();
    expect(store.get('no-max-age'), 'undefined, at sessionTtl').toBeUndefined();
  });

  it('set overwrites a record and restarts its lifetime', () => {
    const { store, clock } = storeWithClock();
    store.set('id-1', { n: 1 }, 1000);
    clock.now += 900;
    store.set('id-1', { n: 2 }, 1000);
    clock.now += 900;
    expect(store.get('id-1')).toEqual({ n: 2 });
  });

  it('set refuses data JSON cannot hold, like Redis or MySQL would', () => {
    const store = new memory.MemoryStore();
    expect(() => store.set('id-1', { big: 1n }, 1000)).toThrow(TypeError);
    expect(store.get('id-1'), 'nothing half-saved').toBeUndefined();
  });

  it('destroy forgets a record, and destroying an unknown id is fine', () => {
    const store = new memory.MemoryStore();
    store.set('id-1', { n: 1 }, 60_000);
    store.destroy('id-1');
    expect(store.get('id-1')).toBeUndefined();
    expect(() => store.destroy('never-existed')).not.toThrow();
  });

  it('writes sweep out expired records (set calls prune when it is due)', () => {
    const { store, clock } = storeWithClock({ pruneInterval: 1000 });
    store.set('short', { n: 1 }, 100);
    clock.now += 2000;
    store.set('new', { n: 2 }, 60_000);
    expect(store.size, 'the expired record was swept by the write').toBe(1);
  });
});

describe('MemoryStore behind the session middleware', () => {
  it('counts visits across requests and forgets the session at logout', async () => {
    const store = new memory.MemoryStore();
    const t = sessionApp({ store }, (ctx) => {
      if (ctx.path === '/logout') ctx.session = null;
      else ctx.session!.views = ((ctx.session!.views as number) ?? 0) + 1;
      ctx.body = { views: ctx.session?.views ?? null, id: ctx.session?.externalKey ?? null };
    });
    let reply: Reply | undefined;
    let cookie: string | undefined;
    for (let i = 0; i < 3; i++) {
      reply = await t.get(cookie);
      cookie = cookiesAfter(reply) || cookie;
    }
    expect(reply!.body.views, 'the third visit').toBe(3);
    expect(
      store.entries().map((e) => e.data.views),
      'one record in the store',
    ).toEqual([3]);
    await t.get(cookie, { path: '/logout' });
    expect(store.size, 'logout destroyed it').toBe(0);
  });
});
