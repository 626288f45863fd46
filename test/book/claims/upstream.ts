/**
 * Whether a cited test also runs on koa-session 7.0.2.
 *
 * A sentence about koa-session itself must be proven on koa-session, not
 * only on our copy of it. A test does that when its file runs under the
 * implementation switch (it imports `test/support/impl.ts` or the upstream
 * mirror's `support/session.ts`) or drives `koa-session` directly, and the
 * test is not inside `portOnly`, `describePortOnly`, `describeBookOnly` or
 * a `skipIf(usingUpstream)` — the marks the switch skips (see impl.ts).
 * Read from the test's source with the TypeScript parser, so the check
 * cannot be fooled by a name that merely appears in a comment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import ts from 'typescript';

const SKIPPED_UNDER_SWITCH =
  /^(portOnly|describePortOnly|describeBookOnly)$|skipIf\(\s*usingUpstream\s*\)/;

const parsed = new Map<string, ts.SourceFile>();

function parse(file: string): ts.SourceFile {
  let sf = parsed.get(file);
  if (!sf) {
    sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    parsed.set(file, sf);
  }
  return sf;
}

const SWITCH = /(^|\/)(test\/support\/impl|test\/upstream\/support\/session)\.ts$/;

/**
 * The file runs under the switch — it imports impl.ts, directly or through
 * a suite's own support module — or it runs koa-session itself.
 */
function switched(file: string, depth = 0): boolean {
  if (SWITCH.test(file)) return true;
  if (depth > 3 || !existsSync(file)) return false;
  return parse(file).statements.some((s) => {
    if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier)) return false;
    const spec = s.moduleSpecifier.text;
    if (spec === 'koa-session') return true;
    if (!spec.startsWith('.')) return false;
    return switched(resolve(dirname(file), spec.replace(/\.js$/, '.ts')), depth + 1);
  });
}

export type UpstreamVerdict = 'runs' | 'port-only' | 'not-switched' | 'no-such-test';

/** How the test `name` in `file` stands towards koa-session 7.0.2. */
export function onKoaSession(file: string, name: string): UpstreamVerdict {
  const sf = parse(file);
  let found: ts.CallExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(node)) {
      const first = node.arguments[0];
      if (
        first &&
        (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first)) &&
        first.text === name
      ) {
        found = node;
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  if (!found) return 'no-such-test';
  for (let node: ts.Node | undefined = found; node; node = node.parent) {
    if (ts.isCallExpression(node) && SKIPPED_UNDER_SWITCH.test(node.expression.getText(sf))) {
      return 'port-only';
    }
  }
  return switched(file) ? 'runs' : 'not-switched';
}
