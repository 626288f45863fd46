/**
 * Test helpers for the store and playground suites: unique names, a TCP
 * proxy to stage outages, and two ways of counting round trips on the
 * server side (Redis MONITOR, MariaDB's per-connection `Questions`).
 *
 * Nothing here imitates a database: every count comes from the real
 * server, every outage is a real closed socket.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { REDIS_URL } from '../support/services.js';

/** A name no other test file (or earlier run) uses: `what_pid_hex`. */
export function uniqueName(what: string): string {
  return `${what}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

/** Resolve once `check()` is true, polling; reject after `ms`. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A TCP forwarder in front of a real server. `cut()` closes the listening
 * socket and every forwarded connection — to the client it looks exactly
 * like the server went away — and `restore()` listens again on the same
 * port. The shared server itself is never touched.
 */
export class TcpProxy {
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | undefined;
  port = 0;

  private constructor(
    readonly targetHost: string,
    readonly targetPort: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort);
    await proxy.restore();
    return proxy;
  }

  /** Start (or resume) forwarding on `this.port` (a free port the first time). */
  async restore(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      this.#sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.#sockets.delete(client);
        this.#sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  /** Stop listening and sever every open connection. */
  async cut(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
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
      await waitFor(() => seen.some((args) => args[1] === token));
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
