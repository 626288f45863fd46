/**
 * `npm run bench:profile`: find where a cookie-session request spends its
 * time, in koa-session 7.0.2 and in this port, from real CPU profiles.
 *
 * For each contender and workload: start the server under
 * `node --cpu-prof`, prime and warm it up, note the time, drive load,
 * note the time again, stop it (the profile is written on exit), then
 * summarise only the samples taken between the two notes — start-up and
 * JIT warm-up would otherwise blur the picture. The summaries go to
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

const profiles = [];
for (const contender of contenders) {
  for (const workload of WORKLOADS) {
    const dir = path.join(keep, `${contender}-${workload}`);
    const server = await startServer(contender, ['--cpu-prof', '--cpu-prof-dir', dir]);
    let window: { from: number; to: number; requests: number; rps: number };
    try {
      const cookies = await primeCookies(server.url, connections);
      await checkWorkloads(contender, server.url, cookies[0] as string);
      await load(`${server.url}/${workload}`, cookies, 2);
      const before = await serverClock(server.url);
      const result = await load(`${server.url}/${workload}`, cookies, seconds);
      const after = await serverClock(server.url);
      window = {
        from: before.nowMicros,
        to: after.nowMicros,
        requests: result.requests,
        rps: result.rps,
      };
    } finally {
      await stopServer(server);
    }
    const file = mainThreadProfile(dir);
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const summary = summariseProfile(profile, { top: 15, ...window });
    console.log(
      `\n${formatSummary(summary, `${contender} / ${workload}`)}\n  raw profile: ${file}`,
    );
    profiles.push({ contender, workload, rps: window.rps, seconds, ...summary });
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
