/**
 * The proof that the steps are steps: for every step, in book order,
 *
 * - it FAILS in the workspace a learner has on reaching it (that step and
 *   all later ones as shipped: TODOs, planted bugs, blank answer sheets;
 *   earlier ones solved), so the runner can never skip past it;
 * - it PASSES once its own reference is in (the reference body, the bug
 *   removed, the reference answer sheet) with later steps still as
 *   shipped, so solving it is enough to move on — its checks do not lean
 *   on anything the learner has not done yet.
 *
 * "Reference" means `src/` and the reference files, taken through the same
 * generator, so this is also a check of the generator. Each state runs in
 * its own child process (runner/pool.ts), two at a time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checksOf, STEPS, type Step } from '../catalog.js';
import { runJobs } from './pool.js';
import type { Job, StepRun } from './protocol.js';
import { renderWorkspace, writeWorkspace } from './workspace.js';

export interface StepVerdict {
  step: Step;
  shipped: StepRun;
  solved: StepRun;
  failsAsShipped: boolean;
  passesWithReference: boolean;
  /** Every check skipped (a service is missing outside CI). */
  skipped: boolean;
}

export interface VerifyReport {
  verdicts: StepVerdict[];
  /** The one summary line. */
  summary: string;
  ok: boolean;
  ms: number;
}

const passed = (r: StepRun) => !r.failure && !r.timedOut && r.total > 0 && r.passed === r.total;
const failed = (r: StepRun) => !!(r.failure || r.timedOut);
const allSkipped = (r: StepRun) => r.total === 0 && r.skipped > 0 && !failed(r);

/** Limit per step file here: generous, since two states run at once on a busy machine. */
const VERIFY_LIMIT_MS = 60_000;

export async function verifySteps(
  onProgress: (verdict: StepVerdict, index: number) => void = () => {},
  steps: readonly Step[] = STEPS,
): Promise<VerifyReport> {
  const started = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'koa-session-verify-'));
  try {
    // Workspace k has steps k… as shipped. Step k must fail in k and pass
    // in k + 1, so workspace k runs step k - 1 ("solved") and step k
    // ("shipped"), in one process.
    const jobs: Job[] = [];
    const allShipped = renderWorkspace(steps).files;
    for (let k = 0; k <= steps.length; k++) {
      const dir = path.join(tmp, `state-${k}`);
      writeWorkspace(dir, steps.slice(k), allShipped);
      const files = [steps[k - 1], steps[k]].filter((s): s is Step => !!s).map(checksOf);
      jobs.push({ workspace: dir, files });
    }
    const results = await runJobs(jobs, 2, VERIFY_LIMIT_MS);
    const verdicts: StepVerdict[] = steps.map((step, i) => {
      const shipped = results[i]!.find((r) => r.file === checksOf(step))!;
      const solved = results[i + 1]!.find((r) => r.file === checksOf(step))!;
      const verdict: StepVerdict = {
        step,
        shipped,
        solved,
        skipped: allSkipped(shipped) && allSkipped(solved),
        failsAsShipped: failed(shipped),
        passesWithReference: passed(solved),
      };
      onProgress(verdict, i);
      return verdict;
    });
    const checked = verdicts.filter((v) => !v.skipped);
    const fail = checked.filter((v) => v.failsAsShipped).length;
    const pass = checked.filter((v) => v.passesWithReference).length;
    const n = checked.length;
    return {
      verdicts,
      summary: `${n} exercises: ${fail} fail as shipped, ${pass} pass with the reference`,
      ok: fail === n && pass === n && (n === steps.length || !process.env.CI),
      ms: Date.now() - started,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
