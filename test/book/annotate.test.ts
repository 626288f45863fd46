/**
 * The annotated-source pages (docs/scripts/annotate.ts) are generated from
 * src/, never written by hand. These checks make sure the generator loses
 * nothing: every line of code of every source file appears on its page, in
 * order, and every comment becomes prose beside the code it explains.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { generate, sections, slugFor } from '../../docs/scripts/annotate.js';
import { describeBookOnly } from '../support/impl.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');
const out = mkdtempSync(join(tmpdir(), 'book-annotated-'));

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') ? [relative(src, full)] : [];
  });
}

describeBookOnly('the annotated source generator', () => {
  const written = generate(src, out);
  const files = sourceFiles(src);

  it('writes one page per source file, an index and a sidebar', () => {
    expect(written.length).toBe(files.length + 1);
    for (const file of files) {
      expect(readdirSync(out)).toContain(`${slugFor(file)}.md`);
    }
    expect(readdirSync(out)).toContain('sidebar.json');
  });

  it.each(files)('%s: every code line appears on its page, in order', (file) => {
    const source = readFileSync(join(src, file), 'utf8');
    const page = readFileSync(join(out, `${slugFor(file)}.md`), 'utf8');
    let from = 0;
    for (const section of sections(source)) {
      for (const line of section.code.split('\n')) {
        if (!line.trim()) continue;
        const at = page.indexOf(line.trim(), from);
        expect(at, `missing or out of order: ${line.trim()}`).toBeGreaterThanOrEqual(0);
        from = at;
      }
    }
  });

  it.each(files)('%s: no code line is lost between sections', (file) => {
    const source = readFileSync(join(src, file), 'utf8');
    const codeInSections = new Set(
      sections(source).flatMap((s) => s.code.split('\n').map((l) => l.trim())),
    );
    let inBlock = false;
    for (const raw of source.split('\n')) {
      const line = raw.trim();
      if (inBlock) {
        if (line.includes('*/')) inBlock = false;
        continue;
      }
      if (line.startsWith('/*')) {
        inBlock = !line.includes('*/');
        continue;
      }
      if (!line || line.startsWith('//')) continue;
      expect(codeInSections.has(line), `lost: ${line}`).toBe(true);
    }
  });

  it('turns comments into prose and regions into anchors', () => {
    const cut = sections(
      [
        '/** The answer, explained. */',
        'export const answer = 42;',
        '// #region twice',
        '// Doubling, step by step.',
        'export const twice = (n: number) => n * 2;',
        '// #endregion twice',
      ].join('\n'),
    );
    expect(cut).toEqual([
      {
        prose: 'The answer, explained.',
        code: 'export const answer = 42;',
        codeLine: 2,
        regions: [],
        within: [],
      },
      {
        prose: 'Doubling, step by step.',
        code: 'export const twice = (n: number) => n * 2;',
        codeLine: 5,
        regions: ['twice'],
        within: ['twice'],
      },
    ]);
  });
});
