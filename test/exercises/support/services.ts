/**
 * The real Redis and MariaDB the chapter 9 and 10 steps run against, set up
 * and cleaned up the same way for each step: the checks write and read
 * with a client of their own, so only the learner's store method is judged,
 * and everything they create is theirs alone and removed afterwards.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import mysql, { type Pool } from 'mysql2/promise';
import { MYSQL_URL, REDIS_URL } from '../../support/services.js';
import { afterAll, beforeAll } from '../kit.js';

/**
 * A Redis client and a key prefix no other run shares; every key under the
 * prefix is deleted after the step. Call it inside the step's `describe`.
 * The client connects on its first command, so a step skipped for want of
 * Redis never opens a socket.
 */
export function useRedis(): { client: Redis; prefix: string } {
  const prefix = `exercises:redis-store:${randomUUID()}:`;
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  afterAll(async () => {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length) await client.del(...keys);
    await client.quit();
  });
  return { client, prefix };
}

/** What a step needs of the learner's `MysqlStore`. */
interface Store {
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A table of its own for this step, the learner's store on it (created in
 * `beforeAll`, so a constructor that throws fails the step, not the file),
 * and an admin connection for the checks; the table is dropped afterwards.
 */
export function useMysqlTable<S extends Store>(
  open: (options: { uri: string; table: string; cleanupInterval: 0 }) => S,
): { table: string; admin: Pool; store: () => S } {
  const table = `exercises_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 1 });
  let store: S | undefined;
  beforeAll(async () => {
    store = open({ uri: MYSQL_URL, table, cleanupInterval: 0 });
    await store.ready();
  });
  afterAll(async () => {
    await store?.close();
    await admin.query(`DROP TABLE IF EXISTS \`${table}\``);
    await admin.end();
  });
  return {
    table,
    admin,
    store: () => {
      if (!store) throw new Error('the store is created in beforeAll');
      return store;
    },
  };
}
