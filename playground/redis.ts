/**
 * The article's Redis demo, on the port: koa-redis with an ioredis client,
 * cookie `session`, id prefix `session`, app keys `['key', 'keys']`.
 *
 *     npm run playground:redis
 *     npm run playground:redis -- --store=ours       # our RedisStore instead of koa-redis
 *     npm run playground:redis -- --max-age=session  # watch koa-redis fail, then try --store=ours
 *
 * Run as written, the article's handler prints `0 views`, `0 views`,
 * `1 views`, `2 views` … — not 1, 2, 3. Its handler reads the count into
 * `n` but then increments `ctx.session.views` itself, which on the first
 * request is `undefined`: `undefined++` is `NaN`. The body shows the *old*
 * `n` (0). The session `{ views: NaN }` is saved as JSON, and JSON has no
 * NaN, so Redis receives `{"views":null,…}`. Second request: `null || 0`
 * is 0 again (body `0 views`), and `null++` is 1. From there on it counts,
 * one behind. This playground keeps that quirk on `/` so what you see
 * matches the article, and serves the corrected handler on `/fixed`
 * (`1 views`, `2 views` … in a fresh session).
 *
 * Read with: chapters/09-redis-store.md and chapters/run-it-yourself.md
 */
import { Redis } from 'ioredis';
import Koa from 'koa';
import redisStore from 'koa-redis';
import type { MaxAge, SessionOptions, SessionStore } from '../src/index.js';
import { RedisStore } from '../src/stores/index.js';
import {
  banner,
  describeError,
  fail,
  flag,
  isMain,
  listen,
  listenPort,
  maxAgeFlag,
  REDIS_URL,
  redact,
  serverUrl,
} from './cli.js';
import type { StoredRecord } from './inspector.js';
import { mountDemo } from './stack.js';

export interface RedisPlaygroundOptions {
  /** The ioredis client (yours: the playground never closes it). */
  client: Redis;
  /** `'koa-redis'` (the article, default) or `'ours'` ({@link RedisStore}). */
  store?: 'koa-redis' | 'ours';
  /** Override the session lifetime; the article sets none (one day). */
  maxAge?: MaxAge;
  /** koa-session's id prefix. The article's is `'session'`; tests use their own. */
  idPrefix?: string;
  trace?: boolean;
  log?: (text: string) => void;
}

// #region createApp
/** Build the app without listening, so tests can drive it with supertest. */
export function createApp(options: RedisPlaygroundOptions) {
  const app = new Koa();
  const { client } = options;
  const kind = options.store ?? 'koa-redis';
  const store: SessionStore =
    kind === 'ours' ? new RedisStore({ client }) : redisStore({ client });

  // The article's options.
  const CONFIG: SessionOptions = {
    key: 'session',
    prefix: options.idPrefix ?? 'session',
    store,
  };
  if (options.maxAge !== undefined) CONFIG.maxAge = options.maxAge;
  app.keys = ['key', 'keys'];

  const lab = mountDemo(app, {
    name: 'redis',
    title: `Article demo 2: ${kind === 'ours' ? 'our RedisStore' : 'koa-redis'}`,
    options: CONFIG,
    storeLabel: kind === 'ours' ? 'redis (RedisStore)' : 'redis (koa-redis)',
    lookup: (id) => lookup(client, id, kind),
    counts: "0 views, 0 views, 1 views… (the article's views++ quirk)",
    trace: options.trace,
    log: options.log,
  });

  // #region handler
  // The article's handler, quirk included (see the top of this file):
  // `views++` on `undefined` yields NaN, saved as null.
  app.use((ctx) => {
    if (ctx.path === '/favicon.ico') return;
    const session = ctx.session as unknown as { views: number };
    const n = session.views || 0;
    session.views++;
    ctx.body = `${n} views`;
  });
  // #endregion handler

  return { app, store, lab };
}
// #endregion createApp

/** The inspector's view of the Redis key: raw JSON text and PTTL (no prefix: the key is the id). */
async function lookup(
  client: Redis,
  id: string,
  kind: string,
): Promise<StoredRecord> {
  const [text, pttl] = await Promise.all([client.get(id), client.pttl(id)]);
  return {
    where: `redis key ${JSON.stringify(id)} (written by ${kind})`,
    record: text,
    ttlMs: pttl >= 0 ? pttl : null,
  };
}

// #region connectRedis
/**
 * Connect, or exit with one line saying what was tried and how to start
 * Redis.
 *
 * The client is the article's `new Redis(...)` with two settings added on
 * purpose: `enableOfflineQueue: false` and `maxRetriesPerRequest: 1`. With
 * ioredis' defaults a request made while Redis is down waits in a queue
 * through about twenty reconnection attempts (some ten seconds) before it
 * fails; with these it fails at once with a clear 503, and the next
 * request after Redis comes back works. ioredis keeps reconnecting in the
 * background either way.
 */
export async function connectRedis(
  url: string,
  log: (text: string) => void = console.error,
): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
  });
  // Until the first connection succeeds, errors are the start-up failure
  // we report below; after that, one line per outage and one when it ends.
  let connected = false;
  let down = false;
  let firstError: unknown;
  client.on('error', (error) => {
    if (!connected) {
      firstError ??= error;
      return;
    }
    if (down) return;
    down = true;
    log(
      `✗ lost Redis at ${redact(url)} (${describeError(error)}); reconnecting…`,
    );
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    log(`✓ Redis at ${redact(url)} is back`);
  });
  try {
    await client.connect();
    connected = true;
  } catch (error) {
    client.disconnect();
    throw new Error(
      `Redis is not reachable at ${redact(url)} (${describeError(firstError ?? error)}). ` +
        'Start it with `redis-server --daemonize yes`, or set REDIS_URL.',
    );
  }
  return client;
}
// #endregion connectRedis

async function main(): Promise<void> {
  const storeFlag = flag('store') ?? 'koa-redis';
  if (storeFlag !== 'ours' && storeFlag !== 'koa-redis') {
    fail(
      `--store must be koa-redis (the article's) or ours, got ${JSON.stringify(storeFlag)}`,
    );
  }
  const kind = storeFlag;
  const maxAge = maxAgeFlag();
  const client = await connectRedis(REDIS_URL).catch((error: Error) =>
    fail(error.message),
  );
  const { app } = createApp({ client, store: kind, maxAge });
  const server = await listen(app, listenPort(), 'playground:redis');
  const url = serverUrl(server);
  banner(
    `Article demo 2: koa-session + ${kind === 'ours' ? 'our RedisStore' : 'koa-redis'} on ${redact(REDIS_URL)}`,
    url,
    [
      'As in the article, / prints 0 views, 0 views, 1 views, 2 views…',
      '(its views++ quirk); the corrected handler counts 1, 2, 3…:',
      `  ${url}/fixed`,
      'Look at the data:',
      '  redis-cli --scan --pattern "session*"   then   redis-cli GET <key>',
      ...(maxAge === 'session' && kind === 'koa-redis'
        ? [
            "maxAge: 'session' with koa-redis: every save fails (SETEX gets",
            'the string instead of a number of seconds). Try --store=ours.',
          ]
        : []),
    ],
  );
}

if (isMain(import.meta.url)) await main();
