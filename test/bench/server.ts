/**
 * One benchmark contender, as its own process.
 *
 * Usage: `node --import tsx test/bench/server.ts <contender>`. The process
 * listens on a free port, prints `READY <port>` and serves until SIGTERM.
 * The load generator (test/bench/run.ts) lives in another process so that
 * the server owns its CPU core and every microsecond it spends is its own.
 *
 * Every contender answers the same four routes:
 * - `GET /prime`  — start a session holding the bench payload; the runner
 *   keeps the `Set-Cookie` it gets back and replays it on every request;
 * - `GET /change` — workload 1: bump the counter, so the session is saved;
 * - `GET /read`   — workload 2: read the session, change nothing;
 * - `GET /__cpu`  — this process's CPU time so far (µs), so the runner can
 *   compute CPU time per request, a figure other processes cannot inflate.
 *
 * See chapters/12-performance.md#how-the-bench-works
 */
import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import Koa from 'koa';
import koaSession from 'koa-session';
import { createSession, type SessionStore } from '../../src/index.js';
import { MemoryStore, MysqlStore, RedisStore } from '../../src/stores/index.js';
import {
  BENCH_KEYS,
  BENCH_MYSQL_TABLE,
  BENCH_PAYLOAD,
  BENCH_REDIS_PREFIXES,
  CONTENDERS,
  type ContenderName,
  MYSQL_URL,
  REDIS_URL,
} from './contenders.js';

const require = createRequire(import.meta.url);
type Handler = (ctx: Koa.Context) => void;

const name = process.argv[2] as ContenderName;
if (!CONTENDERS.includes(name)) {
  console.error(`unknown contender ${JSON.stringify(name)}; one of: ${CONTENDERS.join(', ')}`);
  process.exit(2);
}

const app = new Koa();
app.keys = [...BENCH_KEYS];
// Keep Koa's default error logging quiet: the runner counts non-2xx itself.
app.silent = true;

/** Resources a contender opened (database clients) and must close on exit. */
const closers: Array<() => Promise<unknown>> = [];

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

async function makeStore(contender: ContenderName): Promise<SessionStore | undefined> {
  switch (contender) {
    case 'port+memory':
      return new MemoryStore();
    case 'port+redis': {
      const client = new Redis(REDIS_URL);
      closers.push(() => client.quit());
      return new RedisStore({ client, prefix: BENCH_REDIS_PREFIXES[0] });
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

let routes: Record<string, Handler>;
if (name === 'bare') {
  routes = bareRoutes;
} else if (name === 'floor') {
  routes = floorRoutes;
} else if (name === 'koa-session') {
  app.use(koaSession({}, app));
  routes = sessionRoutes;
} else {
  const store = await makeStore(name);
  // koa-redis keeps ids in the cookie as given: a prefix keeps bench keys apart.
  const prefix = name === 'port+koa-redis' ? BENCH_REDIS_PREFIXES[1] : undefined;
  app.use(createSession(store ? { store, prefix } : {}, app));
  routes = sessionRoutes;
}

app.use((ctx) => {
  if (ctx.path === '/__cpu') {
    const { user, system } = process.cpuUsage();
    ctx.body = { cpuMicros: user + system };
    return;
  }
  const route = routes[ctx.path];
  if (route) route(ctx);
  else ctx.status = 404;
});

const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`READY ${port}\n`);
});

// A clean exit matters: `--cpu-prof` writes its profile only on exit.
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections();
  server.close();
  await Promise.allSettled(closers.map((close) => close()));
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
