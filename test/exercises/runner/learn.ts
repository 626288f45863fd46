/**
 * `npm run learn`, as a library: the CLI in ../learn.ts is a thin wrapper,
 * and test/exercises/learn.test.ts drives these functions exactly as a
 * learner's terminal would.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EXERCISES, type Exercise, findExercise } from '../catalog.js';
import { parseTodo } from './stubs.js';
import { type FileResult, fileOk, LOADING, runTestFiles } from './vitest.js';
import {
  isWorkspace,
  type Progress,
  readProgress,
  renderWorkspace,
  resetExercise,
  writeProgress,
  writeWorkspace,
} from './workspace.js';

/** Where lines go: the terminal, or an array in a test. */
export type Print = (line?: string) => void;

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (text: string) =>
  useColor ? `\u001b[${code}m${text}\u001b[0m` : text;
export const green = paint(32);
export const red = paint(31);
export const yellow = paint(33);
export const dim = paint(2);
export const bold = paint(1);

/** Workspace path as the learner would type it (relative to where they are). */
function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

function position(exercise: Exercise): string {
  return `${EXERCISES.indexOf(exercise) + 1}/${EXERCISES.length}`;
}

export interface LearnOutcome {
  /** The workspace was created by this run. */
  created: boolean;
  /** Exercises that passed in this run, in order. */
  passed: string[];
  /** The exercise that stopped the run, if any. */
  failing?: { exercise: Exercise; result: FileResult };
  /** Exercises skipped because a service they need is not running. */
  skipped: string[];
  /** Every exercise is done. */
  finished: boolean;
}

/** Make the workspace if it is not there yet; say so. */
export function ensureWorkspace(dir: string, print: Print): boolean {
  if (isWorkspace(dir)) return false;
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    // Never overwrite something we did not make.
    const known = new Set(['progress.json']);
    const foreign = fs.readdirSync(dir).filter((f) => !known.has(f));
    if (foreign.length) {
      throw new Error(
        `${shown(dir)} exists but is not an exercise workspace (it has ${foreign.slice(0, 3).join(', ')}). ` +
          'Move it away or choose another folder with --workspace.',
      );
    }
  }
  writeWorkspace(dir);
  print(bold(`Created your exercise workspace in ${shown(dir)}/`));
  print(
    `It is a copy of src/ in which the ${EXERCISES.length} exercises' functions are TODOs. Edit the files there, never src/.`,
  );
  print();
  return true;
}

/**
 * Run the exercises in order, from the first one not done yet (or from the
 * start with `all`), and stop at the first that fails. With `only`, run
 * just that exercise, whatever its place.
 */
export async function runExercises(
  dir: string,
  print: Print,
  { all = false, only }: { all?: boolean; only?: Exercise } = {},
): Promise<LearnOutcome> {
  const created = ensureWorkspace(dir, print);
  const progress = readProgress(dir);
  const outcome: LearnOutcome = { created, passed: [], skipped: [], finished: false };
  for (const exercise of only ? [only] : EXERCISES) {
    if (!all && !only && progress.done[exercise.name]) continue;
    const [result] = await runTestFiles([exercise.test], dir);
    if (result!.passed === 0 && result!.failed === 0 && result!.skipped > 0) {
      outcome.skipped.push(exercise.name);
      print(
        yellow(
          `-  ${position(exercise)} ${exercise.name}: skipped — it needs ${exercise.needs}, which is not running.`,
        ),
      );
      print(dim('   Start it (README "Services") and run npm run learn again to do this one.'));
      continue;
    }
    if (fileOk(result!)) {
      if (!progress.done[exercise.name]) progress.done[exercise.name] = new Date().toISOString();
      writeProgress(dir, progress);
      outcome.passed.push(exercise.name);
      print(green(`✓  ${position(exercise)} ${exercise.name}`) + dim(` — ${exercise.title}`));
      continue;
    }
    if (progress.done[exercise.name]) {
      // It passed once; something since broke it.
      delete progress.done[exercise.name];
      writeProgress(dir, progress);
    }
    outcome.failing = { exercise, result: result! };
    printFailure(dir, exercise, result!, print);
    return outcome;
  }
  outcome.finished = EXERCISES.every((e) => progress.done[e.name]);
  if (only) return outcome;
  print();
  if (outcome.finished) {
    print(bold(green(`All ${EXERCISES.length} exercises done. You have rebuilt koa-session.`)));
    print('Compare your workspace with the reference any time: diff -r .learn/src src');
  } else if (outcome.skipped.length) {
    print(`Everything else is done; ${outcome.skipped.join(', ')} waits for its service.`);
  }
  return outcome;
}

