/**
 * The generated parts of chapters/12-performance.md: the chart, the tables
 * and the marker replacement, checked against a small fixture.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { setCookieValue } from '../../playground/shared/cookies.js';
import {
  type BenchResults,
  escapeXml,
  type MicroResults,
  type ProfileResults,
  renderChart,
  renderExperiment,
  renderMicro,
  renderProfile,
  renderResults,
  renderStoreCalls,
  replaceBetweenMarkers,
  type StoreCallResults,
} from './report.js';
import type { Summary } from './stats.js';

function row(contender: string, workload: string, rps: number, min: number, max: number): Summary {
  return {
    contender,
    workload,
    rounds: 3,
    rps,
    rpsMin: min,
    rpsMax: max,
    p50: 1.25,
    p99: 4.5,
    cpuMicrosPerRequest: 1e6 / rps,
  };
}

const summary = [
  row('koa-session', 'change', 4000, 3900, 4100),
  row('port', 'change', 4500, 4400, 4600),
  row('koa-session', 'read', 6000, 5800, 6100),
  row('port', 'read', 7000, 6900, 7500),
];

const results: BenchResults = {
  meta: {
    date: '2025-01-02T03:04:05.000Z',
    node: 'v20.0.0',
    cpu: 'Test CPU',
    cpus: 2,
    command: 'npm run bench',
    git: { commit: 'abc1234', dirty: false },
    config: { rounds: 3, duration: 3, connections: 20 },
    skipped: { 'port+mysql': 'mysql not reachable' },
  },
  summary,
  ratios: [
    {
      workload: 'change',
      a: 'port',
      b: 'koa-session',
      median: 1.125,
      min: 1.1,
      max: 1.2,
      rounds: 3,
      cpuMedian: 1.13,
    },
  ],
  samples: [{ foreignCores: 0.05 }, { foreignCores: 0.1 }, { foreignCores: null }],
};

describe('replaceBetweenMarkers', () => {
  const text = 'intro\n<!-- bench:results:start -->\nold\n<!-- bench:results:end -->\noutro\n';

  it('replaces only what lies between the markers, keeping the markers', () => {
    expect(replaceBetweenMarkers(text, 'results', 'new')).toBe(
      'intro\n<!-- bench:results:start -->\nnew\n<!-- bench:results:end -->\noutro\n',
    );
  });

  it('is stable: running the report twice gives the same chapter', () => {
    const once = replaceBetweenMarkers(text, 'results', '\n| a |\n');
    expect(replaceBetweenMarkers(once, 'results', '\n| a |\n')).toBe(once);
  });

  it('refuses to guess when the markers are missing or reversed', () => {
    expect(() => replaceBetweenMarkers(text, 'profile', 'x')).toThrow(/profile/);
    const reversed = '<!-- bench:x:end --> <!-- bench:x:start -->';
    expect(() => replaceBetweenMarkers(reversed, 'x', 'y')).toThrow();
  });
});

describe('renderResults', () => {
  const markdown = renderResults(results, './perf/throughput.svg');

  it('shows the chart and one table row per contender and workload', () => {
    expect(markdown).toContain('![Requests per second');
    expect(markdown).toContain('(./perf/throughput.svg)');
    expect(markdown.match(/^\| this port, cookie sessions \|/gm)).toHaveLength(2);
  });

  it('puts median, range, latency, CPU and the factor against koa-session in the row', () => {
    expect(markdown).toContain(
      '| this port, cookie sessions | 4,500 | 4,400–4,600 | 1.25 | 4.50 | 222.2 | 1.13× |',
    );
    expect(markdown).toContain(
      '| koa-session 7.0.2, cookie sessions | 6,000 | 5,800–6,100 | 1.25 | 4.50 | 166.7 | 1.00× |',
    );
  });

  it('lists the paired ratios and says how, when and where it was measured', () => {
    expect(markdown).toContain(
      'port / koa-session = **1.125×** (1.10–1.20 over 3 rounds; CPU 1.130×)',
    );
    expect(markdown).toContain('Measured 2025-01-02 with `npm run bench`');
    expect(markdown).toContain('commit abc1234');
    expect(markdown).toContain('at most 0.10 cores');
    expect(markdown).toContain('skipped: port+mysql (mysql not reachable)');
  });
});

describe('renderChart', () => {
  const svg = renderChart(summary);

  it('is one standalone SVG document with a background', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('fill="#ffffff"');
  });

  it('draws one bar per contender and workload, widths proportional to req/s', () => {
    const widths = [...svg.matchAll(/<rect x="150" y="[\d.]+" width="([\d.]+)"/g)].map((m) =>
      Number(m[1]),
    );
    expect(widths).toHaveLength(4);
    // Scale: max 7,500 → ticks of 2,000 up to 8,000 over 760 − 150 − 90 = 520 px.
    expect(widths).toEqual([260, 292.5, 390, 455]);
  });

  it('labels the axis with round numbers and each bar with its value', () => {
    for (const tick of ['0', '2,000', '4,000', '6,000', '8,000']) {
      expect(svg).toContain(`text-anchor="middle" fill="#6b7280">${tick}</text>`);
    }
    expect(svg).toContain('>4,500</text>');
  });

  it('escapes text, so a contender name can never break the document', () => {
    const odd = renderChart([row('<port & "co">', 'change', 10, 9, 11)]);
    expect(odd).toContain('&#60;port &#38; &#34;co&#34;&#62;');
    expect(odd).not.toContain('<port');
    expect(escapeXml(`a<b>&"'`)).toBe('a&#60;b&#62;&#38;&#34;&#39;');
  });
});

describe('renderProfile and renderMicro', () => {
  it('puts each category on a row, µs per request per column, biggest first', () => {
    const profile: ProfileResults = {
      meta: { date: '2025-01-02T00:00:00Z', node: 'v20.0.0' },
      profiles: [
        {
          contender: 'koa-session',
          workload: 'read',
          requests: 100,
          busyMicros: 10_000,
          categories: [
            { label: 'JSON', perRequest: 10, percent: 10 },
            { label: 'HMAC', perRequest: 40, percent: 40 },
          ],
        },
        {
          contender: 'port',
          workload: 'read',
          requests: 100,
          busyMicros: 8_000,
          categories: [{ label: 'HMAC', perRequest: 30, percent: 37.5 }],
        },
      ],
    };
    const lines = renderProfile(profile).split('\n');
    expect(lines[0]).toBe('| µs per request (self time) | koa-session, read | port, read |');
    expect(lines[2]).toBe('| HMAC | 40.0 | 30.0 |');
    expect(lines[3]).toBe('| JSON | 10.0 | – |');
    expect(lines[4]).toBe('| **total busy time** | **100.0** | **80.0** |');
  });

  it('shows the in-process cost table and the speed-ups', () => {
    const micro: MicroResults = {
      meta: { date: '2025-01-02T00:00:00Z', node: 'v20.0.0', rounds: 5, iterations: 10 },
      rows: [
        { workload: 'read', contender: 'koa-session', micros: 40, min: 39 },
        { workload: 'read', contender: 'port', micros: 32, min: 31 },
      ],
      speedups: [{ workload: 'read', a: 'port', b: 'koa-session', speedup: 1.25 }],
    };
    const markdown = renderMicro(micro);
    expect(markdown).toContain('| this port, cookie sessions | 32.0 |');
    expect(markdown).toContain('port is **1.25×** as fast as koa-session');
  });
});

describe('renderExperiment', () => {
  it('lines up the HTTP ratios and the in-process speed-ups of the port and its patched copy', () => {
    const http: BenchResults = {
      ...results,
      ratios: [
        {
          workload: 'read',
          a: 'port',
          b: 'koa-session',
          median: 1.3,
          min: 1.2,
          max: 1.4,
          rounds: 5,
          cpuMedian: 1,
        },
        {
          workload: 'read',
          a: 'port-alt',
          b: 'koa-session',
          median: 1.05,
          min: 1,
          max: 1.1,
          rounds: 5,
          cpuMedian: 1,
        },
        {
          workload: 'read',
          a: 'port',
          b: 'port-alt',
          median: 1.24,
          min: 1.1,
          max: 1.3,
          rounds: 5,
          cpuMedian: 1,
        },
      ],
    };
    const micro: MicroResults = {
      meta: { date: '2025-01-02T00:00:00Z', node: 'v20.0.0', rounds: 5, iterations: 10 },
      rows: [],
      speedups: [{ workload: 'read', a: 'port', b: 'port-alt', speedup: 1.5 }],
    };
    const lines = renderExperiment('slow port', http, micro).split('\n');
    expect(lines[0]).toBe(
      '| lens | workload | port vs koa-session | slow port vs koa-session | port vs slow port |',
    );
    expect(lines[2]).toBe(
      '| HTTP, req/s | session read, unchanged | 1.30× (1.20–1.40) | 1.05× (1.00–1.10) | 1.24× (1.10–1.30) |',
    );
    expect(lines[3]).toBe('| in process, CPU/request | session read, unchanged | – | – | 1.50× |');
  });
});

describe('renderStoreCalls', () => {
  it('shows client CPU, database CPU and wall time per call, and compares the Redis stores', () => {
    const calls: StoreCallResults = {
      meta: { date: '2025-01-02T00:00:00Z', node: 'v20.0.0', rounds: 4, batches: 10, inFlight: 20 },
      rows: [
        { store: 'MemoryStore', op: 'get', clientMicros: 2, serverMicros: 0, wallMicros: 3 },
        { store: 'RedisStore', op: 'get', clientMicros: 16, serverMicros: 10, wallMicros: 40 },
        { store: 'RedisStore', op: 'set', clientMicros: 24, serverMicros: 12, wallMicros: 57 },
        { store: 'koa-redis', op: 'get', clientMicros: 24, serverMicros: 10, wallMicros: 67 },
        { store: 'koa-redis', op: 'set', clientMicros: 30, serverMicros: 12, wallMicros: 83 },
      ],
    };
    const markdown = renderStoreCalls(calls);
    expect(markdown).toContain('| RedisStore | 16.0 | 10.0 | 40.0 | 24.0 | 12.0 | 57.0 |');
    // No database process behind the memory store: a dash, not a measured zero.
    expect(markdown).toContain('| MemoryStore | 2.0 | – | 3.0 | – | – | – |');
    expect(markdown).toContain(
      '1.50× less client CPU than koa-redis per `get` and 1.25× less per `set`',
    );
    expect(markdown).toContain('4 interleaved rounds of 200 calls');
  });
});

describe('what the book says about the recorded results', () => {
  const root = new URL('../../', import.meta.url);
  const latest = JSON.parse(
    readFileSync(new URL('test/bench/results/latest.json', root), 'utf8'),
  ) as BenchResults & { meta: { config: { warmup: number } } };

  it('a read costs less CPU per request than a change, for every contender that touches the session', () => {
    const cpu = (contender: string, workload: string) =>
      latest.summary.find((s) => s.contender === contender && s.workload === workload)
        ?.cpuMicrosPerRequest;
    const touching = [...new Set(latest.summary.map((s) => s.contender))].filter(
      (c) => c !== 'bare',
    );
    expect(touching.length).toBeGreaterThan(3);
    for (const contender of touching) {
      expect(cpu(contender, 'read'), contender).toBeLessThan(cpu(contender, 'change')!);
    }
  });

  it('the session the bench carries is about 340 bytes of JSON and a cookie value of 512 to 516 bytes', async () => {
    const { buildApp } = await import('./app.js');
    const { BENCH_PAYLOAD } = await import('./contenders.js');
    const request = (await import('supertest')).default;
    for (const name of ['koa-session', 'port'] as const) {
      const bench = await buildApp(name);
      const res = await request(bench.app.callback()).get('/prime');
      const value = setCookieValue(res.headers['set-cookie'], 'koa.sess')!;
      expect(value.length, name).toBe(512);
      // The counter grows during a run: at 999,999 views the value is 4 bytes longer.
      const json = JSON.stringify({ views: 999_999, user: BENCH_PAYLOAD.user });
      const data = JSON.parse(Buffer.from(value, 'base64').toString()) as object;
      const longest = Buffer.from(JSON.stringify({ ...data, views: 999_999 })).toString('base64');
      expect(longest.length).toBe(516);
      expect(json.length).toBeGreaterThanOrEqual(335);
      expect(json.length).toBeLessThanOrEqual(345);
      await bench.close();
    }
  });

  it('the warm-up Appendix E describes is the one the bench runs with', async () => {
    const { config } = await import('./run.js');
    expect(config.warmup).toBe(1.5);
    expect(latest.meta.config.warmup).toBe(config.warmup);
    const method = readFileSync(new URL('chapters/perf-method.md', root), 'utf8');
    expect(method.replace(/\s+/g, ' ')).toContain('a second and a half of load per workload');
  });
});
