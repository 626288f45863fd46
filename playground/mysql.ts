/**
 * The article's MySQL demo, on the port with our {@link MysqlStore}:
 * cookie `USER_SID`, app keys `['some secret hurr']`, rows in
 * `_mysql_session_store`.
 *
 *     npm run playground:mysql
 *     MYSQL_URL=mysql://user:pass@host:3306/db npm run playground:mysql
 *
 * The article builds this demo on two other packages, koa-session-minimal
 * and koa-mysql-session, which this project does not install. From their
 * source, the differences you would notice (chapters/run-it-yourself.md
 * #demo-3):
 *
 * - koa-session-minimal takes only the options (the `app` argument is
 *   ignored) and never signs its cookie, so `app.keys` does nothing there;
 *   the port signs: you get `USER_SID` *and* `USER_SID.sig`.
 * - Its cookie is a browser-session cookie (no `Expires`) holding a
 *   32-character random id; the row id is `USER_SID:<id>` and the row
 *   data is just `{"views":1}`, with `expires` one day ahead. On the port
 *   the id is a UUID (row id = cookie value), the cookie lasts one day, and
 *   the data carries `_expire` and `_maxAge`; the row expires one day plus
 *   ten seconds ahead.
 * - It saves without waiting for the database, so a response can go out
 *   before its session is stored, and nothing catches a failed write: an
 *   unhandled rejection, which ends the whole process (Node 15 and later).
 *   The port awaits the store, and a failed write fails the request (503
 *   here).
 * - The article's handler ends with a bare `next()`: harmless only because
 *   nothing follows it. Ours returns `next()`, so Koa waits for anything
 *   mounted later.
 *
 * What it prints is the same: `1 views`, `2 views`, `3 views`, `4 views`.
 *
 * Read with: chapters/10-mysql-store.md and chapters/run-it-yourself.md
 */
import Koa from 'koa';
import type { RowDataPacket } from 'mysql2/promise';
import type { MaxAge, SessionOptions } from '../src/index.js';
import { MysqlStore } from '../src/stores/index.js';
import {
  banner,
  describeError,
  fail,
  isMain,
  listen,
  listenPort,
  MYSQL_URL,
  maxAgeFlag,
  redact,
  serverUrl,
} from './cli.js';
import type { StoredRecord } from './inspector.js';
import { mountDemo } from './stack.js';

export interface MysqlPlaygroundOptions {
  /** The store (yours: the playground never closes it). */
  store: MysqlStore;
  /** Override the session lifetime; the article sets none (one day). */
  maxAge?: MaxAge;
  trace?: boolean;
  log?: (text: string) => void;
}

// #region createApp
/** Build the app without listening, so tests can drive it with supertest. */
export function createApp(options: MysqlPlaygroundOptions) {
  const app = new Koa();
  const { store } = options;

  // The article's options, with our store in place of koa-mysql-session.
  const CONFIG: SessionOptions = { key: 'USER_SID', store };
  if (options.maxAge !== undefined) CONFIG.maxAge = options.maxAge;
  app.keys = ['some secret hurr'];

  const lab = mountDemo(app, {
    name: 'mysql',
    title: 'Article demo 3: MysqlStore',
    options: CONFIG,
    storeLabel: `mysql (${store.table})`,
    lookup: (id) => lookup(store, id),
    counts: '1 views, 2 views, 3 views…',
    trace: options.trace,
    log: options.log,
  });

  // #region handler
  // The article's handler; its bare trailing next() is returned here, so
  // Koa would wait for a middleware mounted after it.
  app.use((ctx, next) => {
    if (ctx.path === '/favicon.ico') return;
    let n = (ctx.session!.views as number) || 0;
    ctx.session!.views = ++n;
    ctx.body = `${n} views`;
    return next();
  });
  // #endregion handler

  return { app, store, lab };
}
// #endregion createApp

/** The inspector's view of the row, expired or not, exactly as stored. */
async function lookup(store: MysqlStore, id: string): Promise<StoredRecord> {
  const [rows] = await store.pool.query<RowDataPacket[]>(
    `SELECT id, expires, data FROM \`${store.table.split('.').join('`.`')}\` WHERE id = ?`,
    [id],
  );
  const row = rows[0];
  const left = row ? Number(row.expires) - Date.now() : 0;
  return {
    where: `row in ${store.table}`,
    record: row
      ? { id: row.id, expires: Number(row.expires), data: row.data }
      : null,
    ttlMs: row && left > 0 ? left : null,
  };
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ECONNRESET',
]);

// #region openStore
/**
 * Open the store and create its table, or exit with one line saying what
 * was tried and what to do.
 */
export async function openStore(url: string): Promise<MysqlStore> {
  let store: MysqlStore;
  try {
    store = new MysqlStore({ uri: url, connectTimeout: 3000 });
  } catch (error) {
    throw new Error(
      `MYSQL_URL ${redact(url)} is not usable: ${describeError(error)}`,
    );
  }
  try {
    await store.ready();
  } catch (error) {
    await store.close().catch(() => {});
    const code = (error as { code?: string }).code ?? '';
    throw new Error(
      UNREACHABLE.has(code)
        ? `MySQL/MariaDB is not reachable at ${redact(url)} (${describeError(error)}). ` +
            'Start it (e.g. `start-stop-daemon --start --background --exec /usr/sbin/mariadbd` ' +
            'or `sudo service mariadb start`), or set MYSQL_URL.'
        : `MySQL/MariaDB at ${redact(url)} refused to set up the session table (${describeError(error)}). ` +
            'Check the user, password and database in MYSQL_URL.',
    );
  }
  return store;
}
// #endregion openStore

async function main(): Promise<void> {
  const store = await openStore(MYSQL_URL).catch((error: Error) =>
    fail(error.message),
  );
  const { app } = createApp({ store, maxAge: maxAgeFlag() });
  const server = await listen(app, listenPort(), 'playground:mysql');
  const url = serverUrl(server);
  banner(
    `Article demo 3: koa-session + MysqlStore on ${redact(MYSQL_URL)}`,
    url,
    [
      `Rows go to the ${store.table} table; look at them with:`,
      `  mariadb -h127.0.0.1 -uroot test -e 'SELECT * FROM ${store.table}'`,
      '/logout deletes the row; expired rows are swept every 15 minutes.',
    ],
  );
}

if (isMain(import.meta.url)) await main();
