/**
 * Child processes for running steps: started ahead of time, one job each,
 * killed at the time limit. `npm run learn` starts one the moment it is
 * launched, so Node, tsx and Koa load while it reads the workspace; watch
 * mode keeps a spare one waiting, so a save is judged by a process that is
 * already warm.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { type ChildMessage, type Job, STUCK, type StepRun } from './protocol.js';

/** How long one job may run before it is killed (the learner's code may loop). */
export const TIME_LIMIT_MS = Number(process.env.LEARN_TIME_LIMIT_MS) || 10_000;

const CHILD = path.join(import.meta.dirname, 'child.ts');

/**
 * The child's environment: ours, minus what would make it think it runs
 * under Vitest (kit.ts switches on VITEST) or against some other workspace.
 */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  for (const name of Object.keys(env)) {
    if (name.startsWith('VITEST') || name === 'KOA_SESSION_WORKSPACE') delete env[name];
  }
  return env;
}

/** A started child, waiting for its one job. */
export class StepProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  #current: { file: string; check: string } | undefined;
  #done: ((runs: StepRun[]) => void) | undefined;
  #onCheck: ((message: { file: string; check: string }) => void) | undefined;
  #failed: ((err: Error) => void) | undefined;
  #onWaiting: ((promises: string[]) => void) | undefined;
  #stderr = '';
  #finished: StepRun[] = [];

  constructor() {
    this.child = fork(CHILD, [], {
      execArgv: ['--import', 'tsx', '--no-warnings'],
      // The child's own stdout is not the learner's terminal: what the code
      // under test prints is collected per check and sent over IPC.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: childEnv(),
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-4000);
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'check') {
          this.#current = message;
          this.#onCheck?.(message);
        } else if (message.type === 'step') this.#finished.push(message.run);
        else if (message.type === 'done') this.#done?.(this.#finished);
        else if (message.type === 'waiting') this.#onWaiting?.(message.promises);
      });
      this.child.once('exit', (code, signal) => {
        const err = new Error(
          `the step process stopped unexpectedly (${signal ?? `exit code ${code}`})` +
            (this.#stderr ? `:\n${this.#stderr.trim()}` : ''),
        );
        reject(err);
        this.#failed?.(err);
      });
    });
    // Nobody may be waiting yet; the rejection is reported through run().
    this.ready.catch(() => {});
  }

  /**
   * Run `job`. Each step file gets `limit` ms, counted from its first
   * check; a step that outlives it is reported as timed out and the
   * process is killed. The process ends after the job either way.
   */
  async run(job: Job, limit = TIME_LIMIT_MS, { keep = false } = {}): Promise<StepRun[]> {
    await this.ready;
    this.#finished = [];
    this.#current = undefined;
    let timedOut = false;
    try {
      return await new Promise<StepRun[]>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        let file: string | undefined;
        let started = Date.now();
        const arm = () => {
          clearTimeout(timer);
          started = Date.now();
          timer = setTimeout(() => void stop(), limit);
        };
        // Out of time (or idle, the child says, so out of time for sure):
        // note where the step was, kill the process, report it.
        let stopping = false;
        const stop = async (waiting?: { promises: string[] }) => {
          if (stopping) return;
          stopping = true;
          clearTimeout(timer);
          timedOut = true;
          // The watchdog may still be writing down where the step is
          // stuck: give it a moment (a busy machine is slow), then kill.
          for (let i = 0; i < 40 && !waiting && !this.#stderr.includes(STUCK); i++) {
            await new Promise((r) => setTimeout(r, 50));
          }
          this.child.kill('SIGKILL');
          const stuck = this.#current;
          const mark = this.#stderr.lastIndexOf(STUCK);
          let stack: string | undefined;
          if (mark !== -1 && !waiting) {
            try {
              stack = JSON.parse(this.#stderr.slice(mark + STUCK.length).split('\n')[0]!);
            } catch {
              // Cut short: no location, only the message.
            }
          }
          resolve([
            ...this.#finished,
            {
              file: stuck?.file ?? job.files[this.#finished.length]!,
              passed: 0,
              total: 0,
              skipped: 0,
              timedOut: {
                check: stuck?.check,
                ms: Date.now() - started,
                stack,
                ...(waiting ? { waiting } : {}),
              },
            },
          ]);
        };
        this.#onWaiting = (promises) => void stop({ promises });
        this.#onCheck = (message) => {
          if (message.file !== file) {
            file = message.file;
            arm();
          }
        };
        this.#done = (runs) => {
          clearTimeout(timer);
          resolve(runs);
        };
        this.#failed = (err) => {
          clearTimeout(timer);
          reject(err);
        };
        arm();
        this.child.send({ ...job, limit });
      });
    } finally {
      if (!keep || timedOut) this.kill();
    }
  }

  /** Still alive, and can take another job (only tagged jobs leave it running). */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/**
 * Run several jobs, `parallel` at a time. Each worker keeps one process
 * for job after job (each job tagged, so its modules load afresh), and
 * starts a new one only when a job had to be killed. Results in job order.
 */
export async function runJobs(
  jobs: Job[],
  parallel = 2,
  limit = TIME_LIMIT_MS,
): Promise<StepRun[][]> {
  const results: StepRun[][] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    let proc: StepProcess | undefined;
    while (next < jobs.length) {
      const i = next++;
      if (!proc?.alive) proc = new StepProcess();
      results[i] = await proc.run({ ...jobs[i]!, tag: String(i) }, limit, { keep: true });
    }
    proc?.kill();
  };
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, worker));
  return results;
}
