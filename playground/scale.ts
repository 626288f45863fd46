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
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import {
  describeError,
  fail,
  flag,
  isMain,
  listenPort,
  REDIS_URL,
  redact,
} from './cli.js';
import { portFree, startScript, stopChild } from './processes.js';
import { connectRedis } from './redis.js';
import { CookieJar } from './shared/cookies.js';

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
  const { child } = await startScript(script, {
    args,
    env: { TRACE: '0', ...env, PORT: String(port), PLAYGROUND_QUIET: '1' },
    ready: 'ready ',
  });
  return child;
}
// #endregion startServer

/**
 * Apply a response's `Set-Cookie` lines to the user's jar; true when one
 * of them brought a new value (a deleted cookie does not count).
 */
function absorb(jar: CookieJar, response: Response): boolean {
  const before = new Map(jar);
  jar.take(response.headers.getSetCookie());
  return [...jar].some(([name, value]) => before.get(name) !== value);
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
    const jar = new CookieJar();
    const steps: Step[] = [];
    for (let i = 0; i < requests; i++) {
      const port = ports[i % 2]!;
      const response = await fetch(`http://127.0.0.1:${port}${setup.path}`, {
        headers: { cookie: jar.header() ?? '' },
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
      headers: { cookie: jar.header() ?? '' },
    });
    return steps;
  } finally {
    await Promise.all(servers.map((child) => stopChild(child)));
  }
}
// #endregion walk

/** Exit with one line if any of `ports` is taken: name it, and the script. */
async function claim(ports: number[]): Promise<void> {
  for (const port of ports) {
    if (await portFree(port)) continue;
    fail(
      `port ${port} is already in use (playground:scale needs ` +
        `${ports.join(', ')}); pick others with ` +
        `PORT=${ports[0]! + 10} npm run playground:scale`,
    );
  }
}

// #region scaleLab
/**
 * `npm run playground:scale -- --lab` (or `--lab=redis`, `--lab=cookie`):
 * two processes of one kind on PORT+1 and PORT+2, and on PORT a page that
 * shows both Session Labs side by side. The browser holds one cookie jar
 * per host — ports do not separate cookies — so the same cookie goes to
 * both processes, as it would behind a load balancer.
 */
async function scaleLab(kind: Scenario, basePort: number): Promise<void> {
  const setup = SETUPS[kind];
  const ports = [basePort + 1, basePort + 2];
  await claim([basePort, ...ports]);
  const children: ChildProcess[] = [];
  const stopAll = () => Promise.all(children.map((child) => stopChild(child)));
  process.once('SIGINT', () => void stopAll().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stopAll().then(() => process.exit(0)));
  for (const port of ports) {
    try {
      children.push(await startServer(setup.file, port, setup.args));
    } catch (error) {
      await stopAll();
      fail(`could not start ${setup.file}: ${oneLine(error)}`);
    }
  }
  const store =
    kind === 'redis'
      ? `one shared Redis (${redact(REDIS_URL)})`
      : kind === 'memory'
        ? 'its own MemoryStore, in its own memory'
        : 'no store: the session is the cookie';
  const page = scalePage(kind, ports, store, children);
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  server.listen(basePort);
  await once(server, 'listening');
  process.stdout.write(
    [
      '',
      `  Scale-out lab: ${SETUPS[kind].title}`,
      `  ▶ open http://localhost:${basePort}/ — both labs side by side`,
      `    process A: http://localhost:${ports[0]}/__lab`,
      `    process B: http://localhost:${ports[1]}/__lab`,
      `  Each process uses ${store}.`,
      '  Press Change session in A, then in B, and watch B’s store.get.',
      '  --lab=memory | redis | cookie picks the kind. Ctrl-C stops all three.',
      '',
    ].join('\n'),
  );
}
// #endregion scaleLab

function scalePage(
  kind: Scenario,
  ports: number[],
  store: string,
  children: ChildProcess[],
): string {
  const column = (port: number, name: string, child: ChildProcess) => `
  <section>
    <h2>Process ${name} <small>:${port} · pid ${child.pid} · ${store}</small></h2>
    <iframe title="Session Lab of process ${name}"
      src="http://localhost:${port}/__lab"></iframe>
  </section>`;
  const expect =
    kind === 'memory'
      ? 'Expect: B has never heard of A’s id — store.get finds nothing, a new session starts, and the count never passes 1 across the two.'
      : kind === 'redis'
        ? 'Expect: both ask the same Redis — B finds what A saved, and the count goes on.'
        : 'Expect: it works — the data travels in the cookie; all the processes share is the signing key.';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Session Lab · scale-out (${kind})</title>
<style>
  body { margin: 0; font: 15px/1.4 system-ui, sans-serif; }
  header { padding: 10px 16px; }
  h1 { font-size: 1.2rem; margin: 0 0 4px; }
  p { margin: 2px 0; }
  main { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; padding: 0 8px 8px; }
  h2 { font-size: 1rem; margin: 4px 8px; }
  small { font-weight: 400; opacity: 0.75; }
  iframe { width: 100%; height: calc(100vh - 130px); min-height: 600px;
           border: 1px solid #8886; border-radius: 8px; }
  @media (max-width: 900px) { main { grid-template-columns: 1fr; } }
</style></head>
<body>
<header>
  <h1>Scale-out: one browser, two processes (${kind})</h1>
  <p>The same cookie goes to both: a browser keeps one jar per host, and
  ports do not separate cookies. Each process uses ${store}.</p>
  <p>${expect}</p>
</header>
<main>${column(ports[0]!, 'A', children[0]!)}${column(ports[1]!, 'B', children[1]!)}
</main>
</body></html>
`;
}

/** A child's failure as one line, without its own leading ✗. */
function oneLine(error: unknown): string {
  return describeError(error).replace(/^✗ /, '').split('\n')[0] ?? '';
}

async function main(): Promise<void> {
  const basePort = listenPort();
  const labFlag = flag('lab');
  if (labFlag !== undefined) {
    const kind = labFlag === 'true' ? 'memory' : labFlag;
    if (kind !== 'memory' && kind !== 'redis' && kind !== 'cookie') {
      fail(`--lab must be memory, redis or cookie, got ${kind}`);
    }
    if (kind === 'redis') {
      const client = await connectRedis(REDIS_URL).catch((error: Error) =>
        fail(error.message),
      );
      client.disconnect();
    }
    return scaleLab(kind, basePort);
  }
  await claim([basePort, basePort + 1]);
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
      fail(`could not run the ${scenario} servers: ${oneLine(error)}`);
    }
    steps.forEach((step, i) => {
      // In store mode the cookie holds only the id, so a new value means a
      // new session; in cookie mode the value changes with every save.
      const note =
        scenario !== 'cookie' && step.cookieChanged && i > 0
          ? '  ← new id: unknown to this process'
          : '';
      process.stdout.write(
        `  request ${i + 1} → :${step.port} (${step.servedBy})  ${step.body}${note}\n`,
      );
    });
    const counts = steps.map((s) => Number.parseInt(s.body, 10));
    const followed = counts.every((n, i) => n === i + 1);
    const verdict = followed
      ? '✓ the session followed the user across both processes'
      : '✗ the session was lost: each process knows only its own sessions';
    process.stdout.write(`  ${verdict}\n`);
    verdicts.push(`${scenario}: ${followed ? 'follows' : 'lost'}`);
  }
  process.stdout.write(`\nSummary — ${verdicts.join(', ')}\n`);
}

if (isMain(import.meta.url)) await main();
