/**
 * The layout rules (.dependency-cruiser.cjs), which `npm run deps` checks on
 * the real tree in every `npm test`. Here: each rule catches what it is
 * written for (a copy of the tree with one wrong arrow per rule planted in
 * it), type-only imports count, the one allowed arrow up passes, and the
 * README's Layout section states every rule in the rule's own words.
 */
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type IConfiguration } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const config = createRequire(import.meta.url)(
  join(root, '.dependency-cruiser.cjs'),
) as IConfiguration;
const rules = config.forbidden ?? [];

/** Cruise `dirs` of the tree at `base` with the project's rules. */
async function violations(base: string, dirs: string[]) {
  const result = await cruise(dirs, {
    ...config.options,
    baseDir: base,
    ruleSet: { forbidden: rules },
    validate: true,
  });
  if (typeof result.output === 'string') throw new Error(result.output);
  return result.output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
}

describe('the layout rules', () => {
  const tree = mkdtempSync(join(tmpdir(), 'house-layout-'));
  afterAll(() => rmSync(tree, { recursive: true, force: true }));
  for (const dir of ['src', 'playground/lab/shared']) {
    cpSync(join(root, dir), join(tree, dir), { recursive: true });
  }
  for (const file of ['tsconfig.json', 'package.json']) {
    cpSync(join(root, file), join(tree, file));
  }
  symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'), 'dir');

  /** Add `line` at the top of `file` in the copy (creating the file). */
  const plant = (file: string, line: string) => {
    const path = join(tree, file);
    mkdirSync(dirname(path), { recursive: true });
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {}
    writeFileSync(path, `${line}\n${text}`);
  };

  it('hold on a faithful copy of src/ (session.ts → context.ts is a type)', async () => {
    expect(await violations(tree, ['src'])).toEqual([]);
  });

  it('catch one wrong arrow per rule, type-only imports included', async () => {
    plant('src/util.ts', "import { Session } from './session.js';");
    plant('src/options.ts', "import type { TraceEvent } from './trace.js';");
    plant('src/hardening.ts', "import { readSessionCookie } from './signed-cookie.js';");
    plant('src/session.ts', "import { ContextSession } from './context.js';");
    plant('src/trace.ts', "import { fixture } from '../test/fixture.js';");
    plant('test/fixture.ts', 'export const fixture = 1;');
    plant('src/stores/redis.ts', "import { MemoryStore } from './memory.js';");
    plant('src/stores/memory.ts', "import { hash } from '../util.js';");
    plant('playground/demo.ts', "import { trace } from '../src/trace.js';");
    plant('playground/demo.ts', "import { fixture } from '../test/fixture.js';");
    plant('playground/lab/server.ts', 'export type Card = { id: number };');
    plant('playground/lab/client.ts', "import type { Card } from './server.js';");
    plant('playground/lab/client.ts', "import { readFileSync } from 'node:fs';");
    plant('playground/lab/shared/protocol.ts', "import { hash } from '../../../src/index.js';");
    plant('playground/lab/client/cards.ts', "import { gone } from './nowhere.js';");
    const found = await violations(tree, ['src', 'playground', 'test']);
    expect(found.sort()).toEqual(
      [
        'src-layer-1: src/util.ts -> src/session.ts',
        'src-layer-3: src/options.ts -> src/trace.ts',
        'src-layer-4: src/hardening.ts -> src/signed-cookie.ts',
        'src-one-arrow-up: src/session.ts -> src/context.ts',
        'src-stays-in-src: src/trace.ts -> test/fixture.ts',
        'stores-contract-and-entry-only: src/stores/redis.ts -> src/stores/memory.ts',
        'stores-contract-and-entry-only: src/stores/memory.ts -> src/util.ts',
        'playground-public-entry-only: playground/demo.ts -> src/trace.ts',
        'playground-not-test: playground/demo.ts -> test/fixture.ts',
        'lab-page-no-server-code: playground/lab/client.ts -> playground/lab/server.ts',
        'lab-page-no-node: playground/lab/client.ts -> fs',
        'lab-page-src-types-only: playground/lab/shared/protocol.ts -> src/index.ts',
        'imports-resolve: playground/lab/client/cards.ts -> ./nowhere.js',
      ].sort(),
    );
  });

  it('are stated in the README’s Layout section in their own words', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const layout = readme.slice(
      readme.indexOf('## Layout'),
      readme.indexOf('\n## ', readme.indexOf('## Layout') + 1),
    );
    const flat = (text: string) => text.replace(/`/g, '').replace(/\s+/g, ' ');
    for (const rule of rules) {
      expect(flat(layout), rule.name).toContain(flat(rule.comment ?? '(no comment)'));
    }
  });
});
