/**
 * chapters/11-security.md is built on this lab, so the lab checks the
 * chapter: every proof it cites names a test that exists, every embedded
 * file and region exists, every attack command it shows names a script that
 * exists, and every anchor of this chapter that the code points readers to is a
 * heading in the chapter.
 *
 * Read with: chapters/11-security.md
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectCitedTest, proofsIn } from '../support/proofs.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const chapterPath = join(root, 'chapters/11-security.md');
const chapter = readFileSync(chapterPath, 'utf8');
const _flat = chapter.replace(/\s+/g, ' ');

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

const anchors = new Set([...chapter.matchAll(/\{#([\w-]+)\}/g)].map((m) => m[1]!));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('chapters/11-security.md', () => {
  it('cites at least thirty proofs', () => {
    expect(proofs.length + tableProofs.length).toBeGreaterThan(30);
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

  it('every anchor of this chapter referenced from code is one of its headings', () => {
    const referenced = new Map<string, string>();
    for (const dir of ['src', 'test', 'playground']) {
      for (const file of sourceFiles(join(root, dir))) {
        for (const m of readFileSync(file, 'utf8').matchAll(/11-security\.md#([\w-]+)/g)) {
          referenced.set(m[1]!, relative(root, file));
        }
      }
    }
    expect(referenced.size).toBeGreaterThan(3);
    for (const [anchor, file] of referenced) {
      expect(anchors.has(anchor), `${file} links to #${anchor}, which the chapter lacks`).toBe(
        true,
      );
    }
  });
});
