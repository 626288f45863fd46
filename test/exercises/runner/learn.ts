/**
 * `npm run learn`, as a library: the CLI in ../learn.ts is a thin wrapper,
 * and the runner's tests drive these functions (and the CLI itself) as a
 * learner's terminal would.
 *
 * What a learner sees is decided here: one step at a time, only the check
 * that fails, the learner's own code named by file and line, the real
 * exchange beside a prediction, and hints only when asked for.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  answerOf,
  checksOf,
  dependantsOf,
  findStep,
  hintsFor,
  type Kind,
  STEPS,
  type Step,
} from '../catalog.js';
import { StepProcess, TIME_LIMIT_MS } from './pool.js';
import type { CheckFailure, StepRun } from './protocol.js';
import { isWorkspace, type Progress, ROOT, readProgress, writeProgress } from './workspace.js';

/** Where lines go: the terminal, or an array in a test. */
export type Print = (line?: string) => void;

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (text: string) =>
  useColor ? `\u001b[${code}m${text}\u001b[0m` : text;
export const green = paint(32);
export const red = paint(31);
export const yellow = paint(33);
export const cyan = paint(36);
export const dim = paint(2);
export const bold = paint(1);

/** A path as the learner would type it (relative to where they are). */
function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

const number = (step: Step) => STEPS.indexOf(step) + 1;
const KIND_WORDS: Record<Kind, string> = {
  write: 'write',
  fix: 'fix',
  predict: 'predict',
  quiz: 'quiz',
};

/** "7/42 middleware · write · chapter 3" */
function label(step: Step): string {
  return `${number(step)}/${STEPS.length} ${step.name} ${dim(`· ${KIND_WORDS[step.kind]} · chapter ${step.chapter}`)}`;
}

export interface LearnOutcome {
  /** The workspace was created by this run. */
  created: boolean;
  /** Steps ticked in this run, in order. */
  passed: string[];
  /** The step that stopped the run, if any. */
  failing?: { step: Step; run: StepRun };
  /** Steps skipped because a service they need is not running. */
  skipped: string[];
  /** A step passed its checks but the workspace does not type-check. */
  typeErrors?: string;
  /** Every step is done. */
  finished: boolean;
}

/** Make the workspace if it is not there yet; say so. */
export async function ensureWorkspace(dir: string, print: Print): Promise<boolean> {
  if (isWorkspace(dir)) return false;
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    // Never overwrite something we did not make.
    const known = new Set(['progress.json', 'backups']);
    const foreign = fs.readdirSync(dir).filter((f) => !known.has(f));
    if (foreign.length) {
      throw new Error(
        `${shown(dir)} exists but is not an exercise workspace (it has ${foreign.slice(0, 3).join(', ')}). ` +
          'Move it away or choose another folder with --workspace.',
      );
    }
  }
  // The generator needs the TypeScript compiler, which is slow to load:
  // only this first run pays for it.
  const { writeWorkspace } = await import('./workspace.js');
  writeWorkspace(dir);
  print(bold(`Created your workspace in ${shown(dir)}/`));
  print(
    `It is a copy of src/ with ${STEPS.length} steps to do: functions to write (TODOs), bugs to fix,`,
  );
  print(
    `and predictions and quizzes to answer in ${shown(path.join(dir, 'answers'))}/. Edit there, never src/.`,
  );
  print();
  return true;
}

/**
 * Type-check the workspace with the project's settings, incrementally (the
 * second run reuses the first one's work). Resolves to the compiler's
 * complaints, or `''` when there are none.
 */
export function typecheck(dir: string): { done: Promise<string>; child: ChildProcess } {
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  const child = spawn(
    process.execPath,
    [
      tsc,
      '-p',
      path.join(dir, 'tsconfig.json'),
      '--noEmit',
      '--incremental',
      '--tsBuildInfoFile',
      path.join(dir, '.tsbuildinfo'),
      '--pretty',
      'false',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    out += chunk;
  });
  const done = new Promise<string>((resolve) => {
    child.on('close', (code) => resolve(code === 0 ? '' : out.trim() || `tsc exited with ${code}`));
  });
  return { done, child };
}

