/**
 * The site, built and used the way a reader uses it.
 *
 * 1. Build exactly what `npm run docs:build` builds: the API reference
 *    (TypeDoc, validation on, warnings are errors), the annotated source,
 *    the docs config type-check, and `vitepress build` — which fails on a
 *    dead link and on a twoslash sample that does not type-check.
 * 2. Check the output: every `#anchor` a page links to exists, every
 *    `chapters/…md#anchor` the source code's comments point to exists, and
 *    no embed fell back to "file not found".
 * 3. Open every page in a real browser (playwright-core driving Debian's
 *    chromium): zero console errors, every mermaid diagram rendered as an
 *    SVG (not as mermaid's error picture), local search finds a method,
 *    twoslash hovers are there. Screenshots of a few pages go to
 *    test/book/screenshots/ (git-ignored) for a person to look at.
 * 4. Read it as a learner would (measure.ts): on every chapter and
 *    annotated-source page at 1280×900, and every chapter at 390 px, no
 *    listing scrolls sideways and no table is wider than its column (on a
 *    phone, wide tables become cards); at 1280 px every diagram's smallest
 *    text is at least 12 px and no diagram is taller than the screen; a diagram opens enlarged on click; a proof
 *    badge shows its test and leads to its source.
 *
 * Without chromium the browser part is skipped with a message — except in
 * CI (CI=true), where it must run and a missing browser is a failure.
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sirv from 'sirv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, requireChromium } from '../support/chromium.js';
import { describeBookOnly, usingUpstream } from '../support/impl.js';
import { MEASURE_PAGE, type PageMeasure } from './measure.js';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/**
 * The test builds into a directory of its own, so it never clobbers a
 * `docs/.vitepress/dist` you built with `npm run docs:build` (or a build
 * running in parallel).
 */
const reuse = process.env.BOOK_SITE_DIST;
const dist = reuse ? resolve(reuse) : mkdtempSync(join(tmpdir(), 'book-dist-'));
const bin = (name: string) => join(root, 'node_modules/.bin', name);

/** How long each build step took, for the report at the end. */
const timings: Record<string, number> = {};

