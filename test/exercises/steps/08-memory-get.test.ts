/**
 * Step memory-get — chapters/08-memory-store.md#get
 *
 * Your `set` from the previous step puts records in; `get` takes them out.
 */
import { memory } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { cookiesAfter, type Reply, sessionApp } from '../support/harness.js';

const { MemoryStore } = await memory();

function storeWithClock(options: { sessionTtl?: number } = {}) {
  const clock = { now: 1_000_000 };
  const store = new MemoryStore({ ...options, now: () => clock.now });
  return { store, clock };
}

describe('MemoryStore.get', () => {
  it('get of an unknown id is undefined', () => {
    expect(new MemoryStore().get('nobody'), 'get("nobody")').toBeUndefined();
  });

  it('what set saved, get returns', () => {
    const store = new MemoryStore();
    store.set('id-1', { user: 'alice', cart: [1, 2] }, 60_000);
    expect(store.get('id-1'), 'get("id-1")').toEqual({ user: 'alice', cart: [1, 2] });
  });

  it('returns a copy: changing what get returned changes nothing stored', () => {
    const store = new MemoryStore();
    store.set('id-1', { cart: [1] }, 60_000);
    (store.get('id-1')!.cart as number[]).push(3);
    expect(store.get('id-1'), 'only a save may change a stored session').toEqual({ cart: [1] });
  });

  it('a record lives exactly maxAge ms; then get forgets it, and deletes it', () => {
    const { store, clock } = storeWithClock();
    store.set('id-1', { n: 1 }, 1000);
    clock.now += 999;
    expect(store.get('id-1'), '1 ms before expiry').toEqual({ n: 1 });
    clock.now += 1;
    expect(store.get('id-1'), 'at expiry').toBeUndefined();
    expect(store.size, 'records left').toBe(0);
  });
});

describe('MemoryStore behind the session middleware', () => {
  it('counts visits across requests and forgets the session at logout', async () => {
    const store = new MemoryStore();
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
    await t.get(cookie, { path: '/logout' });
    expect(store.size, 'records after logout').toBe(0);
  });
});