export interface RunOptions {
  /** Re-check steps already done. */
  all?: boolean;
  /** Run just this step, whatever its place. */
  only?: Step;
  /** A process started earlier (the CLI starts one before anything else). */
  process?: StepProcess;
  /** Type-check passing code steps before ticking them (default on). */
  typecheck?: boolean;
  /** Called with the verdict before the type-check runs (watch mode prints early). */
  onVerdict?: () => void;
  /** Time limit per step, in ms. */
  limit?: number;
}

/**
 * Run the steps in order, from the first one not done yet (or from the
 * start with `all`), in one child process, and stop at the first that
 * fails. Passing code steps are ticked only once the workspace
 * type-checks.
 */
export async function runSteps(
  dir: string,
  print: Print,
  options: RunOptions = {},
): Promise<LearnOutcome> {
  const proc = options.process ?? new StepProcess();
  let created: boolean;
  try {
    created = await ensureWorkspace(dir, print);
  } catch (err) {
    proc.kill();
    throw err;
  }
  const progress = readProgress(dir);
  const outcome: LearnOutcome = { created, passed: [], skipped: [], finished: false };
  const todo = options.only
    ? [options.only]
    : STEPS.filter((step) => options.all || !progress.done[step.name]);
  if (todo.length === 0) {
    proc.kill();
    outcome.finished = true;
    print(bold(green(`All ${STEPS.length} steps are done. You have rebuilt koa-session.`)));
    print('Compare your workspace with the reference any time: diff -r .learn/src src');
    return outcome;
  }
  const runs = await proc.run(
    { workspace: dir, files: todo.map(checksOf), explain: true, stopAtFailure: true },
    options.limit,
  );
  const passing: Step[] = [];
  let failed: { step: Step; run: StepRun } | undefined;
  for (const run of runs) {
    const step = todo.find((s) => checksOf(s) === run.file)!;
    if (!run.failure && !run.timedOut && run.total === 0 && run.skipped > 0) {
      outcome.skipped.push(step.name);
    } else if (run.failure || run.timedOut || run.total === 0) {
      failed = { step, run };
      break;
    } else {
      passing.push(step);
    }
  }
  // What passed is shown at once; a code step is ticked only once the
  // workspace type-checks, which takes a few seconds more. The compiler
  // starts only now: most runs end in a failing check, and those should
  // not share the machine with it.
  const needTypes = options.typecheck !== false && passing.some((s) => s.target);
  const types = needTypes ? typecheck(dir) : undefined;
  for (const step of passing) {
    const waiting = needTypes && step.target ? dim('  (checks pass; type-checking…)') : '';
    print(`${green('✓')}  ${label(step)}  ${dim(step.title)}${waiting}`);
  }
  for (const name of outcome.skipped) {
    const step = findStep(name)!;
    print(
      yellow(
        `-  ${number(step)}/${STEPS.length} ${step.name}: skipped — it needs ${step.needs}, which is not running.`,
      ),
    );
    print(dim('   Start it (README "Services") and run npm run learn again to do this one.'));
  }
  let cause: Step | undefined;
  if (failed) {
    const { step, run } = failed;
    if (progress.done[step.name]) delete progress.done[step.name];
    outcome.failing = failed;
    progress.failing = { step: step.name, check: run.failure?.check ?? run.timedOut?.check };
    cause = printFailure(dir, step, run, print, options.limit ?? TIME_LIMIT_MS);
    if (cause) delete progress.done[cause.name];
  }
  options.onVerdict?.();
  const typeErrors = types ? await types.done : '';
  const firstCode = passing.find((s) => s.target);
  for (const step of passing) {
    if (typeErrors && firstCode && STEPS.indexOf(step) >= STEPS.indexOf(firstCode)) break;
    progress.done[step.name] ??= new Date().toISOString();
    outcome.passed.push(step.name);
  }
  if (typeErrors && firstCode) {
    outcome.typeErrors = typeErrors;
    print();
    printTypeErrors(dir, firstCode, typeErrors, print);
    outcome.failing ??= {
      step: firstCode,
      run: { file: checksOf(firstCode), passed: 0, total: 0, skipped: 0 },
    };
    progress.failing = { step: firstCode.name, check: undefined };
    writeProgress(dir, progress);
    return outcome;
  }
  if (failed) {
    writeProgress(dir, progress);
    return outcome;
  }
  progress.failing = undefined;
  writeProgress(dir, progress);
  outcome.finished = STEPS.every((s) => progress.done[s.name]);
  if (options.only) return outcome;
  print();
  if (outcome.finished) {
    print(bold(green(`All ${STEPS.length} steps done. You have rebuilt koa-session.`)));
    print('Compare your workspace with the reference any time: diff -r .learn/src src');
  } else if (outcome.skipped.length) {
    print(`Everything else is done; ${outcome.skipped.join(', ')} waits for its service.`);
  }
  return outcome;
}

