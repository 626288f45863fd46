/**
 * Step prune — chapters/08-memory-store.md#pruning
 *
 * A fix step: `prune` has one planted bug.
 */
import { memory } from '../impl.js';
import { describe, expect, it } from '../kit.js';

const { MemoryStore } = await memory();

function storeWithClock(options: { pruneInterval?: number } = {}) {
  const clock = { now: 1_000_000 };
  const store = new MemoryStore({ ...options, now: () => clock.now });
  return { store, clock };
}

describe('MemoryStore.prune', () => {
  it('an empty store: nothing to sweep', () => {
    expect(new MemoryStore().prune(), 'records removed').toBe(0);
  });

  it('after a sweep, the live sessions are all still there', () => {
    const { store, clock } = storeWithClock();
    store.set('gone', { n: 1 }, 100);
    store.set('alice', { user: 'alice' }, 60_000);
    store.set('bob', { user: 'bob' }, 60_000);
    clock.now += 1000;
    store.prune();
    expect(store.get('alice'), 'alice’s session').toEqual({ user: 'alice' });
    expect(store.get('bob'), 'bob’s session').toEqual({ user: 'bob' });
  });

  it('a sweep removes expired records, and says how many', () => {
    const { store, clock } = storeWithClock();
    store.set('old-1', { n: 1 }, 100);
    store.set('old-2', { n: 2 }, 200);
    store.set('live', { n: 3 }, 60_000);
    clock.now += 1000;
    expect(store.prune(), 'records removed').toBe(2);
    expect(store.size, 'records left').toBe(1);
  });
});
