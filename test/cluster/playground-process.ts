/**
 * `npm run playground:cluster` as a child process, for the tests that drive
 * it: started on ports of the test's choosing, ready once its banner is out,
 * stopped the way a reader stops it (Ctrl-C), which tears down every node
 * and app it started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../playground/cluster.ts', import.meta.url));

/** The banner's last line: everything is up once it is printed. */
const READY = 'Ctrl-C stops all';

export interface ClusterPlayground {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr, growing. */
  out: { text: string };
}

/** Start the playground; resolve once its banner is out. */
export async function startClusterPlayground(
  port: number,
  basePort: number,
): Promise<ClusterPlayground> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, PORT: String(port), CLUSTER_BASE_PORT: String(basePort) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out = { text: '' };
  const collect = (chunk: string) => {
    out.text += chunk;
  };
  child.stdout.setEncoding('utf8').on('data', collect);
  child.stderr.setEncoding('utf8').on('data', collect);
  const deadline = Date.now() + 60_000;
  try {
    while (!out.text.includes(READY)) {
      if (child.exitCode !== null) throw new Error(`playground exited:\n${out.text}`);
      if (Date.now() > deadline) throw new Error(`no banner within 60 s:\n${out.text}`);
      await new Promise((done) => setTimeout(done, 100));
    }
  } catch (error) {
    // Whatever it started (nodes, apps) stops with it.
    await stopClusterPlayground(child);
    throw error;
  }
  return { child, out };
}

/** The banner alone: what it printed up to its last line. */
export function bannerOf({ out }: ClusterPlayground): string {
  return out.text.slice(0, out.text.indexOf(READY));
}

/** Ctrl-C, and wait until it has exited (its nodes are gone by then). */
export async function stopClusterPlayground(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  await exited;
}