function printTypeErrors(dir: string, step: Step, errors: string, print: Print): void {
  print(`${yellow('●')}  ${label(step)} — its checks pass, but TypeScript does not agree yet,`);
  print('   so it is not ticked:');
  print();
  const lines = errors.split('\n').filter((l) => /error TS/.test(l));
  for (const line of lines.slice(0, 5)) {
    const rel = line.startsWith(dir) ? path.relative(process.cwd(), line) : line;
    print(`     ${rel.replace(/^\.\.\/.*?\.learn/, '.learn')}`);
  }
  if (lines.length > 5) print(dim(`     … and ${lines.length - 5} more`));
  print();
  print(`   The step is ticked once ${shown(dir)} type-checks (npx tsc -p ${shown(dir)}).`);
}

/** A stack frame in the learner's workspace. */
interface Frame {
  file: string;
  line: number;
  fn: string;
}

/** Frames of `stack` inside the workspace (not its node_modules), innermost first. */
export function learnerFrames(stack: string | undefined, dir: string): Frame[] {
  if (!stack) return [];
  const frames: Frame[] = [];
  for (const line of stack.split('\n')) {
    const match = /^\s*at (?:(.+?) \()?(?:file:\/\/)?(\/[^():]+):(\d+):\d+\)?$/.exec(line);
    if (!match) continue;
    const file = match[2]!;
    if (!file.startsWith(dir + path.sep) || file.includes('/node_modules/')) continue;
    frames.push({ file, line: Number(match[3]), fn: (match[1] ?? '').replace(/^async /, '') });
  }
  return frames;
}

/** The step whose region holds `frame`, if it is a step's code. */
function stepAt(frame: Frame, dir: string): Step | undefined {
  const rel = path.relative(dir, frame.file).split(path.sep).join('/');
  let text: string;
  try {
    text = fs.readFileSync(frame.file, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  for (const step of STEPS) {
    const target = step.target;
    if (target?.file !== rel) continue;
    const open = lines.findIndex((l) => l.trim() === `// #region ${target.region}`);
    const close = lines.findIndex((l) => l.trim() === `// #endregion ${target.region}`);
    if (open !== -1 && close !== -1 && frame.line > open && frame.line <= close + 1) return step;
  }
  return undefined;
}

/** Where the learner edits a step: the region's signature line in the workspace. */
export function whereToEdit(dir: string, step: Step): string {
  const file = step.target?.file ?? answerOf(step)!;
  const at = path.join(dir, file);
  if (!step.target) return shown(at);
  let lines: string[] = [];
  try {
    lines = fs.readFileSync(at, 'utf8').split('\n');
  } catch {
    return shown(at);
  }
  const open = lines.findIndex((l) => l.trim() === `// #region ${step.target!.region}`);
  if (open === -1) return shown(at);
  let inComment = false;
  for (let i = open + 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line.startsWith('/**') || line.startsWith('/*')) inComment = !line.includes('*/');
    else if (inComment) inComment = !line.includes('*/');
    else if (line && !line.startsWith('//') && !line.startsWith('@')) {
      return `${shown(at)}:${i + 1}  ${dim(line.length > 70 ? `${line.slice(0, 70)}…` : line)}`;
    }
  }
  return `${shown(at)}:${open + 1}`;
}

/** A value as the learner should see it: on one line, at most `max` characters. */
function oneLine(text: string, max = 160): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function plainLines(text: string, max: number): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes
  const lines = text.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
  return lines.length > max ? [...lines.slice(0, max), '…'] : lines;
}

