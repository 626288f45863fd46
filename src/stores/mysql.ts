/**
 * `MysqlStore`: sessions as rows of a MySQL / MariaDB table, through
 * mysql2's promise API.
 *
 * The table is the one the article's koa-mysql-session creates, so
 * existing data stays readable:
 *
 * ```sql
 * CREATE TABLE `_mysql_session_store` (
 *   `id`      VARCHAR(255) NOT NULL,  -- the session id from the cookie
 *   `expires` BIGINT NULL,            -- ms since the epoch
 *   `data`    TEXT NULL,              -- the session as JSON
 *   PRIMARY KEY (`id`),
 *   KEY `_mysql_session_store__expires` (`expires`)
 * )
 * ```
 *
 * One statement per call — a `SELECT` for `get`, an upsert for `set`, a
 * `DELETE` for `destroy` — plus, on a timer, one `DELETE` that sweeps out
 * expired rows (unlike Redis, a table never forgets anything by itself).
 *
 * Read with: chapters/10-mysql-store.md
 *
 * @module stores/mysql
 */
import mysql, {
  type Pool,
  type PoolOptions,
  type RowDataPacket,
} from 'mysql2/promise';
import type { MaxAge, SessionData, SessionStore } from '../index.js';
import { attempt, checkSessionTtl, parseRecord, storeTtl } from './contract.js';

/** The table koa-mysql-session creates, and ours by default. */
export const DEFAULT_TABLE = '_mysql_session_store';

/**
 * How often expired rows are deleted by default: every 15 minutes, as
 * koa-mysql-session.
 */
export const DEFAULT_CLEANUP_INTERVAL = 15 * 60 * 1000;

/** What the store itself understands, whichever way the pool is provided. */
export interface MysqlStoreSettings {
  /**
   * Table name (optionally `database.table`). Default `_mysql_session_store`.
   */
  table?: string;
  /**
   * Create the table if it is missing, before the first query. Default `true`.
   */
  createTable?: boolean;
  /**
   * Delete expired rows this often (ms); `0` turns the timer off. Default 15
   * minutes.
   */
  cleanupInterval?: number;
  /**
   * Lifetime in ms of a record saved with `maxAge: 'session'`. Default one day.
   */
  sessionTtl?: number;
  /**
   * Called when a background cleanup fails (the database is down, say).
   * Default: a one-line process warning. Requests are never affected.
   */
  onCleanupError?: (error: unknown) => void;
}

/**
 * Either `{ pool }` — a mysql2 promise pool you own and close — or mysql2
 * pool options, typically `{ uri: 'mysql://user:pass@host:3306/db' }`
 * plus things like `connectionLimit`; then the store owns the pool and
 * {@link MysqlStore.close} ends it.
 */
export type MysqlStoreOptions = MysqlStoreSettings &
  (
    | {
        /**
         * A mysql2 promise pool you own: the store queries through it and never
         * ends it.
         */
        pool: Pool;
      }
    | PoolOptions
  );

/** One identifier part: letters, digits, `_` and `$`, at most 64 characters. */
const IDENTIFIER = /^[A-Za-z0-9_$]{1,64}$/;

// #region quoteTable
/**
 * Quote a table name for SQL. Values travel as `?` parameters, but a table
 * name cannot be a parameter, so it is spliced into the statement text:
 * we accept only plain identifiers (optionally `db.table`) and wrap each
 * part in backticks. Anything else is refused when the store is built.
 *
 * See chapters/10-mysql-store.md#the-table
 */
function quoteTable(name: string): string {
  const parts = typeof name === 'string' ? name.split('.') : [];
  if (
    parts.length < 1 ||
    parts.length > 2 ||
    !parts.every((p) => IDENTIFIER.test(p))
  ) {
    throw new TypeError(
      'MysqlStore: table must be a plain identifier like "sessions" or ' +
        `"db.sessions", got ${JSON.stringify(name)}`,
    );
  }
  return parts.map((p) => `\`${p}\``).join('.');
}
// #endregion quoteTable

/**
 * A koa-session store backed by a MySQL or MariaDB table.
 *
 * @example
 * ```ts
 * import { MysqlStore } from 'koa-session-annotated/stores';
 * const store = new MysqlStore({ uri: 'mysql://root@127.0.0.1:3306/test' });
 * app.use(session({ store }, app));
 * // on shutdown:
 * await store.close();
 * ```
 *
 * See chapters/10-mysql-store.md
 */
