/**
 * The Session Lab on `npm run playground:cluster`, used as a learner uses
 * it: the real playground process (its own six-node cluster on random
 * ports, three app processes, the round-robin front), a real browser on
 * the front's `/__lab`.
 *
 * One timeline from all the processes: each card names the process that
 * served it and the node and slot of its session, and those must be what
 * the response itself said (`x-served-by`, `x-redis-node`,
 * `x-redis-slot`). Then "Kill the primary holding my session": the cards
 * show the failed requests with the store's message, then the recovered
 * ones; the cluster pane shows the replica promoted.
 *
 * Screenshots (light and dark, 1280 and 390 px) go to
 * test/playground/screenshots/ (git-ignored); with LAB_RECORD=1
 * (`npm run lab:record`) also to chapters/lab/, for chapter 13.
 *
 * Read with: chapters/13-scaling-out.md#try-it
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { launchChromium, requireChromium } from '../support/chromium.js';
import {
  findFreeBasePort,
  freePort,
  requireRedisBinaries,
  takenPorts,
} from '../support/cluster.js';
import { startClusterPlayground, stopClusterPlayground } from './playground-process.js';

const hasBinaries = await requireRedisBinaries();
const hasChromium = requireChromium("the cluster playground's Session Lab test");
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const shots = join(root, 'test/playground/screenshots');
const bookShots = join(root, 'chapters/lab');
const record = !!process.env.LAB_RECORD;

/** What a card shows, read from the page. */
interface CardSeen {
  id: number;
  url: string;
  status: number;
  app: string;
  node: string;
  failure: string;
}

async function cardsOnPage(page: Page): Promise<CardSeen[]> {
  return page.evaluate(`[...document.querySelectorAll('details.card')].map((d) => ({
    id: Number(d.dataset.id),
    url: d.querySelector('code.url')?.textContent ?? '',
    status: Number(d.querySelector('summary .status')?.textContent),
    app: d.querySelector('.chip.app')?.textContent ?? '',
    node: d.querySelector('.chip.node')?.textContent ?? '',
    failure: d.querySelector('.failure')?.textContent ?? '',
  })).sort((a, b) => a.id - b.id)`) as Promise<CardSeen[]>;
}

/**
 * The failover as the book shows it: the newest card folded, so the
 * timeline reads as a list — kill, failures, verdict, promotion,
 * recovery. At 1280 px the cluster strip and the timeline fit in one
 * view; on a phone the panes stack, so that shot starts at the timeline.
 */
