/**
 * The TypeScript pitfall (chapters/pitfalls.md#typescript): "Property
 * 'session' does not exist on type …". Each case is a small program
 * type-checked by the real compiler (the project's TypeScript, the
 * project's node_modules), and the test reads the diagnostics it gives.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { record } from './support.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

const checked = new Map<string, string[]>();

/**
 * Type-check `source` as if it were a file at the project root; return its
 * errors as tsc prints them (each program is checked once per run: a
 * program that loads Koa's types takes a couple of seconds).
 */
function typeErrors(source: string): string[] {
  const known = checked.get(source);
  if (known) return known;
  const errors = check(source);
  checked.set(source, errors);
  return errors;
}

function check(source: string): string[] {
  const file = join(root, '__pitfall_types__.ts');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    types: ['node'],
  };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) =>
    name === file ? ts.createSourceFile(name, source, version) : read(name, version, ...rest);
  const exists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || exists(name);
  const program = ts.createProgram([file], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === file)
    .map((d) => {
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start!);
      return `line ${line + 1}: error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}

/** A handler typed the way a router types its own (`ParameterizedContext<any, { params }>`). */
const ROUTE = `
export const route = (ctx: ParameterizedContext<any, { params: Record<string, string> }>) => {
  ctx.session!.views = 1;
};
export const plain = (ctx: Context): number => ctx.session;
`;

const UPSTREAM_PLAIN = `import Koa, { type Context, type ParameterizedContext } from 'koa';
import session from 'koa-session';
const app = new Koa();
app.use(session({}, app));
${ROUTE}`;

/** A shape for koa-session 7's session object, which it does not export. */
const SESSION_SHAPE = `{
      [key: string]: unknown;
      isNew?: boolean;
      maxAge: number | 'session' | undefined;
      save(): Promise<void>;
      regenerate(): Promise<void>;
      manuallyCommit(): Promise<void>;
    } | null`;

const UPSTREAM_DEFAULT_CONTEXT = `import Koa, { type Context, type ParameterizedContext } from 'koa';
import session from 'koa-session';
declare module 'koa' {
  interface DefaultContext {
    session: ${SESSION_SHAPE};
  }
}
const app = new Koa();
app.use(session({}, app));
${ROUTE}`;

const UPSTREAM_EXTENDABLE_CONTEXT = UPSTREAM_DEFAULT_CONTEXT.replace(
  'interface DefaultContext',
  'interface ExtendableContext',
);

const PORT = `import Koa, { type Context, type ParameterizedContext } from 'koa';
import { createSession } from './src/index.js';
const app = new Koa();
app.use(createSession({}, app));
${ROUTE}`;

describe('pitfall: TypeScript does not know ctx.session', () => {
  const ROUTER_ERROR =
    "error TS2339: Property 'session' does not exist on type 'ParameterizedContext<any, { params: Record<string, string>; }>'.";

  it("koa-session 7 with no declaration: Property 'session' does not exist on a router's context, and is any on Koa's Context", () => {
    // `plain` returns ctx.session as a number and tsc says nothing: it is `any`.
    expect(typeErrors(UPSTREAM_PLAIN)).toEqual([`line 7: ${ROUTER_ERROR}`]);
  });

  it('a declaration on DefaultContext fixes Koa’s own Context but not a router’s ParameterizedContext', () => {
    const errors = typeErrors(UPSTREAM_DEFAULT_CONTEXT);
    expect(errors[0]).toBe(`line 19: ${ROUTER_ERROR}`);
    // …and Koa's Context now knows the type: it is not a number.
    expect(errors[1]).toMatch(
      /^line 21: error TS2322: Type '.*' is not assignable to type 'number'/s,
    );
    expect(errors).toHaveLength(2);
  });

  it('a declaration on ExtendableContext reaches every context type', () => {
    const errors = typeErrors(UPSTREAM_EXTENDABLE_CONTEXT);
    // Only the deliberate mistake is left: the session is not a number.
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^line 21: error TS2322: .* is not assignable to type 'number'/s);
  });

  it('the port declares it on ExtendableContext itself: importing it is enough', () => {
    const errors = typeErrors(PORT);
    expect(errors).toEqual([
      "line 9: error TS2322: Type 'Session | null' is not assignable to type 'number'.\n  Type 'null' is not assignable to type 'number'.",
    ]);
  });

  it('records the transcript', () => {
    const show = (label: string, source: string) => {
      const errors = typeErrors(source);
      const firstLines = errors.map((e) => e.split('\n')[0]);
      return [`── tsc, ${label}`, ...(errors.length ? firstLines : ['(no errors)'])].join('\n   ');
    };
    record('typescript', [
      show('koa-session 7.0.2, no declaration', UPSTREAM_PLAIN),
      show('koa-session 7.0.2, declared on DefaultContext', UPSTREAM_DEFAULT_CONTEXT),
      show('koa-session 7.0.2, declared on ExtendableContext', UPSTREAM_EXTENDABLE_CONTEXT),
      show('the port (src/index.ts)', PORT),
    ]);
  });
});
