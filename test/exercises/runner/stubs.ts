/**
 * The stub generator: turns reference source into exercise source by
 * replacing the *bodies* of the functions inside chosen `// #region name`
 * blocks with a TODO that throws. Signatures, doc comments, the region
 * markers themselves and everything outside the regions stay byte for byte,
 * so a workspace can never drift from the code the book embeds.
 *
 * The TypeScript compiler API finds the function inside a region, which
 * keeps this honest for methods, accessors, arrow functions and overloads
 * alike — no hand-written copies, no regular expressions over code.
 */
import { createRequire } from 'node:module';
import type TS from 'typescript';

// The compiler is big (about a second to load here); only creating or
// resetting a workspace needs it, never a run of the checks.
let compiler: typeof TS | undefined;
const ts = new Proxy({} as typeof TS, {
  get(_, name) {
    compiler ??= createRequire(import.meta.url)('typescript') as typeof TS;
    return compiler[name as keyof typeof TS];
  },
});

/** A `// #region name` … `// #endregion name` block, by character offsets. */
export interface Region {
  name: string;
  /** Offset of the start of the `#region` line. */
  start: number;
  /** Offset just past the end of the `#endregion` line (newline included). */
  end: number;
}

const REGION_LINE = /^[ \t]*\/\/ #(region|endregion) ([\w-]+)[ \t]*$/gm;

/**
 * Every region in `text`. Throws on a marker without its partner, so a
 * broken source file fails loudly instead of producing a half-stubbed copy.
 */
export function findRegions(text: string): Region[] {
  const open = new Map<string, number>();
  const regions: Region[] = [];
  for (const match of text.matchAll(REGION_LINE)) {
    const [line, kind, name] = match as unknown as [string, string, string];
    const at = match.index;
    if (kind === 'region') {
      if (open.has(name)) throw new Error(`region "${name}" is opened twice`);
      open.set(name, at);
    } else {
      const start = open.get(name);
      if (start === undefined) throw new Error(`"#endregion ${name}" has no "#region ${name}"`);
      open.delete(name);
      const lineEnd = at + line.length;
      regions.push({ name, start, end: text[lineEnd] === '\n' ? lineEnd + 1 : lineEnd });
    }
  }
  const [unclosed] = open.keys();
  if (unclosed !== undefined) throw new Error(`region "${unclosed}" is never closed`);
  return regions.sort((a, b) => a.start - b.start);
}

/** One function whose body a stub replaced. */
export interface StubbedFunction {
  region: string;
  /** `initFromCookie` → `ContextSession.initFromCookie`; `sign` → `sign`. */
  name: string;
  /** 1-based line of the function's name in the stubbed text. */
  line: number;
}

/** What to say inside a stub. */
export interface StubRequest {
  region: string;
  /** Exercise name, as `npm run learn -- hint <name>` wants it. */
  exercise: string;
  /** Where to read about it, e.g. `chapters/04-init-from-cookie.md`. */
  chapter: string;
  /**
   * Plant this bug instead of stubbing: `find` must occur exactly once
   * inside the region, and becomes `replace`.
   */
  bug?: { find: string; replace: string };
}

type FunctionWithBody = TS.FunctionLikeDeclaration & { body: TS.ConciseBody };

function displayName(node: FunctionWithBody, sourceFile: TS.SourceFile): string {
  let own = node.name ? node.name.getText(sourceFile) : '';
  if (ts.isConstructorDeclaration(node)) own = 'constructor';
  if (!own && ts.isVariableDeclaration(node.parent)) own = node.parent.name.getText(sourceFile);
  if (ts.isGetAccessorDeclaration(node)) own = `get ${own}`;
  if (ts.isSetAccessorDeclaration(node)) own = `set ${own}`;
  const owner = node.parent;
  if ((ts.isClassDeclaration(owner) || ts.isClassExpression(owner)) && owner.name) {
    return `${owner.name.text}.${own}`;
  }
  return own || '(anonymous function)';
}

/**
 * The outermost functions with a body that lie entirely inside `region`.
 * Nested functions (callbacks inside a method) go with their parent.
 */
