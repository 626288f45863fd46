/**
 * `npm run exercises:verify` as part of `npm test`: every exercise fails
 * in the workspace a learner meets and passes with the reference bodies.
 * Runs the real command in a child process (it starts Vitest instances of
 * its own) and checks its summary line.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { EXERCISES, findExercise } from '../catalog.js';
import { verifyExercises } from './verify.js';
import { ROOT } from './workspace.js';

const run = promisify(execFile);

it('every exercise fails as shipped and passes with the reference', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of Object.keys(env)) {
    if (name.startsWith('VITEST') || name === 'KOA_SESSION_WORKSPACE') delete env[name];
  }
  let stdout = '';
  let code = 0;
  try {
    ({ stdout } = await run('npm', ['run', '--silent', 'exercises:verify'], { cwd: ROOT, env }));
  } catch (err) {
    const e = err as { stdout?: string; code?: number };
    stdout = e.stdout ?? '';
    code = e.code ?? 1;
  }
  const lines = stdout.trim().split('\n');
  const summary = lines.at(-1) ?? '';
  // Outside CI an exercise whose service is down is skipped and left out
  // of the count; in CI every exercise must be counted.
  const n = process.env.CI ? EXERCISES.length : Number(summary.split(' ')[0]);
  expect(summary, stdout).toBe(
    `${n} exercises: ${n} fail as shipped, ${n} pass with the reference`,
  );
  expect(n, 'exercises counted').toBeGreaterThanOrEqual(EXERCISES.length - 1);
  expect(code, stdout).toBe(0);
  expect(
    lines.filter((l) => /exercises: \d+ fail as shipped/.test(l)),
    'exactly one summary',
  ).toHaveLength(1);
}, 300_000);

it('catches an exercise whose tests miss its stub, and one that leans on a later exercise', async () => {
  // parse-set-cookie pointed at a function its tests never call; and
  // init-from-cookie placed before encode/decode/hash, which it needs.
  const missesItsStub = {
    ...findExercise('parse-set-cookie')!,
    targets: [{ file: 'src/stores/memory.ts', region: 'prune' }],
  };
  const report = await verifyExercises(() => {}, [
    missesItsStub,
    findExercise('init-from-cookie')!,
    findExercise('encode-decode-hash')!,
  ]);
  const [parse, init, codec] = report.verdicts;
  expect(parse!.failsAsShipped, 'parse-set-cookie passes with its (wrong) stub').toBe(false);
  expect(init!.failsAsShipped).toBe(true);
  expect(init!.passesWithReference, 'init-from-cookie needs decode/hash, still stubs').toBe(false);
  expect(codec!.failsAsShipped && codec!.passesWithReference, 'the last one is fine').toBe(true);
  expect(report.summary).toBe('3 exercises: 2 fail as shipped, 2 pass with the reference');
  expect(report.ok).toBe(false);
}, 180_000);