async function screenshots(page: Page): Promise<void> {
  mkdirSync(shots, { recursive: true });
  if (record) mkdirSync(bookShots, { recursive: true });
  await page.evaluate(
    `document.querySelectorAll('details.card[open]').forEach((d) => { d.open = false; })`,
  );
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 1280 ? 900 : 844 });
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: join(shots, `cluster-${width}-top-${scheme}.png`) });
      const start = width === 1280 ? '#cluster-pane' : '#decision-pane';
      await page.evaluate(`document.querySelector('${start}').scrollIntoView()`);
      const file = `cluster-${width}-${scheme}.png`;
      const shot = await page.screenshot({ path: join(shots, file) });
      if (record) writeFileSync(join(bookShots, file), shot);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe.runIf(hasBinaries && hasChromium)('the Session Lab on playground:cluster', () => {
  it('merges every process into one timeline, tags each card with process, node and slot, and shows a failover', async () => {
    const started = Date.now();
    const port = await freePort();
    const basePort = await findFreeBasePort();
    let child: ChildProcess | undefined;
    let context: BrowserContext | undefined;
    const errors: string[] = [];
    const timings: Record<string, number> = {};
    try {
      const playground = await startClusterPlayground(port, basePort);
      child = playground.child;
      timings.startup = Date.now() - started;
      context = await launchChromium({ width: 1280, height: 900 });
      const page = context.pages()[0] ?? (await context.newPage());
      page.setDefaultTimeout(10_000);
      page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        // The failed requests are the point; chromium logs each one.
        const expected = /Failed to load resource: .* status of 503/;
        if (message.type() === 'error' && !expected.test(message.text())) {
          errors.push(`console: ${message.text()}`);
        }
      });
      // The response headers of the page's own requests, in order.
      const answers: Array<Record<string, string>> = [];
      page.on('response', (response) => {
        if (new URL(response.url()).pathname === '/') {
          answers.push({ ...response.headers(), status: String(response.status()) });
        }
      });
      await page.goto(`http://localhost:${port}/__lab`);
      await page.waitForFunction(
        `document.getElementById('status').textContent.startsWith('Live')`,
      );

      // The cluster pane: six nodes, three primaries, all up.
      const nodes = page.locator('#nodes li.cnode');
      await expect.poll(() => nodes.count()).toBe(6);
      expect(await page.locator('#nodes li[data-role="primary"]').count()).toBe(3);
      expect(await page.locator('#nodes li[data-up="false"]').count()).toBe(0);

      // Three clicks, three processes: round robin, no stickiness.
      const change = page.getByRole('button', { name: 'Change session', exact: true });
      for (let i = 1; i <= 3; i++) {
        await change.click();
        await page.waitForFunction(`document.querySelectorAll('details.card').length >= ${i}`);
      }
      await expect.poll(() => answers.length).toBe(3);
      const first = await cardsOnPage(page);
      expect(first).toHaveLength(3);
      for (const [i, card] of first.entries()) {
        const answer = answers[i]!;
        // "app-2 (pid 4242)" in the header, "app-2 · pid 4242" on the card.
        const [, app, pid] = /^(\S+) \(pid (\d+)\)$/.exec(answer['x-served-by'] ?? '') ?? [];
        expect(card.app).toBe(`${app} · pid ${pid}`);
        expect(card.node).toBe(
          `${answer['x-redis-node']} primary · slot ${answer['x-redis-slot']}`,
        );
        expect(card.status).toBe(200);
      }
      expect(new Set(first.map((c) => c.app)).size).toBe(3);
      const mySlot = Number(answers[0]!['x-redis-slot']);
      const myNode = answers[0]!['x-redis-node']!;
      // The store pane: the key read back from the cluster, on that node.
      const store = page.locator('#store-pane');
      await expect
        .poll(async () => (await store.textContent()) ?? '')
        .toContain(`on ${myNode} (primary, slot ${mySlot})`);
      expect(await store.locator('.record .countdown').first().textContent()).toMatch(/left$/);
      // The pane marks the node holding my session, and knows its replica.
      const mine = page.locator('#nodes li.yours');
      expect(await mine.getAttribute('data-address')).toBe(myNode);
      const replica = (await page
        .locator('#nodes li[data-role="replica"]', { hasText: `copies ${myNode}` })
        .getAttribute('data-address'))!;
      expect(replica).toMatch(/^127\.0\.0\.1:\d+$/);
      timings.cards = Date.now() - started;

      // Kill it: failed cards with the store's message, then recovery.
      const before = first.at(-1)!.id;
      await page
        .getByRole('button', { name: 'Kill the primary holding my session', exact: true })
        .click();
      await expect
        .poll(() => page.locator('#status').textContent(), { timeout: 10_000 })
        .toContain(`killed the primary ${myNode}`);
      await page.waitForFunction(
        `document.getElementById('status').textContent.startsWith('Failover over')`,
        null,
        { timeout: 25_000 },
      );
      timings.failover = Date.now() - started;
      const after = (await cardsOnPage(page)).filter((c) => c.id > before);
      const failed = after.filter((c) => c.status >= 500);
      expect(failed.length).toBeGreaterThan(0);
      for (const card of failed) {
        // 503: try again soon — a failover ends by itself.
        expect(card.status).toBe(503);
        expect(card.failure).toMatch(
          /^Session store unavailable: redis cluster \(RedisStore\) (get|set) failed: /,
        );
      }
      const lastFailed = failed.at(-1)!.id;
      const recovered = after.filter((c) => c.id > lastFailed && c.status === 200);
      expect(recovered.length).toBeGreaterThanOrEqual(2);
      // The recovered requests went to the promoted replica, same slot.
      for (const card of recovered) expect(card.node).toBe(`${replica} primary · slot ${mySlot}`);
      // The timeline tells the story in between.
      const notes = await page.locator('.note-card .note-title').allTextContents();
      expect(notes).toEqual(expect.arrayContaining([`${myNode} killed`, `${replica} promoted`]));
      // The cluster pane: the killed node down, its replica now the primary.
      const killed = page.locator(`#nodes li[data-address="${myNode}"]`);
      expect(await killed.getAttribute('data-up')).toBe('false');
      const promoted = page.locator(`#nodes li[data-address="${replica}"]`);
      expect(await promoted.getAttribute('data-role')).toBe('primary');
      expect(await promoted.getAttribute('class')).toContain('yours');
      await screenshots(page);

      // Restart it: back, as a replica of the node that took its slots.
      await page.getByRole('button', { name: 'Restart it', exact: true }).click();
      await expect
        .poll(
          async () =>
            `${await killed.getAttribute('data-up')} ${await killed.getAttribute('data-role')}`,
          {
            timeout: 15_000,
          },
        )
        .toBe('true replica');
      expect(await killed.textContent()).toContain(`copies ${replica}`);
      timings.restart = Date.now() - started;
      expect(errors).toEqual([]);
    } finally {
      await context?.close();
      if (child) await stopClusterPlayground(child);
      console.log(`  cluster lab timings (ms since start): ${JSON.stringify(timings)}`);
    }
    // Every node's client and bus port is free again.
    expect(await takenPorts(basePort)).toEqual([]);
  }, 90_000);
});
