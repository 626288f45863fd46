/**
 * The command line and the environment of every playground server: flags,
 * `PORT`, the service URLs, one-line failures, listening and the start-up
 * banner.
 *
 * Read with: chapters/run-it-yourself.md#before-you-start
 */
import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import type Koa from 'koa';

/** `--name` or `--name=value` on the command line. */
export function flag(
  name: string,
  argv: readonly string[] = process.argv,
): string | undefined {
  for (const arg of argv) {
    if (arg === `--${name}`) return 'true';
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

/** Trace mode is on with `TRACE=1` (any value but `0`/empty) or `--trace`. */
export function traceRequested(): boolean {
  const env = process.env.TRACE;
  return (
    flag('trace') !== undefined ||
    (env !== undefined && env !== '' && env !== '0')
  );
}

/** The port to listen on: `PORT`, default 3000. A bad value is one line. */
export function listenPort(fallback = 3000): number {
  const text = process.env.PORT;
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail(
      `PORT must be a whole number between 0 and 65535, ` +
        `got ${JSON.stringify(text)}`,
    );
  }
  return port;
}

/** Default service locations, overridable with `REDIS_URL` / `MYSQL_URL`. */
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
export const MYSQL_URL =
  process.env.MYSQL_URL || 'mysql://root@127.0.0.1:3306/test';

/** The one cookie-jar path the banner, the README and the book use. */
export const JAR = '/tmp/jar';

/** A URL with any password replaced by `***`, safe to print. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** True when `moduleUrl` is the file node was asked to run (not a test's import). */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && pathToFileURL(entry).href === moduleUrl;
}

/** Print one line to stderr and exit non-zero: never a stack trace. */
export function fail(line: string): never {
  process.stderr.write(`✗ ${line}\n`);
  process.exit(1);
}

/** The short, readable form of an error: its code (if any) and message. */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return describeError(error.errors[0]);
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const message = error.message || error.name;
    return typeof code === 'string' && !message.includes(code)
      ? `${code}: ${message}`
      : message;
  }
  return String(error);
}

/**
 * Listen, or explain in one line why not (port taken, say) and exit.
 * `script` names the npm script to suggest in that line.
 */
export function listen(
  app: Koa,
  port: number,
  script = 'playground:…',
): Promise<Server> {
  return new Promise((resolve) => {
    const server = app.listen(port);
    server.once('listening', () => resolve(server));
    server.once('error', (error) => {
      fail(listenError(error, port, script));
    });
  });
}

/** The one line that says why `port` could not be listened on. */
export function listenError(
  error: unknown,
  port: number,
  script: string,
): string {
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE') {
    return (
      `port ${port} is already in use; pick another with ` +
      `PORT=${port + 10} npm run ${script}`
    );
  }
  return `cannot listen on port ${port}: ${describeError(error)}`;
}

/** The address a listening server answers on, as a URL. */
export function serverUrl(server: Server): string {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return `http://localhost:${port}`;
}

/** The curl commands the banner suggests, their comments aligned. */
function tryLines(url: string): string[] {
  const rows: [string, string][] = [
    [`curl -b ${JAR} -c ${JAR} ${url}/`, 'again and again: the count goes up'],
    [`curl -b ${JAR} ${url}/__session`, 'what the server sees'],
    [`curl -b ${JAR} -c ${JAR} ${url}/logout`, 'forget the session'],
    [`curl -b ${JAR} -c ${JAR} '${url}/grow?bytes=5000'`, 'a 5 kB session'],
  ];
  const width = Math.max(...rows.map(([command]) => command.length));
  // Notes beside the commands when the terminal is wide enough for them,
  // else above each one: a wrapped curl line is hard to copy.
  const columns = process.stdout.columns || 80;
  const widest = Math.max(...rows.map(([, note]) => note.length));
  if (4 + width + 4 + widest <= columns) {
    return rows.map(
      ([command, note]) => `    ${command.padEnd(width)}  # ${note}`,
    );
  }
  return rows.flatMap(([command, note]) => [`    # ${note}`, `    ${command}`]);
}

/**
 * The start-up text: where the server is, where its Session Lab is, and
 * what to try. With `PLAYGROUND_QUIET=1` (the scale-out demo's children)
 * only `ready <url>`.
 */
export function banner(
  title: string,
  url: string,
  lines: readonly string[],
): void {
  if (process.env.PLAYGROUND_QUIET) {
    process.stdout.write(`ready ${url}\n`);
    return;
  }
  const text = [
    '',
    `  ${title}`,
    `  listening on ${url}`,
    '',
    `  ▶ Session Lab: ${url}/__lab   (open it in a browser)`,
    '',
    ...lines.map((line) => `  ${line}`),
    '',
    '  Or from a terminal (the lab shows these requests too):',
    ...tryLines(url),
    '',
    traceRequested()
      ? '  Trace mode is ON: one block per request below.'
      : '  Add TRACE=1 (or --trace) to also print, per request, its path.',
    '',
  ];
  process.stdout.write(`${text.join('\n')}\n`);
}

/**
 * `--max-age=5000` or `--max-age=session`: the session lifetime to use
 * instead of the demo's own, for trying expiry without waiting a day.
 */
export function maxAgeFlag(): number | 'session' | undefined {
  const text = flag('max-age');
  if (text === undefined) return undefined;
  if (text === 'session') return 'session';
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms <= 0) {
    fail(`--max-age must be 'session' or a whole number of ms, got ${text}`);
  }
  return ms;
}
