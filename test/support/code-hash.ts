/**
 * What a recorded measurement measured: the commit, and a hash of the code
 * in `src/` — code only.
 *
 * Chapters 12 and 13 quote numbers measured on the port. When `src/` changes,
 * those numbers describe code that no longer exists, and a test should say
 * so. But a reworded comment or a moved `// #region` marker changes no
 * instruction the machine runs, and must not force a half-hour re-measure.
 * So the hash is taken over every file in `src/` as the TypeScript printer
 * writes it back without comments: layout and comments leave no trace, while
 * a changed token of code (a `//` inside a string included) does.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A TypeScript source as code alone: parsed, then printed back by the
 * compiler's printer with comments removed, so layout and comments (region
 * markers included) leave no trace while every token of code does.
 */
export function codeOnly(source: string): string {
  const file = ts.createSourceFile('x.ts', source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  return ts.createPrinter({ removeComments: true }).printFile(file);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return sourceFiles(path);
      return entry.name.endsWith('.ts') ? [path] : [];
    })
    .sort();
}

/** A short hash of the code in `src/` (file names and tokens, nothing else). */
export function srcCodeHash(dir = join(root, 'src')): string {
  const hash = createHash('sha256');
  for (const file of sourceFiles(dir)) {
    hash.update(`${relative(dir, file)}\n`);
    hash.update(codeOnly(readFileSync(file, 'utf8')));
    hash.update('\n');
  }
  return hash.digest('hex').slice(0, 12);
}

/** Where a measurement was taken: the commit, whether src/ was edited, the code hash. */
export interface MeasuredAt {
  commit: string;
  dirty: boolean;
  srcHash: string;
}

export function measuredAt(): MeasuredAt {
  const srcHash = srcCodeHash();
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root })
      .toString()
      .trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root }).length > 0;
    return { commit, dirty, srcHash };
  } catch {
    return { commit: 'unknown', dirty: false, srcHash };
  }
}
