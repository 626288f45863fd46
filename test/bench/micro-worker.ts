/**
 * One contender for the in-process bench (test/bench/micro.ts), in its own
 * process so that no two contenders share a JIT or a heap. It builds the
 * contender's app, primes a session, then waits for orders on the IPC
 * channel: "run N requests of this workload" → "that took C µs of CPU".
 *
 * Each request is a real Koa request — a real `IncomingMessage`, a real
 * `ServerResponse`, Koa's whole request/response cycle — that never touches
 * a socket: the response is buffered in memory and dropped.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { sentBack } from '../../playground/shared/cookies.js';
import { buildApp } from './app.js';
import { CONTENDERS, type ContenderName } from './contenders.js';

const name = process.argv[2] as ContenderName;
if (!CONTENDERS.includes(name) || !process.send) {
  console.error('usage: forked by test/bench/micro.ts with a contender name');
  process.exit(2);
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** One socket object for every fake request: never connected, never written. */
const socket = new Socket();

async function request(handler: Handler, url: string, cookie?: string): Promise<ServerResponse> {
  const req = new IncomingMessage(socket);
  req.method = 'GET';
  req.url = url;
  req.headers = cookie ? { host: 'bench.local', cookie } : { host: 'bench.local' };
  const res = new ServerResponse(req);
  await handler(req, res);
  return res;
}

const { app, close } = await buildApp(name);
const handler = app.callback() as Handler;
const primed = await request(handler, '/prime');
const cookie = sentBack(primed.getHeader('set-cookie'));

export interface Order {
  workload: string;
  iterations: number;
}

process.on('message', async (order: Order | 'exit') => {
  if (order === 'exit') {
    await close();
    process.exit(0);
  }
  const url = `/${order.workload}`;
  const start = process.cpuUsage();
  for (let i = 0; i < order.iterations; i++) await request(handler, url, cookie);
  const used = process.cpuUsage(start);
  process.send?.({ cpuMicros: used.user + used.system });
});
process.send({ ready: true });