function printFailure(dir: string, exercise: Exercise, result: FileResult, print: Print): void {
  const total = result.passed + result.failed;
  print(`${red(bold(`✗  ${position(exercise)} ${exercise.name}`))} — ${exercise.title}`);
  print();
  const [first] = result.failures;
  const todo = first && parseTodo(first.message);
  if (first && todo) {
    const where = first.where ? ` (${shown(first.where)})` : '';
    print(`   Not written yet: ${bold(todo.name)}${where}`);
    if (todo.exercise !== exercise.name) {
      print(
        yellow(
          `   That function belongs to exercise "${todo.exercise}", which this one builds on: solve it first.`,
        ),
      );
    }
  } else if (first && first.test === LOADING) {
    print('   The tests could not load your code:');
    for (const line of plainLines(first.message, 14)) print(`     ${line}`);
  } else if (first) {
    print(`   This check fails: ${bold(first.test.replace(/ > /g, ' › '))}`);
    const diff = expectedReceived(first);
    // With expected/received at hand, Vitest's one-line summary of them
    // ("expected 'a…' to be 'b…' // Object.is equality") only repeats them.
    const message = diff ? first.message.split(/(?:^|: )expected /)[0]! : first.message;
    for (const line of plainLines(message, 8)) if (line) print(`     ${line}`);
    if (diff) {
      print(`     expected: ${diff.expected}`);
      print(`     received: ${diff.received}`);
    }
    if (first.where) print(dim(`     at ${shown(first.where)}`));
  }
  if (result.failed > 1) {
    print(
      dim(
        `   (${result.passed} of ${total} checks pass; ${result.failed - 1} more fail after this one.)`,
      ),
    );
  }
  if (result.logs.length) {
    print();
    print('   Your code printed:');
    const lines = result.logs.flatMap((log) => plainLines(log, 1000));
    for (const line of lines.slice(0, 20)) print(`     ${line}`);
    if (lines.length > 20) print(dim(`     … and ${lines.length - 20} more lines`));
  }
  print();
  const fns = renderWorkspace([exercise]).functions.get(exercise.name) ?? [];
  const files = [...new Set(fns.map((f) => f.file))];
  print(
    `   Write:  ${files.map((f) => shown(path.join(dir, f))).join(', ')} — ${fns.map((f) => f.name).join(', ')}`,
  );
  print(`   Hint:   ${exercise.hints[0]}`);
  print(`   Read:   ${exercise.read}  ·  chapters/exercises.md#${exercise.section}`);
  print(dim(`   More hints: npm run learn -- hint ${exercise.name}  ·  test: ${exercise.test}`));
}

/** Text without colour codes (unless we are colouring), as at most `max` lines. */
function plainLines(text: string, max: number): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes
  const clean = useColor ? text : text.replace(/\u001b\[[0-9;]*m/g, '');
  const lines = clean.split('\n');
  return lines.length > max ? [...lines.slice(0, max), '…'] : lines;
}

function expectedReceived(failure: {
  expected?: string;
  actual?: string;
}): { expected: string; received: string } | undefined {
  const { expected, actual } = failure;
  if (expected === undefined || actual === undefined) return undefined;
  const one = (text: string) => {
    const flat = text.replace(/\s*\n\s*/g, ' ');
    return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
  };
  return { expected: one(expected), received: one(actual) };
}

/** `list`: every exercise, where you are, and where to read. */
export function listExercises(dir: string, print: Print): void {
  const progress: Progress = isWorkspace(dir) ? readProgress(dir) : { done: {} };
  const next = EXERCISES.find((e) => !progress.done[e.name]);
  print(bold(`Exercises (${Object.keys(progress.done).length} of ${EXERCISES.length} done)`));
  print();
  EXERCISES.forEach((exercise, i) => {
    const mark = progress.done[exercise.name] ? green('✓') : exercise === next ? yellow('→') : ' ';
    const number = String(i + 1).padStart(2);
    print(`  ${mark} ${number}  ${exercise.name.padEnd(22)} ${exercise.title}`);
    print(dim(`${' '.repeat(31)}${exercise.read}`));
  });
  print();
  print(dim('npm run learn -- run NAME  ·  hint NAME  ·  reset NAME'));
}

/** `run NAME`: one exercise, whatever its place in the order. */
export async function runOne(name: string, dir: string, print: Print): Promise<boolean> {
  const exercise = findExercise(name);
  if (!exercise) {
    unknownExercise(name, print);
    return false;
  }
  await runExercises(dir, print, { only: exercise });
  return true;
}

/** `hint NAME`: every hint, the files to edit, what to read. */
export function showHints(name: string, dir: string, print: Print): boolean {
  const exercise = findExercise(name);
  if (!exercise) {
    unknownExercise(name, print);
    return false;
  }
  print(bold(`${position(exercise)} ${exercise.name} — ${exercise.title}`));
  print();
  for (const [i, hint] of exercise.hints.entries()) print(`  ${i + 1}. ${hint}`);
  print();
  const fns = renderWorkspace([exercise]).functions.get(exercise.name) ?? [];
  for (const fn of fns) print(`  Write: ${shown(path.join(dir, fn.file))}  ${fn.name}`);
  print(`  Read:  ${exercise.read}`);
  print(`  Test:  ${exercise.test}`);
  return true;
}

/** `reset NAME`: put that exercise's TODOs back and forget it was done. */
export function resetOne(name: string, dir: string, print: Print): boolean {
  const exercise = findExercise(name);
  if (!exercise) {
    unknownExercise(name, print);
    return false;
  }
  if (!isWorkspace(dir)) {
    print(`There is no workspace in ${shown(dir)} yet: npm run learn creates it.`);
    return false;
  }
  const files = resetExercise(dir, exercise);
  const progress = readProgress(dir);
  delete progress.done[exercise.name];
  writeProgress(dir, progress);
  print(
    `Reset ${bold(exercise.name)}: its functions in ${files.map((f) => shown(path.join(dir, f))).join(', ')} are TODOs again.`,
  );
  return true;
}

function unknownExercise(name: string, print: Print): void {
  print(`There is no exercise called "${name}". The exercises are:`);
  for (const exercise of EXERCISES) print(`  ${exercise.name}`);
}
