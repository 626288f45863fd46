/**
 * The stub generator and the catalog: every exercise target exists, stubs
 * keep signatures and doc comments and replace only bodies, a stubbed
 * workspace type-checks, and putting the reference bodies back gives the
 * reference files byte for byte.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXERCISES } from '../catalog.js';
import { findRegions, parseTodo, replaceRegion, stubRegions } from './stubs.js';
import { ROOT, renderWorkspace, sourceFiles, writeWorkspace } from './workspace.js';

const SAMPLE = `/** A module. */
// #region greet
/**
 * Say hello.
 * @param name who to greet
 */
export function greet(name: string): string {
  const shout = (s: string) => s.toUpperCase();
  return \`hello \${shout(name)}\`;
}
// #endregion greet

export class Counter {
  #n = 0;
  // #region bump
  /** Add one; returns the new count. */
  bump(): number {
    return ++this.#n;
  }
  // #endregion bump

  // #region value
  /** The count. */
  get value(): number {
    return this.#n;
  }
  // #endregion value
}

// #region twice
/** Twice x. */
export const twice = (x: number): number => x * 2;
// #endregion twice
`;

const request = (region: string) => ({ region, exercise: 'demo', chapter: 'chapters/x.md' });

describe('findRegions', () => {
  it('finds every region with its boundaries', () => {
    const regions = findRegions(SAMPLE);
    expect(regions.map((r) => r.name)).toEqual(['greet', 'bump', 'value', 'twice']);
    const greet = regions[0]!;
    expect(SAMPLE.slice(greet.start, greet.end)).toMatch(
      /^\/\/ #region greet\n[\s\S]*\/\/ #endregion greet\n$/,
    );
  });

  it('refuses unbalanced markers', () => {
    expect(() => findRegions('// #region a\n')).toThrow(/never closed/);
    expect(() => findRegions('// #endregion a\n')).toThrow(/has no/);
    expect(() => findRegions('// #region a\n// #region a\n')).toThrow(/twice/);
  });
});

describe('stubRegions', () => {
  const { text, stubbed } = stubRegions('sample.ts', SAMPLE, [
    request('greet'),
    request('bump'),
    request('value'),
    request('twice'),
  ]);

  it('replaces the bodies, names each function, and throws a recognisable TODO', () => {
    expect(stubbed.map((s) => s.name)).toEqual([
      'greet',
      'Counter.bump',
      'Counter.get value',
      'twice',
    ]);
    expect(text).not.toContain('toUpperCase');
    expect(text).not.toContain('++this.#n');
    expect(text).not.toContain('x * 2');
    const messages = [...text.matchAll(/throw new Error\((".*")\)/g)].map((m) => JSON.parse(m[1]!));
    expect(messages).toHaveLength(4);
    expect(parseTodo(messages[1])).toEqual({ exercise: 'demo', name: 'Counter.bump' });
  });

  it('keeps doc comments, signatures and markers', () => {
    for (const line of [
      ' * @param name who to greet',
      'export function greet(name: string): string {',
      '  /** Add one; returns the new count. */',
      '  bump(): number {',
      '  get value(): number {',
      'export const twice = (x: number): number => {',
      '// #region twice',
      '  // #endregion bump',
    ]) {
      expect(text.split('\n'), line).toContain(line);
    }
  });

  it('reports the line of each stubbed function in the new text', () => {
    const lines = text.split('\n');
    for (const fn of stubbed) {
      const short = fn.name.split('.').pop()!.replace('get ', '');
      expect(lines[fn.line - 1], fn.name).toContain(short);
    }
  });

  it('only touches the regions asked for', () => {
    const one = stubRegions('sample.ts', SAMPLE, [request('bump')]).text;
    expect(one).toContain('toUpperCase');
    expect(one).not.toContain('++this.#n');
  });

  it('refuses a region claimed twice', () => {
    const twice = [request('bump'), { ...request('bump'), exercise: 'other' }];
    expect(() => stubRegions('s.ts', SAMPLE, twice)).toThrow(/claimed by two exercises/);
  });

  it('refuses a missing region or a region without a function', () => {
    expect(() => stubRegions('s.ts', SAMPLE, [request('nope')])).toThrow(/no region "nope"/);
    const noFunction = '// #region data\nconst x = 1;\n// #endregion data\n';
    expect(() => stubRegions('s.ts', noFunction, [request('data')])).toThrow(/no function/);
  });

  it('replaceRegion puts a region back, and says so when the markers are gone', () => {
    const restored = ['greet', 'bump', 'value', 'twice'].reduce(
      (current, name) => replaceRegion(current, SAMPLE, name)!,
      text,
    );
    expect(restored).toBe(SAMPLE);
    expect(replaceRegion('no markers here', SAMPLE, 'greet')).toBeUndefined();
  });
});

describe('the catalog against the real sources', () => {
  const sources = sourceFiles();

  it('every exercise has a test file, hints, and targets that exist', () => {
    const names = new Set<string>();
    for (const exercise of EXERCISES) {
      expect(names.has(exercise.name), `duplicate name ${exercise.name}`).toBe(false);
      names.add(exercise.name);
      expect(fs.existsSync(path.join(ROOT, exercise.test)), exercise.test).toBe(true);
      expect(exercise.hints.length, `${exercise.name} hints`).toBeGreaterThan(0);
      for (const target of exercise.targets) {
        const file = sources.get(target.file);
        expect(file, `${exercise.name}: ${target.file}`).toBeDefined();
        const regions = findRegions(fs.readFileSync(file!, 'utf8')).map((r) => r.name);
        expect(regions, `${exercise.name}: region ${target.region} in ${target.file}`).toContain(
          target.region,
        );
      }
    }
  });

  it('every chapter test file belongs to exactly one exercise', () => {
    const files = fs.readdirSync(path.join(ROOT, 'test/exercises/chapters'));
    const listed = EXERCISES.map((e) => path.basename(e.test)).sort();
    expect(files.filter((f) => f.endsWith('.test.ts')).sort()).toEqual(listed);
  });

  it('stubbing every exercise, then restoring each region from the source, gives the source back', () => {
    const stubbed = renderWorkspace(EXERCISES).files;
    for (const [file, from] of sources) {
      const original = fs.readFileSync(from, 'utf8');
      const targets = EXERCISES.flatMap((e) => e.targets).filter((t) => t.file === file);
      let text = stubbed.get(file)!;
      if (targets.length) expect(text, file).not.toBe(original);
      for (const target of targets) text = replaceRegion(text, original, target.region)!;
      expect(text, file).toBe(original);
    }
  });

  it('chapters/exercises.md has a section for each exercise, with its command', () => {
    const page = fs.readFileSync(path.join(ROOT, 'chapters/exercises.md'), 'utf8');
    const anchors = new Set([...page.matchAll(/^#{2,3} .*?\{#([\w-]+)\}\s*$/gm)].map((m) => m[1]));
    for (const exercise of EXERCISES) {
      expect(anchors, `exercises.md#${exercise.section}`).toContain(exercise.section);
      expect(page, `the command for ${exercise.name}`).toContain(
        `npm run learn -- run ${exercise.name}`,
      );
    }
  });
});

describe('a generated workspace', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'koa-session-stubs-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('type-checks with the project settings, every exercise stubbed', () => {
    writeWorkspace(dir);
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
    } catch (err) {
      output = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(output, 'tsc errors in the stubbed workspace').toBe('');
  }, 60_000);
});
