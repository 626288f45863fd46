/**
 * The listings' port marks (docs/scripts/port-lines.ts): every trace call
 * in the lifecycle is folded, every `// Port:` note is tinted with its code,
 * and nothing of koa-session's own logic is caught in either.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeToHtml } from 'shiki';
import { expect, it } from 'vitest';
import { findPortGroups, portLines } from '../../docs/scripts/port-lines.js';
import { describeBookOnly } from '../support/impl.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const source = (file: string) => readFileSync(resolve(root, file), 'utf8');

/** The body of `// #region name` … `// #endregion name` in a source file. */
function region(file: string, name: string): string[] {
  const lines = source(file).split('\n');
  const start = lines.findIndex((l) => l.trim() === `// #region ${name}`);
  const end = lines.findIndex((l) => l.trim() === `// #endregion ${name}`);
  expect(start, `${file}#${name}`).toBeGreaterThanOrEqual(0);
  return lines.slice(start + 1, end);
}

/** What a reader sees by default: the listing with every fold closed. */
function folded(lines: string[]): string[] {
  const shown: string[] = [];
  const groups = findPortGroups(lines);
  for (let i = 0; i < lines.length; i++) {
    const group = groups.find((g) => g.start === i);
    if (group?.kind === 'trace') {
      shown.push(`${group.indent}${group.summary}`);
      i = group.end;
    } else shown.push(lines[i] as string);
  }
  return shown;
}

const LIFECYCLE = [
  'initFromExternal',
  'initFromCookie',
  'valid',
  'create',
  'commit',
  'remove',
  'save',
];

describeBookOnly('port marks in the lifecycle listings', () => {
  it('every trace call is folded into one `trace(ctx, …);` line', () => {
    for (const name of LIFECYCLE) {
      const lines = region('src/context.ts', name);
      const shown = folded(lines);
      // No step of the trace is left for the reader to wade through.
      expect(shown.join('\n'), name).not.toMatch(/step[.:]/);
      const calls = lines.filter((l) => /trace\(/.test(l)).length;
      const folds = shown.filter((l) => /trace\((this\.)?ctx, …\);$/.test(l));
      expect(folds.length, name).toBe(calls);
    }
    const create = folded(region('src/context.ts', 'create'));
    expect(create).toContain('    if (!data) trace(this.ctx, …);');
  });

  it('folds take the comment and the bare `if` that belong to the call', () => {
    const listing = [
      '  if (!reason) {',
      '    // Why nothing is written.',
      '    trace(ctx, step.skip(prevHash, session));',
      '    return;',
      '  }',
      '  if (loud)',
      '    trace(ctx, {',
      "      step: 'commit',",
      '    });',
      '  await this.save();',
    ];
    expect(folded(listing)).toEqual([
      '  if (!reason) {',
      '    trace(ctx, …);',
      '    return;',
      '  }',
      '  if (loud) trace(ctx, …);',
      '  await this.save();',
    ]);
  });

  it('koa-session’s own statements are never folded or tinted', () => {
    const commit = folded(region('src/context.ts', 'commit'));
    for (const upstream of [
      'if (session === undefined) {',
      'await this.remove();',
      "const reason = forced ? 'force' : this._shouldSaveSession();",
      "if (typeof opts.beforeSave === 'function') opts.beforeSave(ctx, session);",
      "await this.save(reason === 'changed');",
    ]) {
      expect(
        commit.map((l) => l.trim()),
        upstream,
      ).toContain(upstream);
    }
    const lines = region('src/context.ts', 'commit');
    const tinted = findPortGroups(lines).filter((g) => g.kind === 'port');
    expect(tinted).toEqual([]);
  });

  it('a `// Port:` note tints exactly the code it introduces', () => {
    const valid = region('src/context.ts', 'valid');
    const [group] = findPortGroups(valid).filter((g) => g.kind === 'port');
    const tinted = valid.slice(group!.start, group!.end + 1).map((l) => l.trim());
    expect(tinted).toEqual([
      '// Port: refuse data that would crash koa-session (src/hardening.ts).',
      'const hostile = findHostileKey(data);',
      'if (hostile) return this.refuse(data, key, hostile);',
    ]);
    const middleware = region('src/index.ts', 'middleware');
    const live = findPortGroups(middleware).filter((g) => g.kind === 'port');
    expect(live).toHaveLength(1);
    expect(middleware[live[0]!.end]).toContain("live.current('autoCommit')");
  });

  it('renders folds the browser can open, and copies the real source', async () => {
    const code = region('src/context.ts', 'commit').join('\n');
    const html = await codeToHtml(code, {
      lang: 'ts',
      theme: 'github-light',
      transformers: [portLines()],
    });
    expect(html).toContain('has-port-lines');
    const folds = html.match(/class="line port-fold"/g) ?? [];
    expect(folds).toHaveLength(3);
    expect(html).toMatch(/port-fold-row vp-copy-ignore/);
    expect(html).toContain('aria-expanded="false"');
    // Every line of the source is still in the listing, inside its fold.
    const lines = (html.match(/<span class="line[" ]/g) ?? []).length;
    expect(lines - folds.length).toBe(code.split('\n').length);
  });
});