/** The TODO a stub throws: `TODO(step): name is not written yet. …` */
function parseTodo(message: string): { step: string; fn: string } | undefined {
  const match = /^TODO\(([\w-]+)\): (.+?) is not written yet\./.exec(message);
  return match ? { step: match[1]!, fn: match[2]! } : undefined;
}

/**
 * Print why `step` failed. Returns an earlier step named as the cause (its
 * code threw, or it is still a TODO), so the caller can un-tick it.
 */
function printFailure(
  dir: string,
  step: Step,
  run: StepRun,
  print: Print,
  limit: number,
): Step | undefined {
  print(`${red(bold('✗'))}  ${bold(label(step))}  ${step.title}`);
  print();
  let cause: Step | undefined;
  if (run.timedOut) {
    print(`   ${bold('Your code did not finish')} — a loop that never ends?`);
    print(`   It was stopped after ${(limit / 1000).toFixed(0)} s, during the check:`);
    if (run.timedOut.check) print(`     ${run.timedOut.check}`);
    const frames = learnerFrames(run.timedOut.stack, dir);
    printFrames(frames, print, 'Your code was here when it was stopped, innermost first:');
    print(
      '   Look for a while/for loop whose condition never changes, or a function that calls itself.',
    );
  } else if (run.failure) {
    cause = printCheckFailure(dir, step, run, run.failure, print);
  } else {
    print('   This step has no checks that ran. That is a bug in the exercises: please report it.');
  }
  print();
  if (step.kind === 'predict' || step.kind === 'quiz') {
    print(`   Answer: ${whereToEdit(dir, step)}`);
  } else {
    print(`   ${step.kind === 'fix' ? 'Fix:   ' : 'Write: '} ${whereToEdit(dir, step)}`);
  }
  print(`   Read:   ${step.read}`);
  print(dim(`   Stuck?  npm run learn -- hint   (a nudge first; ask again for more)`));
  return cause;
}

function printCheckFailure(
  dir: string,
  step: Step,
  run: StepRun,
  failure: CheckFailure,
  print: Print,
): Step | undefined {
  const todo = parseTodo(failure.message);
  const frames = learnerFrames(failure.stack, dir);
  const owner = frames.map((f) => stepAt(f, dir)).find(Boolean);
  const earlier = (s: Step | undefined) => s && s !== step && number(s) < number(step);
  let cause: Step | undefined;

  if (failure.loading) {
    print('   The checks could not load your code:');
    for (const line of plainLines(failure.message, 10)) print(`     ${line}`);
  } else if (todo && todo.step === step.name) {
    print(`   Not written yet: ${bold(todo.fn)}`);
    print(dim(`   (check ${run.passed + 1} of ${run.total}: ${failure.check})`));
  } else if (todo) {
    cause = findStep(todo.step);
    print(`   This step needs ${bold(todo.fn)}, which is still a TODO.`);
    if (cause) {
      print(
        yellow(
          `   It belongs to step ${number(cause)} (${cause.name}): do that one first — npm run learn -- run ${number(cause)}`,
        ),
      );
    }
  } else {
    print(`   Check ${run.passed + 1} of ${run.total} fails: ${bold(failure.check)}`);
    if (failure.table) {
      printTable(failure, print);
    } else if (failure.diff) {
      if (failure.label) print(`     ${failure.label}`);
      print(`     expected: ${oneLine(failure.expected ?? '')}`);
      print(`     received: ${oneLine(failure.actual ?? '')}`);
    } else {
      const name = failure.errorName ? `${failure.errorName}: ` : '';
      const lines = plainLines(`${name}${failure.message}`, 6);
      for (const line of lines) if (line) print(`     ${line}`);
    }
    if (!failure.assertion && !failure.loading) {
      print(dim('   (your code threw this error; the check did not get to compare anything)'));
    }
    if (frames.length) printFrames(frames, print, 'Your code, innermost first:');
    if (owner && earlier(owner)) {
      cause = owner;
      print(
        yellow(
          `   The error comes from step ${number(owner)} (${owner.name}), which passed before — something there changed.`,
        ),
      );
      print(
        yellow(`   It is un-ticked; fix it there first: npm run learn -- run ${number(owner)}`),
      );
    }
  }
  if (failure.loading || todo) {
    if (!(todo && todo.step === step.name))
      printFrames(frames, print, 'Your code, innermost first:');
  }

  const swallowed = (failure.caught ?? [])
    .map((c) => ({ ...c, frames: learnerFrames(c.stack, dir) }))
    .filter((c) => c.frames.length && !c.message.includes(failure.message));
  if (swallowed.length) {
    const [first] = swallowed;
    print();
    print(yellow('   Your code threw an error that was caught before this check could see it'));
    print(yellow('   (the port’s hardening turns such errors into a fresh session):'));
    print(`     ${bold(oneLine(first!.message))}`);
    printFrames(first!.frames, print);
    const from = first!.frames.map((f) => stepAt(f, dir)).find(Boolean);
    if (from && from !== step) {
      print(
        yellow(
          `   That is step ${number(from)}'s code (${from.name}): npm run learn -- run ${number(from)}`,
        ),
      );
      if (earlier(from)) cause ??= from;
    }
  }
  if (failure.logs.length) {
    print();
    print('   Your code printed, during this check:');
    const lines = failure.logs.flatMap((log) => plainLines(log, 1000));
    for (const line of lines.slice(0, 12))
      print(`     ${line === '' || /^\s+$/.test(line) ? JSON.stringify(line) : line}`);
    if (lines.length > 12) print(dim(`     … and ${lines.length - 12} more lines`));
  }
  return cause;
}

