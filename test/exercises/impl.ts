/**
 * The one indirection every chapter test goes through: which code is under
 * test. Unset, `KOA_SESSION_WORKSPACE` means the reference — `src/` and
 * `test/exercises/reference/` — which is how `npm test` runs these files.
 * Set to a workspace directory (the learner's `.learn/`, or a temporary one
 * made by `npm run exercises:verify`), it means that workspace's copy.
 *
 * Tests import from here and never from `src/` directly, so the same test
 * file proves the reference and grades the learner.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const WORKSPACE_ENV = 'KOA_SESSION_WORKSPACE';

/** The workspace under test, or `undefined` for the reference. */
export const workspace: string | undefined = process.env[WORKSPACE_ENV] || undefined;

function from(workspacePath: string): string {
  return pathToFileURL(path.resolve(workspace!, workspacePath)).href;
}

/** The session port: `src/index.ts` or the workspace's `src/index.ts`. */
export const port: typeof import('../../src/index.js') = workspace
  ? await import(/* @vite-ignore */ from('src/index.ts'))
  : await import('../../src/index.js');

/** Chapter 1's cookie helpers: the reference solution or the learner's `cookies.ts`. */
export const cookies: typeof import('./reference/cookies.js') = workspace
  ? await import(/* @vite-ignore */ from('cookies.ts'))
  : await import('./reference/cookies.js');
