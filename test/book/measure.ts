/**
 * What a reader's eyes meet on one page, measured in the browser: the
 * listings that scroll sideways, the tables wider than their column, and
 * for every diagram its smallest rendered text and its height.
 *
 * Kept as a string that the page evaluates (this project is compiled without
 * DOM types), shared by the site test and by `tsx test/book/measure.ts URL…`,
 * which prints the same figures for a running `vitepress dev` server.
 */

export interface PageMeasure {
  /** Source lines the browser had to wrap to fit (the last resort, counted). */
  wrappedLines: number;
  /** Code blocks whose content is wider than the block (it would scroll). */
  overflowing: { index: number; hidden: number; firstLine: string }[];
  codeBlocks: number;
  /** Tables wider than the content column. */
  wideTables: number;
  /** The first row of each such table, and its width, to find it by. */
  wideTableNames: string[];
  /** Code in a table that the browser had to cut mid-word. */
  brokenTableWords: string[];
  diagrams: {
    index: number;
    /** Smallest text on the diagram, in CSS pixels as drawn on screen. */
    smallestText: number;
    height: number;
    width: number;
  }[];
  viewport: { width: number; height: number };
}

export const MEASURE_PAGE = `(() => {
  const blocks = [...document.querySelectorAll('.vp-doc div[class*="language-"] pre')];
  const overflowing = [];
  blocks.forEach((pre, index) => {
    const hidden = pre.scrollWidth - pre.clientWidth;
    if (hidden > 1) {
      const first = (pre.textContent || '').split('\\n')[0].slice(0, 60);
      overflowing.push({ index, hidden, firstLine: first });
    }
  });
  let wrappedLines = 0;
  for (const line of document.querySelectorAll('.vp-doc div[class*="language-"] code .line')) {
    const lh = parseFloat(getComputedStyle(line).lineHeight) || 20;
    if (line.getBoundingClientRect().height > lh * 1.5) wrappedLines++;
  }
  const column = document.querySelector('.vp-doc');
  const columnWidth = column ? column.clientWidth : innerWidth;
  let wideTables = 0;
  const wideTableNames = [];
  for (const table of document.querySelectorAll('.vp-doc table')) {
    if (table.scrollWidth > table.clientWidth + 1 || table.getBoundingClientRect().width > columnWidth + 1) {
      wideTables++;
      wideTableNames.push((table.rows[0] ? table.rows[0].textContent : '').trim().slice(0, 40) + ' (' + table.scrollWidth + '/' + table.clientWidth + 'px)');
    }
  }
  // Code in a table cut mid-word ("_shouldSaveS / ession"): a break at a
  // space or at one of the <wbr> points after punctuation is fine; a break
  // inside one unbroken piece of text is not.
  const brokenTableWords = [];
  for (const code of document.querySelectorAll('.vp-doc table code')) {
    for (const node of code.childNodes) {
      const text = node.nodeType === 3 ? (node.textContent || '') : '';
      if (!text.trim() || /\\s/.test(text.trim())) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (lines.size > 1) brokenTableWords.push((code.textContent || '').trim());
    }
  }
  const diagrams = [];
  document.querySelectorAll('.vp-doc .mermaid svg').forEach((svg, index) => {
    const box = svg.getBoundingClientRect();
    let smallest = Infinity;
    // Every label: mermaid draws text either as <text> or as HTML in a <foreignObject>.
    const labels = svg.querySelectorAll('text, foreignObject span, foreignObject div, foreignObject p');
    const scale = (() => {
      const vb = svg.viewBox && svg.viewBox.baseVal;
      return vb && vb.width ? box.width / vb.width : 1;
    })();
    for (const el of labels) {
      if (!(el.textContent || '').trim()) continue;
      const size = parseFloat(getComputedStyle(el).fontSize) * scale;
      if (size < smallest) smallest = size;
    }
    diagrams.push({ index, smallestText: Math.round(smallest * 10) / 10, height: Math.round(box.height), width: Math.round(box.width) });
  });
  return { wrappedLines, overflowing, codeBlocks: blocks.length, wideTables, wideTableNames, brokenTableWords, diagrams, viewport: { width: innerWidth, height: innerHeight } };
})()`;

async function main(urls: string[]) {
  const { chromium } = await import('playwright-core');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const width = Number(process.env.WIDTH ?? 1280);
  const context = await chromium.launchPersistentContext(
    mkdtempSync(join(tmpdir(), 'book-measure-')),
    {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      viewport: { width, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    },
  );
  const page = await context.newPage();
  for (const url of urls) {
    await page.goto(url, { waitUntil: 'networkidle' });
    const expected = await page.locator('.mermaid').count();
    if (expected) {
      await page.waitForFunction(
        `document.querySelectorAll('.mermaid svg').length >= ${expected}`,
        null,
        { timeout: 60_000 },
      );
    }
    const m = (await page.evaluate(MEASURE_PAGE)) as PageMeasure;
    console.log(
      `${url}\n  code blocks ${m.codeBlocks}, overflowing ${m.overflowing.length}` +
        ` (${m.overflowing.map((o) => `#${o.index} ${o.hidden}px`).join(', ')})` +
        `, wide tables ${m.wideTables}, wrapped lines ${m.wrappedLines}` +
        `\n  diagrams: ${m.diagrams.map((d) => `#${d.index} text ${d.smallestText}px ${d.width}x${d.height}`).join('; ')}`,
    );
    if (process.env.SHOT) {
      await page.screenshot({
        path: `${process.env.SHOT}-${urls.indexOf(url)}.png`,
        fullPage: true,
      });
    }
  }
  await context.close();
}

if (process.argv[1]?.endsWith('measure.ts') && process.argv.length > 2) {
  void main(process.argv.slice(2));
}
