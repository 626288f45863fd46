/**
 * The stub generator and the catalog: every step target exists, stubs
 * keep signatures and doc comments and replace only bodies, a stubbed
 * workspace type-checks, and putting the reference bodies back gives the
 * reference files byte for byte.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { answerOf, checksOf, STEPS } from '../catalog.js';
import { PAGE, renderPage } from '../page.js';
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

  it('plants a bug whatever the formatter did to its line breaks and spaces', () => {
    const bug = { find: 'return ++this.#n;', replace: 'return this.#n++;' };
    const wrapped = SAMPLE.replace('return ++this.#n;', 'return ++this\n      .#n;');
    for (const source of [SAMPLE, wrapped]) {
      const { text: out } = stubRegions('s.ts', source, [{ ...request('bump'), bug }]);
      expect(out, 'the bug is planted').toContain('return this.#n++;');
    }
    const twice = { find: 'this.#n', replace: 'x' };
    expect(() => stubRegions('s.ts', SAMPLE, [{ ...request('bump'), bug: twice }])).not.toThrow();
    expect(() =>
      stubRegions('s.ts', SAMPLE, [{ ...request('bump'), bug: { find: 'nowhere', replace: '' } }]),
    ).toThrow(/exactly once/);
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

  it('every step has checks, three hints, and a target (or an answer sheet) that exists', () => {
    const names = new Set<string>();
    for (const step of STEPS) {
      expect(names.has(step.name), `duplicate name ${step.name}`).toBe(false);
      names.add(step.name);
      expect(fs.existsSync(path.join(ROOT, checksOf(step))), checksOf(step)).toBe(true);
      for (const hints of Object.values(step.hints)) expect(hints, step.name).toHaveLength(3);
      expect(step.hints[''], `${step.name} has default hints`).toBeDefined();
      const sheet = answerOf(step);
      if (sheet) {
        expect(step.target, `${step.name} is answered, not coded`).toBeUndefined();
        expect(fs.existsSync(path.join(ROOT, 'test/exercises', sheet)), sheet).toBe(true);
        continue;
      }
      const target = step.target!;
      expect(target, `${step.name} target`).toBeDefined();
      expect(!!step.bug, `${step.name}: a bug exactly for fix steps`).toBe(step.kind === 'fix');
      const file = sources.get(target.file);
      expect(file, `${step.name}: ${target.file}`).toBeDefined();
      const regions = findRegions(fs.readFileSync(file!, 'utf8')).map((r) => r.name);
      expect(regions, `${step.name}: region ${target.region} in ${target.file}`).toContain(
        target.region,
      );
    }
  });

  it('every quiz question has hints of its own, three levels each', () => {
    for (const step of STEPS.filter((s) => s.kind === 'quiz')) {
      const sheet = fs.readFileSync(path.join(ROOT, 'test/exercises', answerOf(step)!), 'utf8');
      const questions = sheet
        .split('\n')
        .filter((l) => !l.startsWith('#') && l.includes(':'))
        .map((l) => l.split(':')[0]!.trim());
      expect(Object.keys(step.questions ?? {}), step.name).toEqual(questions);
      for (const hints of Object.values(step.questions!)) expect(hints, step.name).toHaveLength(3);
    }
  });

  it('every step file belongs to exactly one step', () => {
    const files = fs.readdirSync(path.join(ROOT, 'test/exercises/steps'));
    const listed = STEPS.map((s) => path.basename(checksOf(s))).sort();
    expect(files.filter((f) => f.endsWith('.test.ts')).sort()).toEqual(listed);
  });

  it('every kind is there, and the steps follow the book’s chapters in order', () => {
    expect(new Set(STEPS.map((s) => s.kind))).toEqual(new Set(['write', 'fix', 'predict', 'quiz']));
    const chapters = STEPS.map((s) => s.chapter);
    expect(chapters).toEqual([...chapters].sort((a, b) => a - b));
  });

  it('shipping every step, then restoring each region from the source, gives the source back', () => {
    const shipped = renderWorkspace(STEPS).files;
    for (const [file, from] of sources) {
      const original = fs.readFileSync(from, 'utf8');
      const targets = STEPS.flatMap((s) => (s.target ? [s.target] : [])).filter(
        (t) => t.file === file,
      );
      let text = shipped.get(file)!;
      if (targets.length) expect(text, file).not.toBe(original);
      for (const target of targets) text = replaceRegion(text, original, target.region)!;
      expect(text, file).toBe(original);
    }
  });

  it('every step’s "Read:" link is a section of a chapter that exists', () => {
    const slug = (heading: string) =>
      heading
        .toLowerCase()
        .replace(/[^\w\s-]/g, '')
        .trim()
        .replace(/\s+/g, '-');
    for (const step of STEPS) {
      const [file, anchor] = step.read.split('#');
      expect(anchor, `${step.name}: ${step.read} names a section`).toBeTruthy();
      const text = fs.readFileSync(path.join(ROOT, file!), 'utf8');
      const anchors = [...text.matchAll(/^#{2,4} (.*?)(?: \{#([\w-]+)\})?\s*$/gm)].map(
        (m) => m[2] ?? slug(m[1]!),
      );
      expect(anchors, `${step.name}: ${step.read}`).toContain(anchor);
    }
  });

  it('the list of steps in chapters/exercises.md is the generated one (npm run exercises:page)', () => {
    const page = fs.readFileSync(PAGE, 'utf8');
    expect(renderPage(page) === page, 'run npm run exercises:page').toBe(true);
  });

  it('each chapter with steps links to them from its Exercises section', () => {
    for (const chapter of new Set(STEPS.map((s) => s.chapter))) {
      const file = fs
        .readdirSync(path.join(ROOT, 'chapters'))
        .find((f) => f.startsWith(`${String(chapter).padStart(2, '0')}-`))!;
      const text = fs.readFileSync(path.join(ROOT, 'chapters', file), 'utf8');
      const section = text.slice(text.indexOf('## Exercises {#exercises}'));
      expect(section, `${file}: its Exercises section`).toContain(
        `(./exercises.md#chapter-${chapter})`,
      );
      for (const step of STEPS.filter((s) => s.chapter === chapter)) {
        expect(section, `${file} names ${step.name}`).toContain(`\`${step.name}\``);
      }
    }
  });

  it('chapters/exercises.md lists each step with its chapter, kind and command', () => {
    const page = fs.readFileSync(path.join(ROOT, 'chapters/exercises.md'), 'utf8');
    for (const step of STEPS) {
      const row = page
        .split('\n')
        .find((line) => line.startsWith(`- **${STEPS.indexOf(step) + 1}. \`${step.name}\``));
      expect(row, `a row for ${step.name}`).toBeDefined();
      expect(row, `${step.name}: its kind`).toContain(step.kind);
      expect(row, `${step.name}: its command`).toContain(`npm run learn -- run ${step.name}`);
    }
  });
});

describe('a generated workspace', () => {
  it('never calls itself the reference solution', () => {
    for (const [file, text] of renderWorkspace(STEPS).files) {
      expect(text, file).not.toMatch(/reference solution|the solution/i);
    }
  });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'koa-session-stubs-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('type-checks with the project settings, every step as shipped', () => {
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
