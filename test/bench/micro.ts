/**
 * `npm run bench:micro`: the same contenders and workloads as `npm run
 * bench`, without sockets. Each contender runs in its own process
 * (test/bench/micro-worker.ts) and serves real Koa requests — a real
 * `IncomingMessage`, a real `ServerResponse`, Koa's whole request/response
 * cycle — that never touch the kernel, so the figure is CPU time per
 * request of everything *except* the network.
 *
 * Why a second lens? Over HTTP the kernel's work and the load generator
 * share the machine with the server, and both land in the figure. Here the
 * contenders take turns, ten thousand requests at a time, timed by the CPU
 * time their own process used — which is what the session code controls.
 * The reported figure is the median over rounds (the lowest round is kept
 * in the JSON too).
 *
 * Knobs: BENCH_MICRO_CONTENDERS=koa-session,port  BENCH_MICRO_ROUNDS=9
 *        BENCH_MICRO_ITERATIONS=10000  BENCH_ALT_SRC=… (adds port-alt)
 *        BENCH_MICRO_OUT=test/bench/results/micro.json
 *
 * See chapters/12-performance.md#two-lenses
 */
import { type ChildProcess, fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALT_SRC, CONTENDERS, type ContenderName, WORKLOADS } from './contenders.js';
import { median } from './stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

/** The contenders that need no network service. */
const LOCAL: ContenderName[] = ['bare', 'floor', 'koa-session', 'port', 'port+memory', 'port-alt'];
const wanted = process.env.BENCH_MICRO_CONTENDERS?.split(',').map((s) => s.trim());
const contenders = (wanted ?? LOCAL).filter(
  (c): c is ContenderName =>
    CONTENDERS.includes(c as ContenderName) &&
    LOCAL.includes(c as ContenderName) &&
    (c !== 'port-alt' || !!ALT_SRC),
);
const rounds = Number(process.env.BENCH_MICRO_ROUNDS ?? 9);
const iterations = Number(process.env.BENCH_MICRO_ITERATIONS ?? 10_000);
const out = path.resolve(root, process.env.BENCH_MICRO_OUT ?? 'test/bench/results/micro.json');

interface Worker {
  name: ContenderName;
  child: ChildProcess;
}

function startWorker(name: ContenderName): Promise<Worker> {
  const child = fork(path.join(here, 'micro-worker.ts'), [name], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve({ name, child }));
    child.once('exit', (code) => reject(new Error(`${name}: worker exited with ${code}`)));
  });
}

/** Ask a worker to run `iterations` requests; resolve with its CPU µs per request. */
function runOn(worker: Worker, workload: string, count: number): Promise<number> {
  return new Promise((resolve) => {
    worker.child.once('message', (reply: { cpuMicros: number }) =>
      resolve(reply.cpuMicros / count),
    );
    worker.child.send({ workload, iterations: count });
  });
}

async function main() {
  const workers: Worker[] = [];
  for (const name of contenders) workers.push(await startWorker(name));
  const costs = new Map<string, number[]>();
  try {
    for (const workload of WORKLOADS) {
      for (const worker of workers) await runOn(worker, workload, iterations);
      for (let round = 0; round < rounds; round++) {
        for (const worker of round % 2 ? [...workers].reverse() : workers) {
          const micros = await runOn(worker, workload, iterations);
          const key = `${workload}\u0000${worker.name}`;
          costs.set(key, [...(costs.get(key) ?? []), micros]);
        }
      }
    }
  } finally {
    for (const { child } of workers) child.send('exit');
  }

  const rows = [...costs].map(([key, values]) => {
    const [workload, contender] = key.split('\u0000') as [string, string];
    return {
      workload,
      contender,
      micros: median(values),
      min: Math.min(...values),
      rounds: values.length,
    };
  });
  const cost = (workload: string, contender: string) =>
    rows.find((r) => r.workload === workload && r.contender === contender)?.micros;
  console.log('CPU µs per request, in process (median over rounds; lowest in brackets)');
  for (const row of rows) {
    console.log(
      `  ${row.workload.padEnd(6)} ${row.contender.padEnd(12)} ${row.micros.toFixed(2).padStart(7)} µs  (${row.min.toFixed(2)})`,
    );
  }
  const speedups = [];
  for (const workload of WORKLOADS) {
    for (const [a, b] of [
      ['port', 'koa-session'],
      ['port-alt', 'koa-session'],
      ['port', 'port-alt'],
    ] as const) {
      const ca = cost(workload, a);
      const cb = cost(workload, b);
      if (ca && cb) {
        speedups.push({ workload, a, b, speedup: cb / ca });
        console.log(`  ${workload.padEnd(6)} ${a} is ${(cb / ca).toFixed(3)}× as fast as ${b}`);
      }
    }
  }
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        meta: {
          date: new Date().toISOString(),
          node: process.version,
          command: 'npm run bench:micro',
          rounds,
          iterations,
        },
        rows,
        speedups,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${path.relative(root, out)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
