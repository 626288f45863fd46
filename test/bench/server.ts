/**
 * One benchmark contender, as its own process.
 *
 * Usage: `node --import tsx test/bench/server.ts <contender>`. The process
 * listens on a free port, prints `READY <port>` and serves until SIGTERM.
 * The load generator (test/bench/run.ts) lives in another process so that
 * the server owns its CPU core and every microsecond it spends is its own.
 * The routes are described in test/bench/app.ts.
 *
 * See chapters/perf-method.md#method
 */
import { buildApp } from './app.js';
import { CONTENDERS, type ContenderName } from './contenders.js';

const name = process.argv[2] as ContenderName;
if (!CONTENDERS.includes(name)) {
  console.error(`unknown contender ${JSON.stringify(name)}; one of: ${CONTENDERS.join(', ')}`);
  process.exit(2);
}

const { app, close } = await buildApp(name);
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`READY ${port}\n`);
});

// A clean exit matters: `--cpu-prof` writes its profile only on exit.
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections();
  server.close();
  await close();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
