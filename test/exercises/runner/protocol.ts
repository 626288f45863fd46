/** What the runner and its child processes (runner/child.ts) say to each other. */

/** Marks the line on a child's stderr that says where a stuck step was. */
export const STUCK = '@@learn-stuck ';

/** Run these step files against this workspace (`undefined`: against `src/`). */
export interface Job {
  workspace: string | undefined;
  /** Repository-relative step files, in order. */
  files: string[];
  /** On a failure, re-run it with a debugger to find errors something swallowed. */
  explain?: boolean;
  /** Do not start the next file once one has failed. */
  stopAtFailure?: boolean;
  /** The time limit per step file (ms); the child notes where it was just before. */
  limit?: number;
  /**
   * Set when one process runs several jobs: the step files (and the
   * exercise modules they import) are loaded afresh under this tag.
   */
  tag?: string;
}

/** An exception thrown and caught while a failing check ran. */
export interface CaughtError {
  /** First line, as V8 prints it: `TypeError: …`. */
  message: string;
  stack: string;
}

/** The first failing check of a step, as the learner needs it. */
export interface CheckFailure {
  check: string;
  message: string;
  /** An `expect` failed (rather than the code under test throwing). */
  assertion: boolean;
  /** The error's class, when the code under test threw (`TypeError` …). */
  errorName?: string;
  /** What the check calls the value it looked at. */
  label?: string;
  expected?: string;
  actual?: string;
  diff?: boolean;
  stack?: string;
  /** The step file itself could not be imported (a syntax error, a missing export). */
  loading?: boolean;
  /** What the code printed while this check ran. */
  logs: string[];
  /**
   * An error Koa caught during this check (and answered with a 500): what
   * the check saw was only its effect, so the runner shows the error.
   */
  server?: { message: string; errorName?: string; stack?: string };
  caught?: CaughtError[];
  /** A predict or quiz step: each answer beside the truth. */
  table?: AnswerRow[];
}

/** One line of an answer sheet, judged. */
export interface AnswerRow {
  key: string;
  /** What the learner wrote. */
  given: string;
  /** The real value (predict); left out for quizzes, which must not give answers away. */
  real?: string;
  /** predict: no real attempt at this line yet, so `real` is withheld (and empty). */
  hidden?: boolean;
  ok: boolean;
}

/** How one step file went. */
export interface StepRun {
  file: string;
  /** Checks that passed before the first failure (all of them when none failed). */
  passed: number;
  total: number;
  skipped: number;
  failure?: CheckFailure;
  /**
   * The child was killed at the time limit while running `check`; `stack`
   * is where its main thread was just before (when the watchdog got it).
   */
  timedOut?: {
    check: string | undefined;
    ms: number;
    stack?: string;
    /**
     * Nothing was running: the check was waiting for a promise that never
     * settled. `promises` are the creation stacks of the newest ones still
     * pending that the workspace's code made, newest first.
     */
    waiting?: { promises: string[] };
  };
}

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'check'; file: string; check: string }
  | { type: 'step'; run: StepRun }
  | { type: 'waiting'; promises: string[] }
  | { type: 'done' };
