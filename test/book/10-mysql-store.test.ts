import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import Koa from 'koa';
import mysql, { type Pool, type RowDataPacket } from 'mysql2/promise';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp as createPlayground } from '../../playground/mysql.js';
import { MysqlStore } from '../../src/stores/index.js';
import { hasMysql, MYSQL_URL } from '../support/services.js';
import { tryIt } from '../support/tryit.js';
import {
  Browser,
  checkRecording,
  counter,
  freezeClock,
  IdRedactor,
  transcript,
  usingUpstream,
} from './support.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const TAG = `book_mysql_${process.pid}_${Date.now().toString(36)}`;

describe.runIf(hasMysql && !usingUpstream)(
  'MySQL / MariaDB (chapter 10; port only: its stores)',
  () => {
    const table = `${TAG}_sessions`;
    let admin: Pool;
    let store: MysqlStore;

    beforeAll(async () => {
      admin = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 2 });
      store = new MysqlStore({ uri: MYSQL_URL, table, cleanupInterval: 0 });
      await store.ready();
    });

    afterAll(async () => {
      await store?.close();
      await admin?.query(`DROP TABLE IF EXISTS \`${table}\``);
      await admin?.end();
    });

    async function rows() {
      const [result] = await admin.query<RowDataPacket[]>(
        `SELECT id, expires, data FROM \`${table}\` ORDER BY expires`,
      );
      return result as { id: string; expires: number | string; data: string }[];
    }

    it('creates its table with a primary key on id and an index on expires', async () => {
      const [result] = await admin.query<RowDataPacket[]>(`SHOW CREATE TABLE \`${table}\``);
      const ddl = String(result[0]!['Create Table']);
      expect(ddl).toMatch(/`id` varchar\(255\)/i);
      expect(ddl).toMatch(/`expires` bigint/i);
      expect(ddl).toMatch(/`data` text/i);
      expect(ddl).toMatch(/PRIMARY KEY \(`id`\)/);
      expect(ddl).toMatch(/KEY `[^`]+__expires` \(`expires`\)/);
    });

    it('a session is one row, updated in place on every save', async () => {
      const browser = new Browser(counter(store));
      await browser.get();
      await browser.get();
      await browser.get();
      const id = browser.jar.get('koa.sess')!;
      const mine = (await rows()).filter((r) => r.id === id);
      expect(mine).toHaveLength(1);
      expect(JSON.parse(mine[0]!.data)).toMatchObject({ views: 3 });
    });

    it('expires is absolute: the time of the save plus maxAge plus ten seconds', async () => {
      const clock = freezeClock(Date.now());
      const browser = new Browser(counter(store, { maxAge: 60_000 }));
      await browser.get();
      const id = browser.jar.get('koa.sess')!;
      const row = (await rows()).find((r) => r.id === id)!;
      expect(Number(row.expires)).toBe(clock.now() + 70_000);
    });

    it('an expired row is not returned, even before cleanup deletes it', async () => {
      const clock = freezeClock(Date.now());
      const browser = new Browser(counter(store, { maxAge: 1_000 }));
      await browser.get();
      const id = browser.jar.get('koa.sess')!;
      clock.advance(11_001);
      expect(await store.get(id)).toBeUndefined();
      expect((await rows()).some((r) => r.id === id)).toBe(true);
      const removed = await store.cleanup();
      expect(removed).toBeGreaterThanOrEqual(1);
      expect((await rows()).some((r) => r.id === id)).toBe(false);
    });

    it('logout deletes the row', async () => {
      const browser = new Browser(counter(store));
      await browser.get();
      const id = browser.jar.get('koa.sess')!;
      await browser.get('/logout');
      expect((await rows()).some((r) => r.id === id)).toBe(false);
    });

    it('records the table it creates', async () => {
      const [result] = await admin.query<RowDataPacket[]>(`SHOW CREATE TABLE \`${table}\``);
      const ddl = String(result[0]!['Create Table']).split(table).join('<table>');
      checkRecording('mysql-table.txt', `mysql> SHOW CREATE TABLE <table>;\n${ddl}\n`);
    });

    it('records a session as rows in the table', async () => {
      freezeClock();
      await admin.query(`DELETE FROM \`${table}\``);
      const browser = new Browser(counter(store));
      const show = async () => {
        const lines = (await rows()).map((r) => `| ${r.id} | ${r.expires} | ${r.data} |`);
        return [
          'mysql> SELECT id, expires, data FROM <the store table>;',
          '| id | expires | data |',
          ...(lines.length ? lines : ['(empty set)']),
        ].join('\n');
      };
      const parts = [
        transcript('visit 1', '/', await browser.get()),
        await show(),
        transcript('visit 2', '/', await browser.get()),
        await show(),
        transcript('logout', '/logout', await browser.get('/logout')),
        await show(),
      ];
      checkRecording('mysql-rows.txt', `${new IdRedactor().redact(parts.join('\n\n'))}\n`);
    });
  },
);

