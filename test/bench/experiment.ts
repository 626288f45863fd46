/**
 * `npm run bench:experiment -- <patch> [<patch> …]`: measure a change to
 * the port before making it.
 *
 * Copies src/ to a temporary directory, applies the patch(es) there with
 * `git apply` (src/ itself is never touched), then runs the in-process bench
 * and the HTTP bench with three contenders — koa-session 7.0.2, the port as
 * it is, and the patched copy (`port-alt`) — interleaved in the same run.
 * Results go to test/bench/results/experiment-<first patch name>*.json.
 *
 * The patch must keep behaviour byte-identical; check that separately by
 * running test/differential against the patched source.
 *
 * See chapters/12-performance.md#faster
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

const patches = process.argv.slice(2).map((p) => path.resolve(p));
if (patches.length === 0) {
  console.error('usage: npm run bench:experiment -- test/bench/experiments/<name>.patch');
  process.exit(2);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'koa-session-experiment-'));
cpSync(path.join(root, 'src'), path.join(dir, 'src'), { recursive: true });
// Bare imports in the copy (if any) resolve from the project's node_modules.
symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
for (const patch of patches) {
  execFileSync('git', ['apply', '--verbose', patch], { cwd: dir, stdio: 'inherit' });
}

const name = path.basename(patches[0] as string, '.patch');
const env = {
  ...process.env,
  BENCH_ALT_SRC: path.join(dir, 'src'),
  BENCH_CONTENDERS: 'koa-session,port,port-alt',
  BENCH_MICRO_CONTENDERS: 'koa-session,port,port-alt',
  BENCH_OUT: `test/bench/results/experiment-${name}.json`,
  BENCH_MICRO_OUT: `test/bench/results/experiment-${name}-micro.json`,
};
const run = (script: string) =>
  execFileSync(process.execPath, ['--import', 'tsx', path.join(here, script)], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
run('micro.ts');
run('run.ts');
console.log(`patched copy left in ${dir} for inspection`);
