/**
 * `npm run learn:bench` — how fast the learner's loop is, measured the way
 * a learner meets it (not a test: machines differ, so it prints figures).
 *
 * 1. `npm run learn`, from typing the command to the verdict, on a
 *    workspace whose current step (init-from-cookie) has a wrong body: the
 *    common case. Then the same with the step solved: it passes, the
 *    workspace is type-checked, it is ticked, and the next step's verdict
 *    follows.
 * 2. Watch mode: the time from saving a file to the verdict on screen.
 *
 * Each figure is the median of a few runs, with the range. The load
 * average is printed too: on a busy machine every figure grows.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findStep, STEPS } from './catalog.js';
import { replaceRegion } from './runner/stubs.js';
import { ROOT, renderWorkspace, writeProgress, writeWorkspace } from './runner/workspace.js';

const RUNS = Number(process.env.LEARN_BENCH_RUNS) || 5;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'koa-session-learn-bench-'));
const reference = renderWorkspace([]).files;
const STEP = findStep('init-from-cookie')!;
const TARGET = STEP.target!;

function workspace(name: string, solved: boolean): string {
  const dir = path.join(tmp, name);
  const at = STEPS.indexOf(STEP);
  writeWorkspace(dir, STEPS.slice(at));
  writeProgress(dir, {
    done: Object.fromEntries(STEPS.slice(0, at).map((s) => [s.name, 'bench'])),
  });
  write(dir, solved ? 'solved' : 'wrong');
  return dir;
}

/** The step's region: the reference body, or one that never loads the cookie. */
function write(dir: string, version: 'solved' | 'wrong', stamp = ''): void {
  const file = path.join(dir, TARGET.file);
  let region = reference.get(TARGET.file)!;
  if (version === 'wrong') {
    region = region.replace(
      /( {2}initFromCookie\(\): void \{\n)[\s\S]*?(\n {2}\}\n {2}\/\/ #endregion initFromCookie)/,
      `$1    this.create();${stamp}$2`,
    );
  }
  fs.writeFileSync(file, replaceRegion(fs.readFileSync(file, 'utf8'), region, TARGET.region)!);
}

const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
for (const name of Object.keys(env)) if (name.startsWith('VITEST')) delete env[name];

/**
 * CPU seconds used by the processes this one has waited for (Linux:
 * cutime + cstime in /proc/self/stat). On a busy machine wall time
 * stretches with the load; CPU time does not, and on an idle two-core
 * machine a run's wall time comes close to it.
 */
function childCpu(): number | undefined {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

function timeLearn(dir: string): Promise<{ ms: number; out: string; cpu?: number }> {
  const started = performance.now();
  const cpuBefore = childCpu();
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'learn', '--', '--workspace', dir], {
      cwd: ROOT,
      env,
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('close', () => {
      const cpuAfter = childCpu();
      const cpu =
        cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
      resolve({ ms: performance.now() - started, out, cpu });
    });
  });
}

function stats(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `median ${(median / 1000).toFixed(2)} s  (${(sorted[0]! / 1000).toFixed(2)}–${(sorted.at(-1)! / 1000).toFixed(2)} s, ${values.length} runs)`;
}

console.log(
  `learn:bench on ${os.cpus().length} cores, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

// 1a. A failing step.
const failing = workspace('failing', false);
await timeLearn(failing); // the first run also warms the transpile cache
const fails: number[] = [];
const failCpu: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const { ms, out, cpu } = await timeLearn(failing);
  if (!out.includes(`✗  ${STEPS.indexOf(STEP) + 1}/`))
    throw new Error(`unexpected output:\n${out}`);
  fails.push(ms);
  if (cpu !== undefined) failCpu.push(cpu * 1000);
}
console.log(`npm run learn, a failing step:            ${stats(fails)}`);
if (failCpu.length) console.log(`   CPU time of all its processes:         ${stats(failCpu)}`);

// 1b. A passing step: checks, tsc, tick, and the next step's verdict.
const passes: number[] = [];
const passCpu: number[] = [];
for (let i = 0; i < Math.min(RUNS, 3); i++) {
  const dir = workspace(`passing-${i}`, true);
  const { ms, out, cpu } = await timeLearn(dir);
  if (!out.includes(`✓  ${STEPS.indexOf(STEP) + 1}/`))
    throw new Error(`unexpected output:\n${out}`);
  passes.push(ms);
  if (cpu !== undefined) passCpu.push(cpu * 1000);
}
console.log(`npm run learn, a step that passes (+tsc): ${stats(passes)}`);
if (passCpu.length) console.log(`   CPU time of all its processes:         ${stats(passCpu)}`);

// 2. Watch mode: save → verdict.
const watched = workspace('watch', false);
// Its own process group, so the whole group (npm, node, the step
// processes) can be stopped at the end.
const child = spawn('npm', ['run', '--silent', 'learn', '--', '--watch', '--workspace', watched], {
  cwd: ROOT,
  env,
  detached: true,
});
let screen = '';
child.stdout.on('data', (chunk) => {
  screen += chunk;
});
const verdicts = () => (screen.match(/^[✗✓●] {2}\d+\//gm) ?? []).length;
async function until(test: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`watch mode gave no verdict:\n${screen}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
await until(() => verdicts() >= 1);
await new Promise((resolve) => setTimeout(resolve, 3000)); // let the spare process warm up
const saves: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const before = verdicts();
  const saved = performance.now();
  write(watched, 'wrong', ` // edit ${i}`);
  await until(() => verdicts() > before);
  saves.push(performance.now() - saved);
  await new Promise((resolve) => setTimeout(resolve, 3000));
}
process.kill(-child.pid!, 'SIGINT');
console.log(`watch mode, save → verdict:               ${stats(saves)}`);
console.log(
  `load average at the end ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
fs.rmSync(tmp, { recursive: true, force: true });
