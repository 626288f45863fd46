/**
 * MysqlStore against the real MariaDB: the table it creates, the row
 * format, expiry and cleanup, utf8mb4, exact id matching, `maxAge:
 * 'session'`, one statement per call (counted by the server), an unref'd
 * timer, and outages: KILL, an address nothing listens on, a proxy cut
 * and restored.
 * Read with: chapters/10-mysql-store.md
 */
import { spawnSync } from 'node:child_process';
import Koa from 'koa';
import mysql, { type Pool, type RowDataPacket } from 'mysql2/promise';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { observeStore, storeErrors } from '../../playground/observe.js';
import { setCookieValue } from '../../playground/shared/cookies.js';
import { createSession } from '../../src/index.js';
import { DEFAULT_TABLE, MysqlStore } from '../../src/stores/index.js';
import { browserAgent } from '../support/browser.js';
import { faultProxy } from '../support/fault-proxy.js';
import { hasMysql, MYSQL_URL } from '../support/services.js';
import { mysqlStatementCounter, uniqueName } from './support.js';

const url = new URL(MYSQL_URL);
const MYSQL_PORT = Number(url.port || 3306);

/** MYSQL_URL with another host:port (to go through a proxy, or nowhere). */
function uriVia(port: number): string {
  const via = new URL(MYSQL_URL);
  via.hostname = '127.0.0.1';
  via.port = String(port);
  return via.toString();
}

function counterApp(store: MysqlStore, maxAge?: number | 'session') {
  const app = new Koa();
  app.keys = ['test key'];
  app.use(storeErrors(() => {}));
  app.use(
    createSession(
      { store: observeStore(store, 'mysql'), ...(maxAge !== undefined ? { maxAge } : {}) },
      app,
    ),
  );
  app.use((ctx) => {
    if (ctx.path === '/logout') {
      ctx.session = null;
      ctx.body = 'bye';
      return;
    }
    const n = ((ctx.session!.views as number) || 0) + 1;
    ctx.session!.views = n;
    ctx.body = String(n);
  });
  return app;
}

function idFrom(res: request.Response): string {
  return setCookieValue(res.headers['set-cookie'], 'koa.sess')!;
}

