/**
 * `npm run bench:profile`: find where a cookie-session request spends its
 * time, in koa-session 7.0.2 and in this port, from real CPU profiles.
 *
 * For each workload: start one server per contender under
 * `node --cpu-prof`, prime and warm them up, then let them take turns under
 * load (half a second each, alternating, as in the bench), noting the
 * server's clock around every turn. Stop them (the profile is written on
 * exit) and summarise only the samples taken during their turns — start-up,
 * JIT warm-up and the other contender's turns would blur the picture. The summaries go to
 * test/bench/results/profile.json (the chapter's "where the time goes"
 * table is generated from it); the raw profiles stay in a temporary
 * directory — open them in Chrome DevTools (Performance tab) or speedscope.
 *
 * Knobs: BENCH_PROFILE_CONTENDERS=koa-session,port  BENCH_PROFILE_SECONDS=6
 *        BENCH_CONNECTIONS=20  BENCH_PROFILE_OUT=test/bench/results/profile.json
 *
 * See chapters/12-performance.md#where-the-time-goes
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTENDERS, type ContenderName, WORKLOADS } from './contenders.js';
import { type CpuProfile, formatSummary, summariseProfile } from './cpuprofile.js';
import { checkWorkloads, load, primeCookies, serverClock, startServer, stopServer } from './run.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

const contenders = (process.env.BENCH_PROFILE_CONTENDERS ?? 'koa-session,port')
  .split(',')
  .map((s) => s.trim()) as ContenderName[];
for (const c of contenders) {
  if (!CONTENDERS.includes(c)) throw new Error(`unknown contender ${c}`);
}
const seconds = Number(process.env.BENCH_PROFILE_SECONDS ?? 6);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const out = path.resolve(root, process.env.BENCH_PROFILE_OUT ?? 'test/bench/results/profile.json');
const keep = mkdtempSync(path.join(os.tmpdir(), 'koa-session-profiles-'));

/** The main thread's profile (tsx's loader thread writes one too: thread id ≠ 0). */
function mainThreadProfile(dir: string): string {
  const files = readdirSync(dir).filter((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (files.length !== 1)
    throw new Error(`expected one main-thread profile in ${dir}, found ${files}`);
  return path.join(dir, files[0] as string);
}

const turn = Number(process.env.BENCH_SLICE ?? 0.5);

const profiles = [];
for (const workload of WORKLOADS) {
  // One profiled server per contender for this workload; they take turns
  // under load, like in the bench, so both profiles see the same machine.
  const runs = [];
  for (const contender of contenders) {
    const dir = path.join(keep, `${contender}-${workload}`);
    const server = await startServer(contender, ['--cpu-prof', '--cpu-prof-dir', dir]);
    const cookies = await primeCookies(server.url, connections);
    await checkWorkloads(contender, server.url, cookies[0] as string);
    await load(`${server.url}/${workload}`, cookies, 2);
    runs.push({
      contender,
      dir,
      server,
      cookies,
      windows: [] as Array<{ from: number; to: number }>,
      requests: 0,
      seconds: 0,
    });
  }
  try {
    const turns = Math.max(1, Math.round(seconds / turn));
    for (let t = 0; t < turns; t++) {
      for (const run of t % 2 ? [...runs].reverse() : runs) {
        const before = await serverClock(run.server.url);
        const result = await load(`${run.server.url}/${workload}`, run.cookies, turn);
        const after = await serverClock(run.server.url);
        run.windows.push({ from: before.nowMicros, to: after.nowMicros });
        run.requests += result.requests;
        run.seconds += result.seconds;
      }
    }
  } finally {
    for (const run of runs) await stopServer(run.server);
  }
  for (const run of runs) {
    const file = mainThreadProfile(run.dir);
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const summary = summariseProfile(profile, {
      top: 15,
      requests: run.requests,
      windows: run.windows,
    });
    console.log(
      `\n${formatSummary(summary, `${run.contender} / ${workload}`)}\n  raw profile: ${file}`,
    );
    profiles.push({
      contender: run.contender,
      workload,
      rps: run.requests / run.seconds,
      seconds,
      ...summary,
    });
  }
}
writeFileSync(
  out,
  `${JSON.stringify(
    {
      meta: {
        date: new Date().toISOString(),
        node: process.version,
        connections,
        command: 'npm run bench:profile',
      },
      profiles,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwrote ${path.relative(root, out)}; raw profiles in ${keep}`);