function functionsIn(sourceFile: TS.SourceFile, region: Region): FunctionWithBody[] {
  const found: FunctionWithBody[] = [];
  const visit = (node: TS.Node): void => {
    if (node.end <= region.start || node.getStart(sourceFile) >= region.end) return;
    const inside = node.getStart(sourceFile) >= region.start && node.end <= region.end;
    if (inside && ts.isFunctionLike(node) && 'body' in node && node.body) {
      found.push(node as FunctionWithBody);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

function indentOf(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** The message a stub throws. The runner recognises the `TODO(name)` prefix. */
export function todoMessage(exercise: string, name: string, chapter: string): string {
  return `TODO(${exercise}): ${name} is not written yet. Read ${chapter}, then write it.`;
}

/** Pull the exercise name back out of an error thrown by a stub, if it is one. */
export function parseTodo(message: string): { exercise: string; name: string } | undefined {
  const match = /^TODO\(([\w-]+)\): (.+?) is not written yet\./.exec(message);
  return match ? { exercise: match[1]!, name: match[2]! } : undefined;
}

/**
 * Replace the bodies of the functions inside each requested region with a
 * TODO that throws. Throws if a region is missing or holds no function.
 */
export function stubRegions(
  fileName: string,
  text: string,
  requests: readonly StubRequest[],
): { text: string; stubbed: StubbedFunction[] } {
  if (requests.length === 0) return { text, stubbed: [] };
  const sourceFile = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const regions = new Map(findRegions(text).map((r) => [r.name, r]));
  const claimed = new Map<string, string>();
  for (const request of requests) {
    const owner = claimed.get(request.region);
    if (owner !== undefined) {
      throw new Error(
        `region "${request.region}" in ${fileName} is claimed by two exercises: ${owner} and ${request.exercise}`,
      );
    }
    claimed.set(request.region, request.exercise);
  }
  const edits: { start: number; end: number; replacement: string; fn: StubbedFunction }[] = [];
  for (const request of requests) {
    const region = regions.get(request.region);
    if (!region) throw new Error(`${fileName} has no region "${request.region}"`);
    const functions = functionsIn(sourceFile, region);
    if (request.bug) {
      const { find, replace } = request.bug;
      const inside = text.slice(region.start, region.end);
      // Whitespace-insensitive: the formatter may re-wrap the line in src/
      // without the bug ceasing to apply.
      const pattern = new RegExp(
        [...find.replace(/\s+/g, '')]
          .map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('\\s*'),
        'g',
      );
      const matches = [...inside.matchAll(pattern)];
      if (matches.length !== 1) {
        throw new Error(
          `the bug of ${request.exercise} must match exactly once in region "${request.region}" of ${fileName}: ${find}`,
        );
      }
      const at = matches[0]!.index;
      const found = matches[0]![0];
      const fn = functions[0];
      const name = fn ? displayName(fn, sourceFile) : request.region;
      const nameNode = fn ? (fn.name ?? fn) : undefined;
      edits.push({
        start: region.start + at,
        end: region.start + at + found.length,
        replacement: replace,
        fn: {
          region: request.region,
          name,
          line: lineOf(text, nameNode ? nameNode.getStart(sourceFile) : region.start),
        },
      });
      continue;
    }
    if (functions.length === 0) {
      throw new Error(`region "${request.region}" in ${fileName} contains no function to stub`);
    }
    for (const fn of functions) {
      const name = displayName(fn, sourceFile);
      const indent = indentOf(text, fn.getStart(sourceFile));
      const message = todoMessage(request.exercise, name, request.chapter);
      const replacement = [
        '{',
        `${indent}  // TODO(${request.exercise}): write this body. The doc comment above says what it must do.`,
        `${indent}  throw new Error(${JSON.stringify(message)});`,
        `${indent}}`,
      ].join('\n');
      const nameNode = fn.name ?? fn;
      edits.push({
        start: fn.body.getStart(sourceFile),
        end: fn.body.end,
        replacement,
        fn: { region: request.region, name, line: lineOf(text, nameNode.getStart(sourceFile)) },
      });
    }
  }
  // Apply from the end so earlier offsets stay valid, then recompute lines.
  edits.sort((a, b) => b.start - a.start);
  let out = text;
  for (const edit of edits) {
    out = out.slice(0, edit.start) + edit.replacement + out.slice(edit.end);
  }
  const stubbed = edits.reverse().map((edit) => ({ ...edit.fn, line: relocate(out, edit.fn) }));
  return { text: out, stubbed };
}

/** Line of a stubbed function in the new text (bodies above it changed length). */
function relocate(text: string, fn: StubbedFunction): number {
  const region = findRegions(text).find((r) => r.name === fn.region)!;
  const sourceFile = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true);
  const match = functionsIn(sourceFile, region).find((f) => displayName(f, sourceFile) === fn.name);
  return match ? lineOf(text, (match.name ?? match).getStart(sourceFile)) : fn.line;
}

/**
 * Put `fresh`'s version of one region into `current` — how `reset` restores
 * a single exercise without touching the learner's other work.
 * Returns `undefined` when `current` has lost the region's markers.
 */
export function replaceRegion(current: string, fresh: string, name: string): string | undefined {
  const into = findRegionsLenient(current).find((r) => r.name === name);
  const from = findRegions(fresh).find((r) => r.name === name);
  if (!into || !from) return undefined;
  return current.slice(0, into.start) + fresh.slice(from.start, from.end) + current.slice(into.end);
}

/** Like {@link findRegions}, but a learner's half-edited file may be untidy: skip what is broken. */
function findRegionsLenient(text: string): Region[] {
  try {
    return findRegions(text);
  } catch {
    return [];
  }
}