describe.runIf(hasMysql)('MysqlStore on a real MariaDB', () => {
  let admin: Pool;
  const table = uniqueName('test_stores_mysql');
  let store: MysqlStore;

  beforeAll(async () => {
    admin = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 2 });
    store = new MysqlStore({ uri: MYSQL_URL, table, cleanupInterval: 0 });
    await store.ready();
  });

  afterAll(async () => {
    await store?.close();
    await admin.query(`DROP TABLE IF EXISTS \`${table}\``);
    await admin.end();
  });

  async function row(id: string) {
    const [rows] = await admin.query<RowDataPacket[]>(
      `SELECT id, expires, data FROM \`${table}\` WHERE CAST(id AS BINARY) = CAST(? AS BINARY)`,
      [id],
    );
    return rows[0];
  }

  it('creates the documented table: id VARCHAR(255) PK, expires BIGINT, data TEXT, index on expires', async () => {
    const [columns] = await admin.query<RowDataPacket[]>(
      `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, COLUMN_KEY AS k FROM information_schema.COLUMNS
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
      [table],
    );
    expect(columns.map((c) => [c.name, c.type, c.k])).toEqual([
      ['id', 'varchar(255)', 'PRI'],
      ['expires', 'bigint(20)', 'MUL'],
      ['data', 'text', ''],
    ]);
    const [indexes] = await admin.query<RowDataPacket[]>(`SHOW INDEX FROM \`${table}\``);
    expect(indexes.map((i) => i.Key_name)).toContain(`${table}__expires`);
  });

  it('writes one row per session: id, absolute expiry in ms, JSON data', async () => {
    const before = Date.now();
    await store.set('row-format', { views: 1 }, 86_410_000);
    const r = await row('row-format');
    expect(r?.data).toBe('{"views":1}');
    expect(Number(r?.expires)).toBeGreaterThanOrEqual(before + 86_410_000);
    expect(Number(r?.expires)).toBeLessThanOrEqual(Date.now() + 86_410_000);
    await store.set('row-format', { views: 2 }, 1000); // the upsert replaces it
    expect((await row('row-format'))?.data).toBe('{"views":2}');
    await store.destroy('row-format');
    expect(await row('row-format')).toBeUndefined();
  });

  it('round-trips utf8mb4 exactly (emoji, CJK, combining marks, astral symbols)', async () => {
    const data = { name: 'Zoë 😀 漢字 é 𝄞', nested: { list: ['👩‍💻', '\u0000\u001f', '"\\'] } };
    await store.set('unicode', data, 60_000);
    expect(await store.get('unicode')).toEqual(data);
    const [raw] = await admin.query<RowDataPacket[]>(
      `SELECT HEX(data) AS hex FROM \`${table}\` WHERE id = 'unicode'`,
    );
    expect(Buffer.from(raw[0]?.hex, 'hex').toString('utf8')).toBe(JSON.stringify(data));
  });

  it('does not return an expired row, and cleanup() deletes expired rows only', async () => {
    await store.set('stale', { a: 1 }, 1);
    await store.set('fresh', { a: 2 }, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await row('stale')).toBeDefined(); // still in the table...
    expect(await store.get('stale')).toBeUndefined(); // ...but never served
    expect(await store.cleanup()).toBeGreaterThanOrEqual(1);
    expect(await row('stale')).toBeUndefined();
    expect(await store.get('fresh')).toEqual({ a: 2 });
  });

  it('sweeps expired rows on its timer', async () => {
    const timed = new MysqlStore({ uri: MYSQL_URL, table, cleanupInterval: 100 });
    try {
      await timed.set('timer-stale', { a: 1 }, 1);
      await vi.waitFor(async () => expect(await row('timer-stale')).toBeUndefined(), {
        timeout: 5000,
        interval: 20,
      });
    } finally {
      await timed.close();
    }
  });

  it('matches ids byte for byte: no trailing-space or letter-case near misses', async () => {
    await store.set('Exact-Id', { who: 'owner' }, 60_000);
    expect(await store.get('Exact-Id')).toEqual({ who: 'owner' });
    expect(await store.get('Exact-Id ')).toBeUndefined();
    expect(await store.get('exact-id')).toBeUndefined();
    await store.destroy('Exact-Id  ');
    expect(await store.get('Exact-Id')).toEqual({ who: 'owner' });
  });

  it('treats a data column that is not a JSON object as no session', async () => {
    await admin.query(`INSERT INTO \`${table}\` (id, expires, data) VALUES (?, ?, ?), (?, ?, ?)`, [
      'junk',
      Date.now() + 60_000,
      'not json',
      'nulldata',
      Date.now() + 60_000,
      null,
    ]);
    expect(await store.get('junk')).toBeUndefined();
    expect(await store.get('nulldata')).toBeUndefined();
  });

  it('rejects a table name that is not a plain identifier, before touching the database', () => {
    for (const bad of ['x; DROP TABLE y', 'a`b', 'a.b.c', '', 'x'.repeat(65)]) {
      expect(() => new MysqlStore({ uri: MYSQL_URL, table: bad, cleanupInterval: 0 })).toThrow(
        /plain identifier/,
      );
    }
    expect(() => new MysqlStore({ uri: MYSQL_URL, table, cleanupInterval: -1 })).toThrow(
      /cleanupInterval/,
    );
  });

  it('behind the port: counts, row id = cookie value, expires = now + maxAge + 10 s, gone on logout', async () => {
    const agent = browserAgent(counterApp(store, 60_000).callback());
    const first = await agent.get('/').expect(200);
    const id = idFrom(first);
    expect((await agent.get('/')).text).toBe('2');
    const r = await row(id);
    expect(JSON.parse(r?.data)).toMatchObject({ views: 2, _maxAge: 60_000 });
    const left = Number(r?.expires) - Date.now();
    expect(left).toBeGreaterThan(69_000);
    expect(left).toBeLessThanOrEqual(70_000);
    await agent.get('/logout').expect(200);
    expect(await row(id)).toBeUndefined();
  });

  it("maxAge: 'session' works: cookie without Expires, row kept for sessionTtl", async () => {
    const sessionStore = new MysqlStore({
      pool: store.pool,
      table,
      sessionTtl: 120_000,
      cleanupInterval: 0,
    });
    const agent = browserAgent(counterApp(sessionStore, 'session').callback());
    const first = await agent.get('/').expect(200);
    expect(first.headers['set-cookie']![0]).not.toMatch(/expires=/i);
    expect((await agent.get('/')).text).toBe('2');
    const r = await row(idFrom(first));
    expect(JSON.parse(r?.data)).toEqual({ views: 2, _session: true });
    const left = Number(r?.expires) - Date.now();
    expect(left).toBeGreaterThan(119_000);
    expect(left).toBeLessThanOrEqual(120_000);
    await sessionStore.close(); // a pool passed in stays open
    expect((await store.get('nothing')) ?? 'still usable').toBe('still usable');
  });

  it('costs exactly one statement per get, set and destroy (server-side Questions counter)', async () => {
    const single = new MysqlStore({
      uri: MYSQL_URL,
      table,
      connectionLimit: 1,
      cleanupInterval: 0,
    });
    try {
      await single.ready();
      const counter = await mysqlStatementCounter(single.pool);
      expect(counter.probeCost).toBe(1);
      expect(await counter.during(() => single.set('rt', { a: 1 }, 5000))).toBe(1);
      expect(await counter.during(() => single.get('rt'))).toBe(1);
      expect(await counter.during(() => single.get('rt-missing'))).toBe(1);
      expect(await counter.during(() => single.destroy('rt'))).toBe(1);
      // A whole request through the port: one SELECT, one upsert.
      const agent = browserAgent(counterApp(single, 60_000).callback());
      await agent.get('/');
      expect(await counter.during(() => agent.get('/'))).toBe(2);
    } finally {
      await single.close();
    }
  });
});

