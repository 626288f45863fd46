/**
 * `npm run production:measure`: the timings of chapters/15-production.md,
 * measured on this machine (they are too slow for `npm test`, and depend
 * on the clock).
 *
 * - `outage`: a Redis of our own killed for 20 s, one request per second
 *   per kind of visitor, with koa-redis (ioredis 4) and RedisStore
 *   (ioredis 6), as shipped and set to fail fast (test/production/outage.ts);
 * - `failover`: a primary of a six-node Redis Cluster killed with Redis's
 *   default `cluster-node-timeout 15000`, under load, with ioredis's
 *   defaults and with a client told to wait (test/cluster/load.ts).
 *
 * Writes test/production/results/{outage,failover}.json and regenerates
 * the chapter's tables (`--no-chapter` leaves it alone, `--report` only
 * re-renders from the JSON; `outage` or `failover` runs one part).
 * Takes about five minutes; run it under `flock /work/heavy.lock`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runFailover } from '../cluster/load.js';
import { findFreeBasePort, LocalCluster, stopOnSignals } from '../support/cluster.js';
import { type OutageConfig, runOutage } from './outage.js';
import {
  type FailoverConfig,
  type FailoverRecording,
  type Meta,
  type OutageRecording,
  renderFailover,
  renderOutage,
  replaceBetween,
} from './report.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const OUTAGE_RESULTS = path.join(root, 'test/production/results/outage.json');
export const FAILOVER_RESULTS = path.join(root, 'test/production/results/failover.json');
export const CHAPTER = path.join(root, 'chapters/15-production.md');

/** The settings of the recorded outage run (report.test.ts compares them). */
export const OUTAGE_CONFIG: OutageConfig = {
  requests: 30,
  every: 1000,
  restartAt: 20_000,
  giveUpAfter: 60_000,
  setups: [
    {
      name: 'koa-redis',
      label: 'koa-redis (ioredis 4)',
      store: 'koa-redis',
      redis: {},
      listen: true,
    },
    {
      name: 'ours',
      label: 'RedisStore (ioredis 6)',
      store: 'ours',
      redis: {},
      listen: false,
    },
    {
      name: 'fail-fast',
      label: 'ioredis 6, no offline queue',
      store: 'ours',
      redis: { enableOfflineQueue: false },
      listen: true,
    },
  ],
};

/** ioredis 6's own defaults, spelled out where test/cluster/load.ts sets its own. */
const IOREDIS_DEFAULTS = {
  maxRedirections: 16,
  retryDelayOnFailover: 100,
  retryDelayOnClusterDown: 100,
  slotsRefreshInterval: 0,
  redisOptions: { connectTimeout: 10_000 },
};

/** The settings of the recorded failover runs. */
export const FAILOVER_CONFIG: FailoverConfig = {
  users: 30,
  duration: 40_000,
  killAt: 5_000,
  nodeTimeout: 15_000,
  runs: [
    { name: 'default', fullCoverage: true, client: IOREDIS_DEFAULTS },
    { name: 'partial', fullCoverage: false, client: IOREDIS_DEFAULTS },
    {
      name: 'patient',
      fullCoverage: false,
      client: {
        ...IOREDIS_DEFAULTS,
        maxRedirections: 120,
        retryDelayOnFailover: 500,
        retryDelayOnClusterDown: 500,
      },
    },
  ],
};

function meta(command: string): Meta {
  const redis = /v=(\S+)/.exec(
    execFileSync('redis-server', ['--version'], { encoding: 'utf8' }),
  )?.[1];
  return {
    date: new Date().toISOString(),
    node: process.version,
    redis: redis ?? '?',
    cpus: os.cpus().length,
    command,
  };
}

async function measureOutage(): Promise<OutageRecording> {
  const setups = [];
  for (const setup of OUTAGE_CONFIG.setups) {
    console.log(`outage: ${setup.label} …`);
    setups.push({ name: setup.name, result: await runOutage(setup, OUTAGE_CONFIG) });
  }
  return { meta: meta('npm run production:measure -- outage'), config: OUTAGE_CONFIG, setups };
}

async function measureFailover(): Promise<FailoverRecording> {
  const runs = [];
  for (const run of FAILOVER_CONFIG.runs) {
    console.log(`failover: ${run.name} …`);
    const cluster = await LocalCluster.start({
      basePort: await findFreeBasePort(),
      nodeTimeout: FAILOVER_CONFIG.nodeTimeout,
      fullCoverage: run.fullCoverage,
    });
    stopOnSignals(cluster);
    try {
      const result = await runFailover({
        cluster,
        users: FAILOVER_CONFIG.users,
        duration: FAILOVER_CONFIG.duration,
        killAt: FAILOVER_CONFIG.killAt,
        client: run.client,
      });
      console.log(run.name, result);
      runs.push({ name: run.name, result });
    } finally {
      await cluster.stop();
    }
  }
  return {
    meta: meta('npm run production:measure -- failover'),
    config: FAILOVER_CONFIG,
    runs,
  };
}

/** Put both tables into the chapter, from whatever JSON exists. */
export function renderChapter(text: string): string {
  let out = text;
  if (existsSync(OUTAGE_RESULTS)) {
    const rec = JSON.parse(readFileSync(OUTAGE_RESULTS, 'utf8')) as OutageRecording;
    out = replaceBetween(out, 'production:outage', renderOutage(rec));
  }
  if (existsSync(FAILOVER_RESULTS)) {
    const rec = JSON.parse(readFileSync(FAILOVER_RESULTS, 'utf8')) as FailoverRecording;
    out = replaceBetween(out, 'production:failover', renderFailover(rec));
  }
  return out;
}

async function main(args: string[]) {
  const only = args.find((a) => a === 'outage' || a === 'failover');
  if (!args.includes('--report')) {
    if (only !== 'failover') {
      const rec = await measureOutage();
      writeFileSync(OUTAGE_RESULTS, `${JSON.stringify(rec, null, 2)}\n`);
      console.log(`\n${renderOutage(rec)}\n`);
    }
    if (only !== 'outage') {
      const rec = await measureFailover();
      writeFileSync(FAILOVER_RESULTS, `${JSON.stringify(rec, null, 2)}\n`);
      console.log(`\n${renderFailover(rec)}\n`);
    }
  }
  if (!args.includes('--no-chapter')) {
    writeFileSync(CHAPTER, renderChapter(readFileSync(CHAPTER, 'utf8')));
    console.log(`updated ${path.relative(root, CHAPTER)}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main(process.argv.slice(2))
    .then(() => process.exit(0))
    .catch((error: Error) => {
      console.error(error.stack);
      process.exit(1);
    });
}
