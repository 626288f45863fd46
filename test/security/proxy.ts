/**
 * A tiny TCP relay that lets a test break a database connection — and
 * mend it — without touching the shared database server.
 *
 * The store's client connects to the relay; the relay connects to the real
 * Redis or MariaDB. Then:
 *
 * - `down()`: every open connection is cut and new ones are hung up at
 *   once — to the client, the service is gone;
 * - `stall()`: connections stay open but nothing the client sends is passed
 *   on — a request is now "in flight" for as long as the test likes;
 * - `up()`: back to normal; clients reconnect on their own schedule.
 *
 * Read with: chapters/11-security.md#store-failures
 */
import net from 'node:net';

export interface Relay {
  port: number;
  up(): void;
  down(): void;
  stall(): void;
  close(): Promise<void>;
}

export async function relay(target: { host: string; port: number }): Promise<Relay> {
  let mode: 'up' | 'down' | 'stall' = 'up';
  const pairs = new Set<[net.Socket, net.Socket]>();

  const server = net.createServer((client) => {
    if (mode === 'down') {
      client.destroy();
      return;
    }
    const upstream = net.connect(target);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk) => {
      // In a stall, bytes from the client are swallowed, never delivered.
      if (mode === 'up') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;

  return {
    port,
    up: () => {
      mode = 'up';
    },
    stall: () => {
      mode = 'stall';
    },
    down: () => {
      mode = 'down';
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    close: async () => {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
