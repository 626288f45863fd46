/**
 * `npm run cluster:measure`: the failover numbers of
 * chapters/13-scaling-out.md, measured on this machine. Twice, each on a
 * fresh six-node cluster: RedisStore as shipped (one SET per save), then
 * with `wait: { replicas: 1, timeout }`. Writes
 * test/cluster/results/failover.json and regenerates the chapter's table
 * (`--no-chapter` to leave it alone; `--report` only re-renders the
 * chapter from the JSON). Takes about a minute and a half.
 *
 * See chapters/13-scaling-out.md#failover-measured
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_NODE_TIMEOUT,
  findFreeBasePort,
  LocalCluster,
  stopOnSignals,
} from '../support/cluster.js';
import { CLUSTER_CLIENT_OPTIONS, runFailover } from './load.js';
import {
  type FailoverRecording,
  type MeasureConfig,
  renderFailover,
  replaceFailover,
} from './report.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RESULTS = path.join(root, 'test/cluster/results/failover.json');
export const CHAPTER = path.join(root, 'chapters/13-scaling-out.md');

/** The settings of the recorded run (report.test.ts compares them). */
export const MEASURE_CONFIG: MeasureConfig = {
  users: 50,
  duration: 20_000,
  killAt: 5_000,
  nodeTimeout: DEFAULT_NODE_TIMEOUT,
  wait: { replicas: 1, timeout: 100 },
  client: CLUSTER_CLIENT_OPTIONS,
  runs: [
    { name: 'default', fullCoverage: true, wait: false },
    { name: 'partial', fullCoverage: false, wait: false },
    { name: 'wait', fullCoverage: false, wait: true },
  ],
};

async function measure(run: MeasureConfig['runs'][number]) {
  const wait = run.wait;
  const cluster = await LocalCluster.start({
    basePort: await findFreeBasePort(),
    nodeTimeout: MEASURE_CONFIG.nodeTimeout,
    fullCoverage: run.fullCoverage,
  });
  stopOnSignals(cluster);
  try {
    const result = await runFailover({
      cluster,
      users: MEASURE_CONFIG.users,
      duration: MEASURE_CONFIG.duration,
      killAt: MEASURE_CONFIG.killAt,
      store: wait ? { wait: MEASURE_CONFIG.wait } : {},
    });
    console.log(run.name, result);
    return { ...run, result };
  } finally {
    await cluster.stop();
  }
}

function writeChapter(recording: FailoverRecording) {
  writeFileSync(CHAPTER, replaceFailover(readFileSync(CHAPTER, 'utf8'), renderFailover(recording)));
  console.log(`updated ${path.relative(root, CHAPTER)}`);
}

async function main() {
  if (process.argv.includes('--report')) {
    writeChapter(JSON.parse(readFileSync(RESULTS, 'utf8')) as FailoverRecording);
    return;
  }
  const runs = [];
  for (const run of MEASURE_CONFIG.runs) runs.push(await measure(run));
  const redis = /v=(\S+)/.exec(
    execFileSync('redis-server', ['--version'], { encoding: 'utf8' }),
  )?.[1];
  const recording: FailoverRecording = {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      redis: redis ?? '?',
      cpus: os.cpus().length,
      command: 'npm run cluster:measure',
    },
    config: MEASURE_CONFIG,
    runs,
  };
  writeFileSync(RESULTS, `${JSON.stringify(recording, null, 2)}\n`);
  console.log(`\n${renderFailover(recording)}\n\nwrote ${path.relative(root, RESULTS)}`);
  if (!process.argv.includes('--no-chapter')) {
    writeFileSync(
      CHAPTER,
      replaceFailover(readFileSync(CHAPTER, 'utf8'), renderFailover(recording)),
    );
    console.log(`updated ${path.relative(root, CHAPTER)}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
