/**
 * A learner's first steps, driven end to end: a fresh workspace in a
 * temporary folder, `npm run learn` stops at exercise 1; exercise 1 is
 * solved by copying in the reference bodies; the next run moves on to
 * exercise 2 and records exercise 1 as done. The first run goes through
 * the real command line (`npm run learn`); the others through the module
 * it wraps, which is faster.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { EXERCISES } from '../catalog.js';
import { listExercises, resetOne, runExercises, showHints } from './learn.js';
import { replaceRegion } from './stubs.js';
import { ROOT, readProgress, renderWorkspace } from './workspace.js';

const run = promisify(execFile);

/** The environment of a learner's shell: none of this test runner's Vitest variables. */
function learnerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of Object.keys(env)) {
    if (name.startsWith('VITEST') || name === 'KOA_SESSION_WORKSPACE') delete env[name];
  }
  return env;
}

/** `npm run learn -- …args`, as typed in a terminal. */
async function npmLearn(...args: string[]): Promise<{ stdout: string; code: number }> {
  try {
    const { stdout } = await run('npm', ['run', '--silent', 'learn', '--', ...args], {
      cwd: ROOT,
      env: learnerEnv(),
    });
    return { stdout, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; code?: number };
    return { stdout: e.stdout ?? '', code: e.code ?? 1 };
  }
}

function capture() {
  const lines: string[] = [];
  return { lines, print: (line = '') => lines.push(line), text: () => lines.join('\n') };
}

/** Solve an exercise the way a learner who peeked would: copy each reference body in. */
function solveWithReference(workspace: string, name: string): void {
  const exercise = EXERCISES.find((e) => e.name === name)!;
  const reference = renderWorkspace([]).files;
  for (const target of exercise.targets) {
    const file = path.join(workspace, target.file);
    const solved = replaceRegion(
      fs.readFileSync(file, 'utf8'),
      reference.get(target.file)!,
      target.region,
    );
    fs.writeFileSync(file, solved!);
  }
}

describe('npm run learn, as a learner uses it', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'koa-session-learn-'));
  const workspace = path.join(tmp, 'workspace');
  const [first, second] = EXERCISES;
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('first run: creates the workspace and stops at exercise 1, in plain words', async () => {
    const { stdout, code } = await npmLearn('--workspace', workspace);
    expect(code, 'a failing exercise is not an error: exit 0').toBe(0);
    expect(stdout).toContain('Created your exercise workspace');
    expect(stdout).toContain(`✗  1/${EXERCISES.length} ${first!.name}`);
    expect(stdout, 'says what is missing').toMatch(/Not written yet: sign \(.*cookies\.ts:\d+\)/);
    expect(stdout, 'a hint').toContain(`Hint:   ${first!.hints[0]}`);
    expect(stdout, 'the chapter section').toContain(first!.read);
    expect(stdout, 'the exercises page section').toContain(
      `chapters/exercises.md#${first!.section}`,
    );
    expect(stdout, 'no stack trace').not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    expect(stdout, 'it stopped at the first failure').not.toContain(second!.name);
    expect(fs.readFileSync(path.join(workspace, 'cookies.ts'), 'utf8')).toContain(
      'TODO(sign-cookies)',
    );
    expect(readProgress(workspace).done, 'nothing done yet').toEqual({});
  }, 120_000);

  it('running again without changes stops at the same place', async () => {
    const out = capture();
    const outcome = await runExercises(workspace, out.print);
    expect(outcome.created).toBe(false);
    expect(outcome.passed).toEqual([]);
    expect(outcome.failing?.exercise.name).toBe(first!.name);
  }, 60_000);

  it('after solving exercise 1, the runner moves on to exercise 2 and records progress', async () => {
    solveWithReference(workspace, first!.name);
    const out = capture();
    const outcome = await runExercises(workspace, out.print);
    expect(outcome.passed, 'exercise 1 now passes').toEqual([first!.name]);
    expect(outcome.failing?.exercise.name, 'and exercise 2 is next').toBe(second!.name);
    expect(out.text()).toContain(`✓  1/${EXERCISES.length} ${first!.name}`);
    expect(out.text()).toContain(`Not written yet: parseSetCookie`);
    const done = readProgress(workspace).done;
    expect(Object.keys(done), 'progress.json records exercise 1').toEqual([first!.name]);
    expect(Number.isNaN(Date.parse(done[first!.name]!)), 'with a date').toBe(false);
  }, 60_000);

  it('progress is remembered: the next run starts at exercise 2 without re-running 1', async () => {
    const out = capture();
    const outcome = await runExercises(workspace, out.print);
    expect(outcome.passed, 'exercise 1 is not run again').toEqual([]);
    expect(out.text()).not.toContain(first!.name);
    expect(out.text()).toContain(`✗  2/${EXERCISES.length} ${second!.name}`);
  }, 60_000);

  it('list shows exercise 1 done and exercise 2 next', () => {
    const out = capture();
    listExercises(workspace, out.print);
    expect(out.text()).toContain(`1 of ${EXERCISES.length} done`);
    expect(out.lines.find((l) => l.includes(first!.name))).toContain('✓');
    expect(out.lines.find((l) => l.includes(second!.name))).toContain('→');
  });

  it('hint shows every hint and the function to write', () => {
    const out = capture();
    expect(showHints(second!.name, workspace, out.print)).toBe(true);
    for (const hint of second!.hints) expect(out.text()).toContain(hint);
    expect(out.text()).toContain('parseSetCookie');
    expect(showHints('no-such-exercise', workspace, capture().print)).toBe(false);
  });

  it('reset puts exercise 1 back to TODOs and forgets it was done', async () => {
    const out = capture();
    expect(resetOne(first!.name, workspace, out.print)).toBe(true);
    expect(fs.readFileSync(path.join(workspace, 'cookies.ts'), 'utf8')).toContain(
      'TODO(sign-cookies)',
    );
    expect(readProgress(workspace).done).toEqual({});
    const again = await runExercises(workspace, capture().print);
    expect(again.failing?.exercise.name, 'exercise 1 is the next one again').toBe(first!.name);
  }, 60_000);
});
