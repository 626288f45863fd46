/**
 * `npm run playground:cluster` as a child process, for the tests that drive
 * it: started on ports of the test's choosing, ready once its banner is out,
 * stopped the way a reader stops it (Ctrl-C), which tears down every node
 * and app it started. The starting and stopping are playground/processes.ts's.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Running, startScript, stopChild } from '../../playground/processes.js';

const script = fileURLToPath(new URL('../../playground/cluster.ts', import.meta.url));

/** The banner's last line: everything is up once it is printed. */
const READY = 'Ctrl-C stops all';

/**
 * Start the playground; resolve once its banner is out. If it fails, it is
 * stopped with Ctrl-C first, so whatever it started stops with it.
 */
export function startClusterPlayground(port: number, basePort: number): Promise<Running> {
  return startScript(script, {
    env: { PORT: String(port), CLUSTER_BASE_PORT: String(basePort) },
    ready: READY,
    timeout: 60_000,
    stopSignal: 'SIGINT',
    stdin: 'pipe',
  });
}

/** The banner alone: what it printed up to its last line. */
export function bannerOf(playground: Running): string {
  const text = playground.output();
  return text.slice(0, text.indexOf(READY));
}

/** Ctrl-C, and wait until it has exited (its nodes are gone by then). */
export function stopClusterPlayground(child: ChildProcess): Promise<void> {
  return stopChild(child, 'SIGINT');
}
