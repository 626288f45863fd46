/**
 * The playground as a learner runs it: real processes. A service that is
 * not there gives one clear line and a non-zero exit; a healthy server
 * answers; and the scale-out demo's two-process walk shows the session
 * following the user through Redis and getting lost with memory stores.
 * Read with: chapters/run-it-yourself.md
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort, freePortPair, startScript } from '../../playground/processes.js';
import { walk } from '../../playground/scale.js';
import { hasRedis } from '../support/services.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Run a playground file to completion with extra env; collect its output. */
function run(file: string, env: Record<string, string>, args: string[] = []) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `playground/${file}`, ...args], {
      cwd: root,
      env: { ...process.env, PORT: '0', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('a playground whose service is unreachable', () => {
  it('redis: exits 1 with one line naming what was tried and how to start it', async () => {
    const { code, stdout, stderr } = await run('redis.ts', { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      '✗ Redis is not reachable at redis://127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1). ' +
        'Start it with `redis-server --daemonize yes`, or set REDIS_URL.\n',
    );
  }, 30_000);

  it('mysql: exits 1 with one line, and never prints a password', async () => {
    const { code, stdout, stderr } = await run('mysql.ts', {
      MYSQL_URL: 'mysql://root:s3cret@127.0.0.1:1/test',
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toHaveLength(2); // one line and the final newline
    expect(stderr).toMatch(
      /^✗ MySQL\/MariaDB is not reachable at mysql:\/\/root:\*\*\*@127\.0\.0\.1:1\/test \(connect ECONNREFUSED 127\.0\.0\.1:1\)\. Start it/,
    );
    expect(stderr).not.toContain('s3cret');
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('a bad PORT is one line too', async () => {
    const { code, stderr } = await run('memory.ts', { PORT: 'eighty' });
    expect(code).toBe(1);
    expect(stderr).toBe('✗ PORT must be a whole number between 0 and 65535, got "eighty"\n');
  }, 30_000);
});

describe('playground:scale with a port taken', () => {
  it('names the taken port and the script to re-run, in one ✗ line', async () => {
    const net = await import('node:net');
    const base = await freePortPair();
    // Hold the second of the two ports the walk needs.
    const holder = net.createServer().listen(base + 1, '127.0.0.1');
    await new Promise((done) => holder.once('listening', done));
    try {
      const { code, stdout, stderr } = await run('scale.ts', { PORT: String(base) });
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `✗ port ${base + 1} is already in use (playground:scale needs ${base}, ${base + 1}); ` +
          `pick others with PORT=${base + 10} npm run playground:scale\n`,
      );
    } finally {
      holder.close();
    }
  }, 30_000);
});

describe('a playground process that starts', () => {
  it('memory: prints its URL and what to try, then serves the counter', async () => {
    const port = await freePort();
    const memory = await startScript('playground/memory.ts', {
      cwd: root,
      env: { PORT: String(port), TRACE: '' },
      ready: 'TRACE=1',
    });
    const { child } = memory;
    try {
      const banner = memory.stdout();
      const url = `http://localhost:${port}`;
      expect(banner).toContain(`listening on ${url}`);
      // One cookie-jar path, the README's; the lab's address first.
      expect(banner).toContain(`curl -b /tmp/jar -c /tmp/jar ${url}/`);
      expect(banner).toContain(`${url}/__session`);
      expect(banner).toContain(`Session Lab: ${url}/__lab`);
      // Not a terminal here, so the banner assumes 80 columns and keeps to them.
      const long = banner.split('\n').filter((line) => line.length > 80);
      expect(long, 'banner lines wider than 80 columns').toEqual([]);
      const first = await fetch(`http://127.0.0.1:${port}/`);
      expect(await first.text()).toBe('1 views');
      expect(first.headers.get('x-served-by')).toBe(`pid ${child.pid}`);
    } finally {
      await memory.stop();
    }
  }, 30_000);
});

describe.runIf(hasRedis)('scale-out demo (two processes)', () => {
  it('Redis: the session follows the user across processes', async () => {
    const steps = await walk('redis', await freePortPair(), 4);
    expect(steps.map((s) => s.body)).toEqual(['1 views', '2 views', '3 views', '4 views']);
    expect(new Set(steps.map((s) => s.servedBy)).size).toBe(2);
  }, 60_000);

  it('MemoryStore: each process knows only its own sessions, so the count never passes 1', async () => {
    const steps = await walk('memory', await freePortPair(), 4);
    expect(steps.map((s) => s.body)).toEqual(['1 views', '1 views', '1 views', '1 views']);
    expect(steps.slice(1).every((s) => s.cookieChanged)).toBe(true);
  }, 60_000);
});
