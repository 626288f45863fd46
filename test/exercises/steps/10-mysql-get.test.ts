/**
 * Step mysql-get — chapters/10-mysql-store.md#get
 *
 * Against the real MariaDB (127.0.0.1:3306, database `test`, see README
 * "Services"). Each run gets a table of its own, dropped afterwards. The
 * checks write rows with their own connection, so only your `get` is
 * judged.
 */
import { hasMysql } from '../../support/services.js';
import { mysql as store } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { useMysqlTable } from '../support/services.js';

const { MysqlStore } = await store();

describe.runIf(hasMysql)('MysqlStore.get on a real MariaDB', () => {
  const { table, admin, store: sessions } = useMysqlTable((options) => new MysqlStore(options));

  const put = (id: string, data: string, expires = Date.now() + 60_000) =>
    admin.query(`INSERT INTO \`${table}\` (id, expires, data) VALUES (?, ?, ?)`, [
      id,
      expires,
      data,
    ]);

  it('returns the session in the row with that id', async () => {
    await put('alice', '{"user":"alice","views":3}');
    expect(await sessions().get('alice'), 'get("alice")').toEqual({ user: 'alice', views: 3 });
  });

  it('an unknown id is undefined', async () => {
    expect(await sessions().get('nobody'), 'get("nobody")').toBeUndefined();
  });

  it('an expired row is never served, even before cleanup deletes it', async () => {
    await put('stale', '{"n":1}', Date.now() - 1000);
    expect(await sessions().get('stale'), 'get("stale")').toBeUndefined();
  });

  it('the id must match byte for byte ("ALICE" and "alice " are other ids)', async () => {
    expect(await sessions().get('ALICE'), 'get("ALICE")').toBeUndefined();
    expect(await sessions().get('alice '), 'get("alice ")').toBeUndefined();
  });

  it('a data column that is not a JSON object counts as no session', async () => {
    await put('junk', 'not json {');
    await put('number', '42');
    expect(await sessions().get('junk'), 'get("junk")').toBeUndefined();
    expect(await sessions().get('number'), 'get("number")').toBeUndefined();
  });
});
