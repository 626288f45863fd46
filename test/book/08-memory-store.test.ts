import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStore } from '../../src/stores/index.js';
import { Browser, counter } from './support.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the memory store (chapter 8)', () => {
  it('a session saved in one process is unknown to another', async () => {
    // Two processes behind a load balancer: same code, same keys, each its own Map.
    const first = counter(new MemoryStore());
    const second = counter(new MemoryStore());
    const missed: string[] = [];
    second.on('session:missed', (e: { key: string }) => missed.push(e.key));
    const browser = new Browser(first);
    await browser.get();
    expect((await browser.get()).body).toBe('2 views');
    const id = browser.jar.get('koa.sess')!;
    const elsewhere = new Browser(second);
    for (const [k, v] of browser.jar) elsewhere.jar.set(k, v);
    expect((await elsewhere.get()).body).toBe('1 views');
    await new Promise((resolve) => setImmediate(resolve));
    expect(missed).toEqual([id]);
  });

  it('the record lives for what koa-session passes: maxAge plus ten seconds', async () => {
    let now = 1_000_000;
    const store = new MemoryStore({ now: () => now });
    const browser = new Browser(counter(store, { maxAge: 60_000 }));
    await browser.get();
    const id = browser.jar.get('koa.sess')!;
    expect(store.ttl(id)).toBe(70_000);
    now += 70_000;
    expect(store.get(id)).toBeUndefined();
  });

  it('it keeps a copy: changing the saved object afterwards changes nothing stored', () => {
    const store = new MemoryStore();
    const data = { cart: ['tea'] };
    store.set('id', data, 60_000);
    data.cart.push('cake');
    const loaded = store.get('id')!;
    (loaded.cart as string[]).push('jam');
    expect(store.get('id')).toEqual({ cart: ['tea'] });
  });

  it('expired records are swept on a write, at most once per pruneInterval', () => {
    let now = 0;
    const store = new MemoryStore({ now: () => now, pruneInterval: 60_000 });
    for (let i = 0; i < 100; i++) store.set(`old-${i}`, { i }, 1_000);
    expect(store.size).toBe(100);
    now = 30_000; // expired, but the next sweep is not due yet
    store.set('new-1', {}, 1_000_000);
    expect(store.size).toBe(101);
    now = 60_000; // due: this write sweeps
    store.set('new-2', {}, 1_000_000);
    expect(store.size).toBe(2);
  });

  it("maxAge 'session' records are kept for sessionTtl (one day by default)", async () => {
    const store = new MemoryStore({ now: () => 0 });
    const browser = new Browser(counter(store, { maxAge: 'session' }));
    await browser.get();
    expect(store.ttl(browser.jar.get('koa.sess')!)).toBe(86_400_000);
  });
});
