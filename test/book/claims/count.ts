/**
 * `npm run book:claims`: how many of the book's sentences are claims, and
 * what backs each one.
 *
 *   npm run book:claims                     per-page counts, then one total line
 *   npm run book:claims -- --unbacked [p…]  list the unbacked sentences (of pages p…)
 *   npm run book:claims -- --draft p        add a stub entry to p's ledger for each
 *                                           unbacked sentence, to fill in by hand
 *
 * The last line is always `N claims: P proven, S sourced, U unbacked`; the
 * command exits 1 when U is not 0 or the ledger has a problem (an entry that
 * matches no sentence, a proof that names no test, a source off the list).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkEntry, type Judged, judge, loadLedger, type Problem } from './ledger.js';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const chaptersDir = join(root, 'chapters');
export const ledgerDir = join(root, 'test/book/claims/ledger');

/** The pages of the English book. */
export function pages(): string[] {
  return readdirSync(chaptersDir)
    .filter((name) => name.endsWith('.md'))
    .sort();
}

export interface Census {
  judged: Map<string, Judged[]>;
  problems: Problem[];
}

/** Judge every sentence of the book and check the ledger itself. */
export function census(): Census {
  const ledger = loadLedger(ledgerDir);
  const judged = new Map<string, Judged[]>();
  const problems: Problem[] = [];
  const used = new Set<string>();
  for (const page of pages()) {
    const list = judge(page, readFileSync(join(chaptersDir, page), 'utf8'), ledger);
    judged.set(page, list);
    for (const j of list) if (j.entry) used.add(`${page}\u0000${j.entry.text}`);
  }
  for (const [name, entries] of ledger.pages) {
    const page = `${name}.md`;
    for (const entry of entries) {
      problems.push(...checkEntry(root, page, entry));
      const hit =
        name === '_shared'
          ? [...used].some((u) => u.endsWith(`\u0000${entry.text}`))
          : used.has(`${page}\u0000${entry.text}`);
      if (!hit) {
        problems.push({
          page,
          text: entry.text,
          problem: 'matches no sentence (reworded or removed?)',
        });
      }
    }
  }
  return { judged, problems };
}

export interface Totals {
  sentences: number;
  narrative: number;
  claims: number;
  proven: number;
  sourced: number;
  unbacked: number;
}

export function totals(list: Judged[]): Totals {
  const n = (v: Judged['verdict']) => list.filter((j) => j.verdict === v).length;
  const narrative = n('narrative');
  return {
    sentences: list.length,
    narrative,
    claims: list.length - narrative,
    proven: n('proven'),
    sourced: n('sourced'),
    unbacked: n('unbacked'),
  };
}

/** The one line the issue asks for. */
export function summaryLine(t: Totals): string {
  return `${t.claims} claims: ${t.proven} proven, ${t.sourced} sourced, ${t.unbacked} unbacked`;
}

function table(c: Census): string {
  const head = ['page', 'sentences', 'narrative', 'claims', 'proven', 'sourced', 'unbacked'];
  const rows = [...c.judged].map(([page, list]) => {
    const t = totals(list);
    return [
      page.replace(/\.md$/, ''),
      t.sentences,
      t.narrative,
      t.claims,
      t.proven,
      t.sourced,
      t.unbacked,
    ].map(String);
  });
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i === 0 ? cell.padEnd(width[i] as number) : cell.padStart(width[i] as number),
      )
      .join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

function main(argv: string[]): number {
  const c = census();
  const all = [...c.judged.values()].flat();
  if (argv[0] === '--draft') {
    for (const page of argv.slice(1)) {
      const file = join(ledgerDir, `${page.replace(/\.md$/, '')}.json`);
      let entries: unknown[] = [];
      try {
        entries = JSON.parse(readFileSync(file, 'utf8')) as unknown[];
      } catch {}
      const list = c.judged.get(page.endsWith('.md') ? page : `${page}.md`) ?? [];
      const seen = new Set<string>();
      for (const j of list.filter((x) => x.verdict === 'unbacked')) {
        if (seen.has(j.text)) continue;
        seen.add(j.text);
        entries.push({ text: j.text, todo: 'proof | source | narrative' });
      }
      writeFileSync(file, `${JSON.stringify(entries, null, 2)}\n`);
      console.log(`${file}: ${seen.size} stubs added`);
    }
    return 0;
  }
  if (argv[0] === '--unbacked') {
    const only = new Set(argv.slice(1).map((p) => (p.endsWith('.md') ? p : `${p}.md`)));
    for (const j of all) {
      if (j.verdict !== 'unbacked' || (only.size && !only.has(j.page))) continue;
      console.log(`${j.page}:${j.line}  ${j.text}`);
    }
    console.log('');
  }
  console.log(table(c));
  for (const p of c.problems)
    console.log(`✗ ${p.page}: ${p.problem}\n    "${p.text.slice(0, 100)}"`);
  const t = totals(all);
  console.log('');
  console.log(`${t.sentences} sentences, ${t.narrative} narrative (listed with a reason)`);
  console.log(summaryLine(t));
  return t.unbacked === 0 && c.problems.length === 0 ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // `| head` closing the pipe early is not an error.
  process.stdout.on('error', () => {});
  process.exitCode = main(process.argv.slice(2));
}
