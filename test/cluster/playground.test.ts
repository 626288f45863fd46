/**
 * `npm run playground:cluster` as a user runs it: a real process that
 * starts six Redis nodes, three app processes and the round-robin front.
 * The chapter's curl lines are recorded (chapters/recorded/tryit-13.txt);
 * then four requests with one cookie go round the processes and keep one
 * session; Ctrl-C (SIGINT) stops every process it started.
 *
 * The failover the chapter goes on to show (kill the primary, a click that
 * fails, the replica promoted) is not recorded: how many clicks wait or
 * fail depends on when the replica wins its election, run to run. Its
 * proof is test/cluster/redis-cluster.test.ts.
 *
 * Read with: chapters/13-scaling-out.md#try-it
 */
import { existsSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { CookieJar } from '../../playground/shared/cookies.js';
import {
  findFreeBasePort,
  freePort,
  requireRedisBinaries,
  takenPorts,
} from '../support/cluster.js';
import { recordings } from '../support/recordings.js';
import { tryAgainst } from '../support/tryit.js';
import { bannerOf, startClusterPlayground, stopClusterPlayground } from './playground-process.js';

const hasBinaries = await requireRedisBinaries();

/** The chapter's recording, beside the book's others: `npm run book:record` runs this file too. */
const checkRecording = recordings({
  dir: new URL('../../chapters/recorded/', import.meta.url),
  env: 'BOOK_RECORD',
  command: 'npm run book:record',
});

/** The request lines the playground printed (one per request through the front). */
const requestLines = (output: string) => output.split('\n').filter((l) => l.startsWith('GET / →'));

describe.runIf(hasBinaries)('npm run playground:cluster', () => {
  it('round-robins one session over the app processes, and Ctrl-C stops everything it started', async () => {
    const port = await freePort();
    const basePort = await findFreeBasePort();
    const playground = await startClusterPlayground(port, basePort);
    const { child } = playground;
    try {
      // The banner fits an 80-column terminal, so every command copies whole.
      const wide = bannerOf(playground)
        .split('\n')
        .filter((line) => line.length > 80);
      expect(wide, 'banner lines wider than 80 columns').toEqual([]);
      if (existsSync('/usr/bin/curl')) {
        const visit = 'curl -s -b /tmp/jar -c /tmp/jar http://localhost:3000/; echo';
        const text = await tryAgainst(
          port,
          [visit, visit, visit, 'curl http://localhost:3000/__cluster'],
          {
            tidy: (text) => {
              let out = text
                .replace(/session [0-9a-f]{8}\b/g, 'session <id-1>')
                .replace(/on :\d+ \(slot \d+\)/g, 'on :<node> (slot <slot>)')
                .replace(/· \d+ ms$/gm, '· <t> ms')
                // Which replica follows which primary, redis-cli picks anew each time.
                .replace(/replica 127\.0\.0\.1:\d+/g, 'replica 127.0.0.1:<replica>');
              // The chapter's ports: this run's nodes are on ports of its own.
              for (let i = 5; i >= 0; i--) out = out.replaceAll(`:${basePort + i}`, `:${7100 + i}`);
              return out;
            },
          },
          async () => {
            // A line is printed when the answer has gone out: wait for all three.
            await vi.waitFor(
              () => expect(requestLines(playground.output()).length).toBeGreaterThanOrEqual(3),
              { timeout: 5000, interval: 100 },
            );
            return {
              heading: 'what the playground printed',
              lines: requestLines(playground.output()),
            };
          },
        );
        expect(text).toMatch(/1 views\n[\s\S]*2 views\n[\s\S]*3 views\n/);
        // One session, so one node, whichever this run's id hashed to.
        const nodes = requestLines(playground.output()).map((line) => /on (:\d+)/.exec(line)?.[1]);
        expect(new Set(nodes).size).toBe(1);
        expect(text).toContain('app-1 · session <id-1>');
        expect(text).toContain('app-3 · session <id-1>');
        checkRecording('tryit-13.txt', text);
      }
      const jar = new CookieJar();
      const seen: Array<{ by: string; node: string; body: string }> = [];
      for (let i = 0; i < 4; i++) {
        const response = await fetch(`http://127.0.0.1:${port}/`, {
          headers: { cookie: jar.header() ?? '' },
        });
        jar.take(response.headers.getSetCookie());
        seen.push({
          by: response.headers.get('x-served-by') ?? '',
          node: response.headers.get('x-redis-node') ?? '',
          body: (await response.text()).trim(),
        });
      }
      // Round robin, whether the three recorded visits came first or not:
      // app-1, app-2, app-3, then app-1 again.
      expect(seen.map((s) => s.by.split(' ')[0])).toEqual(['app-1', 'app-2', 'app-3', 'app-1']);
      expect(new Set(seen.map((s) => s.node)).size).toBe(1);
      expect(seen.map((s) => s.body)).toEqual(['1 views', '2 views', '3 views', '4 views']);
      // The terminal view: one line per request, naming process and node.
      const line = /GET \/ → app-\d · session [\w-]{8} on :\d+ \(slot \d+\) · 200 4 views · \d+ ms/;
      await vi.waitFor(() => expect(playground.output()).toMatch(line), {
        timeout: 5000,
        interval: 100,
      });
      const status = await (await fetch(`http://127.0.0.1:${port}/__cluster`)).text();
      expect(status.match(/^primary /gm)).toHaveLength(3);
    } finally {
      await stopClusterPlayground(child);
    }
    expect(playground.output()).toContain('SIGINT: stopping the cluster');
    // Every node's client and bus port is free again: no redis-server left.
    expect(await takenPorts(basePort)).toEqual([]);
  }, 90_000);
});
