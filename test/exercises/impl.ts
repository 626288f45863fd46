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

/** Import `file` from the workspace, or run `reference()` (a static import) without one. */
async function load<T>(file: string, reference: () => Promise<T>): Promise<T> {
  if (!workspace) return reference();
  return import(/* @vite-ignore */ pathToFileURL(path.resolve(workspace, file)).href);
}

/** The session port: `src/index.ts`. */
export const port = await load('src/index.ts', () => import('../../src/index.js'));

/** Chapter 8's store: `src/stores/memory.ts`. */
export const memory = await load(
  'src/stores/memory.ts',
  () => import('../../src/stores/memory.js'),
);

/** Chapter 9's store: `src/stores/redis.ts`. */
export const redis = await load('src/stores/redis.ts', () => import('../../src/stores/redis.js'));

/** Chapter 1's cookie helpers: `cookies.ts` (reference in ./reference/). */
export const cookies = await load('cookies.ts', () => import('./reference/cookies.js'));

/** Chapter 11's attack lab: `attacks.ts` (reference in ./reference/). */
export const attacks = await load('attacks.ts', () => import('./reference/attacks.js'));
