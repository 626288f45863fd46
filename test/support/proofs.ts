/**
 * Proof citations: a chapter backs a claim with
 * "(proof: `test/….test.ts` › "test name")", and the book's checks make
 * sure every citation names a test file that exists and a test in it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** One cited test: the file (from the repository root) and the test's name. */
export interface Proof {
  file: string;
  name: string;
}

const PROOF = /`(test\/[\w./-]+\.test\.ts)` › "([^"]+)"/g;

/** Every citation in a chapter's text (a citation may wrap across lines). */
export function proofsIn(text: string): Proof[] {
  const flat = text.replace(/\s+/g, ' ');
  return [...flat.matchAll(PROOF)].map((m) => ({ file: m[1] as string, name: m[2] as string }));
}

/** Assert that the cited file exists and has a test of that name (any quote style). */
export function expectCitedTest({ file, name }: Proof): void {
  const path = join(root, file);
  expect(existsSync(path), `${file} does not exist`).toBe(true);
  const source = readFileSync(path, 'utf8').replace(/\s+/g, ' ');
  const quoted = [`'${name}'`, `"${name}"`, `\`${name}\``];
  expect(
    quoted.some((q) => source.includes(q)),
    `${file} has no test called "${name}"`,
  ).toBe(true);
}
