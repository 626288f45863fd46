/**
 * The one indirection every step's checks go through: which code is under
 * test. Unset, `KOA_SESSION_WORKSPACE` means the reference — `src/` and
 * `test/exercises/reference/` — which is how `npm test` runs these files.
 * Set to a workspace directory (the learner's `.learn/`, or a temporary one
 * made by `npm run exercises:verify`), it means that workspace's copy.
 *
 * Checks import from here and never from `src/` directly, so the same file
 * proves the reference and grades the learner. Each module is imported on
 * first use, so a step pays only for what it touches (Redis and MySQL
 * clients are not cheap to load).
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

/** The port's hardening, not public API: `src/hardening.ts`. */
export const hardening = await load('src/hardening.ts', () => import('../../src/hardening.js'));

/** Chapter 8's store: `src/stores/memory.ts`. */
export const memory = () =>
  load('src/stores/memory.ts', () => import('../../src/stores/memory.js'));

/** Chapter 9's store: `src/stores/redis.ts`. */
export const redis = () => load('src/stores/redis.ts', () => import('../../src/stores/redis.js'));

/** Chapter 10's store: `src/stores/mysql.ts`. */
export const mysql = () => load('src/stores/mysql.ts', () => import('../../src/stores/mysql.js'));

/** Chapter 1's cookie helpers: `cookies.ts` (reference in ./reference/). */
export const cookies = () => load('cookies.ts', () => import('./reference/cookies.js'));

/** Chapter 11's attack lab: `attacks.ts` (reference in ./reference/). */
export const attacks = () => load('attacks.ts', () => import('./reference/attacks.js'));
