/**
 * Scale-out, shown rather than told: two server processes, one user,
 * requests alternating between them.
 *
 *     npm run playground:scale          # uses PORT and PORT+1 (default 3000 and 3001)
 *
 * 1. Two Redis playgrounds sharing one Redis: the session follows the user
 *    from process to process, and the count goes 1, 2, 3, 4, 5, 6.
 * 2. Two memory playgrounds, each with its own MemoryStore: every time the
 *    user lands on the other process, that process has never heard of the
 *    session id, starts a new session and sets a new cookie. The count
 *    never passes 1.
 * 3. Two cookie-session playgrounds (the article's first demo, no store):
 *    it works — the data travels in the cookie, and all the processes
 *    share is the signing key.
 *
 * Read with: chapters/08-memory-store.md#one-process-only and
 * chapters/run-it-yourself.md#scale-out
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describeError, fail, isMain, listenPort, REDIS_URL } from './cli.js';
import { connectRedis } from './redis.js';

/** One of the three set-ups the demo compares. */
export type Scenario = 'redis' | 'memory' | 'cookie';

const SETUPS: Record<
  Scenario,
  { file: string; args: string[]; path: string; title: string }
> = {
  redis: {
    file: 'redis.ts',
    args: [],
    path: '/fixed',
    title: 'two processes, one shared Redis (redis playground, /fixed)',
  },
  memory: {
    file: 'memory.ts',
    args: [],
    path: '/',
    title: 'two processes, each with its own MemoryStore (memory playground)',
  },
  cookie: {
    file: 'memory.ts',
    args: ['--cookie'],
    path: '/',
    title:
      'two processes, cookie sessions, no store (memory playground --cookie)',
  },
};

/** One request of the walk: which server answered and what it said. */
export interface Step {
  port: number;
  servedBy: string;
  body: string;
  /** The response replaced the session cookie's value. */
  cookieChanged: boolean;
}

// #region startServer
/**
 * Start one playground in its own process (`node --import tsx …`) and wait
 * for its `ready <url>` line. If it exits instead, reject with what it
 * printed: that is the one-line service error.
 */
export async function startServer(
  file: string,
  port: number,
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<ChildProcess> {
  const script = fileURLToPath(new URL(file, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    env: {
      ...process.env,
      TRACE: '0',
      ...env,
      PORT: String(port),
      PLAYGROUND_QUIET: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    output += chunk;
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('ready ')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(output.trim() || `exited with code ${code}`)),
    );
  });
  return child;
}
// #endregion startServer

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** A cookie jar small enough to read: name → value, dropping cookies set to expire. */
function absorb(jar: Map<string, string>, response: Response): boolean {
  let changed = false;
  for (const header of response.headers.getSetCookie()) {
    const [pair = '', ...attributes] = header.split(';');
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    const value = pair.slice(at + 1);
    const expired = attributes.some((a) => /expires=Thu, 01 Jan 1970/i.test(a));
    if (expired || value === '') jar.delete(name);
    else {
      if (jar.get(name) !== value) changed = true;
      jar.set(name, value);
    }
  }
  return changed;
}

function cookieHeader(jar: Map<string, string>): string {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

// #region walk
/**
 * Start two servers of one kind on `basePort` and `basePort + 1`, make
 * `requests` requests alternating between them with one cookie jar (one
 * "user"), log out at the end (so no record is left behind), stop both.
 */
export async function walk(
  scenario: Scenario,
  basePort: number,
  requests = 6,
): Promise<Step[]> {
  const setup = SETUPS[scenario];
  const ports = [basePort, basePort + 1];
  const servers: ChildProcess[] = [];
  try {
    for (const port of ports)
      servers.push(await startServer(setup.file, port, setup.args));
    const jar = new Map<string, string>();
    const steps: Step[] = [];
    for (let i = 0; i < requests; i++) {
      const port = ports[i % 2]!;
      const response = await fetch(`http://127.0.0.1:${port}${setup.path}`, {
        headers: { cookie: cookieHeader(jar) },
      });
      const body = (await response.text()).trim();
      const cookieChanged = absorb(jar, response);
      steps.push({
        port,
        servedBy: response.headers.get('x-served-by') ?? '?',
        body,
        cookieChanged,
      });
    }
    await fetch(`http://127.0.0.1:${ports[0]}/logout`, {
      headers: { cookie: cookieHeader(jar) },
    });
    return steps;
  } finally {
    await Promise.all(servers.map(stop));
  }
}
// #endregion walk

async function main(): Promise<void> {
  const basePort = listenPort();
  const client = await connectRedis(REDIS_URL).catch((error: Error) =>
    fail(error.message),
  );
  client.disconnect();
  const verdicts: string[] = [];
  for (const scenario of ['redis', 'memory', 'cookie'] as const) {
    process.stdout.write(`\n${SETUPS[scenario].title}\n`);
    let steps: Step[];
    try {
      steps = await walk(scenario, basePort);
    } catch (error) {
      fail(`could not run the ${scenario} servers: ${describeError(error)}`);
    }
    steps.forEach((step, i) => {
      // In store mode the cookie holds only the id, so a new value means a
      // new session; in cookie mode the value changes with every save.
      const note =
        scenario !== 'cookie' && step.cookieChanged && i > 0
          ? '   ← new session id: this process did not know the old one'
          : '';
      process.stdout.write(
        `  request ${i + 1} → :${step.port} (${step.servedBy})  ${step.body}${note}\n`,
      );
    });
    const counts = steps.map((s) => Number.parseInt(s.body, 10));
    const followed = counts.every((n, i) => n === i + 1);
    const verdict = followed
      ? '✓ the session followed the user across both processes'
      : '✗ the session did not survive the switch: each process only knows its own sessions';
    process.stdout.write(`  ${verdict}\n`);
    verdicts.push(`${scenario}: ${followed ? 'follows' : 'lost'}`);
  }
  process.stdout.write(`\nSummary — ${verdicts.join(', ')}\n`);
}

if (isMain(import.meta.url)) await main();
