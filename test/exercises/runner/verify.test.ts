/**
 * `npm run exercises:verify` as part of `npm test`: every step fails in
 * the workspace a learner meets and passes with the reference. Runs the
 * real command in a child process and checks its summary line; then feeds
 * the verifier two broken catalogs to show it can say no.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { findStep, STEPS } from '../catalog.js';
import { verifySteps } from './verify.js';
import { ROOT } from './workspace.js';

const run = promisify(execFile);

it('every step fails as shipped and passes with the reference', async () => {
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
  // Outside CI a step whose service is down is skipped and left out of
  // the count; in CI every step must be counted.
  const n = process.env.CI ? STEPS.length : Number(summary.split(' ')[0]);
  expect(summary, stdout).toBe(
    `${n} exercises: ${n} fail as shipped, ${n} pass with the reference`,
  );
  expect(n, 'steps counted').toBeGreaterThanOrEqual(30);
  expect(code, stdout).toBe(0);
  expect(
    lines.filter((l) => /exercises: \d+ fail as shipped/.test(l)),
    'exactly one summary',
  ).toHaveLength(1);
}, 300_000);

it('says no to a step whose checks miss what it asks for, and to one that leans on a later step', async () => {
  // decode pointed at a region its checks never call; valid placed before
  // middleware, whose code its checks run.
  const missesItsStub = {
    ...findStep('decode')!,
    target: { file: 'src/stores/memory.ts', region: 'prune' },
  };
  const report = await verifySteps(() => {}, [
    missesItsStub,
    findStep('valid')!,
    findStep('middleware')!,
  ]);
  const [decode, valid, middleware] = report.verdicts;
  expect(decode!.failsAsShipped, 'decode passes with its (wrong) stub').toBe(false);
  expect(valid!.failsAsShipped).toBe(true);
  expect(valid!.passesWithReference, 'valid needs the middleware, still a TODO').toBe(false);
  expect(
    middleware!.failsAsShipped && middleware!.passesWithReference,
    'the last one is fine',
  ).toBe(true);
  expect(report.summary).toBe('3 exercises: 2 fail as shipped, 2 pass with the reference');
  expect(report.ok).toBe(false);
}, 180_000);
