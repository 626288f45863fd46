/**
 * `npm run playground:cluster` as a user runs it: a real process that
 * starts six Redis nodes, app processes (two here, to save time) and the
 * round-robin front. Four requests with one cookie alternate between the
 * processes and keep one session; Ctrl-C (SIGINT) stops every process it started.
 *
 * Read with: chapters/13-scaling-out.md#try-it
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  findFreeBasePort,
  freePort,
  requireRedisBinaries,
  takenPorts,
} from '../support/cluster.js';

const hasBinaries = await requireRedisBinaries();
const script = fileURLToPath(new URL('../../playground/cluster.ts', import.meta.url));

describe.runIf(hasBinaries)('npm run playground:cluster', () => {
  it('round-robins one session over the app processes, and Ctrl-C stops everything it started', async () => {
    const port = await freePort();
    const basePort = await findFreeBasePort();
    const child = spawn(process.execPath, ['--import', 'tsx', script, '--apps=2'], {
      env: { ...process.env, PORT: String(port), CLUSTER_BASE_PORT: String(basePort) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    try {
      const deadline = Date.now() + 60_000;
      while (!output.includes('Ctrl-C stops all')) {
        if (child.exitCode !== null) throw new Error(`playground exited:\n${output}`);
        if (Date.now() > deadline) throw new Error(`no banner within 60 s:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      let cookie = '';
      const seen: Array<{ by: string; node: string; body: string }> = [];
      for (let i = 0; i < 4; i++) {
        const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie } });
        const set = response.headers.getSetCookie().map((c) => c.split(';')[0]);
        if (set.length) cookie = set.join('; ');
        seen.push({
          by: response.headers.get('x-served-by') ?? '',
          node: response.headers.get('x-redis-node') ?? '',
          body: (await response.text()).trim(),
        });
      }
      // Round robin: app-1, app-2, app-1, app-2 — never the same twice in a row.
      expect(seen.map((s) => s.by.split(' ')[0])).toEqual(['app-1', 'app-2', 'app-1', 'app-2']);
      expect(new Set(seen.map((s) => s.node)).size).toBe(1);
      expect(seen.map((s) => s.body)).toEqual(['1 views', '2 views', '3 views', '4 views']);
      // The terminal view: one line per request, naming process and node.
      const line = /GET \/ → app-\d · session [\w-]{8} on :\d+ \(slot \d+\) · 200 4 views · \d+ ms/;
      for (let i = 0; i < 50 && !line.test(output); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(output).toMatch(line);
      const status = await (await fetch(`http://127.0.0.1:${port}/__cluster`)).text();
      expect(status.match(/^primary /gm)).toHaveLength(3);
    } finally {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGINT');
        await exited;
      }
    }
    expect(output).toContain('SIGINT: stopping the cluster');
    // Every node's client and bus port is free again: no redis-server left.
    expect(await takenPorts(basePort)).toEqual([]);
  }, 90_000);
});
