/**
 * Every ```ts twoslash sample in the book type-checks against the port, with
 * exactly the compiler options the site build uses. The build would fail on
 * a broken sample too; this test says which one, in seconds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTwoslasher } from 'twoslash';
import { expect, it } from 'vitest';
import { twoslashCompilerOptions } from '../../docs/.vitepress/twoslash.js';
import { describeBookOnly } from '../support/impl.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const chaptersDir = join(root, 'chapters');

interface Sample {
  label: string;
  code: string;
}

function samples(): Sample[] {
  const out: Sample[] = [];
  for (const name of readdirSync(chaptersDir).filter((n) => n.endsWith('.md'))) {
    const text = readFileSync(join(chaptersDir, name), 'utf8');
    const fence = /^```ts twoslash[^\n]*\n([\s\S]*?)^```\s*$/gm;
    let n = 0;
    for (const m of text.matchAll(fence)) {
      n++;
      out.push({ label: `${name} sample ${n}`, code: m[1] as string });
    }
  }
  return out;
}

const twoslasher = createTwoslasher({ compilerOptions: twoslashCompilerOptions });
const all = samples();

describeBookOnly('twoslash samples', () => {
  it('the book has type-checked samples', () => {
    expect(all.length).toBeGreaterThanOrEqual(6);
  });

  it.each(all.map((s) => [s.label, s] as const))('%s type-checks', (_label, sample) => {
    const result = twoslasher(sample.code, 'ts');
    expect(result.errors).toEqual([]);
    // A `^?` query must land on something: an empty query means a misplaced caret.
    for (const query of result.queries) expect(query.text).not.toBe('');
  });

  it('a sample with a type error is rejected (the check can fail)', () => {
    const broken = "import session from 'koa-session-annotated';\nsession({ maxAge: true }, 42);\n";
    expect(() => twoslasher(broken, 'ts')).toThrow(/Errors were thrown in the sample/);
  });
});
