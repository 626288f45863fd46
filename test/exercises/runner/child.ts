/**
 * The process a step's checks run in. The runner starts it ahead of time
 * (Node, tsx and Koa loaded, waiting), hands it one job over IPC, and kills
 * it if the job outlives its time limit — so a learner's endless loop ends
 * with a message instead of a hung terminal.
 *
 * A job: import each step file against one workspace, run its checks in
 * order, stop at the first that fails. That failure is then run once more
 * with a debugger attached from a helper thread, which sees every exception
 * thrown — including those the port's hardening catches and turns into "a
 * fresh session" (`load`'s try/catch, say). Those, when they come from the
 * learner's code, are reported with the failure: otherwise the learner
 * would see only their effect, far from the cause.
 */
import { register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promiseHooks } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { AssertionError, type Check, show, takeRegistry } from '../kit.js';
import {
  type AnswerRow,
  type CaughtError,
  type CheckFailure,
  type ChildMessage,
  type Job,
  STUCK,
  type StepRun,
} from './protocol.js';

// Loaded now, while the runner waits for the learner to save: every step
// needs them, and they are most of the start-up time.
const { default: Koa } = await import('koa');
await import('keygrip');

/**
 * Errors Koa caught during the running check. Koa turns an error thrown in
 * a request into a 500 and emits it on the app, so a check that only looks
 * at the response sees "500" — the learner needs the error itself.
 */
let koaErrors: unknown[] = [];
const emit = Koa.prototype.emit;
Koa.prototype.emit = function (this: InstanceType<typeof Koa>, event, ...args) {
  if (event === 'error') koaErrors.push(args[0]);
  return emit.call(this, event, ...args);
} as typeof emit;

const WORKSPACE_ENV = 'KOA_SESSION_WORKSPACE';
const ROOT = path.resolve(import.meta.dirname, '../../..');

/**
 * One process can judge several workspaces in turn (the verifier does):
 * a job with a `tag` imports its step files as `file.ts?state=<tag>`, and
 * this resolve hook hands the tag on to everything they import from
 * test/exercises/ — impl.ts, which reads the workspace variable, and the
 * helpers — so each workspace gets module instances of its own. Only
 * kit.ts is shared: it is where checks are registered.
 */
const EXERCISES = pathToFileURL(path.join(ROOT, 'test/exercises/')).href;
const ISOLATE = `
const EXERCISES = ${JSON.stringify(EXERCISES)};
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const parent = context.parentURL;
  if (!parent || !parent.includes('?state=') || result.url.includes('?')) return result;
  if (!result.url.startsWith(EXERCISES) || result.url.endsWith('/kit.ts')) return result;
  return { ...result, url: result.url + '?state=' + new URL(parent).searchParams.get('state') };
}
`;
register(`data:text/javascript,${encodeURIComponent(ISOLATE)}`);

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

/** Lines printed by the code under test, per check. */
let logs: string[] = [];
for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  console[level] = (...args: unknown[]) => {
    logs.push(args.map((a) => (typeof a === 'string' ? a : show(a))).join(' '));
  };
}

/** An error nobody awaited (a callback that throws later) fails the running check. */
let stray: unknown;
process.on('uncaughtException', (err) => {
  stray ??= err;
});
process.on('unhandledRejection', (err) => {
  stray ??= err;
});

function describeError(err: unknown, check: string): CheckFailure {
  const e = err as Partial<AssertionError> & { stack?: string };
  const assertion = err instanceof AssertionError || e?.name === 'AssertionError';
  return {
    check,
    message: err instanceof Error ? err.message : `a non-Error was thrown: ${show(err)}`,
    assertion,
    ...(!assertion && err instanceof Error ? { errorName: err.name } : {}),
    ...(assertion && e.label ? { label: e.label } : {}),
    ...(assertion && e.showDiff
      ? { expected: show(e.expected), actual: show(e.actual), diff: true }
      : {}),
    stack: typeof e?.stack === 'string' ? e.stack : undefined,
    ...(Array.isArray((e as { table?: unknown }).table)
      ? { table: (e as { table: AnswerRow[] }).table }
      : {}),
    logs: [],
  };
}

