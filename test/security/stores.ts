/**
 * The three stores under test, each wrapped with what a test needs beyond
 * the store contract: plant a raw record (as a corrupted database or an
 * attacker with write access would), read one back raw, and clean up.
 *
 * Every lab gets its own Redis key prefix and its own MariaDB table, named
 * after the process id and a random suffix, so test files running in
 * parallel — ours and other people's — never see each other's data.
 *
 * Read with: chapters/11-security.md#store-failures
 */
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import mysql from 'mysql2/promise';
import type { SessionStore } from '../../src/index.js';
import { MemoryStore, MysqlStore, RedisStore } from '../../src/stores/index.js';
import { hasMysql, hasRedis, MYSQL_URL, REDIS_URL } from '../support/services.js';

export type StoreKind = 'memory' | 'redis' | 'mysql';

export interface StoreLab {
  kind: StoreKind;
  store: SessionStore;
  /** Write `text` as the raw record for `id`, valid for a minute. */
  plant(id: string, text: string): Promise<void>;
  /** The raw record for `id`, or `undefined`. */
  peek(id: string): Promise<string | undefined>;
  /** How many records the lab's namespace holds. */
  count(): Promise<number>;
  /** Remove everything the lab wrote and close its connections. */
  dispose(): Promise<void>;
}

/** A short unique tag for key prefixes and table names. */
export function labTag(what: string): string {
  return `${what}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

/** Which stores can run here (memory always; the others when their service answers). */
export const STORE_KINDS: { kind: StoreKind; available: boolean }[] = [
  { kind: 'memory', available: true },
  { kind: 'redis', available: hasRedis },
  { kind: 'mysql', available: hasMysql },
];

export async function openStoreLab(
  kind: StoreKind,
  extra: { redis?: RedisOptions; mysql?: { connectionLimit?: number } } = {},
): Promise<StoreLab> {
  if (kind === 'memory') {
    const store = new MemoryStore();
    return {
      kind,
      store,
      // A MemoryStore only ever holds what `JSON.stringify` produced, so
      // planting goes through `set` (odd number tokens like 1e400 become null).
      plant: async (id, text) => store.set(id, JSON.parse(text), 60_000),
      peek: async (id) => {
        const data = store.get(id);
        return data === undefined ? undefined : JSON.stringify(data);
      },
      count: async () => store.entries().length,
      dispose: async () => store.clear(),
    };
  }

  if (kind === 'redis') {
    const prefix = `${labTag('seclab')}:`;
    const client = new Redis(REDIS_URL, extra.redis ?? {});
    const store = new RedisStore({ client, prefix });
    const keys = () => client.keys(`${prefix}*`);
    return {
      kind,
      store,
      plant: async (id, text) => {
        await client.set(prefix + id, text, 'PX', 60_000);
      },
      peek: async (id) => (await client.get(prefix + id)) ?? undefined,
      count: async () => (await keys()).length,
      dispose: async () => {
        const found = await keys();
        if (found.length) await client.del(...found);
        client.disconnect();
      },
    };
  }

  const table = labTag('seclab');
  const store = new MysqlStore({
    uri: MYSQL_URL,
    table,
    cleanupInterval: 0,
    connectionLimit: extra.mysql?.connectionLimit ?? 10,
  });
  await store.ready();
  const admin = await mysql.createConnection(MYSQL_URL);
  return {
    kind,
    store,
    plant: async (id, text) => {
      await admin.query(
        `INSERT INTO \`${table}\` (id, expires, data) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE expires = VALUES(expires), data = VALUES(data)`,
        [id, Date.now() + 60_000, text],
      );
    },
    peek: async (id) => {
      const [rows] = await admin.query<mysql.RowDataPacket[]>(
        `SELECT data FROM \`${table}\` WHERE id = ?`,
        [id],
      );
      return rows[0]?.data ?? undefined;
    },
    count: async () => {
      const [rows] = await admin.query<mysql.RowDataPacket[]>(
        `SELECT COUNT(*) AS n FROM \`${table}\``,
      );
      return Number(rows[0]?.n);
    },
    dispose: async () => {
      await store.close();
      await admin.query(`DROP TABLE IF EXISTS \`${table}\``);
      await admin.end();
    },
  };
}
