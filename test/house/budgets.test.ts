/**
 * The house budgets (README › Layout): how big a file or a function may
 * grow. One table of rules; each row names the files it covers, what it
 * measures (test/house/measure.ts) and the most it allows. A file over
 * budget is named with its number, so the fix starts from the message.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { codeLines, functionSizes, lines, tsFiles } from './measure.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Budget {
  /** The rule, as the README states it. */
  rule: string;
  /** The folder whose `.ts` files (recursively) the rule may cover. */
  dir: string;
  /** Which of them it covers (repository-relative paths); all by default. */
  only?: (file: string) => boolean;
  /** What is counted: a file's lines, its code lines, or each function's lines. */
  measure: 'lines' | 'code lines' | 'function lines';
  max: number;
}

const BUDGETS: Budget[] = [
  {
    rule: 'No .ts file in src/ is over 400 lines, except src/context.ts.',
    dir: 'src',
    only: (file) => file !== 'src/context.ts',
    measure: 'lines',
    max: 400,
  },
  {
    rule: 'src/context.ts, which keeps the lifecycle in one file as koa-session does, has at most 400 code lines (blank lines, comments and region markers not counted).',
    dir: 'src',
    only: (file) => file === 'src/context.ts',
    measure: 'code lines',
    max: 400,
  },
];

/** What `budget` finds over its limit in `files`: `path: number`, or `path › function: number`. */
function overBudget(budget: Budget, files: Record<string, string>): string[] {
  const over: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    if (budget.only && !budget.only(file)) continue;
    if (budget.measure === 'function lines') {
      for (const fn of functionSizes(file, text)) {
        if (fn.lines > budget.max) over.push(`${file} › ${fn.name}: ${fn.lines}`);
      }
      continue;
    }
    const n = budget.measure === 'lines' ? lines(text) : codeLines(text);
    if (n > budget.max) over.push(`${file}: ${n}`);
  }
  return over;
}

function read(dir: string): Record<string, string> {
  return Object.fromEntries(
    tsFiles(root, dir).map((file) => [file, readFileSync(join(root, file), 'utf8')]),
  );
}

describe('the house budgets', () => {
  it.each(BUDGETS.map((b) => [b.rule, b] as const))('%s', (_rule, budget) => {
    const files = read(budget.dir);
    const covered = Object.keys(files).filter((f) => !budget.only || budget.only(f));
    expect(covered.length, 'files the rule covers').toBeGreaterThan(0);
    expect(overBudget(budget, files)).toEqual([]);
  });

  it('are stated in the README', () => {
    const flat = (text: string) => text.replace(/`/g, '').replace(/\s+/g, ' ');
    const readme = flat(readFileSync(join(root, 'README.md'), 'utf8'));
    for (const budget of BUDGETS) expect(readme).toContain(flat(budget.rule));
  });
});

describe('the measures', () => {
  const sample = [
    '/**',
    ' * A doc comment: not code.',
    ' */',
    '// #region f',
    'export function f(a: number): number {',
    '  /* inline */ const b = a + 1; // trailing',
    '',
    '  return b;',
    '}',
    '// #endregion f',
    'const g = () => {',
    '  return 1;',
    '};',
    'class C {',
    '  m(): void {}',
    '}',
    '',
  ].join('\n');

  it('count lines, code lines and functions', () => {
    expect(lines(sample)).toBe(16);
    expect(codeLines(sample)).toBe(10);
    expect(functionSizes('sample.ts', sample)).toEqual([
      { name: 'f', line: 5, lines: 5 },
      { name: 'g', line: 11, lines: 3 },
      { name: 'C.m', line: 15, lines: 1 },
    ]);
  });

  it('name what is over budget, with its number', () => {
    const long = Array.from({ length: 401 }, (_, i) => `const a${i} = ${i};`).join('\n');
    const files = { 'src/big.ts': long, 'src/context.ts': `${long}\n// a comment` };
    expect(overBudget(BUDGETS[0] as Budget, files)).toEqual(['src/big.ts: 401']);
    expect(overBudget(BUDGETS[1] as Budget, files)).toEqual(['src/context.ts: 401']);
    const fn = { 'playground/x.ts': `function big() {\n${long}\n}` };
    const budget: Budget = { rule: '', dir: 'playground', measure: 'function lines', max: 80 };
    expect(overBudget(budget, fn)).toEqual(['playground/x.ts › big: 403']);
  });
});