async function runOne(check: Check, hooks: { before: Check['fn'][]; after: Check['fn'][] }) {
  logs = [];
  stray = undefined;
  koaErrors = [];
  pending.clear();
  try {
    for (const hook of hooks.before) await hook();
    await check.fn();
    // Give a stray error from a callback a turn to surface.
    await new Promise((resolve) => setImmediate(resolve));
    if (stray) throw stray;
    return undefined;
  } catch (err) {
    const failure = describeError(err, check.name);
    const [server] = koaErrors.filter((e) => e !== err);
    if (server !== undefined) {
      const { message, errorName, stack } = describeError(server, check.name);
      failure.server = { message, errorName, stack };
    }
    return failure;
  } finally {
    for (const hook of hooks.after) {
      try {
        await hook();
      } catch {
        // A failing clean-up must not hide the check's own verdict.
      }
    }
  }
}

/**
 * Run `check` again with a debugger on, collecting every exception thrown
 * while it runs that was caught before reaching the check. The helper
 * thread pauses on each one, notes the stack and resumes at once.
 */
async function caughtDuring(
  check: Check,
  hooks: { before: Check['fn'][]; after: Check['fn'][] },
): Promise<CaughtError[]> {
  const caught: CaughtError[] = [];
  const worker = new Worker(EXCEPTION_WATCHER, { eval: true });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  worker.on('message', (m: CaughtError) => caught.push(m));
  try {
    await runOne(check, hooks);
    // Let the last notifications arrive.
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    await worker.terminate();
  }
  return caught;
}

/**
 * The helper thread: a debugger session on the main thread that pauses on
 * every exception, records the caught ones and resumes. Plain JavaScript
 * handed to the Worker as text, so it starts without the TypeScript loader.
 */
const EXCEPTION_WATCHER = `
const { parentPort } = require('node:worker_threads');
const inspector = require('node:inspector');
const session = new inspector.Session();
session.connectToMainThread();
setInterval(() => {}, 1 << 30);
session.on('Debugger.paused', ({ params }) => {
  const data = params.data || {};
  if (params.reason === 'exception' && !data.uncaught) {
    parentPort.postMessage({ message: String(data.description || '').split('\\n')[0], stack: data.description || '' });
  }
  session.post('Debugger.resume');
});
session.post('Debugger.enable', () =>
  session.post('Debugger.setPauseOnExceptions', { state: 'all' }, () => parentPort.postMessage('ready')),
);
`;

/**
 * A watchdog thread for the time limit. The runner will kill this process
 * when a step outlives its limit; a moment before that, the watchdog
 * pauses the main thread with the debugger and writes down where it is —
 * the line of the learner's loop — on stderr, where the runner finds it.
 */
const WATCHDOG = `
const { parentPort } = require('node:worker_threads');
const inspector = require('node:inspector');
const fs = require('node:fs');
const session = new inspector.Session();
session.connectToMainThread();
let timer;
parentPort.on('message', (after) => {
  clearTimeout(timer);
  if (after > 0) timer = setTimeout(pause, after);
});
function pause() {
  session.once('Debugger.paused', ({ params }) => {
    const top = params.callFrames[0];
    const done = (stack) => {
      fs.writeSync(2, '\\n${STUCK}' + JSON.stringify(stack) + '\\n');
      session.post('Debugger.resume');
    };
    if (!top) return done('');
    session.post('Debugger.evaluateOnCallFrame',
      { callFrameId: top.callFrameId, expression: 'new Error().stack' },
      (err, res) => done(err ? '' : String(res && res.result && res.result.value || '')));
  });
  session.post('Debugger.enable', () => session.post('Debugger.pause'));
}
`;

/**
 * Promises made while a check runs, with where they were made, until they
 * settle. When a step runs out of time with nothing running, the newest of
 * those the workspace's code made is where it is waiting.
 */
