/**
 * Child processes and ports, one way each, for the playgrounds that start
 * other processes (`playground:scale`, `playground:cluster`) and for the
 * tests and benchmarks that start playgrounds and servers:
 *
 * - `startScript` runs a TypeScript file in its own Node process and waits
 *   until it prints that it is ready — or fails with what it printed, so a
 *   service error reads as the script's own one line;
 * - `stopChild` stops one and waits until it has really gone;
 * - `freePort`, `portFree` and `freePortPair` find ports to listen on;
 *   `reachable` tells whether a service answers at all.
 *
 * Node-only (it spawns processes), so it lives beside the playgrounds,
 * not in `shared/`, which the browser runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

export interface ScriptOptions {
  /** What the script prints (stdout or stderr) once it is ready. */
  ready: string | RegExp;
  /** Arguments after the script's path. */
  args?: readonly string[];
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  cwd?: string | URL;
  /** Node flags before `--import tsx` (`--cpu-prof`, `--inspect` …). */
  node?: readonly string[];
  /** More modules to `--import` after tsx (an inspector probe, say). */
  imports?: readonly string[];
  /** Give up after this many ms (default 30 s). */
  timeout?: number;
  /**
   * How `stop()` asks it to go: SIGTERM unless told (the cluster demo
   * wants SIGINT, its Ctrl-C, to take its Redis nodes down with it).
   */
  stopSignal?: NodeJS.Signals;
  /** `inherit` lets its errors reach this terminal instead of `output`. */
  stderr?: 'pipe' | 'inherit';
  /** `pipe` keeps its stdin open (a child may watch it to notice us gone). */
  stdin?: 'pipe' | 'ignore';
}

/** A script that said it is ready. */
export interface Running {
  child: ChildProcess;
  /** What `ready` matched (`[1]` and on: its groups). */
  ready: RegExpMatchArray;
  /** Everything it printed so far, stdout and stderr, growing. */
  output(): string;
  /** The same, stdout alone. */
  stdout(): string;
  /** The same, stderr alone (empty with `stderr: 'inherit'`). */
  stderr(): string;
  /** Wait until it prints `pattern` (what it printed already counts). */
  waitFor(pattern: string | RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Stop it the way `stopSignal` says and wait until it has exited. */
  stop(): Promise<void>;
}

function asRegExp(pattern: string | RegExp): RegExp {
  if (typeof pattern !== 'string') return pattern;
  return new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

/**
 * Start `node [node…] --import tsx [--import …] script [args…]` and
 * resolve once it prints `ready`. If it exits first, or `timeout` passes,
 * it is stopped and the promise rejects with everything it printed.
 */
export async function startScript(
  script: string,
  options: ScriptOptions,
): Promise<Running> {
  const imports = (options.imports ?? []).flatMap((m) => ['--import', m]);
  const argv = [
    ...(options.node ?? []),
    '--import',
    'tsx',
    ...imports,
    script,
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, argv, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: [options.stdin ?? 'ignore', 'pipe', options.stderr ?? 'pipe'],
  });
  let text = '';
  const streams = { stdout: '', stderr: '' };
  const listeners = new Set<() => void>();
  const collect = (from: keyof typeof streams) => (chunk: string) => {
    text += chunk;
    streams[from] += chunk;
    for (const listener of listeners) listener();
  };
  child.stdout?.setEncoding('utf8').on('data', collect('stdout'));
  child.stderr?.setEncoding('utf8').on('data', collect('stderr'));
  const exited = once(child, 'exit').catch(() => undefined);

  const waitFor = (pattern: string | RegExp, ms = 30_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const wanted = asRegExp(pattern);
      const done = (error?: Error, match?: RegExpMatchArray) => {
        listeners.delete(check);
        child.off('exit', gone);
        clearTimeout(timer);
        if (match) resolve(match);
        else reject(error);
      };
      const check = () => {
        const match = text.match(wanted);
        if (match) done(undefined, match);
      };
      const gone = (code: number | null, signal: string | null) =>
        done(
          new Error(
            text.trim() || `${script} exited (${signal ?? `code ${code}`})`,
          ),
        );
      const timer = setTimeout(
        () =>
          done(new Error(`${script}: no ${wanted} within ${ms} ms\n${text}`)),
        ms,
      );
      listeners.add(check);
      child.once('exit', gone);
      check();
      if (child.exitCode !== null || child.signalCode !== null) {
        gone(child.exitCode, child.signalCode);
      }
    });

  const stop = () => stopChild(child, options.stopSignal, exited);
  try {
    const ready = await waitFor(options.ready, options.timeout);
    return {
      child,
      ready,
      output: () => text,
      stdout: () => streams.stdout,
      stderr: () => streams.stderr,
      waitFor,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Ask `child` to stop with `signal` and resolve once it has exited (at
 * once if it already has). After `killAfter` ms, SIGKILL.
 */
export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  exited: Promise<unknown> = once(child, 'exit'),
  killAfter = 10_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfter);
  child.kill(signal);
  await exited;
  clearTimeout(timer);
}

/**
 * True when something accepts a TCP connection at `url`'s host and port
 * (`fallbackPort` when the URL names none) within a second: a service is
 * up, whatever it speaks.
 */
export function reachable(url: string, fallbackPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({
      host: hostname,
      port: Number(port || fallbackPort),
    });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** True when nothing listens on `port` at `host` (we could bind it). */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** A port the OS just gave us and we let go: free for a child to bind. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer().listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A port `p` with `p + 1` free too, for a demo that runs two servers side
 * by side: picked at random in 20000–39999 so parallel runs rarely meet.
 */
export async function freePortPair(host = '127.0.0.1'): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await portFree(port, host)) && (await portFree(port + 1, host))) {
      return port;
    }
  }
}
