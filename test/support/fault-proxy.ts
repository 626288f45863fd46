/**
 * A TCP relay in front of the real Redis or MariaDB, so a test can break a
 * store's connection — and mend it — without touching the shared server.
 * The store's client connects to the relay; the relay connects to the real
 * service. Then:
 *
 * - `down()`: every open connection is cut and new ones are hung up at
 *   once — to the client, the service is gone;
 * - `unplug()`: the relay stops listening as well, so a new connection is
 *   refused (ECONNREFUSED), as when nothing runs on the port any more;
 * - `stall()`: connections stay open but nothing the client sends is passed
 *   on — a request is now "in flight" for as long as the test likes;
 * - `up()`: back to normal, on the same port; clients reconnect on their
 *   own schedule.
 *
 * Nothing imitates the service: every byte that gets through is the real
 * server's, every outage is a real closed socket.
 *
 * Read with: chapters/11-security.md#store-failures
 */
import net from 'node:net';

export interface FaultProxy {
  /** Where the client should connect (127.0.0.1). */
  readonly port: number;
  up(): Promise<void>;
  down(): void;
  unplug(): Promise<void>;
  stall(): void;
  close(): Promise<void>;
}

export async function faultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let mode: 'up' | 'down' | 'stall' = 'up';
  let port = 0;
  let server: net.Server | undefined;
  const pairs = new Set<[net.Socket, net.Socket]>();

  const sever = () => {
    for (const [client, upstream] of pairs) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };

  const listen = async () => {
    const relay = net.createServer((client) => {
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
      for (const socket of pair) socket.on('close', end).on('error', end);
    });
    await new Promise<void>((resolve, reject) => {
      relay.once('error', reject);
      relay.listen(port, '127.0.0.1', () => resolve());
    });
    port = (relay.address() as net.AddressInfo).port;
    server = relay;
  };

  const stopListening = async () => {
    const relay = server;
    server = undefined;
    if (relay) await new Promise<void>((resolve) => relay.close(() => resolve()));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    async up() {
      mode = 'up';
      if (!server) await listen();
    },
    down() {
      mode = 'down';
      sever();
    },
    async unplug() {
      sever();
      await stopListening();
    },
    stall() {
      mode = 'stall';
    },
    async close() {
      sever();
      await stopListening();
    },
  };
}