describe('the article’s MySQL demo packages (run it yourself)', () => {
  // koa-session-minimal starts the store write and never looks at its
  // promise again. The package is not installed here, so this runs the same
  // shape in a fresh Node: a write that fails, neither awaited nor caught.
  const run = (body: string) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      execFile(process.execPath, ['-e', body], (error, out, err) =>
        resolve({ code: error ? (error.code as number) : 0, out, err }),
      );
    });
  const failingWrite = "const write = () => Promise.reject(new Error('store is down'));";

  it('a bare next() at the end of a handler: Koa answers before the middleware after it has finished', async () => {
    const answer = async (returned: boolean) => {
      const app = new Koa();
      app.use((ctx, next) => {
        ctx.body = 'from the handler';
        if (returned) return next();
        next();
      });
      app.use(async (ctx) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        ctx.body = 'from the middleware after it';
      });
      return (await request(app.callback()).get('/')).text;
    };
    expect(await answer(false)).toBe('from the handler');
    expect(await answer(true)).toBe('from the middleware after it');
  });

  it('a failed write that nobody awaits or catches ends the whole process', async () => {
    const { code, out, err } = await run(
      `${failingWrite}
       function handler() { write(); return 'answered'; }
       console.log(handler());
       setTimeout(() => console.log('still serving'), 300);`,
    );
    expect(out).toContain('answered');
    expect(out).not.toContain('still serving');
    expect(err).toContain('store is down');
    expect(code).toBe(1);
  });

  it('the same failure awaited and caught fails one request, and the process goes on', async () => {
    const { code, out } = await run(
      `${failingWrite}
       async function handler() {
         try { await write(); return 'answered'; } catch { return '503'; }
       }
       handler().then((r) => console.log(r));
       setTimeout(() => console.log('still serving'), 300);`,
    );
    expect(out).toContain('503');
    expect(out).toContain('still serving');
    expect(code).toBe(0);
  });
});

const canTry = hasMysql && existsSync('/usr/bin/curl') && existsSync('/usr/bin/mariadb');

describe.runIf(canTry && !usingUpstream)(
  'Try it: the row appears, changes and goes (port only: the playground)',
  () => {
    // The chapter's table is `_mysql_session_store`; on the shared MariaDB
    // this run uses a table of its own, shown under the chapter's name.
    const table = `${TAG}_tryit`;
    let store: MysqlStore;

    beforeAll(async () => {
      store = new MysqlStore({ uri: MYSQL_URL, table, cleanupInterval: 0 });
      await store.ready();
    });

    afterAll(async () => {
      await store?.pool.query(`DROP TABLE IF EXISTS \`${table}\``);
      await store?.close();
    });

    it('records three requests and the SELECT after each (tryit-10.txt)', async () => {
      const url = new URL(MYSQL_URL);
      const client = [
        `mariadb -h ${url.hostname} -P ${url.port || 3306} -u${decodeURIComponent(url.username)}`,
        url.password ? `-p${decodeURIComponent(url.password)}` : '',
        url.pathname.slice(1),
      ].join(' ');
      const select = "mariadb -h 127.0.0.1 -uroot test -E -e 'SELECT * FROM _mysql_session_store'";
      const text = await tryIt(
        (sink) => createPlayground({ store, ...sink }),
        [
          'curl -c /tmp/jar -b /tmp/jar http://localhost:3000/; echo',
          select,
          'curl -c /tmp/jar -b /tmp/jar http://localhost:3000/; echo',
          select,
          'curl -c /tmp/jar -b /tmp/jar http://localhost:3000/logout',
          select,
        ],
        {
          trace: false,
          aliases: {
            'mariadb -h 127.0.0.1 -uroot test': client,
            _mysql_session_store: table,
          },
        },
      );
      // One row, the same id both times, updated in place; then gone.
      expect(text.match(/ {5}id: <id-1>\n/g)).toHaveLength(2);
      expect(text).toContain('data: {"views":2,');
      expect(text).toMatch(/session removed\n\$ mariadb .*\n\(no output\)\n$/);
      checkRecording('tryit-10.txt', text);
    });
  },
);