function printFrames(frames: Frame[], print: Print, heading?: string): void {
  if (!frames.length) return;
  if (heading) print(dim(`   ${heading}`));
  for (const frame of frames.slice(0, 2)) {
    print(
      `     ${cyan(`${shown(frame.file)}:${frame.line}`)}${frame.fn ? `  ${dim(frame.fn)}` : ''}`,
    );
  }
}

function printTable(failure: CheckFailure, print: Print): void {
  const rows = failure.table!;
  const quiz = rows.every((row) => row.real === undefined);
  print(`     ${failure.message}`);
  print();
  const keyWidth = Math.max(...rows.map((r) => r.key.length), 8);
  const quote = (text: string) => (text.trim() ? text : JSON.stringify(text));
  if (quiz) {
    print(dim(`     ${'question'.padEnd(keyWidth)}  your answer`));
    for (const row of rows) {
      const mark = row.ok ? green('✓') : red('✗ not yet');
      print(`     ${row.key.padEnd(keyWidth)}  ${quote(row.given).padEnd(24)} ${mark}`);
    }
    return;
  }
  // The truth is shown only beside a prediction you have made: a blank
  // line stays hidden, so the sheet cannot be filled in by copying.
  const real = (row: (typeof rows)[number]) =>
    row.given.trim() ? (row.real ?? '') : '(predict first)';
  const givenWidth = Math.min(Math.max(...rows.map((r) => quote(r.given).length), 10), 34);
  const realWidth = Math.min(Math.max(...rows.map((r) => real(r).length), 6), 34);
  print(dim(`     ${''.padEnd(keyWidth)}  ${'you said'.padEnd(givenWidth)}  really`));
  for (const row of rows) {
    const mark = row.ok ? green('✓') : red('✗');
    print(
      `     ${row.key.padEnd(keyWidth)}  ${quote(row.given).padEnd(givenWidth)}  ${real(row).padEnd(realWidth)}  ${mark}`,
    );
  }
}

