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
  printWrapped(
    print,
    `It is a copy of src/ with ${STEPS.length} steps to do: functions to write (TODOs), ` +
      `bugs to fix, and predictions and quizzes to answer in ${shown(path.join(dir, 'answers'))}/. ` +
      'Edit there, never src/.',
    '',
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
 * type-checks, and nothing is printed as passed before that: each verdict
 * appears once, final.
 *
 * When every step is already ticked, they are all checked again before
 * the run says the work is finished: a ticked step may have been edited
 * since.
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
  const remaining = STEPS.filter((step) => !progress.done[step.name]);
  // Everything ticked: check it all again before saying so.
  const recheck = !options.only && !options.all && remaining.length === 0;
  const todo = options.only ? [options.only] : options.all || recheck ? [...STEPS] : remaining;
  if (recheck || (options.all && !options.only)) {
    print(dim(`Checking all ${STEPS.length} steps, the ones already ticked too…`));
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
  // A code step is ticked only once the workspace type-checks. The
  // compiler starts only now: most runs end in a failing check, and those
  // should not share the machine with it.
  const needTypes = options.typecheck !== false && passing.some((s) => s.target);
  let typeErrors = '';
  if (needTypes) {
    const count = passing.length === 1 ? 'its checks pass' : `${passing.length} steps pass`;
    print(dim(`   (${count}; type-checking your workspace before ticking…)`));
    typeErrors = await typecheck(dir).done;
  }
  const firstCode = typeErrors ? passing.find((s) => s.target) : undefined;
  const ticked = firstCode ? passing.slice(0, passing.indexOf(firstCode)) : passing;
  for (const step of ticked) {
    print(clipLine(`${green('✓')}  ${label(step)}  ${dim(step.title)}`));
    progress.done[step.name] ??= new Date().toISOString();
    outcome.passed.push(step.name);
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
  if (firstCode) {
    // The step that does not type-check is the one to work on; what
    // failed after it can wait.
    for (const step of passing.slice(passing.indexOf(firstCode))) delete progress.done[step.name];
    outcome.typeErrors = typeErrors;
    printTypeErrors(dir, firstCode, typeErrors, print);
    outcome.failing = {
      step: firstCode,
      run: { file: checksOf(firstCode), passed: 0, total: 0, skipped: 0 },
    };
    progress.failing = { step: firstCode.name, check: undefined };
  } else if (failed) {
    const { step, run } = failed;
    delete progress.done[step.name];
    outcome.failing = failed;
    progress.failing = {
      step: step.name,
      check: run.failure?.check ?? run.timedOut?.check,
      ...(run.failure?.table ? { row: run.failure.table.find((r) => !r.ok)?.key } : {}),
    };
    const cause = printFailure(dir, step, run, print, options.limit ?? TIME_LIMIT_MS);
    if (cause) delete progress.done[cause.name];
  } else {
    progress.failing = undefined;
  }
  writeProgress(dir, progress);
  outcome.finished =
    !outcome.failing && !outcome.skipped.length && STEPS.every((s) => progress.done[s.name]);
  if (outcome.finished && !options.only && todo.length < STEPS.length) {
    // The last step just passed: check them all before saying it is done.
    print();
    return runSteps(dir, print, { ...options, process: undefined, all: true });
  }
  options.onVerdict?.();
  if (options.only) return outcome;
  print();
  printProgress(progress, print);
  if (outcome.finished) {
    print();
    const types = needTypes ? ', and TypeScript agrees' : '';
    print(bold(green(`All ${STEPS.length} steps pass, every one checked just now${types}.`)));
    print(
      bold(
        green(
          'The session middleware in your workspace runs on your code: you have rebuilt koa-session.',
        ),
      ),
    );
    print(`Compare it with the original any time: diff -r ${shown(dir)}/src src`);
  } else if (!outcome.failing && outcome.skipped.length) {
    print(`Everything else is done; ${outcome.skipped.join(', ')} waits for its service.`);
  }
  return outcome;
}

/**
 * The progress bar, as Rustlings draws it, one cell per step, grouped by
 * chapter: done, the step you are on, still to do.
 *
 *   Progress  ████ ██ ███████ ██▶░░░░░ ░░ ░░ ░░░░ ░░░ ░░░ ░░ ░░░░░░░ ░  16/45
 *   chapter   1    2  3       4        5  6  7    8   9   10 11      12
 */
export function progressLines(progress: Progress): [string, string] {
  const next = STEPS.find((s) => !progress.done[s.name]);
  const chapters = [...new Set(STEPS.map((s) => s.chapter))];
  let bar = '';
  let names = '';
  for (const chapter of chapters) {
    const steps = STEPS.filter((s) => s.chapter === chapter);
    const cells = steps
      .map((s) => (progress.done[s.name] ? green('█') : s === next ? yellow('▶') : dim('░')))
      .join('');
    bar += `${cells} `;
    names += String(chapter).padEnd(steps.length + 1);
  }
  const done = STEPS.filter((s) => progress.done[s.name]).length;
  return [
    `${bold('Progress')}  ${bar} ${bold(`${done}/${STEPS.length}`)}`,
    dim(`chapter   ${names.trimEnd()}`),
  ];
}

function printProgress(progress: Progress, print: Print): void {
  for (const line of progressLines(progress)) print(line);
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

/** How wide the learner's terminal is (80 when it is not a terminal). */
const WIDTH = Math.min(Math.max(process.stdout.columns || 80, 60), 120);

// biome-ignore lint/suspicious/noControlCharactersInRegex: measuring without ANSI colour codes
const visible = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '').length;

/**
 * Print `text` wrapped at word boundaries to the terminal's width, the
 * first line after `first`, the rest after `rest` (indentation).
 */
function printWrapped(print: Print, text: string, first: string, rest = first): void {
  let line = first;
  let empty = true;
  for (const word of text.split(' ')) {
    if (!empty && visible(line) + 1 + visible(word) > WIDTH) {
      print(line);
      line = rest;
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  print(line);
}

/** A line cut to the terminal's width, with … where it was cut. */
function clipLine(text: string, width = WIDTH): string {
  if (visible(text) <= width) return text;
  // Cut plain text only: a cut inside a colour code would garble it.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes
  const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
  return `${plain.slice(0, width - 1)}…`;
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
  const head = `${red(bold('✗'))}  ${bold(label(step))}`;
  if (visible(`${head}  ${step.title}`) <= WIDTH) print(`${head}  ${step.title}`);
  else {
    print(head);
    printWrapped(print, step.title, '   ');
  }
  print();
  let cause: Step | undefined;
  if (run.timedOut?.waiting) {
    // Nothing was running: an await that never got its answer.
    const seconds = (run.timedOut.ms / 1000).toFixed(0);
    print(`   ${bold('Your code did not finish')}: it was waiting for a promise that never`);
    print(`   settles (nothing was running any more). Stopped after ${seconds} s, in the check:`);
    if (run.timedOut.check) print(`     ${run.timedOut.check}`);
    const made = run.timedOut.waiting.promises
      .map((stack) => learnerFrames(stack, dir))
      .find((frames) => frames.length);
    if (made) {
      printFrames(
        made,
        print,
        'The newest promise your code made that is still pending, made here:',
      );
      const owner = made.map((f) => stepAt(f, dir)).find(Boolean);
      if (owner && owner !== step) {
        print(
          yellow(
            `   That is step ${number(owner)}'s code (${owner.name}): npm run learn -- run ${number(owner)}`,
          ),
        );
      }
    } else {
      print(
        '   Your code made no promise that is still pending: it is waiting on one the checks gave it.',
      );
    }
    printWrapped(
      print,
      'Look for a new Promise whose resolve is never called, an await on something that never ' +
        'answers, or a call your code must make (next(), a store method) and does not.',
      '   ',
    );
  } else if (run.timedOut) {
    print(`   ${bold('Your code did not finish')}: it was still running. A loop that never ends?`);
    print(`   It was stopped after ${(limit / 1000).toFixed(0)} s, during the check:`);
    if (run.timedOut.check) print(`     ${run.timedOut.check}`);
    const frames = learnerFrames(run.timedOut.stack, dir);
    printFrames(frames, print, 'Your code was here when it was stopped, innermost first:');
    printWrapped(
      print,
      'Look for a while/for loop whose condition never changes, or a function that calls itself.',
      '   ',
    );
  } else if (run.failure) {
    cause = printCheckFailure(dir, step, run, run.failure, print);
  } else {
    print('   This step has no checks that ran. That is a bug in the exercises: please report it.');
  }
  print();
  if (step.kind === 'predict' || step.kind === 'quiz') {
    print(clipLine(`   Answer: ${whereToEdit(dir, step)}`));
  } else {
    print(clipLine(`   ${step.kind === 'fix' ? 'Fix:   ' : 'Write: '} ${whereToEdit(dir, step)}`));
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
  // An error Koa caught and answered with a 500 is what went wrong; the
  // check only saw its effect.
  const server = failure.server;
  const todo = parseTodo(server?.message ?? failure.message);
  const frames = learnerFrames(server?.stack ?? failure.stack, dir);
  const owner = frames.map((f) => stepAt(f, dir)).find(Boolean);
  const earlier = (s: Step | undefined) => s && s !== step && number(s) < number(step);
  let cause: Step | undefined;

  if (failure.loading) {
    print('   The checks could not load your code:');
    for (const line of plainLines(failure.message, 10)) print(`     ${line}`);
  } else if (todo && todo.step === step.name) {
    print(`   Not written yet: ${bold(todo.fn)}`);
    printWrapped(
      print,
      dim(`(check ${run.passed + 1} of ${run.total}: ${failure.check})`),
      '   ',
      '    ',
    );
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
    printWrapped(
      print,
      `Check ${run.passed + 1} of ${run.total} fails: ${bold(failure.check)}`,
      '   ',
      '     ',
    );
    if (server) {
      const name = server.errorName ? `${server.errorName}: ` : '';
      for (const line of plainLines(`${name}${server.message}`, 6)) if (line) print(`     ${line}`);
      const saw = failure.diff
        ? `${failure.label ? `${failure.label} ` : ''}${oneLine(failure.actual ?? '', 40)}, expected ${oneLine(failure.expected ?? '', 40)}`
        : oneLine(failure.message, 80);
      print(dim('   (your code threw this during the request; Koa caught it and answered 500,'));
      print(dim(`   so the check saw only: ${saw})`));
    } else if (failure.table) {
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
    if (!server && !failure.assertion && !failure.loading) {
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
    !row.given.trim() ? '(predict first)' : row.hidden ? '(answer as asked)' : (row.real ?? '');
  const givenWidth = Math.min(Math.max(...rows.map((r) => quote(r.given).length), 10), 34);
  const realWidth = Math.min(Math.max(...rows.map((r) => real(r).length), 6), 34);
  print(dim(`     ${''.padEnd(keyWidth)}  ${'you said'.padEnd(givenWidth)}  really`));
  for (const row of rows) {
    const mark = row.ok ? green('✓') : red('✗');
    print(
      `     ${row.key.padEnd(keyWidth)}  ${quote(row.given).padEnd(givenWidth)}  ${real(row).padEnd(realWidth)}  ${mark}`,
    );
  }
  if (rows.some((row) => row.hidden && row.given.trim())) {
    print();
    printWrapped(
      print,
      dim(
        'The real value appears beside an answer of the form its line asks for (a status, ' +
          'names from the list, yes or no, an id …), not beside a placeholder.',
      ),
      '     ',
    );
  }
}

/**
 * Call `onSave` whenever a step's file in the workspace changes. Resolves
 * once watching has begun.
 *
 * chokidar, not `fs.watch(dir, { recursive: true })`: on Linux, Node 20's
 * recursive watch loses a file for good once an editor saves it by
 * writing a temporary file and renaming it over the original (`sed -i`,
 * "safe write"), and watch mode would go silent after that save.
 */
export async function watchWorkspace(
  dir: string,
  onSave: () => void,
): Promise<() => Promise<void>> {
  const { watch } = await import('chokidar');
  const skip = (file: string) => {
    const rel = path.relative(dir, file).split(path.sep);
    return (
      rel[0] === 'node_modules' ||
      rel[0] === 'backups' ||
      rel.some((p) => p.startsWith('.') && p !== '.')
    );
  };
  const watcher = watch(dir, {
    ignoreInitial: true,
    followSymlinks: false,
    ignored: (file) => skip(file),
  });
  watcher.on('all', (event, file) => {
    if (event === 'addDir' || event === 'unlinkDir') return;
    if (/\.(ts|txt)$/.test(file)) onSave();
  });
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return () => watcher.close();
}

/** `list`: every step, numbered, with its kind, and where you are. */
export function listSteps(dir: string, print: Print): void {
  const progress: Progress = isWorkspace(dir) ? readProgress(dir) : { done: {} };
  const next = STEPS.find((s) => !progress.done[s.name]);
  printProgress(progress, print);
  print();
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
  const failing = progress.failing?.step === step.name ? progress.failing : undefined;
  const check = failing?.check;
  // A quiz: the hints of the first question that is not right yet, each
  // question with levels of its own.
  const question =
    failing?.row !== undefined && step.questions?.[failing.row] ? failing.row : undefined;
  const hints = hintsFor(step, check, question);
  const key = `${step.name} › ${check ?? ''}${question === undefined ? '' : ` › ${question}`}`;
  const shownSoFar = progress.hints?.[key] ?? 0;
  const next = Math.min(Math.max(level ?? shownSoFar + 1, 1), hints.length);
  const words = ['a nudge', 'the shape', 'nearly the answer'];
  print(
    bold(
      `Hint ${next} of ${hints.length} (${words[next - 1]}) — step ${number(step)}, ${step.name}`,
    ),
  );
  if (question !== undefined) print(dim(`for question ${question} of answers/${step.name}.txt`));
  else if (check) printWrapped(print, dim(`for the check: ${check}`), '', '  ');
  print();
  for (let i = 0; i < next; i++) {
    const text = `${i + 1}. ${hints[i]}`;
    printWrapped(print, i === next - 1 ? text : dim(text), '  ', '     ');
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

/** `restore STEP`: undo the last reset of a step. */
export async function restoreOne(which: string, dir: string, print: Print): Promise<boolean> {
  const step = findStep(which);
  if (!step) {
    unknownStep(which, print);
    return false;
  }
  if (!isWorkspace(dir)) {
    print(`There is no workspace in ${shown(dir)} yet: npm run learn creates it.`);
    return false;
  }
  const { restoreStep } = await import('./workspace.js');
  const restored = restoreStep(dir, step);
  if (!restored) {
    print(`Step ${number(step)} (${step.name}) has never been reset: there is nothing to restore.`);
    return false;
  }
  print(
    `Restored step ${number(step)} (${bold(step.name)}): ${restored.files.map((f) => shown(path.join(dir, f))).join(', ')} is your version again,`,
  );
  print(`from ${shown(restored.from)}/.`);
  print(`What it replaced is kept in ${shown(restored.backup)}/`);
  print(dim('npm run learn checks it again.'));
  return true;
}

function unknownStep(which: string, print: Print): void {
  print(`There is no step "${which}". Use a number from npm run learn -- list, or one of:`);
  print(`  ${STEPS.map((s) => s.name).join(', ')}`);
}
