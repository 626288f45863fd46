/**
 * Recorded outputs: text a test produced, kept in a file so a chapter can
 * quote it verbatim. Normally a test only compares, and fails when the file
 * is stale; with the folder's environment variable set to `1` (the
 * `npm run … :record` scripts) it rewrites the file instead.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Where a folder of recordings lives and how it is re-recorded. */
export interface RecordingFolder {
  /** The folder, as a `file:` URL ending in `/`. */
  dir: URL;
  /** The environment variable that switches to recording, e.g. `BOOK_RECORD`. */
  env: string;
  /** The command a reader runs to re-record, named in the failure message. */
  command: string;
}

/**
 * A checker for one folder: `check(name, text)` asserts that the file
 * `name` holds exactly `text` (or writes it, when recording).
 */
export function recordings({ dir, env, command }: RecordingFolder) {
  const shown = relative(root, fileURLToPath(dir));
  return function check(name: string, text: string): void {
    const file = new URL(name, dir);
    if (process.env[env] === '1') {
      // Under the koa-session switch a recording is compared, never written:
      // the files are what the port prints, and the switch checks that
      // koa-session prints the same.
      if (process.env.KOA_SESSION_IMPL) {
        throw new Error(`${env}=1 with KOA_SESSION_IMPL set: record without the switch`);
      }
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, text);
      return;
    }
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '(missing)';
    expect(current, `${shown}/${name} is stale: run \`${command}\``).toBe(text);
  };
}
