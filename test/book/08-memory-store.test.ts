import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, expect, it, vi } from 'vitest';
import { freePortPair } from '../../playground/processes.js';
import { MemoryStore } from '../../src/stores/index.js';
import { hasRedis } from '../support/services.js';
import { normalise } from '../support/tryit.js';
import { Browser, checkRecording, counter, describePortOnly, describeTryIt } from './support.js';

const run = promisify(execFile);

afterEach(() => {
  vi.restoreAllMocks();
});

describePortOnly('the memory store (chapter 8; port only: its stores)', () => {
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

  it('round robin over two processes: a new session, with a new id, on every click', async () => {
    const processes = [counter(new MemoryStore()), counter(new MemoryStore())];
    const jar = new Map<string, string>();
    const seen: { body: string; id: string }[] = [];
    for (let click = 0; click < 6; click++) {
      const browser = new Browser(processes[click % 2]!);
      for (const [k, v] of jar) browser.jar.set(k, v);
      const x = await browser.get();
      jar.clear();
      for (const [k, v] of browser.jar) jar.set(k, v);
      seen.push({ body: x.body, id: browser.jar.get('koa.sess')! });
    }
    expect(seen.map((s) => s.body)).toEqual(Array(6).fill('1 views'));
    expect(new Set(seen.map((s) => s.id)).size).toBe(6);
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

describeTryIt('one process, one Map', 'tryit-08.txt', {
  records: "two users' visits and the records this process holds",
  // The server's clock stands still at the real time, so each record's
  // ttl reads the same on every run (and curl still sends the cookie).
  stillClock: true,
  commands: [
    'curl -c /tmp/jar -b /tmp/jar http://localhost:3000/; echo',
    'curl -c /tmp/jar -b /tmp/jar http://localhost:3000/; echo',
    'curl http://localhost:3000/; echo',
    'curl http://localhost:3000/__store',
  ],
  options: { trace: false },
  check: (text) => {
    expect(text.match(/"key": "<id-\d>"/g)).toHaveLength(2);
    expect(text.match(/"ttl": 14000/g)).toHaveLength(2);
  },
});

describePortOnly('Try it: one process, one Map (port only: the playground)', () => {
  it.runIf(hasRedis)(
    'records npm run playground:scale: Redis and cookies follow the user, memory does not (tryit-08-scale.txt)',
    async () => {
      const base = await freePortPair();
      const script = fileURLToPath(new URL('../../playground/scale.ts', import.meta.url));
      // What `npm run playground:scale` runs, without npm's own echo of it.
      const { stdout } = await run(process.execPath, ['--import', 'tsx', script], {
        env: { ...process.env, PORT: String(base) },
        timeout: 60_000,
      });
      const text = normalise(
        `$ npm run playground:scale\n${stdout.trim()}\n`
          .replaceAll(`:${base} `, ':3000 ')
          .replaceAll(`:${base + 1} `, ':3001 '),
      );
      expect(text).toContain('Summary — redis: follows, memory: lost, cookie: follows');
      checkRecording('tryit-08-scale.txt', text);
    },
    90_000,
  );
});