const pending = new Map<Promise<unknown>, { stack?: string }>();
let tracking: ReturnType<typeof promiseHooks.createHook> | undefined;
function trackPromises(workspace: string | undefined): void {
  tracking?.();
  tracking = undefined;
  pending.clear();
  if (!workspace) return;
  tracking = promiseHooks.createHook({
    init(promise) {
      // The stack is captured now but only formatted if it is ever read.
      const where: { stack?: string } = {};
      Error.captureStackTrace(where);
      pending.set(promise, where);
    },
    settled(promise) {
      pending.delete(promise);
    },
  });
}

/** Creation stacks of the newest pending promises the workspace made. */
function waitingOn(workspace: string): string[] {
  const found: string[] = [];
  for (const where of [...pending.values()].reverse()) {
    const stack = where.stack ?? '';
    if (stack.includes(workspace + path.sep)) found.push(stack);
    if (found.length === 3) break;
  }
  return found;
}

async function runJob(job: Job): Promise<void> {
  if (job.workspace) process.env[WORKSPACE_ENV] = job.workspace;
  else delete process.env[WORKSPACE_ENV];
  const watchdog = job.limit ? new Worker(WATCHDOG, { eval: true }) : undefined;
  watchdog?.unref();
  if (job.limit) trackPromises(job.workspace);
  let probe: NodeJS.Timeout | undefined;
  try {
    for (const file of job.files) {
      watchdog?.postMessage(Math.max(job.limit! - 1500, job.limit! * 0.8));
      // A timer that fires only if the main thread is free: if the step
      // is still not done by then, it is not looping, it is waiting.
      clearTimeout(probe);
      if (job.limit) {
        probe = setTimeout(
          () => {
            watchdog?.postMessage(0);
            void send({ type: 'waiting', promises: waitingOn(job.workspace ?? ROOT) });
          },
          Math.max(job.limit - 2500, job.limit * 0.7),
        );
      }
      await send({ type: 'check', file, check: '(loading the step)' });
      const run = await runFile(file, job);
      await send({ type: 'step', run });
      if (run.failure && job.stopAtFailure) break;
    }
  } finally {
    clearTimeout(probe);
    tracking?.();
    tracking = undefined;
    watchdog?.postMessage(0);
    await watchdog?.terminate();
  }
}

async function runFile(file: string, job: Job): Promise<StepRun> {
  {
    const run: StepRun = { file, passed: 0, total: 0, skipped: 0 };
    logs = [];
    try {
      const url = pathToFileURL(path.resolve(ROOT, file)).href;
      await import(job.tag === undefined ? url : `${url}?state=${job.tag}`);
    } catch (err) {
      run.failure = { ...describeError(err, '(loading the step)'), loading: true, logs };
      return run;
    }
    const registry = takeRegistry();
    run.total = registry.checks.length;
    run.skipped = registry.skipped;
    const hooks = { before: registry.beforeEach, after: registry.afterEach };
    try {
      for (const hook of registry.beforeAll) await hook();
      for (const check of registry.checks) {
        await send({ type: 'check', file, check: check.name });
        const failure = await runOne(check, hooks);
        if (!failure) {
          run.passed++;
          continue;
        }
        failure.logs = logs;
        // Nothing to explain when the step is simply not done yet.
        const plain = failure.table || /^TODO\(/.test(failure.message);
        if (job.explain && !plain) {
          failure.caught = (await caughtDuring(check, hooks)).filter(
            (c) => c.message !== failure.message,
          );
        }
        run.failure = failure;
        break;
      }
    } catch (err) {
      run.failure = { ...describeError(err, '(preparing the step)'), logs };
    } finally {
      for (const hook of registry.afterAll) {
        try {
          await hook();
        } catch {
          // As above: clean-up errors do not decide a verdict.
        }
      }
    }
    return run;
  }
}

process.on('message', async (job: Job) => {
  await runJob(job);
  await send({ type: 'done' });
  // Open handles (a Redis client a learner forgot to close) must not keep
  // the process alive: its work is done, unless more jobs may follow.
  if (job.tag === undefined) process.exit(0);
});
process.on('disconnect', () => process.exit(0));
await send({ type: 'ready' });
