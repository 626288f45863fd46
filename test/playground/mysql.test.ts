/**
 * The MySQL playground (the article's third demo, on the port with our
 * MysqlStore) driven with supertest against the real MariaDB: counter,
 * cookie, row format in `_mysql_session_store` (and in a table of our own),
 * logout, `maxAge: 'session'`, the inspector, and a 503 when MariaDB is
 * away.
 * Read with: chapters/10-mysql-store.md and chapters/run-it-yourself.md
 */
import type { RowDataPacket } from 'mysql2/promise';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../playground/mysql.js';
import { setCookieLines, setCookieValue } from '../../playground/shared/cookies.js';
import { MysqlStore } from '../../src/stores/index.js';
import { uniqueName } from '../stores/support.js';
import { browserAgent } from '../support/browser.js';
import { hasMysql, MYSQL_URL } from '../support/services.js';

function cookies(res: request.Response): string[] {
  return setCookieLines(res.headers['set-cookie']);
}

/** The id in the first `Set-Cookie` line, which must be `USER_SID`. */
function sessionId(res: request.Response): string {
  return setCookieValue(cookies(res)[0], 'USER_SID')!;
}

describe.runIf(hasMysql)('mysql playground', () => {
  const table = uniqueName('test_playground_mysql');
  let store: MysqlStore;

  beforeAll(async () => {
    store = new MysqlStore({ uri: MYSQL_URL, table, cleanupInterval: 0 });
    await store.ready();
  });
  afterAll(async () => {
    await store.pool.query(`DROP TABLE IF EXISTS \`${table}\``);
    await store.close();
  });

  async function row(id: string) {
    const [rows] = await store.pool.query<RowDataPacket[]>(
      `SELECT id, expires, data FROM \`${table}\` WHERE id = ?`,
      [id],
    );
    return rows[0];
  }

  it('counts 1, 2, 3, 4 views with a signed USER_SID cookie and one row per session', async () => {
    const agent = browserAgent(createApp({ store, trace: false }).app.callback());
    const bodies: string[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await agent.get('/').expect(200);
      bodies.push(last.text);
    }
    expect(bodies).toEqual(['1 views', '2 views', '3 views', '4 views']);
    const id = sessionId(last!);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(cookies(last!)[1]).toMatch(/^USER_SID\.sig=/);
    const r = await row(id);
    expect(JSON.parse(r?.data)).toEqual({
      views: 4,
      _expire: expect.any(Number),
      _maxAge: 86_400_000,
    });
    const left = Number(r?.expires) - Date.now();
    expect(left).toBeGreaterThan(86_409_000);
    expect(left).toBeLessThanOrEqual(86_410_000);
  });

  it('logout deletes the row', async () => {
    const agent = browserAgent(createApp({ store, trace: false }).app.callback());
    const id = sessionId(await agent.get('/'));
    expect(await row(id)).toBeDefined();
    await agent.get('/logout').expect(200);
    expect(await row(id)).toBeUndefined();
  });

  it('skips the favicon, and the inspector shows the row as stored', async () => {
    const agent = browserAgent(createApp({ store, trace: false }).app.callback());
    const id = sessionId(await agent.get('/'));
    await agent.get('/favicon.ico').expect(404);
    const { body } = await agent.get('/__session').expect(200);
    expect(body.session.data).toEqual({ views: 1 });
    expect(body.store.where).toBe(`row in ${table}`);
    expect(body.store.record).toMatchObject({ id, expires: expect.any(Number) });
    expect(JSON.parse(body.store.record.data)).toMatchObject({ views: 1 });
    expect(body.store.ttlMs).toBeGreaterThan(86_400_000);
    await agent.get('/').expect(200, '2 views');
  });

  it("maxAge: 'session' works: cookie without Expires, row kept for a day", async () => {
    const agent = browserAgent(
      createApp({ store, maxAge: 'session', trace: false }).app.callback(),
    );
    const first = await agent.get('/').expect(200, '1 views');
    await agent.get('/').expect(200, '2 views');
    expect(cookies(first)[0]).not.toMatch(/expires/i);
    const r = await row(sessionId(first));
    expect(JSON.parse(r?.data)).toEqual({ views: 2, _session: true });
    expect(Number(r?.expires) - Date.now()).toBeGreaterThan(86_390_000);
  });

  it('with MariaDB unreachable: a one-line 503, and the app keeps answering', async () => {
    const via = new URL(MYSQL_URL);
    via.hostname = '127.0.0.1';
    via.port = '1';
    const down = new MysqlStore({ uri: via.toString(), table, cleanupInterval: 0 });
    const lines: string[] = [];
    try {
      const app = createApp({ store: down, trace: false, log: (t) => lines.push(t) }).app;
      for (let i = 0; i < 2; i++) {
        const res = await request(app.callback()).get('/');
        expect(res.status).toBe(503);
        expect(res.text).toMatch(
          /^Session store unavailable: mysql \(.+\) (get|set) failed: .*ECONNREFUSED.*\n$/,
        );
      }
      expect(lines).toHaveLength(2);
    } finally {
      await down.close();
    }
  });
});

describe.runIf(hasMysql)('mysql playground with the default table', () => {
  it('puts the row in _mysql_session_store and removes it on logout', async () => {
    const store = new MysqlStore({ uri: MYSQL_URL, cleanupInterval: 0 });
    try {
      const agent = browserAgent(createApp({ store, trace: false }).app.callback());
      const id = sessionId(await agent.get('/').expect(200, '1 views'));
      const select = () =>
        store.pool.query<RowDataPacket[]>('SELECT data FROM `_mysql_session_store` WHERE id = ?', [
          id,
        ]);
      const [rows] = await select();
      expect(JSON.parse(rows[0]?.data)).toMatchObject({ views: 1 });
      await agent.get('/logout').expect(200);
      const [after] = await select();
      expect(after).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
