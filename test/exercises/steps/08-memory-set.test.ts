/**
 * Step memory-set — chapters/08-memory-store.md#set
 *
 * MemoryStore keeps `{ json, expires }` slots (see the `Slot` interface).
 * `get` is the next step, so these checks read the slots through `entries`,
 * `ttl` and `size`, which are written for you. A store takes a `now`
 * clock option, so the checks step over an expiry instead of sleeping.
 */
import { memory } from '../impl.js';
import { describe, expect, it } from '../kit.js';

const { MemoryStore } = await memory();

function storeWithClock(options: { sessionTtl?: number; pruneInterval?: number } = {}) {
  const clock = { now: 1_000_000 };
  const store = new MemoryStore({ ...options, now: () => clock.now });
  return { store, clock };
}
const stored = (store: InstanceType<typeof MemoryStore>) =>
  store.entries().map((e) => [e.key, e.data]);

describe('MemoryStore.set', () => {
  it('keeps the session under its id', () => {
    const { store } = storeWithClock();
    store.set('id-1', { user: 'alice', cart: [1, 2] }, 60_000);
    expect(stored(store), 'the records').toEqual([['id-1', { user: 'alice', cart: [1, 2] }]]);
  });

  it('for maxAge milliseconds', () => {
    const { store, clock } = storeWithClock();
    store.set('id-1', { n: 1 }, 70_000);
    clock.now += 10_000;
    expect(store.ttl('id-1'), 'ttl after 10 s').toBe(60_000);
  });

  it('keeps a copy: changing the object after set changes nothing stored', () => {
    const { store } = storeWithClock();
    const data = { cart: [1] };
    store.set('id-1', data, 60_000);
    data.cart.push(2);
    expect(stored(store), 'only a save may change a stored session').toEqual([
      ['id-1', { cart: [1] }],
    ]);
  });

  it('maxAge "session" (or none) lives sessionTtl ms instead', () => {
    const { store } = storeWithClock({ sessionTtl: 5000 });
    store.set('browser-session', { n: 1 }, 'session');
    store.set('no-max-age', { n: 2 }, undefined);
    expect(store.ttl('browser-session'), 'ttl of a "session" record').toBe(5000);
    expect(store.ttl('no-max-age'), 'ttl of a record without maxAge').toBe(5000);
  });

  it('set overwrites a record and restarts its lifetime', () => {
    const { store, clock } = storeWithClock();
    store.set('id-1', { n: 1 }, 1000);
    clock.now += 900;
    store.set('id-1', { n: 2 }, 1000);
    expect(stored(store), 'the records').toEqual([['id-1', { n: 2 }]]);
    expect(store.ttl('id-1'), 'ttl').toBe(1000);
  });

  it('refuses data JSON cannot hold, like Redis or MySQL would, and saves nothing', () => {
    const { store } = storeWithClock();
    expect(() => store.set('id-1', { big: 1n }, 1000), 'set({ big: 1n })').toThrow(TypeError);
    expect(store.size, 'records').toBe(0);
  });

  it('a write sweeps when a sweep is due (every pruneInterval ms), not before', () => {
    const { store, clock } = storeWithClock({ pruneInterval: 1000 });
    let sweeps = 0;
    store.prune = () => {
      sweeps++;
      return 0;
    };
    store.set('a', { n: 1 }, 60_000);
    expect(sweeps, 'sweeps before the interval').toBe(0);
    clock.now += 1000;
    store.set('b', { n: 1 }, 60_000);
    expect(sweeps, 'sweeps once it is due').toBe(1);
  });
});
