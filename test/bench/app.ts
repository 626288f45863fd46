/**
 * The contenders as Koa apps: the same routes for everyone, and only the
 * session layer differs. Used by the server process (test/bench/server.ts,
 * end-to-end over HTTP) and by the in-process bench (test/bench/micro.ts).
 *
 * Every app answers:
 * - `GET /prime`  — start a session holding the bench payload; the runner
 *   keeps the `Set-Cookie` it gets back and replays it on every request;
 * - `GET /change` — workload 1: bump the counter, so the session is saved;
 * - `GET /read`   — workload 2: read the session, change nothing;
 * - `GET /__cpu`  — this process's CPU time so far (µs), so the runner can
 *   compute CPU time per request, a figure other processes cannot inflate,
 *   and the time on the profiler's clock.
 *
 * See chapters/12-performance.md#how-the-bench-works
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import Koa from 'koa';
import koaSession from 'koa-session';
import { createSession, type SessionStore } from '../../src/index.js';
import { MemoryStore, MysqlStore, RedisStore } from '../../src/stores/index.js';
import {
  ALT_SRC,
  BENCH_KEYS,
  BENCH_MYSQL_TABLE,
  BENCH_PAYLOAD,
  BENCH_REDIS_PREFIXES,
  type ContenderName,
  MYSQL_URL,
  REDIS_URL,
} from './contenders.js';

const require = createRequire(import.meta.url);
type Handler = (ctx: Koa.Context) => void;

// ---------------------------------------------------------------------------
// The handlers. Session contenders share one set; the two baselines have
// their own, doing only what their name promises.

const sessionRoutes: Record<string, Handler> = {
  '/prime'(ctx) {
    ctx.session = { views: 0, user: BENCH_PAYLOAD.user };
    ctx.body = 'primed';
  },
  '/change'(ctx) {
    const session = ctx.session!;
    session.views = (session.views as number) + 1;
    ctx.body = `views ${session.views}`;
  },
  '/read'(ctx) {
    const session = ctx.session!;
    const user = session.user as { name: string };
    ctx.body = `${user.name} ${session.views}`;
  },
};

/**
 * The cookie floor: what any signed cookie session must do at the very
 * least — read the cookie, verify its signature, decode it and, when it
 * changed, encode and sign it again. No Session object, no hash, no options.
 */
const COOKIE = 'koa.sess';
const encode = (data: unknown) => Buffer.from(JSON.stringify(data)).toString('base64');
const decode = (text: string) => JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
const floorRoutes: Record<string, Handler> = {
  '/prime'(ctx) {
    ctx.cookies.set(COOKIE, encode({ views: 0, user: BENCH_PAYLOAD.user }), { signed: true });
    ctx.body = 'primed';
  },
  '/change'(ctx) {
    const data = decode(ctx.cookies.get(COOKIE, { signed: true }) ?? '');
    data.views += 1;
    ctx.cookies.set(COOKIE, encode(data), { signed: true });
    ctx.body = `views ${data.views}`;
  },
  '/read'(ctx) {
    const data = decode(ctx.cookies.get(COOKIE, { signed: true }) ?? '');
    ctx.body = `${data.user.name} ${data.views}`;
  },
};

/** Bare Koa: the same responses' shape, no cookie work at all. */
const bareRoutes: Record<string, Handler> = {
  ...floorRoutes,
  '/change'(ctx) {
    ctx.body = 'views 1';
  },
  '/read'(ctx) {
    ctx.body = `${BENCH_PAYLOAD.user.name} 0`;
  },
};

// ---------------------------------------------------------------------------
// The stores. Only the contender that uses one opens a connection.

async function makeStore(
  contender: ContenderName,
  closers: Array<() => Promise<unknown>>,
): Promise<SessionStore | undefined> {
  switch (contender) {
    case 'port+memory':
      return new MemoryStore();
    case 'port+redis': {
      const client = new Redis(REDIS_URL);
      closers.push(() => client.quit());
      return new RedisStore({ client });
    }
    case 'port+koa-redis': {
      // koa-redis ships no types; we only need its three store methods.
      const koaRedis = require('koa-redis') as (opts: { client: unknown }) => SessionStore;
      const client = new Redis(REDIS_URL);
      closers.push(() => client.quit());
      return koaRedis({ client });
    }
    case 'port+mysql': {
      // Our own table, so the bench never touches anyone else's sessions;
      // no cleanup timer, so nothing but the workload runs during a round.
      const store = new MysqlStore({
        uri: MYSQL_URL,
        table: BENCH_MYSQL_TABLE,
        cleanupInterval: 0,
      });
      closers.push(() => store.close());
      return store;
    }
    default:
      return undefined;
  }
}

export interface BenchApp {
  app: Koa;
  /** Close what the contender opened (database clients). */
  close(): Promise<void>;
}

/** Build one contender's app. */
export async function buildApp(name: ContenderName): Promise<BenchApp> {
  const app = new Koa();
  app.keys = [...BENCH_KEYS];
  // Keep Koa's default error logging quiet: the runner counts non-2xx itself.
  app.silent = true;
  const closers: Array<() => Promise<unknown>> = [];

  let routes: Record<string, Handler>;
  if (name === 'bare') {
    routes = bareRoutes;
  } else if (name === 'floor') {
    routes = floorRoutes;
  } else if (name === 'koa-session') {
    app.use(koaSession({}, app));
    routes = sessionRoutes;
  } else if (name === 'port-alt') {
    if (!ALT_SRC)
      throw new Error('port-alt needs BENCH_ALT_SRC: a directory holding a copy of src/');
    const alt = (await import(pathToFileURL(path.resolve(ALT_SRC, 'index.ts')).href)) as {
      createSession: typeof createSession;
    };
    app.use(alt.createSession({}, app));
    routes = sessionRoutes;
  } else {
    const store = await makeStore(name, closers);
    // Session ids get a prefix of the same length for both Redis stores, so
    // cookies and keys are the same size and only the store code differs;
    // it also keeps the bench's keys apart from anybody else's.
    const prefix =
      name === 'port+redis'
        ? BENCH_REDIS_PREFIXES[0]
        : name === 'port+koa-redis'
          ? BENCH_REDIS_PREFIXES[1]
          : undefined;
    app.use(createSession(store ? { store, prefix } : {}, app));
    routes = sessionRoutes;
  }

  app.use((ctx) => {
    if (ctx.path === '/__cpu') {
      const { user, system } = process.cpuUsage();
      // The monotonic clock in µs: the same clock V8 stamps profile samples
      // with, so the profiler can cut a profile down to the measured window.
      ctx.body = { cpuMicros: user + system, nowMicros: Number(process.hrtime.bigint() / 1000n) };
      return;
    }
    const route = routes[ctx.path];
    if (route) route(ctx);
    else ctx.status = 404;
  });

  return {
    app,
    async close() {
      await Promise.allSettled(closers.map((close) => close()));
    },
  };
}
