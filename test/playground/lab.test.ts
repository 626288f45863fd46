/**
 * The Session Lab, used the way a learner uses it: a real browser
 * (playwright-core driving Debian's chromium) opens `/__lab` on each demo
 * — memory, memory in cookie mode, Redis, MySQL — presses every button
 * and reads what the three panes show. A request from a plain HTTP client
 * must appear as a card within a second.
 *
 * Also proven here, without a browser: the lab decides nothing. Its code
 * imports only types from src/, and a card's events are exactly the
 * events the port published for that request. Synthetic cards (a
 * signature made with an older key, a renew save — states the demos do
 * not produce) are drawn as given.
 *
 * Screenshots of each pane, light and dark, at 1280×800 and 390 px, go to
 * test/playground/screenshots/ (git-ignored); `npm run lab:record`
 * (LAB_RECORD=1) writes the ones the book embeds to chapters/lab/.
 *
 * Without chromium the browser part is skipped with a message — except in
 * CI (CI=true), where a missing browser is a failure.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp as memoryApp } from '../../playground/memory.js';
import { createApp as mysqlApp } from '../../playground/mysql.js';
import { createApp as redisApp } from '../../playground/redis.js';
import { onTrace, type TraceEvent } from '../../src/index.js';
import { MysqlStore } from '../../src/stores/index.js';
import { uniqueName } from '../stores/support.js';
import { browserAgent } from '../support/browser.js';
import { launchChromium, requireChromium } from '../support/chromium.js';
import { hasMysql, hasRedis, MYSQL_URL, REDIS_URL } from '../support/services.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const hasChromium = requireChromium("the Session Lab's browser test");
const record = !!process.env.LAB_RECORD;
/** Every screenshot goes here, for a person to look at (git-ignored). */
const shots = join(root, 'test/playground/screenshots');
/** With LAB_RECORD=1, the pane shots the book embeds also go here. */
const bookShots = join(root, 'chapters/lab');

// ---------------------------------------------------------------------------
// The lab decides nothing
// ---------------------------------------------------------------------------

describe('the lab decides nothing', () => {
  it('imports nothing but types from src/', () => {
    const dir = join(root, 'playground/lab');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files).toEqual(expect.arrayContaining(['client.ts', 'server.ts']));
    for (const file of files) {
      const text = readFileSync(join(dir, file), 'utf8');
      const fromSrc = [...text.matchAll(/^import (type )?[^;]*from '(\.\.\/)+src\/[^']*';/gm)];
      for (const match of fromSrc) expect(match[1], `${file}: ${match[0]}`).toBe('type ');
      // Nor through another playground module that could compute one.
      expect(text).not.toMatch(/^import (?!type )[^;]*from '\.\.\/(format|inspector|stack)\.js'/m);
    }
  });

  it("a card's events are exactly the events the port published for that request", async () => {
    const { app, lab } = memoryApp({ trace: false });
    const published = new Map<string, TraceEvent[]>();
    const stop = onTrace(({ ctx, ...event }) => {
      const list = published.get(ctx.url) ?? [];
      list.push(event as TraceEvent);
      published.set(ctx.url, list);
    });
    try {
      const agent = browserAgent(app);
      await agent.get('/?n=1');
      await agent.get('/?n=2');
      await agent.get('/read');
      await agent.get('/logout');
    } finally {
      stop();
    }
    const cards = lab.cards.filter((c) => c.kind === 'request');
    expect(cards.map((c) => c.url)).toEqual(['/?n=1', '/?n=2', '/read', '/logout']);
    for (const card of cards) {
      const events = card.steps.flatMap((s) => (s.kind === 'event' ? [s.event] : []));
      expect(events).toEqual(published.get(card.url));
      expect(events.length).toBeGreaterThan(0);
    }
    // And the store calls are the store's own, in order, with their keys.
    const logout = cards[3]!;
    expect(logout.steps.filter((s) => s.kind === 'store').map((s) => s.op)).toEqual([
      'get',
      'destroy',
    ]);
  });
});

// ---------------------------------------------------------------------------
// The lab in a browser, per store
// ---------------------------------------------------------------------------

type Page = import('playwright-core').Page;
type Locator = import('playwright-core').Locator;

interface Started {
  app: Koa;
  lab: ReturnType<typeof memoryApp>['lab'];
}

interface DemoCase {
  name: string;
  mode: 'cookie' | 'store';
  rolling: boolean;
  maxAge: number;
  /** Take the pane screenshots after this button (the book embeds them). */
  shotsAfter?: 'Tamper cookie' | 'Regenerate';
  start(): Started;
}