export class MysqlStore implements SessionStore {
  /** The pool the store queries through. */
  readonly pool: Pool;
  /** The table name as configured (unquoted). */
  readonly table: string;
  readonly #sql: {
    create: string;
    get: string;
    set: string;
    destroy: string;
    cleanup: string;
  };
  readonly #ownsPool: boolean;
  readonly #createTable: boolean;
  readonly #sessionTtl: number;
  readonly #onCleanupError: (error: unknown) => void;
  #ready: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: MysqlStoreOptions) {
    if (!options || typeof options !== 'object') {
      throw new TypeError(
        'MysqlStore: pass { uri }, { pool } or mysql2 pool options',
      );
    }
    const {
      table = DEFAULT_TABLE,
      createTable = true,
      cleanupInterval = DEFAULT_CLEANUP_INTERVAL,
      sessionTtl,
      onCleanupError,
      ...rest
    } = options;
    const t = quoteTable(table);
    this.table = table;
    this.#sql = {
      // utf8mb4 so that every Unicode character (emoji included) fits;
      // a binary collation on `id` so that ids differing only in letter case
      // are different sessions, as they are in the cookie.
      create:
        `CREATE TABLE IF NOT EXISTS ${t} (` +
        '`id` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin ' +
        'NOT NULL, ' +
        '`expires` BIGINT NULL, `data` TEXT NULL, PRIMARY KEY (`id`), ' +
        `KEY \`${table.split('.').pop()}__expires\` (\`expires\`)` +
        ') DEFAULT CHARSET=utf8mb4',
      // `id = ?` finds the row through the primary key; the second,
      // byte-wise comparison then insists on an exact match (see `get`).
      get:
        `SELECT \`data\` FROM ${t} WHERE \`id\` = ? ` +
        'AND CAST(`id` AS BINARY) = CAST(? AS BINARY) ' +
        'AND `expires` > ?',
      set:
        `INSERT INTO ${t} (\`id\`, \`expires\`, \`data\`) VALUES (?, ?, ?) ` +
        'ON DUPLICATE KEY UPDATE `expires` = ?, `data` = ?',
      destroy:
        `DELETE FROM ${t} WHERE \`id\` = ? ` +
        'AND CAST(`id` AS BINARY) = CAST(? AS BINARY)',
      cleanup: `DELETE FROM ${t} WHERE \`expires\` <= ?`,
    };

    if ('pool' in rest && rest.pool) {
      this.pool = rest.pool;
      this.#ownsPool = false;
    } else {
      // Our pool, our defaults: utf8mb4 on the wire, matching the table.
      this.pool = mysql.createPool({
        charset: 'utf8mb4',
        ...(rest as PoolOptions),
      });
      this.#ownsPool = true;
    }
    this.#createTable = createTable;
    this.#sessionTtl = checkSessionTtl('MysqlStore', sessionTtl);
    this.#onCleanupError =
      onCleanupError ??
      ((error) =>
        process.emitWarning(
          `MysqlStore cleanup failed: ${describeError(error)}`,
        ));

    if (!Number.isFinite(cleanupInterval) || cleanupInterval < 0) {
      throw new TypeError(
        `MysqlStore: cleanupInterval must be ms >= 0, got ${cleanupInterval}`,
      );
    }
    if (cleanupInterval > 0) this.#startCleanup(cleanupInterval);
  }

  // #region ready
  /**
   * Make sure the table exists — once. Every method awaits this first; after
   * the first success it is an already-settled promise, so it costs no
   * round trip. If creation fails (database unreachable), the failure is
   * *not* remembered: the next call tries again, so the store recovers when
   * the database comes back instead of failing forever.
   *
   * Call it yourself at startup to find out early that the database is
   * unreachable (the playground does).
   *
   * See chapters/10-mysql-store.md#the-table
   */
  ready(): Promise<void> {
    if (!this.#createTable) return Promise.resolve();
    this.#ready ??= this.pool.query(this.#sql.create).then(
      () => undefined,
      (error: unknown) => {
        this.#ready = undefined;
        throw error;
      },
    );
    return this.#ready;
  }
  // #endregion ready

  // #region get
  /**
   * One `SELECT`, which filters out expired rows itself (`expires > now`):
   * a row the cleanup has not reached yet must not resurrect a session.
   * No row → `undefined`, and koa-session starts a new session with a new
   * id. A `data` column that is not a JSON object is treated as no row.
   * Any failure comes out as a `StoreError` (src/stores/contract.ts).
   *
   * Why compare the id twice? SQL string equality is not byte equality.
   * Under MariaDB's `utf8mb4_bin` (and any PAD SPACE collation) `'abc'`
   * equals `'abc '`; under a case-insensitive collation — the default for
   * a table made by koa-mysql-session — `'abc'` equals `'ABC'`. A session
   * id must match byte for byte, so after the indexed `id = ?` a binary
   * comparison rejects near-misses, whatever collation the table has.
   *
   * See chapters/10-mysql-store.md#get
   */
  async get(id: string): Promise<SessionData | undefined> {
    return attempt('MysqlStore', 'get', async () => {
      await this.ready();
      const [rows] = await this.pool.query<RowDataPacket[]>(this.#sql.get, [
        id,
        id,
        Date.now(),
      ]);
      const text = rows[0]?.data;
      return typeof text === 'string' ? parseRecord(text) : undefined;
    });
  }
  // #endregion get

  // #region set
  /**
   * One upsert: `INSERT … ON DUPLICATE KEY UPDATE`, so a new session and an
   * updated one cost the same single statement, and two racing requests of
   * one user cannot both try to insert. `expires` is absolute (ms since the
   * epoch): now plus the TTL koa-session passed — the cookie's lifetime
   * plus ten seconds — or `sessionTtl` for `maxAge: 'session'`.
   *
   * The values are sent twice (once for the insert, once for the update)
   * rather than with `VALUES(col)`, which MySQL 8 deprecates and whose
   * replacement MariaDB does not understand.
   *
   * `set` only ever receives ids that `get` matched exactly or that
   * koa-session just generated, so the upsert needs no exact-match guard.
   *
   * `data` is a TEXT column: 65,535 bytes. A bigger session fails with a
   * clear "Data too long" error in strict mode rather than being truncated.
   *
   * See chapters/10-mysql-store.md#set
   */
  async set(
    id: string,
    sess: SessionData,
    maxAge: MaxAge | undefined,
  ): Promise<void> {
    const json = JSON.stringify(sess);
    return attempt('MysqlStore', 'set', async () => {
      await this.ready();
      const expires = Date.now() + storeTtl(maxAge, this.#sessionTtl);
      const values = [id, expires, json, expires, json];
      await this.pool.query(this.#sql.set, values);
    });
  }
  // #endregion set

  // #region destroy
  /**
   * One `DELETE` by primary key, with the same exact-match rule as `get`;
   * deleting a missing row is not an error.
   *
   * See chapters/10-mysql-store.md#destroy
   */
  async destroy(id: string): Promise<void> {
    return attempt('MysqlStore', 'destroy', async () => {
      await this.ready();
      await this.pool.query(this.#sql.destroy, [id, id]);
    });
  }
  // #endregion destroy

  // #region cleanup
  /**
   * Delete every expired row; resolves to how many went. The index on
   * `expires` lets the database find them without reading the whole
   * table. Runs on the timer, and you may call it yourself.
   *
   * See chapters/10-mysql-store.md#cleanup
   */
  async cleanup(): Promise<number> {
    await this.ready();
    const [result] = await this.pool.query<mysql.ResultSetHeader>(
      this.#sql.cleanup,
      [Date.now()],
    );
    return result.affectedRows;
  }

  /**
   * The cleanup timer. `unref()` matters: without it, this timer alone
   * would keep a script (a test, a one-off migration) running forever
   * after its real work is done. A failed sweep is reported and the timer
   * keeps going — the next sweep catches up.
   */
  #startCleanup(interval: number): void {
    this.#timer = setInterval(() => {
      this.cleanup().catch(this.#onCleanupError);
    }, interval);
    this.#timer.unref();
  }
  // #endregion cleanup

  /**
   * Milliseconds left on the row, or `undefined` when there is none (or it
   * expired).
   */
  async ttl(id: string): Promise<number | undefined> {
    await this.ready();
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT \`expires\` FROM ${quoteTable(this.table)} WHERE \`id\` = ?`,
      [id],
    );
    const left = Number(rows[0]?.expires) - Date.now();
    return left > 0 ? left : undefined;
  }

  // #region close
  /**
   * Stop the cleanup timer and, if the store created the pool, end it.
   * A pool you passed in stays open: whoever opened it closes it.
   *
   * See chapters/10-mysql-store.md#shutting-down
   */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#ownsPool) await this.pool.end();
  }
  // #endregion close
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return code ? `${String(code)}: ${error.message}` : error.message;
  }
  return String(error);
}
