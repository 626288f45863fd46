/**
 * Test helpers for the store and playground suites: unique names and two
 * ways of counting round trips on the server side (Redis MONITOR, MariaDB's
 * per-connection `Questions`). Outages are staged with the one fault proxy,
 * test/support/fault-proxy.ts.
 *
 * Nothing here imitates a database: every count comes from the real
 * server, every outage is a real closed socket.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { expect, vi } from 'vitest';
import { REDIS_URL } from '../support/services.js';

/** A name no other test file (or earlier run) uses: `what_pid_hex`. */
export function uniqueName(what: string): string {
  return `${what}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

/**
 * Watch, with Redis MONITOR on a dedicated connection, every command one
 * client sends. `during(fn)` returns the commands `fn` caused: it ends with
 * an ECHO of a unique token and waits for MONITOR to report it, so no late
 * command is missed.
 */
export async function redisCommandWatcher(client: Redis) {
  const info = String(await client.client('INFO'));
  const addr = /(?:^|\s)addr=(\S+)/.exec(info)?.[1];
  if (!addr) throw new Error(`cannot find the client's address in ${info}`);
  const monitor = await new Redis(REDIS_URL).monitor();
  const seen: string[][] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source === addr) seen.push(args);
  });
  let round = 0;
  return {
    async during(fn: () => Promise<unknown>): Promise<string[][]> {
      const token = `end-of-round-${++round}-${randomBytes(4).toString('hex')}`;
      const start = seen.length;
      await fn();
      await client.echo(token);
      await vi.waitFor(() => expect(seen.some((args) => args[1] === token)).toBe(true), {
        timeout: 5000,
        interval: 20,
      });
      const mine = seen.slice(start);
      return mine.slice(
        0,
        mine.findIndex((args) => args[1] === token),
      );
    },
    close: () => monitor.disconnect(),
  };
}

/**
 * Count the statements a one-connection pool sends, using the server's own
 * per-connection `Questions` counter. `during(fn)` subtracts the cost of
 * the `SHOW STATUS` probes themselves, measured first.
 */
export async function mysqlStatementCounter(pool: Pool) {
  const questions = async () => {
    const [rows] = await pool.query<RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Questions'");
    return Number(rows[0]?.Value);
  };
  const a = await questions();
  const b = await questions();
  const probeCost = b - a;
  return {
    async during(fn: () => Promise<unknown>): Promise<number> {
      const before = await questions();
      await fn();
      return (await questions()) - before - probeCost;
    },
    probeCost,
  };
}
