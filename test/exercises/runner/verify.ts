/**
 * The proof that the exercises are exercises: for every exercise, in book
 * order,
 *
 * - it FAILS in the workspace a learner has on reaching it (that exercise
 *   and all later ones still TODO stubs, earlier ones solved), so the
 *   runner can never skip past it;
 * - it PASSES once its own reference bodies are in (later ones still
 *   stubs), so solving it is enough to move on — its tests do not lean on
 *   code the learner has not written yet;
 * - it PASSES against the reference `src/` itself.
 *
 * "Solved" means the reference body, taken from `src/` through the same
 * generator, so this is also a check of the generator.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXERCISES, type Exercise } from '../catalog.js';
import { type FileResult, fileOk, type Run, runMatrix } from './vitest.js';
import { writeWorkspace } from './workspace.js';

export type Verdict = 'ok' | 'skipped' | 'passes-as-shipped' | 'fails-when-solved';

export interface ExerciseVerdict {
  exercise: Exercise;
  shipped: FileResult;
  solved: FileResult;
  reference: FileResult;
  failsAsShipped: boolean;
  passesWithReference: boolean;
  /** All tests skipped (a service is missing outside CI). */
  skipped: boolean;
}

export interface VerifyReport {
  verdicts: ExerciseVerdict[];
  /** The one summary line. */
  summary: string;
  ok: boolean;
  ms: number;
}

const allSkipped = (r: FileResult) => r.passed === 0 && r.failed === 0 && r.skipped > 0;

/**
 * Run the whole check. `onProgress` receives each verdict, in order, once
 * all runs are done.
 */
export async function verifyExercises(
  onProgress: (verdict: ExerciseVerdict, index: number) => void = () => {},
  exercises: readonly Exercise[] = EXERCISES,
): Promise<VerifyReport> {
  const started = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'koa-session-verify-'));
  try {
    // Workspace k has exercises k… stubbed. Exercise k must fail in k and
    // pass in k + 1, so workspace k runs exercise k ("shipped") and
    // exercise k - 1 ("solved"). All runs share one Vitest instance.
    const runs: Run[] = [
      { name: 'reference', workspace: undefined, files: exercises.map((e) => e.test) },
    ];
    for (let k = 0; k <= exercises.length; k++) {
      const dir = path.join(tmp, `state-${k}`);
      writeWorkspace(dir, exercises.slice(k));
      const files = [exercises[k - 1]?.test, exercises[k]?.test].filter(
        (f): f is string => f !== undefined,
      );
      runs.push({ name: `state-${k}`, workspace: dir, files });
    }
    const results = await runMatrix(runs);
    const reference = results.get('reference')!;
    const verdicts: ExerciseVerdict[] = [];
    exercises.forEach((exercise, i) => {
      const shipped = results.get(`state-${i}`)!.at(-1)!;
      const solved = results.get(`state-${i + 1}`)![0]!;
      const verdict = judge(exercise, shipped, solved, reference[i]!);
      verdicts.push(verdict);
      onProgress(verdict, i);
    });
    const checked = verdicts.filter((v) => !v.skipped);
    const fail = checked.filter((v) => v.failsAsShipped).length;
    const pass = checked.filter((v) => v.passesWithReference).length;
    const n = checked.length;
    return {
      verdicts,
      summary: `${n} exercises: ${fail} fail as shipped, ${pass} pass with the reference`,
      ok: fail === n && pass === n && (n === exercises.length || !process.env.CI),
      ms: Date.now() - started,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function judge(
  exercise: Exercise,
  shipped: FileResult,
  solved: FileResult,
  reference: FileResult,
): ExerciseVerdict {
  const skipped = allSkipped(shipped) && allSkipped(solved) && allSkipped(reference);
  return {
    exercise,
    shipped,
    solved,
    reference,
    skipped,
    failsAsShipped: shipped.failed > 0,
    passesWithReference: fileOk(solved) && fileOk(reference),
  };
}
