/**
 * Step mysql-set — chapters/10-mysql-store.md#set
 *
 * Against the real MariaDB, in a table of its own. The checks read the
 * rows with their own connection.
 */
import type { RowDataPacket } from 'mysql2/promise';
import { hasMysql } from '../../support/services.js';
import { mysql as store } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { cookiesAfter, type Reply, sessionApp } from '../support/harness.js';
import { useMysqlTable } from '../support/services.js';

const { MysqlStore } = await store();

describe.runIf(hasMysql)('MysqlStore.set on a real MariaDB', () => {
  const { table, admin, store: sessions } = useMysqlTable((options) => new MysqlStore(options));

  async function row(id: string) {
    const [rows] = await admin.query<RowDataPacket[]>(
      `SELECT expires, data FROM \`${table}\` WHERE CAST(id AS BINARY) = CAST(? AS BINARY)`,
      [id],
    );
    return rows[0];
  }

  it('writes one row: the id, the session as JSON, and an absolute expiry in ms', async () => {
    const before = Date.now();
    await sessions().set('alice', { views: 1 }, 60_000);
    const r = await row('alice');
    expect(r?.data, 'the data column').toBe('{"views":1}');
    expect(Number(r?.expires), 'expires').toBeGreaterThanOrEqual(before + 60_000);
    expect(Number(r?.expires), 'expires').toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it('a second set of the same id replaces the row (one row per session)', async () => {
    await sessions().set('bob', { views: 1 }, 60_000);
    await sessions().set('bob', { views: 2 }, 60_000);
    const [rows] = await admin.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM \`${table}\` WHERE id = 'bob'`,
    );
    expect(Number(rows[0]?.n), 'rows for bob').toBe(1);
    expect((await row('bob'))?.data, 'the data column').toBe('{"views":2}');
  });

  it('maxAge "session" lives sessionTtl ms (one day by default)', async () => {
    const before = Date.now();
    await sessions().set('browser', { n: 1 }, 'session');
    const expires = Number((await row('browser'))?.expires);
    expect(expires - before, 'lifetime in ms').toBeGreaterThanOrEqual(86_400_000);
    expect(expires - Date.now(), 'lifetime in ms').toBeLessThanOrEqual(86_400_000);
  });

  it('behind the session middleware: counts visits, one row per visitor', async () => {
    const t = sessionApp({ store: sessions() }, (ctx) => {
      ctx.session!.views = ((ctx.session!.views as number) ?? 0) + 1;
      ctx.body = { views: ctx.session!.views, id: ctx.session!.externalKey };
    });
    let reply: Reply | undefined;
    let cookie: string | undefined;
    for (let i = 0; i < 3; i++) {
      reply = await t.get(cookie);
      cookie = cookiesAfter(reply) || cookie;
    }
    expect(reply!.body.views, 'the third visit').toBe(3);
    expect(JSON.parse((await row(reply!.body.id))?.data), 'the row').toMatchObject({ views: 3 });
  });
});
