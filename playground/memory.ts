/**
 * The article's first demo, on the port: a view counter with
 * `maxAge: 4000` and `rolling: true`, skipping `/favicon.ico`.
 *
 *     npm run playground:memory                # sessions in a MemoryStore
 *     npm run playground:memory -- --cookie    # exactly the article: no store,
 *                                              # the session lives in the cookie
 *
 * The article's options include no `store`, so what it runs is a *cookie*
 * session: the whole session, base64 JSON, travels in `koa:sess` (signed by
 * `koa:sess.sig`). `--cookie` reproduces that. By default this playground
 * adds a {@link MemoryStore} instead, so the cookie holds only an id and
 * the data stays in this process — the "in-memory" variant, and the one
 * the scale-out demo shows failing across two processes.
 *
 * What it prints, both ways: `1 views`, `2 views`, `3 views`, `4 views` …
 * and after more than 4 s without a request the count starts again at 1
 * (rolling: every response restarts the 4-second lifetime).
 *
 * Read with: chapters/08-memory-store.md and chapters/run-it-yourself.md
 */
import Koa from 'koa';
import type { SessionOptions } from '../src/index.js';
import { MemoryStore } from '../src/stores/index.js';
import { banner, flag, isMain, listen, listenPort, serverUrl } from './cli.js';
import type { StoredRecord } from './inspector.js';
import { mountDemo } from './stack.js';

export interface MemoryPlaygroundOptions {
  /** `true`: no store, the article's cookie session. Default: a MemoryStore. */
  cookieMode?: boolean;
  /** The store to use in store mode (tests pass their own to look inside). */
  store?: MemoryStore;
  /** Print a trace block per request. Default: `TRACE=1` / `--trace`. */
  trace?: boolean;
  /** Where trace blocks and error lines go. Default: stdout / stderr. */
  log?: (text: string) => void;
}

// #region createApp
/**
 * Build the app without listening, so tests can drive it with supertest.
 * The article's options and handler; the playground's stack (trace, lab,
 * inspector, helper routes) is mounted around them by `mountDemo`.
 */
export function createApp(options: MemoryPlaygroundOptions = {}) {
  const app = new Koa();
  const cookieMode = options.cookieMode ?? false;
  const store = cookieMode ? undefined : (options.store ?? new MemoryStore());

  // The article's options, unchanged (plus the store in store mode).
  const CONFIG: SessionOptions = {
    key: 'koa:sess',
    maxAge: 4000,
    autoCommit: true,
    overwrite: true,
    httpOnly: true,
    signed: true,
    rolling: true,
    renew: false,
  };
  if (store) CONFIG.store = store;
  app.keys = ['key'];

  const lab = mountDemo(app, {
    name: cookieMode ? 'memory --cookie' : 'memory',
    title: cookieMode
      ? 'Article demo 1: a cookie session (no store)'
      : 'Article demo 1 with a MemoryStore',
    options: CONFIG,
    storeLabel: 'memory store',
    lookup: store ? async (id) => lookup(store, id) : undefined,
    counts: '1 views, 2 views, 3 views…',
    trace: options.trace,
    log: options.log,
  });
  // Store mode only: every live record this process holds — what a
  // second process would not see (chapters/08-memory-store.md).
  if (store) {
    app.use(async (ctx, next) => {
      if (ctx.path !== '/__store') return next();
      // Indented, like /__session, so curl output reads without jq.
      const body = { pid: process.pid, records: store.entries() };
      ctx.type = 'application/json';
      ctx.body = `${JSON.stringify(body, null, 2)}\n`;
    });
  }

  // #region handler
  // The article's handler: skip the favicon (the browser asks for it on
  // every page load, and it would count as a view), then count.
  app.use((ctx) => {
    if (ctx.path === '/favicon.ico') return;
    let n = (ctx.session!.views as number) || 0;
    ctx.session!.views = ++n;
    ctx.body = `${n} views`;
  });
  // #endregion handler

  return { app, store, lab };
}
// #endregion createApp

function lookup(store: MemoryStore, id: string): StoredRecord {
  const entry = store.entries().find((e) => e.key === id);
  return {
    where: `MemoryStore entry ${id} (in process ${process.pid})`,
    record: entry ? entry.data : null,
    ttlMs: entry ? entry.ttl : null,
  };
}

async function main(): Promise<void> {
  const cookieMode = flag('cookie') !== undefined;
  const { app } = createApp({ cookieMode });
  const server = await listen(app, listenPort(), 'playground:memory');
  const url = serverUrl(server);
  banner(
    cookieMode
      ? 'Article demo 1: cookie session (no store), maxAge 4000, rolling'
      : 'Article demo 1 with a MemoryStore: the cookie holds only an id',
    url,
    [
      'Sessions live 4 s after the last request (maxAge: 4000, rolling):',
      'wait 5 s between two requests and the count starts again at 1.',
      ...(cookieMode
        ? ['The session itself is in the cookie: see "decoded" in /__session.']
        : [
            'Restart the server and every session is gone: memory is per',
            `process (${url}/__store lists this process's records).`,
          ]),
    ],
  );
}

if (isMain(import.meta.url)) await main();
