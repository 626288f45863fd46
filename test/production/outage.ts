/**
 * A Redis outage, second by second (chapters/15-production.md#outage).
 *
 * Starts a redis-server of its own on a free port (never the shared one on
 * 6379), gives a visitor a session, then kills that redis-server with
 * SIGKILL and starts it again `restartAt` ms later. Meanwhile, once a
 * second, a returning visitor (with the cookie: koa-session GETs first)
 * and a new visitor (no cookie: only a SET at the commit) each make one
 * request. For every request it notes when it started, how long it took,
 * the status, the error Koa reported and whether the handler ran; and it
 * captures what the process wrote to the console. Used by
 * `npm run production:measure`; not part of `npm test`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import Koa from 'koa';
import redisStore from 'koa-redis';
import { sentBack } from '../../playground/shared/cookies.js';
import { createSession, type SessionStore } from '../../src/index.js';
import { RedisStore } from '../../src/stores/index.js';
import { freePort, HOST } from '../support/cluster.js';

/** One way of wiring the store, measured on its own redis-server. */
export interface OutageSetup {
  name: string;
  label: string;
  /** `koa-redis`: its bundled ioredis 4; `ours`: RedisStore on ioredis 6. */
  store: 'koa-redis' | 'ours';
  /** ioredis options beyond host and port. */
  redis: RedisOptions;
  /** Attach an 'error' listener to the ioredis client (koa-redis always does). */
  listen: boolean;
}

export interface OutageConfig {
  /** Requests start at 0, 1000, … ms after the kill, this many of each kind. */
  requests: number;
  every: number;
  restartAt: number;
  /** A request still unanswered after this long is abandoned (the client gives up). */
  giveUpAfter: number;
  setups: OutageSetup[];
}

export interface OutageRequest {
  visitor: 'returning' | 'new';
  /** ms after the kill. */
  start: number;
  /** ms it took; undefined: no answer within giveUpAfter. */
  took: number | undefined;
  status: number | undefined;
  body: string;
  handlerRan: boolean;
  error: string | undefined;
}

export interface OutageResult {
  requests: OutageRequest[];
  /** Lines the process printed to stderr / console.error during the outage. */
  logged: string[];
  /** ms after the kill at which the restarted server answered PING. */
  restartedAfter: number;
  /** Client events seen ('error', 'reconnecting' …), with counts. */
  events: Record<string, number>;
}

/** A redis-server of our own, on `port`, no persistence. */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis({ host: HOST, port, lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => {});
    const ok = await probe
      .connect()
      .then(() => probe.ping())
      .catch(() => undefined);
    probe.disconnect();
    if (ok === 'PONG') return child;
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Capture console.error and stderr writes (ioredis reports unhandled errors there). */
function captureLogs(): { lines: string[]; stop(): void } {
  const lines: string[] = [];
  const error = console.error;
  const write = process.stderr.write.bind(process.stderr);
  console.error = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  };
  process.stderr.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk).trimEnd());
    return true;
  }) as typeof process.stderr.write;
  return {
    lines,
    stop() {
      console.error = error;
      process.stderr.write = write;
    },
  };
}

export async function runOutage(setup: OutageSetup, config: OutageConfig): Promise<OutageResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'koa-session-outage-'));
  const port = await freePort();
  let redis = await startRedis(port, dir);
  const events: Record<string, number> = {};
  let client: Redis | { disconnect(): void };
  let store: SessionStore;
  if (setup.store === 'koa-redis') {
    const kr = redisStore({
      host: HOST,
      port,
      ...setup.redis,
    } as never) as unknown as SessionStore & {
      client: Redis;
    };
    client = kr.client;
    store = kr;
  } else {
    const ioredis = new Redis({ host: HOST, port, ...setup.redis });
    if (setup.listen) ioredis.on('error', () => {});
    client = ioredis;
    store = new RedisStore({ client: ioredis });
  }
  // Counting 'error' events takes a listener, and a listener changes what
  // ioredis does with them (without one it prints them): so they are
  // counted only where there is one anyway (koa-redis always adds its own).
  const counted = ['reconnecting', 'ready', 'end'];
  if (setup.store === 'koa-redis' || setup.listen) counted.push('error');
  for (const name of counted) {
    (client as Redis).on(name, () => {
      events[name] = (events[name] ?? 0) + 1;
    });
  }

  if ((client as Redis).status !== 'ready') await once(client as Redis, 'ready');

  const app = new Koa();
  app.keys = ['outage'];
  app.silent = true;
  const errors = new Map<string, string>();
  const ran = new Set<string>();
  app.on('error', (error: Error, ctx: Koa.Context) => {
    errors.set(String(ctx.get('x-request')), error.message);
  });
  app.use(createSession({ store }, app));
  app.use((ctx) => {
    ran.add(ctx.get('x-request'));
    const views = ((ctx.session!.views as number | undefined) ?? 0) + 1;
    ctx.session!.views = views;
    ctx.body = `${views} views`;
  });
  const server = app.listen(0, HOST);
  await once(server, 'listening');
  const url = `http://${HOST}:${(server.address() as AddressInfo).port}/`;

  // The returning visitor's session, made while Redis is up.
  const first = await fetch(url, { headers: { 'x-request': 'warm-up' } });
  const cookie = sentBack(first.headers.getSetCookie());
  if (first.status !== 200 || !cookie) throw new Error('no session before the outage');

  const logs = captureLogs();
  const t0 = performance.now();
  let restartedAfter = 0;
  try {
    process.kill(redis.pid!, 'SIGKILL');
    await once(redis, 'exit');
    const restart = (async () => {
      await new Promise((resolve) => setTimeout(resolve, config.restartAt));
      redis = await startRedis(port, dir);
      restartedAfter = performance.now() - t0;
    })();
    const requests: Array<Promise<OutageRequest>> = [];
    for (let i = 0; i < config.requests; i++) {
      const due = i * config.every;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, due - (performance.now() - t0))),
      );
      for (const visitor of ['returning', 'new'] as const) {
        const id = `${visitor}-${i}`;
        requests.push(
          (async () => {
            const start = performance.now() - t0;
            try {
              const res = await fetch(url, {
                headers:
                  visitor === 'returning' ? { cookie, 'x-request': id } : { 'x-request': id },
                signal: AbortSignal.timeout(config.giveUpAfter),
              });
              const body = await res.text();
              return {
                visitor,
                start,
                took: performance.now() - t0 - start,
                status: res.status,
                body,
                handlerRan: ran.has(id),
                error: errors.get(id),
              };
            } catch {
              return {
                visitor,
                start,
                took: undefined,
                status: undefined,
                body: '',
                handlerRan: ran.has(id),
                error: errors.get(id),
              };
            }
          })(),
        );
      }
    }
    const done = await Promise.all(requests);
    await restart;
    return { requests: done, logged: logs.lines, restartedAfter, events };
  } finally {
    logs.stop();
    client.disconnect();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    if (redis.exitCode === null) {
      redis.kill('SIGTERM');
      await once(redis, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
