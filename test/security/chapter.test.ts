/**
 * chapters/11-security.md and its appendix chapters/attack-lab.md are built on
 * this lab, so the lab checks both pages: every proof they cite names a test
 * that exists, every embedded file and region exists, every attack command
 * they show names a script that exists, and every anchor of either page that
 * the code points readers to is a heading on that page.
 *
 * Read with: chapters/11-security.md, chapters/attack-lab.md
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectCitedTest, proofsIn } from '../support/proofs.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pages = ['11-security', 'attack-lab'] as const;
const chapterPath = join(root, 'chapters/11-security.md');
const text = (page: string) => readFileSync(join(root, `chapters/${page}.md`), 'utf8');
/** Both pages as one text: the claims moved between them, the checks did not. */
const chapter = pages.map(text).join('\n\n');

const proofs = proofsIn(chapter);

/** Proof tables name the file once in the header and the test in each row. */
const tableProofs = (() => {
  const out: { file: string; name: string }[] = [];
  let file: string | undefined;
  for (const line of chapter.split('\n')) {
    const header = /proof \(`(test\/[\w./-]+\.test\.ts)` ›\)/.exec(line);
    if (header) file = header[1];
    else if (!line.startsWith('|')) file = undefined;
    else if (file) {
      const cells = line.split('|').map((c) => c.trim());
      const last = cells[cells.length - 2] ?? '';
      for (const m of last.matchAll(/"([^"]+)"/g)) out.push({ file, name: m[1]! });
    }
  }
  return out;
})();

const embeds = [...chapter.matchAll(/^<<< (\S+?)(?:#([\w-]+))?$/gm)].map((m) => ({
  raw: m[1]!,
  file: m[1]!.startsWith('@/') ? join(root, m[1]!.slice(2)) : resolve(dirname(chapterPath), m[1]!),
  region: m[2],
}));

const anchorsOf = (page: string) =>
  new Set([...text(page).matchAll(/\{#([\w-]+)\}/g)].map((m) => m[1]!));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('chapters/11-security.md and chapters/attack-lab.md', () => {
  it('cites at least thirty proofs', () => {
    expect(proofs.length + tableProofs.length).toBeGreaterThan(30);
    // Both proof tables (signing, store failures) are read, row by row: a
    // header this parser no longer recognises would drop their checks.
    const files = new Set(tableProofs.map((p) => p.file));
    expect([...files].sort()).toEqual([
      'test/security/signing.test.ts',
      'test/security/store-failures.test.ts',
    ]);
  });

  it.each([...proofs, ...tableProofs].map((p) => [`${p.file} › ${p.name}`, p] as const))(
    'proof exists: %s',
    (_label, p) => expectCitedTest(p),
  );

  it.each(embeds.map((e) => [`${e.raw}${e.region ? `#${e.region}` : ''}`, e] as const))(
    'embed exists: %s',
    (_label, e) => {
      expect(existsSync(e.file), `${relative(root, e.file)} does not exist`).toBe(true);
      if (e.region) {
        const lines = readFileSync(e.file, 'utf8')
          .split('\n')
          .map((l) => l.trim());
        expect(lines).toContain(`// #region ${e.region}`);
        expect(lines).toContain(`// #endregion ${e.region}`);
      }
    },
  );

  it('every attack script the chapter tells you to run exists', () => {
    const scripts = [...chapter.matchAll(/npx tsx (test\/security\/attacks\/[\w-]+\.ts)/g)].map(
      (m) => m[1]!,
    );
    expect(scripts.length).toBeGreaterThanOrEqual(6);
    for (const script of scripts) expect(existsSync(join(root, script)), script).toBe(true);
  });

  it('every anchor of these pages referenced from code or the book is one of its headings', () => {
    const referenced = new Map<string, string>();
    const files = ['src', 'test', 'playground'].flatMap((dir) => sourceFiles(join(root, dir)));
    const chapters = readdirSync(join(root, 'chapters'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => join(root, 'chapters', name));
    for (const file of [...files, ...chapters]) {
      for (const m of readFileSync(file, 'utf8').matchAll(
        /(11-security|attack-lab)\.(?:md|html)#([\w-]+)/g,
      )) {
        referenced.set(`${m[1]}#${m[2]}`, relative(root, file));
      }
    }
    expect(referenced.size).toBeGreaterThan(3);
    for (const [target, file] of referenced) {
      const [page, anchor] = target.split('#') as [string, string];
      expect(anchorsOf(page).has(anchor), `${file} links to ${target}, which is no heading`).toBe(
        true,
      );
    }
  });
});