async function listen(app: Koa): Promise<{ server: Server; url: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((done) => server.once('listening', done));
  return { server, url: `http://localhost:${(server.address() as AddressInfo).port}` };
}

/** A GET from a plain HTTP client, as curl would send it. */
function curl(url: string): Promise<number> {
  return new Promise((done, fail) => {
    httpRequest(url, { headers: { 'user-agent': 'curl/8.5.0' } }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    })
      .on('error', fail)
      .end();
  });
}

const timings: Record<string, number> = {};
const latencies: number[] = [];

describe.runIf(hasChromium)('the Session Lab in a real browser', () => {
  type Context = import('playwright-core').BrowserContext;
  let context: Context;
  let page: Page;
  let redis: Redis | undefined;
  let mysql: MysqlStore | undefined;
  const idPrefix = `${uniqueName('test_lab')}:session`;
  const table = uniqueName('test_lab_sessions');
  const errors: string[] = [];

  beforeAll(async () => {
    context = await launchChromium({ width: 1280, height: 800 });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(5000);
    page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    mkdirSync(shots, { recursive: true });
    if (record) mkdirSync(bookShots, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (redis) {
      const keys = await redis.keys(`${idPrefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
    if (mysql) {
      await mysql.pool.query(`DROP TABLE IF EXISTS \`${table}\``);
      await mysql.close();
    }
    console.log(
      `  lab timings (ms): ${JSON.stringify(timings)}; ` +
        `curl → card latency (ms): ${latencies.map((n) => n.toFixed(0)).join(', ')}`,
    );
  });

  /** The newest request card once one for `url` newer than `after` is drawn. */
  async function cardFor(url: string, after: number): Promise<Locator> {
    await page.waitForFunction(
      `[...document.querySelectorAll('details.card')].some((d) =>
         Number(d.dataset.id) > ${after} &&
         d.querySelector('code.url')?.textContent === ${JSON.stringify(url)})`,
      null,
      { timeout: 10_000 },
    );
    return page.locator('details.card').first();
  }

  async function newestId(): Promise<number> {
    return page.evaluate(
      `Math.max(0, ...[...document.querySelectorAll('#cards [data-id]')].map((d) => Number(d.dataset.id)))`,
    ) as Promise<number>;
  }

  async function press(name: string, url: string): Promise<Locator> {
    const after = await newestId();
    if (process.env.LAB_DEBUG) console.log('press', name, url, after, Date.now() % 100000);
    await page.getByRole('button', { name, exact: true }).click();
    return cardFor(url, after);
  }

  async function text(locator: Locator): Promise<string> {
    return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ');
  }

  async function row(card: Locator, chart: string, index: number | 'end') {
    const rowSel = index === 'end' ? '.row.end' : `.row[data-row="${index}"]`;
    return card.locator(`.chart[data-chart="${chart}"] ${rowSel}`).getAttribute('class');
  }

  async function screenshots(demo: string): Promise<void> {
    const name = demo.replace(/\W+/g, '-');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.screenshot({ path: join(shots, `${name}-1280-${scheme}.png`) });
      for (const pane of ['cookie', 'decision', 'store']) {
        const file = `${name}-${pane}-${scheme}.png`;
        const shot = await page.locator(`#${pane}-pane`).screenshot({ path: join(shots, file) });
        if (record) writeFileSync(join(bookShots, file), shot);
      }
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: join(shots, `${name}-390-${scheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  async function walk(demo: DemoCase): Promise<void> {
    const started = Date.now();
    const { app } = demo.start();
    const { server, url } = await listen(app);
    try {
      await context.clearCookies();
      await page.goto(`${url}/__lab`);
      await page.waitForFunction(
        `document.getElementById('status').textContent.startsWith('Live')`,
      );
      const load = demo.mode === 'cookie' ? 'initFromCookie' : 'initFromExternal';
      const commit = 'commit → _shouldSaveSession';
      const store = page.locator('#store-pane');
      const verdict = page.locator('#verdict');

      // Change session, twice: a new session saved, then loaded and changed.
      let card = await press('Change session', '/');
      expect(await text(card)).toContain('yes: the hash changed');
      expect(await row(card, commit, 4)).toContain('exit');
      expect(await row(card, load, 0)).toContain('exit');
      expect(await verdict.textContent()).toContain('no cookie sent');
      card = await press('Change session', '/');
      expect(await verdict.textContent()).toContain('signature valid');
      expect(await row(card, load, 'end')).toContain('exit');
      expect(await row(card, commit, 4)).toContain('exit');
      if (demo.mode === 'cookie') {
        // As it arrived: the cookie the first response set.
        expect(await text(page.locator('#cookie-pane'))).toMatch(/"views": 1/);
        expect(await page.locator('#cookie-pane .countdown').textContent()).toMatch(/left$/);
        expect(await text(store)).toContain('No store');
      } else {
        expect(await store.locator('.record:not(.gone)').count()).toBe(1);
        expect(await store.locator('.record .countdown').first().textContent()).toMatch(/left$/);
      }

      // Send request: reads, changes nothing.
      card = await press('Send request', '/read');
      if (demo.rolling) {
        expect(await text(card)).toContain('yes: rolling');
        expect(await row(card, commit, 5)).toContain('exit');
      } else {
        expect(await text(card)).toContain('no: unchanged');
        expect(await row(card, commit, 'end')).toContain('exit');
      }

      // The switch: the fixed counter on /fixed.
      const toggle = page.getByRole('switch', { name: 'Fixed counter' });
      await toggle.click();
      expect(await toggle.getAttribute('aria-checked')).toBe('true');
      card = await press('Change session', '/fixed');
      expect(await text(card.locator('summary'))).toMatch(/“\d+ views”/);
      await toggle.click();

      // Tamper: the signature step turns red, a new session starts.
      card = await press('Tamper cookie', '/read');
      expect(await text(page.locator('.card.jar').first())).toContain('Tampered with');
      expect(await text(card.locator('.step.t-bad').first())).toContain('signature wrong');
      expect(await verdict.textContent()).toContain('signature wrong');
      expect(await verdict.getAttribute('class')).toContain('t-bad');
      expect(await row(card, load, 0)).toContain('exit');
      if (demo.shotsAfter === 'Tamper cookie') await screenshots(demo.name);
      await press('Change session', '/');

      // Drop the signature: treated as no cookie.
      card = await press('Drop signature', '/read');
      expect(await verdict.textContent()).toContain('signature missing');
      expect(await row(card, load, 0)).toContain('exit');
      await press('Change session', '/');

      // Regenerate: same data, new id (store) or a re-written cookie.
      card = await press('Regenerate', '/regenerate');
      expect(await text(card)).toContain('remove');
      if (demo.mode === 'store') {
        const ops = await card.locator('.step .label').allInnerTexts();
        expect(ops).toEqual(expect.arrayContaining(['store.destroy', 'store.set']));
        expect(await store.locator('.record.gone').count()).toBe(1);
        expect(await store.locator('.record:not(.gone)').count()).toBe(1);
      }
      expect(await row(card, commit, 2)).toContain('exit');
      if (demo.shotsAfter === 'Regenerate') {
        await screenshots(demo.name);
        // The screenshots took longer than this demo's maxAge: start over.
        await press('Change session', '/');
        await press('Regenerate', '/regenerate');
      }

      // Replay the cookie from before: a destroyed id is missed; a cookie
      // session is accepted (the old data comes back).
      card = await press('Replay old cookie', '/read');
      expect(await text(page.locator('.card.jar').first())).toContain('Put back');
      expect(await verdict.textContent()).toContain('signature valid');
      if (demo.mode === 'store') {
        expect(await text(card)).toContain('nothing there');
        expect(await row(card, load, 1)).toContain('exit');
        expect(await store.locator('.record.gone').count()).toBe(1);
      } else {
        expect(await row(card, load, 'end')).toContain('exit');
      }

      // Grow past 4 KB: too big for a cookie; a store just holds more.
      await press('Change session', '/');
      card = await press('Grow past 4 KB', '/grow?bytes=5000');
      if (demo.mode === 'cookie') {
        expect(await text(card.locator('.step.t-bad'))).toContain('over 4096 B');
        expect(await page.locator('#cookie-pane .size.over').count()).toBeGreaterThan(0);
        // The browser dropped the big cookie but kept its new .sig.
        await press('Send request', '/read');
        expect(await verdict.textContent()).toContain('signature wrong');
      } else {
        expect(await text(store.locator('.record:not(.gone)'))).toContain('xxxxxxxx');
        expect(await text(card)).not.toContain('over 4096 B');
      }

      // Log out: the record goes, the cookie is cleared.
      await press('Change session', '/');
      card = await press('Log out', '/logout');
      expect(await text(card.locator('.step', { hasText: 'clear the cookie' }))).toContain(
        'remove',
      );
      expect(await row(card, commit, 1)).toContain('exit');
      if (demo.mode === 'store') expect(await store.locator('.record.gone').count()).toBe(1);

      // A request from outside the page appears as a card within a second.
      const before = await newestId();
      const sent = Date.now();
      expect(await curl(`${url}/?from=curl`)).toBe(200);
      const outside = await cardFor('/?from=curl', before);
      latencies.push(Date.now() - sent);
      expect(Date.now() - sent).toBeLessThan(1000);
      expect(await text(outside.locator('summary'))).toContain('from curl/8.5.0');

      // Wait past maxAge: a real wait with a countdown, then a new session.
      await press('Change session', '/');
      const waited = Date.now();
      const after = await newestId();
      await page.getByRole('button', { name: 'Wait past maxAge', exact: true }).click();
      expect(await page.locator('#x-wait .countdown').textContent()).toMatch(/s left$/);
      card = await cardFor('/', after);
      expect(Date.now() - waited).toBeGreaterThanOrEqual(demo.maxAge - 500);
      expect(await text(card)).toContain('created');
      expect(await row(card, load, 0)).toContain('exit');

      expect(errors).toEqual([]);
    } finally {
      // Leave the page first, so the browser does not see its stream cut.
      await page.goto('about:blank');
      // The lab's event stream never ends by itself: cut it, then close.
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      timings[demo.name] = Date.now() - started;
    }
  }

  it('draws a synthetic card as given: an older key, a renew save', async () => {
    // States the demos never reach, fed straight into the stream: what
    // the page shows must be what the events say, and nothing else.
    const { app, lab } = memoryApp({ cookieMode: true, trace: false });
    const { server, url } = await listen(app);
    try {
      await page.goto(`${url}/__lab`);
      await page.waitForFunction(
        `document.getElementById('status').textContent.startsWith('Live')`,
      );
      lab.publish({
        kind: 'request',
        id: 9001,
        at: Date.now(),
        method: 'GET',
        url: '/synthetic?older-key',
        status: 200,
        ms: 1,
        body: 'synthetic',
        servedBy: 'pid 0',
        client: 'lab',
        cookie: { name: 'koa:sess', value: 'e30=', bytes: 13, attributes: '' },
        signature: null,
        steps: [
          {
            kind: 'event',
            event: {
              step: 'cookie',
              key: 'koa:sess',
              present: true,
              signature: 'older-key',
              length: 4,
            },
          },
          { kind: 'event', event: { step: 'decode', ok: true } },
          { kind: 'event', event: { step: 'valid', ok: true } },
          { kind: 'event', event: { step: 'loaded', mode: 'cookie', hash: 123 } },
          {
            kind: 'event',
            event: { step: 'commit', reason: 'renew', forced: false, prevHash: 123, hash: 123 },
          },
          { kind: 'event', event: { step: 'save', target: 'cookie', maxAge: 4000, bytes: 4 } },
        ],
        setCookies: [],
        records: [],
      });
      const card = await cardFor('/synthetic?older-key', 0);
      expect(await page.locator('#verdict').textContent()).toContain('signed with an older key');
      expect(await page.locator('#verdict').getAttribute('class')).toContain('t-warn');
      expect(await text(card)).toContain('renew: under half its life left (hash 123 → 123)');
      expect(await row(card, 'initFromCookie', 'end')).toContain('exit');
      expect(await row(card, 'commit → _shouldSaveSession', 6)).toContain('exit');
      expect(await row(card, 'commit → _shouldSaveSession', 4)).toContain('passed');
    } finally {
      await page.goto('about:blank');
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
  });

  it('memory, cookie mode (the article exactly): every button, screenshots', async () => {
    await walk({
      name: 'cookie',
      mode: 'cookie',
      rolling: true,
      maxAge: 4000,
      shotsAfter: 'Tamper cookie',
      start: () => memoryApp({ cookieMode: true, trace: false }),
    });
  }, 60_000);

  it('memory store: every button', async () => {
    await walk({
      name: 'memory',
      mode: 'store',
      rolling: true,
      maxAge: 4000,
      start: () => memoryApp({ trace: false }),
    });
  }, 60_000);

  it.runIf(hasRedis)(
    'Redis (koa-redis): every button, screenshots',
    async () => {
      redis = new Redis(REDIS_URL);
      const client = redis;
      await walk({
        name: 'redis',
        mode: 'store',
        rolling: false,
        maxAge: 3000,
        shotsAfter: 'Regenerate',
        start: () => redisApp({ client, idPrefix, maxAge: 3000, trace: false }),
      });
    },
    60_000,
  );

  it.runIf(hasMysql)(
    'MySQL: every button',
    async () => {
      mysql = new MysqlStore({ uri: MYSQL_URL, table, cleanupInterval: 0 });
      await mysql.ready();
      const store = mysql;
      await walk({
        name: 'mysql',
        mode: 'store',
        rolling: false,
        maxAge: 3000,
        start: () => mysqlApp({ store, maxAge: 3000, trace: false }),
      });
    },
    60_000,
  );
});