async function step(name: string, file: string, args: string[]) {
  const started = Date.now();
  try {
    await run(file, args, { cwd: root, maxBuffer: 64 * 1024 * 1024, env: { ...process.env } });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${name} failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}\n${e.message}`);
  } finally {
    timings[name] = Date.now() - started;
  }
}

function htmlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== 'assets') out.push(...htmlFiles(full));
    } else if (name.endsWith('.html')) out.push(full);
  }
  return out.sort();
}

/** The page path a URL path refers to, in dist. */
function pageFile(urlPath: string): string {
  let p = decodeURIComponent(urlPath);
  if (p.endsWith('/')) p += 'index.html';
  if (!extname(p)) p += '.html';
  return join(dist, p);
}

function idsOf(file: string): Set<string> {
  const html = readFileSync(file, 'utf8');
  return new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1] as string));
}

afterAll(() => {
  if (!reuse) rmSync(dist, { recursive: true, force: true });
});

describeBookOnly('the site', () => {
  beforeAll(async () => {
    // BOOK_SITE_DIST=<dir> checks an existing build (e.g. docs/.vitepress/dist after
    // `npm run docs:build`) instead of building: for iterating on the checks only.
    if (reuse) return;
    await step('typedoc', bin('typedoc'), ['--options', 'docs/typedoc.json', '--logLevel', 'Warn']);
    await step('annotated source', bin('tsx'), ['docs/scripts/annotate.ts']);
    await step('proof pages', bin('tsx'), ['docs/scripts/proofs.ts']);
    // The docs config type-check is independent of the build: run them side by side.
    await Promise.all([
      step('tsc docs', bin('tsc'), ['-p', 'docs/tsconfig.json']),
      step('vitepress build', bin('vitepress'), ['build', 'docs', '--outDir', dist]),
    ]);
  }, 900_000);

  afterAll(() => {
    const seconds = Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`);
    console.info(`[book] build: ${seconds.join(', ')}`);
  });

  it('builds every chapter, the API reference and the annotated source', () => {
    const pages = htmlFiles(dist).map((f) => relative(dist, f));
    for (const page of [
      'index.html',
      '01-cookies.html',
      '04-init-from-cookie.html',
      '07-save-remove-commit.html',
      '10-mysql-store.html',
      '11-security.html',
      'deviations.html',
      'run-it-yourself.html',
      'exercises.html',
      'api/index.html',
      'api/koa-session-annotated/functions/createSession.html',
      'api/stores/classes/RedisStore.html',
      'source/index.html',
      'source/src-context.html',
    ]) {
      expect(pages).toContain(page);
    }
  });

  it('no embed fell back to "not found", and no raw <<< survived', () => {
    for (const file of htmlFiles(dist)) {
      const html = readFileSync(file, 'utf8');
      expect(html, relative(dist, file)).not.toContain('Code snippet path not found');
      expect(html, relative(dist, file)).not.toContain('&lt;&lt;&lt; @/');
    }
  });

  it('every #anchor a page links to exists on the target page', () => {
    const broken: string[] = [];
    const cache = new Map<string, Set<string>>();
    for (const file of htmlFiles(dist)) {
      const html = readFileSync(file, 'utf8');
      const from = relative(dist, file);
      for (const m of html.matchAll(/href="([^"]*#[^"]+)"/g)) {
        const href = (m[1] as string).replace(/&amp;/g, '&');
        if (/^[a-z]+:/i.test(href)) continue;
        const [path, hash] = href.split('#') as [string, string];
        const target = path
          ? pageFile(path.startsWith('/') ? path : join(dirname(`/${from}`), path))
          : file;
        if (!existsSync(target)) {
          broken.push(`${from}: ${href} (no page)`);
          continue;
        }
        if (!cache.has(target)) cache.set(target, idsOf(target));
        if (!cache.get(target)!.has(decodeURIComponent(hash))) broken.push(`${from}: ${href}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('every chapters/…#anchor named in src/ exists', () => {
    const missing: string[] = [];
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => {
        const full = join(dir, n);
        return statSync(full).isDirectory() ? walk(full) : n.endsWith('.ts') ? [full] : [];
      });
    for (const file of walk(join(root, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/chapters\/([\w-]+)\.md(?:#([\w-]+))?/g)) {
        const page = join(dist, `${m[1]}.html`);
        const where = `${relative(root, file)}: ${m[0]}`;
        if (!existsSync(page)) missing.push(`${where} (no such chapter)`);
        else if (m[2] && !idsOf(page).has(m[2])) missing.push(where);
      }
    }
    expect(missing).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------

/** How many ```mermaid blocks the chapters contain: each must become one SVG. */
function mermaidFences(): number {
  const dir = join(root, 'chapters');
  return readdirSync(dir)
    .filter((n) => n.endsWith('.md'))
    .reduce(
      (sum, n) =>
        sum + (readFileSync(join(dir, n), 'utf8').match(/^```mermaid\s*$/gm)?.length ?? 0),
      0,
    );
}

const hasChromium = requireChromium('the book’s browser test');

/** Serve dist/ the way a static host would (sirv: `/a/` → a/index.html, `/a` → a.html). */
function serve(): Promise<{ server: Server; url: string }> {
  const server = createServer(sirv(dist, { dev: true, extensions: ['html'] }));
  return new Promise((done) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      done({ server, url: `http://127.0.0.1:${port}` });
    });
  });
}

describe.runIf(hasChromium && !usingUpstream)('the site in a real browser', () => {
  type Browser = import('playwright-core').BrowserContext;
  let context: Browser;
  let server: Server;
  let base: string;
  const shots = join(root, 'test/book/screenshots');

  beforeAll(async () => {
    ({ server, url: base } = await serve());
    context = await launchChromium({ width: 1280, height: 900 });
    mkdirSync(shots, { recursive: true });
  }, 900_000);

  afterAll(async () => {
    await context?.close();
    await new Promise((done) => server?.close(done));
  });

  it('every page loads with zero console errors, and every diagram renders', async () => {
    const pages = htmlFiles(dist)
      .map((f) => `/${relative(dist, f)}`)
      .filter((p) => p !== '/404.html');
    const problems: string[] = [];
    let diagrams = 0;
    /** One tab working through its share of the pages. */
    async function visit(paths: string[]) {
      const page = await context.newPage();
      page.on('console', (msg) => {
        if (msg.type() === 'error') problems.push(`${page.url()}: console: ${msg.text()}`);
      });
      page.on('pageerror', (err) => problems.push(`${page.url()}: page error: ${err.message}`));
      page.on('response', (res) => {
        if (res.status() >= 400) problems.push(`${page.url()}: ${res.status()} ${res.url()}`);
      });
      for (const path of paths) {
        await page.goto(base + path, { waitUntil: 'load' });
        const expected = await page.locator('.mermaid').count();
        if (expected === 0) continue;
        // A string, evaluated in the page (this file is compiled without DOM types).
        await page.waitForFunction(
          `document.querySelectorAll('.mermaid svg').length >= ${expected}`,
          null,
          { timeout: 90_000 },
        );
        const errors = await page
          .locator('.mermaid svg[aria-roledescription="error"], .mermaid:has-text("Syntax error")')
          .count();
        if (errors) problems.push(`${path}: ${errors} mermaid diagram(s) failed to parse`);
        diagrams += expected;
      }
      await page.close();
    }
    const TABS = 3;
    await Promise.all(
      Array.from({ length: TABS }, (_, i) => visit(pages.filter((_, j) => j % TABS === i))),
    );
    console.info(`[book] browser: ${pages.length} pages, ${diagrams} diagrams`);
    expect(diagrams).toBe(mermaidFences());
    expect(problems).toEqual([]);
  }, 600_000);

  it('local search (Control+k) finds a method name', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/01-cookies.html`, { waitUntil: 'networkidle' });
    await page.locator('.VPNavBarSearch button').waitFor();
    await page.keyboard.press('Control+k');
    const input = page.locator('#localsearch-input');
    await input.waitFor();
    await input.fill('initFromCookie');
    const hit = page.locator('.VPLocalSearchBox .result', { hasText: 'initFromCookie' }).first();
    await hit.waitFor({ timeout: 15_000 });
    const links = await page
      .locator('.VPLocalSearchBox .result')
      .evaluateAll((els) =>
        els.map((el) => (el as { getAttribute(n: string): string | null }).getAttribute('href')),
      );
    expect(links.some((href) => href?.includes('04-init-from-cookie'))).toBe(true);
    await page.screenshot({ path: join(shots, 'search.png') });
    await page.close();
  }, 120_000);

  it('twoslash hovers are present and show the port’s types', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/03-architecture.html`, { waitUntil: 'load' });
    const hovers = page.locator('.twoslash-hover');
    expect(await hovers.count()).toBeGreaterThan(5);
    // The static `^?` query under ctx.session shows its type without hovering.
    const query = page.locator('.v-popper--theme-twoslash-query .twoslash-popup-code').first();
    await expect.poll(() => query.textContent()).toMatch(/session: Session \| null/);
    // Hovering a name shows a popup with its type: here the default import, `session`.
    await page
      .locator('.twoslash-hover', { hasText: /^session$/ })
      .first()
      .hover();
    // (The `^?` query above is a popup that is always shown; this one appears on hover.)
    const popup = page.locator('.v-popper__popper--shown .twoslash-popup-code', {
      hasText: 'SessionOptions',
    });
    await popup.first().waitFor({ timeout: 10_000 });
    expect(await popup.first().textContent()).toMatch(
      /function session\(opts: SessionOptions \| undefined, app: Koa\): Koa\.Middleware/,
    );
    await page.screenshot({ path: join(shots, 'twoslash-hover.png') });
    await page.close();
  }, 120_000);

  /** The chapters (every page at the top level) and the annotated-source pages. */
  function readingPages(): { chapters: string[]; source: string[] } {
    const all = htmlFiles(dist).map((f) => `/${relative(dist, f)}`);
    return {
      chapters: all.filter((p) => !p.slice(1).includes('/') && p !== '/404.html'),
      source: all.filter((p) => p.startsWith('/source/')),
    };
  }

  /** Open a page and wait until its diagrams are drawn. */
  async function openPage(page: import('playwright-core').Page, path: string) {
    await page.goto(base + path, { waitUntil: 'load' });
    const expected = await page.locator('.mermaid').count();
    if (expected) {
      await page
        .waitForFunction(`document.querySelectorAll('.mermaid svg').length >= ${expected}`, null, {
          timeout: 90_000,
        })
        .catch((error: Error) => {
          throw new Error(`${path}: diagrams not drawn: ${error.message}`);
        });
    }
  }

  it('listings never scroll sideways, tables fit, diagrams are readable and fit a screen', async () => {
    const { chapters, source } = readingPages();
    const problems: string[] = [];
    let blocks = 0;
    let smallest = Number.POSITIVE_INFINITY;
    let tallest = 0;
    async function check(width: number, paths: string[]) {
      const page = await context.newPage();
      await page.setViewportSize({ width, height: 900 });
      for (const path of paths) {
        await openPage(page, path);
        const m = (await page.evaluate(MEASURE_PAGE)) as PageMeasure;
        blocks += m.codeBlocks;
        for (const o of m.overflowing) {
          problems.push(
            `${path} @${width}: listing #${o.index} hides ${o.hidden}px (${o.firstLine})`,
          );
        }
        // On a phone too: wide tables turn into cards (docs/scripts/table-cards.ts).
        if (m.wideTables)
          problems.push(`${path} @${width}: table(s) too wide: ${m.wideTableNames.join('; ')}`);
        if (width < 1280) continue;
        for (const word of m.brokenTableWords) {
          problems.push(`${path}: ${word} in a table is cut mid-word`);
        }
        for (const d of m.diagrams) {
          smallest = Math.min(smallest, d.smallestText);
          tallest = Math.max(tallest, d.height);
          if (d.smallestText < 12) {
            problems.push(`${path}: diagram #${d.index} has ${d.smallestText}px text (< 12px)`);
          }
          if (d.height > m.viewport.height) {
            problems.push(`${path}: diagram #${d.index} is ${d.height}px tall (> one screen)`);
          }
        }
      }
      await page.close();
    }
    await Promise.all([check(1280, [...chapters, ...source]), check(390, chapters)]);
    console.info(
      `[book] reading: ${chapters.length} chapters at 1280 and 390 px, ${source.length} source pages;` +
        ` ${blocks} listings measured; smallest diagram text ${smallest}px, tallest diagram ${tallest}px`,
    );
    expect(problems).toEqual([]);
  }, 600_000);

  it('a click on a diagram opens it enlarged; Escape closes it', async () => {
    const page = await context.newPage();
    await openPage(page, '/11-security.html');
    const diagram = page.locator('.mermaid').first();
    await diagram.scrollIntoViewIfNeeded();
    const inline = (await diagram.locator('svg').boundingBox())!;
    await diagram.click();
    const dialog = page.locator('dialog.diagram-dialog[open]');
    await dialog.waitFor();
    const enlarged = (await dialog.locator('svg').boundingBox())!;
    expect(enlarged.width).toBeGreaterThan(inline.width);
    await page.screenshot({ path: join(shots, 'diagram-enlarged.png') });
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('dialog.diagram-dialog').count()).toBe(0);
    // Enter on the focused diagram opens it too.
    await diagram.focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await page.close();
  }, 120_000);

  it('lifecycle listings fold the port’s trace calls; a click or Enter shows one', async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    let folds = 0;
    for (const path of [
      '/04-init-from-cookie.html',
      '/05-init-from-external.html',
      '/07-save-remove-commit.html',
    ]) {
      await openPage(page, path);
      // The reference bodies sit in folded <details>: open them as a reader would.
      await page.evaluate(
        `document.querySelectorAll('details').forEach((d) => { d.open = true; })`,
      );
      // What is on screen: allInnerTexts leaves out the folded lines.
      const shown = (await page.locator('.vp-doc pre.has-port-lines').allInnerTexts()).join('\n');
      // Read like koa-session: no event built on screen, one marked line per call.
      expect(shown, path).not.toMatch(/step: '/);
      expect(shown, path).toMatch(/trace\((this\.)?ctx, …\);\s*port · show/);
      folds += await page.locator('.vp-doc .port-fold').count();
      // `// Port:` lines are visibly marked (chapter 7's methods have none).
      const tinted = page.locator('.vp-doc .line.port');
      if (!path.startsWith('/07')) {
        expect(await tinted.count(), path).toBeGreaterThan(0);
        const bar = await page.evaluate(
          `getComputedStyle(document.querySelector('.vp-doc .line.port')).boxShadow`,
        );
        expect(String(bar), path).toContain('inset');
      }
    }
    // On chapter 7 a click shows the commit event, another click folds it.
    const fold = page.locator('.vp-doc .port-fold').last();
    await fold.scrollIntoViewIfNeeded();
    await fold.click();
    const call = page.locator('.port-fold-row.open + .port-trace').last();
    await expect.poll(() => call.isVisible()).toBe(true);
    expect(await call.textContent()).toMatch(/trace\((this\.)?ctx, step\.\w+\(/);
    expect(await fold.getAttribute('aria-expanded')).toBe('true');
    await call.locator('.line').first().click();
    await expect.poll(() => fold.isVisible()).toBe(true);
    expect(await fold.getAttribute('aria-expanded')).toBe('false');
    // Keyboard: Enter on the focused fold opens it too.
    await fold.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => call.isVisible()).toBe(true);
    await page.screenshot({ path: join(shots, 'port-fold-open.png') });
    expect(folds).toBeGreaterThanOrEqual(10);
    await page.close();
  }, 120_000);

  it('a Session Lab screenshot follows the colour scheme and the screen width', async () => {
    const page = await context.newPage();
    const shown = async () => {
      const scheme = (await page.evaluate(`document.documentElement.classList.contains('dark')`))
        ? 'dark'
        : 'light';
      const img = page.locator(`.vp-doc picture.lab-shot.only-${scheme} img`);
      expect(await img.count()).toBe(1);
      expect(await img.isVisible()).toBe(true);
      // The other scheme's picture is not shown.
      const other = scheme === 'dark' ? 'light' : 'dark';
      expect(await page.locator(`.vp-doc picture.lab-shot.only-${other} img`).isVisible()).toBe(
        false,
      );
      await img.scrollIntoViewIfNeeded();
      await expect
        .poll(() => img.evaluate((el) => (el as { complete: boolean }).complete))
        .toBe(true);
      return img.evaluate((el) => (el as { currentSrc: string }).currentSrc);
    };
    await page.setViewportSize({ width: 1280, height: 900 });
    await openPage(page, '/13-scaling-out.html');
    expect(await shown()).toMatch(/cluster-1280-light\.\w+\.png$/);
    // The theme switch: VitePress marks dark mode with a class on <html>.
    await page.locator('.VPNavBar button.VPSwitchAppearance').filter({ visible: true }).click();
    expect(await shown()).toMatch(/cluster-1280-dark\.\w+\.png$/);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await shown()).toMatch(/cluster-390-dark\.\w+\.png$/);
    await page.evaluate(`localStorage.removeItem('vitepress-theme-appearance')`);
    await page.close();
  }, 120_000);

  it('a proof badge shows its test on hover and links to the test’s source', async () => {
    const page = await context.newPage();
    await openPage(page, '/01-cookies.html');
    const badges = page.locator('a.proof-badge');
    expect(await badges.count()).toBeGreaterThan(10);
    expect(await page.locator('.vp-doc').textContent()).not.toContain('(proof:');
    const badge = badges.first();
    await badge.scrollIntoViewIfNeeded();
    await badge.hover();
    const tip = badge.locator('.proof-tip');
    await expect.poll(() => tip.isVisible()).toBe(true);
    expect(await tip.textContent()).toContain('test/');
    const href = (await badge.getAttribute('href'))!;
    await badge.click();
    await page.waitForURL(`**${href}`);
    const anchor = decodeURIComponent(href.split('#')[1]!);
    // The router swaps the page in after the URL changes: wait for the heading.
    await page.locator(`[id="${anchor}"]`).waitFor({ timeout: 30_000 });
    expect(await page.locator('.vp-doc div[class*="language-ts"]').count()).toBeGreaterThan(0);
    await page.close();
  }, 120_000);

  it('writes screenshots of the home page, chapters 4, 6, 11 and an annotated source, light and dark', async () => {
    const wanted: [string, string][] = [
      ['/', 'home'],
      ['/04-init-from-cookie.html', 'ch04'],
      ['/06-should-save-session.html', 'ch06'],
      ['/11-security.html', 'ch11'],
      ['/source/src-context.html', 'annotated-context'],
      ['/api/koa-session-annotated/functions/createSession.html', 'api-createSession'],
    ];
    for (const scheme of ['light', 'dark'] as const) {
      const page = await context.newPage();
      await page.emulateMedia({ colorScheme: scheme });
      for (const [path, name] of wanted) {
        await openPage(page, path);
        const file = join(shots, `${name}-${scheme}.png`);
        await page.screenshot({ path: file, fullPage: true });
        expect(existsSync(file)).toBe(true);
      }
      await page.close();
    }
  }, 300_000);
});
