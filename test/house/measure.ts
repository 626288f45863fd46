/**
 * How the house budgets (test/house/budgets.test.ts) measure a file: its
 * lines, its code lines, and its longest functions. Kept apart from the
 * test so each measure can be tested on text of its own.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** Lines of a file, as an editor numbers them (a final newline adds none). */
export function lines(text: string): number {
  return text.replace(/\n$/, '').split('\n').length;
}

/**
 * Lines that hold code: not blank, not a `//` comment (region markers are
 * comments too), not inside a `/* … *\/` block. A line with code before or
 * after a comment counts.
 */
export function codeLines(text: string): number {
  let count = 0;
  let inBlock = false;
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (inBlock) {
      const close = line.indexOf('*/');
      if (close < 0) continue;
      inBlock = false;
      line = line.slice(close + 2).trim();
    }
    if (line.startsWith('/*')) {
      const close = line.indexOf('*/', 2);
      if (close < 0) {
        inBlock = true;
        continue;
      }
      line = line.slice(close + 2).trim();
    }
    if (line === '' || line.startsWith('//')) continue;
    count++;
  }
  return count;
}

export interface FunctionSize {
  /** The function's name, or where it is: `createLab`, `Lab.start`, `(arrow at line 12)`. */
  name: string;
  /** 1-based line it starts on. */
  line: number;
  /** Lines from its first line to its last, both included. */
  lines: number;
}

/**
 * Every function, method, accessor, constructor and arrow function of a
 * TypeScript file with its length in lines (a nested function counts in
 * its own right and inside its parent).
 */
export function functionSizes(fileName: string, text: string): FunctionSize[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const out: FunctionSize[] = [];
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line + 1;
  const nameOf = (node: ts.Node): string => {
    const named = node as { name?: ts.Node };
    if (named.name && ts.isIdentifier(named.name)) {
      const owner = node.parent && ts.isClassLike(node.parent) ? node.parent.name?.text : undefined;
      return owner ? `${owner}.${named.name.text}` : named.name.text;
    }
    if (ts.isConstructorDeclaration(node)) return 'constructor';
    const parent = node.parent;
    if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) {
      return parent.name.text;
    }
    if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) {
      return parent.name.text;
    }
    return `(function at line ${lineOf(node.getStart(source))})`;
  };
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && (node as { body?: ts.Node }).body) {
      const start = lineOf(node.getStart(source));
      out.push({ name: nameOf(node), line: start, lines: lineOf(node.end) - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Repository-relative paths of the `.ts` files under `dir`. */
export function tsFiles(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}
