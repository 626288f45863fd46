/**
 * Many clients at once. 200 clients run in parallel, each making 50
 * sequential requests with its own cookie jar, against a real HTTP server.
 * Every client must count 1, 2, … 50 in its own session — no errors, no
 * answer that belongs to somebody else — and the store must end up holding
 * exactly one record per client.
 *
 * Then the one thing sessions do *not* protect you from: two requests of the
 * same session at the same time. Each loads the same record, each saves its
 * own version, and the last save wins.
 *
 * Read with: chapters/11-security.md#concurrency
 */
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import session, { type SessionStore } from '../../src/index.js';
import { openStoreLab, STORE_KINDS, type StoreLab } from './stores.js';
import { CookieJar, collectErrors, type LabServer, NEW_KEY, serve } from './support.js';

const CLIENTS = 200;
const REQUESTS = 50;

/** `/count?client=` bumps a counter and remembers which client the session belongs to. */
function countingApp(store: SessionStore | undefined) {
  const app = new Koa();
  app.keys = [NEW_KEY];
  app.use(session({ store }, app));
  app.use((ctx) => {
    const s = ctx.session!;
    if (s.owner === undefined) s.owner = ctx.query.client;
    s.count = ((s.count as number) || 0) + 1;
    ctx.body = { owner: s.owner, count: s.count };
  });
  return app;
}

interface LoadResult {
  requests: number;
  ms: number;
  perSecond: number;
  failures: number;
  crossTalk: number;
  /** Per client, the counts it saw, in order. */
  counts: number[][];
}

async function storm(server: LabServer): Promise<LoadResult> {
  let failures = 0;
  let crossTalk = 0;
  const started = performance.now();
  const counts = await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      const jar = new CookieJar();
      const seen: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const reply = await server.get(`/count?client=${client}`, jar.header());
        if (reply.status !== 200) {
          failures += 1;
          continue;
        }
        jar.take(reply.setCookie);
        const body = JSON.parse(reply.body) as { owner: string; count: number };
        if (body.owner !== String(client)) crossTalk += 1;
        seen.push(body.count);
      }
      return seen;
    }),
  );
  const ms = performance.now() - started;
  const requests = CLIENTS * REQUESTS;
  return { requests, ms, perSecond: requests / (ms / 1000), failures, crossTalk, counts };
}

const ONE_TO_FIFTY = Array.from({ length: REQUESTS }, (_, i) => i + 1);

describe.each(STORE_KINDS)('$kind store: 200 clients × 50 sequential requests', (c) => {
  let lab: StoreLab;
  let server: LabServer;
  let errors: Error[];
  beforeAll(async () => {
    if (!c.available) return;
    lab = await openStoreLab(c.kind, { mysql: { connectionLimit: 8 } });
    const app = countingApp(lab.store);
    errors = collectErrors(app);
    server = await serve(app, CLIENTS + 16);
  });
  afterAll(async () => {
    if (!c.available) return;
    await server.close();
    await lab.dispose();
  });

  it.runIf(c.available)(
    'every client counts to exactly 50 in its own session',
    async () => {
      const result = await storm(server);
      console.info(
        `[security] load ${c.kind}: ${result.requests} requests in ${(result.ms / 1000).toFixed(2)} s`,
        `= ${Math.round(result.perSecond)} req/s; failures ${result.failures}, cross-talk ${result.crossTalk}`,
      );
      expect(result.failures).toBe(0);
      expect(result.crossTalk).toBe(0);
      for (const seen of result.counts) expect(seen).toEqual(ONE_TO_FIFTY);
      expect(errors).toEqual([]);
      // One record per client: nothing orphaned, nothing merged.
      expect(await lab.count()).toBe(CLIENTS);
    },
    60_000,
  );
});

/** Resolve once `parties` callers have arrived: makes a race happen on purpose. */
function barrier(parties: number) {
  let arrived = 0;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  return async () => {
    arrived += 1;
    if (arrived === parties) open();
    await gate;
  };
}

describe.each([{ kind: 'cookie' as const, available: true }, ...STORE_KINDS])(
  '$kind sessions: two concurrent requests, one session',
  ({ kind, available }) => {
    it.runIf(available)('last write wins: one of the two additions is lost', async () => {
      const lab = kind === 'cookie' ? undefined : await openStoreLab(kind);
      const bothLoaded = barrier(2);
      const app = new Koa();
      app.keys = [NEW_KEY];
      app.use(session({ store: lab?.store }, app));
      app.use(async (ctx) => {
        const s = ctx.session!;
        const cart = (s.cart as string[] | undefined) ?? [];
        if (ctx.query.item) {
          // Both racing requests have read the cart before either writes it.
          if (ctx.query.race) await bothLoaded();
          s.cart = [...cart, ctx.query.item as string];
        }
        ctx.body = { cart: s.cart ?? [] };
      });
      const server = await serve(app);
      try {
        const jar = new CookieJar();
        jar.take((await server.get('/?item=book')).setCookie);

        const [apple, pear] = await Promise.all([
          server.get('/?item=apple&race=1', jar.header()),
          server.get('/?item=pear&race=1', jar.header()),
        ]);
        // Each request saw its own addition...
        expect(JSON.parse(apple.body)).toEqual({ cart: ['book', 'apple'] });
        expect(JSON.parse(pear.body)).toEqual({ cart: ['book', 'pear'] });
        // ...and the session keeps only one of them. With a store, the later
        // save overwrote the earlier; with cookies, the browser keeps the
        // cookie it received last.
        jar.take(apple.setCookie);
        jar.take(pear.setCookie);
        const final = JSON.parse((await server.get('/', jar.header())).body) as { cart: string[] };
        expect(final.cart).toHaveLength(2);
        expect([
          ['book', 'apple'],
          ['book', 'pear'],
        ]).toContainEqual(final.cart);
      } finally {
        await server.close();
        await lab?.dispose();
      }
    });
  },
);
