/**
 * `npm run bench:micro`: the same contenders and workloads as `npm run
 * bench`, but in one process and without sockets. Each request is a real
 * Koa request — a real `IncomingMessage`, a real `ServerResponse`, Koa's
 * whole request/response cycle — that never touches the kernel, so the
 * figure is CPU time per request of everything *except* the network.
 *
 * Why a second lens? Over HTTP the kernel's work (about half of every
 * request here) and other processes' noise both land in the figure. In
 * process, contenders can be interleaved every few thousand requests and
 * timed by CPU time, which is what the port's code actually controls. The
 * reported figure is the *minimum* over rounds: interference (another
 * process, a GC started by somebody else) only ever adds time, so the
 * least-disturbed round is the best estimate of the true cost.
 *
 * Knobs: BENCH_MICRO_CONTENDERS=koa-session,port  BENCH_MICRO_ROUNDS=15
 *        BENCH_MICRO_ITERATIONS=3000  BENCH_ALT_SRC=… (adds port-alt)
 *        BENCH_MICRO_OUT=test/bench/results/micro.json
 *
 * See chapters/12-performance.md#two-lenses
 */

import { writeFileSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from './app.js';
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
const rounds = Number(process.env.BENCH_MICRO_ROUNDS ?? 15);
const iterations = Number(process.env.BENCH_MICRO_ITERATIONS ?? 3000);
const out = path.resolve(root, process.env.BENCH_MICRO_OUT ?? 'test/bench/results/micro.json');

/** One socket object for every fake request: never connected, never written. */
const socket = new Socket();

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Run one request through Koa; resolve with the response, body buffered in memory. */
async function request(handler: Handler, url: string, cookie?: string): Promise<ServerResponse> {
  const req = new IncomingMessage(socket);
  req.method = 'GET';
  req.url = url;
  req.headers = cookie ? { host: 'bench.local', cookie } : { host: 'bench.local' };
  const res = new ServerResponse(req);
  await handler(req, res);
  return res;
}

function cookieFrom(res: ServerResponse): string {
  const header = res.getHeader('set-cookie');
  const lines = Array.isArray(header) ? header : header ? [String(header)] : [];
  return lines.map((line) => line.split(';', 1)[0]).join('; ');
}

async function main() {
  const apps = [];
  for (const name of contenders) {
    const { app, close } = await buildApp(name);
    const handler = app.callback() as Handler;
    const primed = await request(handler, '/prime');
    apps.push({ name, handler, cookie: cookieFrom(primed), close });
  }

  const costs = new Map<string, number[]>();
  for (const workload of WORKLOADS) {
    const url = `/${workload}`;
    for (const { handler, cookie } of apps) {
      for (let i = 0; i < iterations * 3; i++) await request(handler, url, cookie);
    }
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? [...apps].reverse() : apps;
      for (const { name, handler, cookie } of order) {
        const start = process.cpuUsage();
        for (let i = 0; i < iterations; i++) await request(handler, url, cookie);
        const used = process.cpuUsage(start);
        const key = `${workload}\u0000${name}`;
        const list = costs.get(key) ?? [];
        list.push((used.user + used.system) / iterations);
        costs.set(key, list);
      }
    }
  }
  for (const { close } of apps) await close();

  const rows = [...costs].map(([key, values]) => {
    const [workload, contender] = key.split('\u0000') as [string, string];
    return {
      workload,
      contender,
      micros: Math.min(...values),
      median: median(values),
      rounds: values.length,
    };
  });
  const cost = (workload: string, contender: string) =>
    rows.find((r) => r.workload === workload && r.contender === contender)?.micros;
  console.log('CPU µs per request, in process (min over rounds; median in brackets)');
  for (const row of rows) {
    console.log(
      `  ${row.workload.padEnd(6)} ${row.contender.padEnd(12)} ${row.micros.toFixed(2).padStart(7)} µs  (${row.median.toFixed(2)})`,
    );
  }
  const speedups = [];
  for (const workload of WORKLOADS) {
    for (const [a, b] of [
      ['port', 'koa-session'],
      ['port-alt', 'koa-session'],
      ['port-alt', 'port'],
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