/** `list`: every step, numbered, with its kind, and where you are. */
export function listSteps(dir: string, print: Print): void {
  const progress: Progress = isWorkspace(dir) ? readProgress(dir) : { done: {} };
  const next = STEPS.find((s) => !progress.done[s.name]);
  const done = STEPS.filter((s) => progress.done[s.name]).length;
  print(bold(`Steps (${done} of ${STEPS.length} done)`));
  let chapter = 0;
  STEPS.forEach((step, i) => {
    if (step.chapter !== chapter) {
      chapter = step.chapter;
      print(dim(`  chapter ${chapter}`));
    }
    const mark = progress.done[step.name] ? green('✓') : step === next ? yellow('→') : ' ';
    print(
      `  ${mark} ${String(i + 1).padStart(2)}  ${step.name.padEnd(20)} ${KIND_WORDS[step.kind].padEnd(8)} ${step.title}`,
    );
  });
  print();
  print(dim('npm run learn -- run N  ·  hint [N]  ·  reset N   (N: a number above, or a name)'));
}

/** `hint [STEP] [--level N]`: the next hint for the failing check. */
export function showHint(
  dir: string,
  print: Print,
  {
    step: which,
    level,
    again = 'npm run learn -- hint',
  }: { step?: string; level?: number; again?: string } = {},
): boolean {
  const progress: Progress = isWorkspace(dir) ? readProgress(dir) : { done: {} };
  let step: Step | undefined;
  if (which) {
    step = findStep(which);
    if (!step) {
      unknownStep(which, print);
      return false;
    }
  } else {
    step = progress.failing
      ? findStep(progress.failing.step)
      : STEPS.find((s) => !progress.done[s.name]);
    if (!step) {
      print('Every step is done: no hints needed.');
      return true;
    }
  }
  const check = progress.failing?.step === step.name ? progress.failing.check : undefined;
  const hints = hintsFor(step, check);
  const key = `${step.name} › ${check ?? ''}`;
  const shownSoFar = progress.hints?.[key] ?? 0;
  const next = Math.min(Math.max(level ?? shownSoFar + 1, 1), hints.length);
  const words = ['a nudge', 'the shape', 'nearly the answer'];
  print(
    bold(
      `Hint ${next} of ${hints.length} (${words[next - 1]}) — step ${number(step)}, ${step.name}`,
    ),
  );
  if (check) print(dim(`for the check: ${check}`));
  print();
  for (let i = 0; i < next; i++) {
    const text = `${i + 1}. ${hints[i]}`;
    print(i === next - 1 ? `  ${text}` : dim(`  ${text}`));
  }
  print();
  print(dim(`Read: ${step.read}`));
  if (next < hints.length) print(dim(`Still stuck? ${again}  (again, for the next one)`));
  progress.hints = { ...progress.hints, [key]: Math.max(shownSoFar, next) };
  if (isWorkspace(dir)) writeProgress(dir, progress);
  return true;
}

/**
 * `reset STEP`: put one step back as shipped. The learner's version goes
 * to `backups/` first; the step and every later step that runs its code
 * are un-ticked.
 */
export async function resetOne(which: string, dir: string, print: Print): Promise<boolean> {
  const step = findStep(which);
  if (!step) {
    unknownStep(which, print);
    return false;
  }
  if (!isWorkspace(dir)) {
    print(`There is no workspace in ${shown(dir)} yet: npm run learn creates it.`);
    return false;
  }
  const { resetStep } = await import('./workspace.js');
  const { files, backup } = resetStep(dir, step);
  const progress = readProgress(dir);
  const unticked = [step, ...dependantsOf(step)].filter((s) => progress.done[s.name]);
  for (const s of unticked) delete progress.done[s.name];
  writeProgress(dir, progress);
  const what = {
    write: 'a TODO again',
    fix: 'back to its bug',
    predict: 'blank again',
    quiz: 'blank again',
  }[step.kind];
  print(
    `Reset step ${number(step)} (${bold(step.name)}): ${files.map((f) => shown(path.join(dir, f))).join(', ')} is ${what}.`,
  );
  print(`Your version is kept in ${shown(backup)}/`);
  if (unticked.length > 1) {
    print(
      `Un-ticked, since they run this code: ${unticked
        .slice(1)
        .map((s) => `${number(s)} ${s.name}`)
        .join(', ')}.`,
    );
  }
  return true;
}

function unknownStep(which: string, print: Print): void {
  print(`There is no step "${which}". Use a number from npm run learn -- list, or one of:`);
  print(`  ${STEPS.map((s) => s.name).join(', ')}`);
}
