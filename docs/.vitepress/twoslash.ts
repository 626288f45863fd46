/**
 * The compiler options twoslash uses for the book's ```ts twoslash samples.
 *
 * Shared by the site config (which renders the samples) and
 * test/book/twoslash.test.ts (which type-checks each sample directly, so a
 * broken sample is reported by name in seconds, not only by the build).
 *
 * Twoslash resolves imports from the directory the build runs in, not from
 * the Markdown file, so `paths` maps the package name a reader would use,
 * `koa-session-annotated`, onto the port's source.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export const twoslashCompilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  types: ['node'],
  skipLibCheck: true,
  baseUrl: root,
  paths: {
    'koa-session-annotated': [join(root, 'src/index.ts')],
    'koa-session-annotated/stores': [join(root, 'src/stores/index.ts')],
  },
};
