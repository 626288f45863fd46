/**
 * Recipe "A JSON column and mysql2" (chapters/15-production.md), on the
 * real MariaDB: a hand-written store keeps sessions in a `JSON` column and
 * reads them back with `JSON.parse(row.data)`. mysql2 has already parsed
 * the column, so the store parses an object: `"[object Object]" is not
 * valid JSON`, and only once a session exists (a new visitor is never
 * read). Each test uses its own table and drops it afterwards.
 *
 * What mysql2 returns depends on the server it talks to: MySQL marks a
 * JSON column with its own type (245); MariaDB stores JSON as LONGTEXT and
 * says "json" only in its extended column metadata, which mysql2 reads
 * since 3.23.0. This file runs against MariaDB, and says which.
 */
import { readFileSync } from 'node:fs';
import mysql, { type FieldPacket, type Pool, type RowDataPacket } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SessionData, SessionStore } from '../../src/index.js';
import { freezeClock } from '../book/support.js';
import { uniqueName } from '../stores/support.js';
import { hasMysql, MYSQL_URL } from '../support/services.js';
import { Browser, countViews, IdRedactor, recipeApp, record, transcript } from './support.js';

/**
 * A store as people write one for a JSON column. `parse` is how `get`
 * turns the column back into a session: the usual `JSON.parse`, or the fix.
 */
function jsonColumnStore(
  pool: Pool,
  table: string,
  parse: (data: unknown) => SessionData,
): SessionStore {
  return {
    async get(id) {
      const [rows] = await pool.query<RowDataPacket[]>('SELECT data FROM ?? WHERE id = ?', [
        table,
        id,
      ]);
      return rows[0] ? parse(rows[0].data) : undefined;
    },
    async set(id, session) {
      await pool.query(
        'INSERT INTO ?? (id, data) VALUES (?, ?) ON DUPLICATE KEY UPDATE data = VALUES(data)',
        [table, id, JSON.stringify(session)],
      );
    },
    async destroy(id) {
      await pool.query('DELETE FROM ?? WHERE id = ?', [table, id]);
    },
  };
}

const parseText = (data: unknown) => JSON.parse(data as string) as SessionData;
/** The fix in the store: parse only what is still text. */
const parseIfText = (data: unknown) =>
  (typeof data === 'string' ? JSON.parse(data) : data) as SessionData;

describe.runIf(hasMysql)('recipe: a JSON column read back with mysql2, on MariaDB', () => {
  let pool: Pool;
  let strings: Pool;
  let server = '';
  const table = uniqueName('recipes_json_sessions');

  beforeAll(async () => {
    pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 2 });
    strings = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 2, jsonStrings: true });
    await pool.query('CREATE TABLE ?? (id VARCHAR(255) NOT NULL PRIMARY KEY, data JSON NOT NULL)', [
      table,
    ]);
    const [rows] = await pool.query<RowDataPacket[]>('SELECT VERSION() AS v');
    server = String(rows[0]!.v);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    await pool?.query('DROP TABLE IF EXISTS ??', [table]);
    await pool?.end();
    await strings?.end();
  });

  it('on MariaDB, a JSON column is LONGTEXT with a json_valid check, and mysql2 returns it parsed (query and execute); jsonStrings: true returns text', async () => {
    expect(server).toMatch(/MariaDB/);
    const [create] = await pool.query<RowDataPacket[]>('SHOW CREATE TABLE ??', [table]);
    expect(String(create[0]!['Create Table'])).toMatch(
      /`data` longtext .*CHECK \(json_valid\(`data`\)\)/,
    );
    await pool.query('REPLACE INTO ?? (id, data) VALUES (?, ?)', [table, 'probe', '{"views":1}']);
    const [rows, fields] = (await pool.query('SELECT data FROM ?? WHERE id = ?', [
      table,
      'probe',
    ])) as [RowDataPacket[], FieldPacket[]];
    expect(rows[0]!.data).toEqual({ views: 1 });
    // On the wire: LONGTEXT (MYSQL_TYPE_BLOB, 252) — the "json" is in the
    // extended metadata mysql2 negotiates with MariaDB.
    const field = fields[0] as FieldPacket & { extendedFormat?: string };
    expect(field.columnType).toBe(252);
    expect(field.extendedFormat).toBe('json');
    const [executed] = await pool.execute<RowDataPacket[]>(
      `SELECT data FROM ${table} WHERE id = ?`,
      ['probe'],
    );
    expect(executed[0]!.data).toEqual({ views: 1 });
    const [text] = await strings.query<RowDataPacket[]>('SELECT data FROM ?? WHERE id = ?', [
      table,
      'probe',
    ]);
    expect(text[0]!.data).toBe('{"views":1}');
  });

  it('JSON.parse in the store: the first visit works, every later one is a 500, [object Object] is not valid JSON', async () => {
    const { app, errors } = recipeApp(
      { store: jsonColumnStore(pool, table, parseText) },
      countViews,
    );
    const browser = new Browser(app);
    expect((await browser.get()).body).toBe('1 views');
    const second = await browser.get();
    expect(second.status).toBe(500);
    expect(errors.map((e) => [e.name, e.message])).toEqual([
      ['SyntaxError', '"[object Object]" is not valid JSON'],
    ]);
    expect((await browser.get()).status).toBe(500);
  });

  it('fixed with jsonStrings: true on the pool, or by parsing only text', async () => {
    for (const store of [
      jsonColumnStore(strings, table, parseText),
      jsonColumnStore(pool, table, parseIfText),
    ]) {
      const { app, errors } = recipeApp({ store }, countViews);
      const browser = new Browser(app);
      for (const n of [1, 2, 3]) expect((await browser.get()).body).toBe(`${n} views`);
      expect(errors).toEqual([]);
    }
  });

  it('records the transcript', async () => {
    freezeClock();
    const redactor = new IdRedactor();
    const { version } = JSON.parse(
      readFileSync(new URL('../../node_modules/mysql2/package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    const parts: string[] = [`server ${server}, mysql2 ${version}`];
    const cases: Array<[string, Pool, (d: unknown) => SessionData]> = [
      ['data JSON column, store does JSON.parse(row.data)', pool, parseText],
      ['the same store, pool created with jsonStrings: true', strings, parseText],
    ];
    for (const [label, via, parse] of cases) {
      const { app, errors } = recipeApp({ store: jsonColumnStore(via, table, parse) }, countViews);
      const browser = new Browser(app);
      const lines = [transcript(`${label} — first visit`, '/', await browser.get())];
      lines.push(transcript(`${label} — second visit`, '/', await browser.get()));
      if (errors[0]) lines.push(`   app 'error' event: ${errors[0].name}: ${errors[0].message}`);
      parts.push(lines.join('\n\n'));
    }
    record('mysql-json', redactor.redact(parts.join('\n\n')));
  });
});