describe.runIf(hasMysql)('MysqlStore defaults', () => {
  it(`creates ${DEFAULT_TABLE} by default and keeps its rows there`, async () => {
    const store = new MysqlStore({ uri: MYSQL_URL });
    const id = uniqueName('default-table-check');
    try {
      expect(store.table).toBe('_mysql_session_store');
      await store.set(id, { views: 1 }, 60_000);
      const [rows] = await store.pool.query<RowDataPacket[]>(
        'SELECT data FROM `_mysql_session_store` WHERE id = ?',
        [id],
      );
      expect(rows[0]?.data).toBe('{"views":1}');
    } finally {
      await store.destroy(id); // never drop the shared default table
      await store.close();
    }
  });

  it('its cleanup timer does not keep a process alive', () => {
    // A child that opens a store (timer: 10 minutes), uses it and ends the
    // pool. With a ref'd timer it would hang for ten minutes; it must exit.
    const table = uniqueName('test_stores_mysql_unref');
    const script = `
      import { MysqlStore } from './src/stores/index.ts';
      const store = new MysqlStore({ uri: ${JSON.stringify(MYSQL_URL)}, table: ${JSON.stringify(table)}, cleanupInterval: 600000 });
      await store.set('x', { a: 1 }, 1000);
      await store.pool.query('DROP TABLE \`${table}\`');
      await store.pool.end();
      console.log('done');
    `;
    const started = Date.now();
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: new URL('../..', import.meta.url),
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('done');
    expect(child.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe.runIf(hasMysql)('MysqlStore when the database goes away', () => {
  const table = uniqueName('test_stores_mysql_fault');
  let admin: Pool;

  beforeAll(async () => {
    admin = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 2 });
  });
  afterAll(async () => {
    await admin.query(`DROP TABLE IF EXISTS \`${table}\``);
    await admin.end();
  });

  it('a killed connection (KILL): the session survives, requests succeed again', async () => {
    const store = new MysqlStore({ uri: MYSQL_URL, table, connectionLimit: 1, cleanupInterval: 0 });
    try {
      const agent = browserAgent(counterApp(store, 60_000).callback());
      expect((await agent.get('/')).text).toBe('1');
      expect((await agent.get('/')).text).toBe('2');
      const [[who]] = (await store.pool.query('SELECT CONNECTION_ID() AS id')) as [
        RowDataPacket[],
        unknown,
      ];
      await admin.query(`KILL ${Number(who?.id)}`);
      const during = await agent.get('/');
      expect([200, 503]).toContain(during.status);
      if (during.status === 503) expect(during.text).toMatch(/^Session store unavailable: mysql /);
      const after = await agent.get('/').expect(200);
      expect(after.text).toBe(during.status === 200 ? '4' : '3');
    } finally {
      await store.close();
    }
  });

  it('an address nothing listens on: a clear 503, ready() rejects, and the app keeps serving', async () => {
    const store = new MysqlStore({ uri: uriVia(1), table, cleanupInterval: 0 });
    try {
      await expect(store.ready()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      const app = counterApp(store);
      for (let i = 0; i < 3; i++) {
        const res = await request(app.callback()).get('/');
        expect(res.status).toBe(503);
        expect(res.text).toMatch(
          /^Session store unavailable: mysql (get|set) failed: .*ECONNREFUSED/,
        );
      }
    } finally {
      await store.close();
    }
  });

  it('an outage and a recovery (proxy cut, then restored): 503 while down, same session after', async () => {
    const proxy = await faultProxy({ host: url.hostname, port: MYSQL_PORT });
    const store = new MysqlStore({ uri: uriVia(proxy.port), table, cleanupInterval: 0 });
    try {
      const agent = browserAgent(counterApp(store, 60_000).callback());
      expect((await agent.get('/')).text).toBe('1');
      await proxy.unplug();
      const down = await agent.get('/');
      expect(down.status).toBe(503);
      expect(down.text).toMatch(/^Session store unavailable: mysql get failed: /);
      await proxy.up();
      // The pool dropped the severed connection and opens a new one on demand.
      expect((await agent.get('/').expect(200)).text).toBe('2');
    } finally {
      await store.close();
      await proxy.unplug();
    }
  });
});
