/**
 * Read a V8 `.cpuprofile` (what `node --cpu-prof` writes) and say where the
 * time went: self time per function, inclusive time per function, and self
 * time grouped into the categories the performance chapter talks about
 * (HMAC signing, JSON, base64, hashing, …).
 *
 * CLI: `node --import tsx test/bench/cpuprofile.ts <file.cpuprofile> [top] [requests]`
 *
 * See chapters/12-performance.md#where-the-time-goes
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * The categories, tried against each sampled stack from the innermost frame
 * outwards: the first frame that matches decides. So a `digest` call made
 * by keygrip counts as signing, and a `JSON.stringify` made by the hash
 * counts as JSON — the work is charged to what was actually running.
 */
export const CATEGORIES: ReadonlyArray<{ name: string; test: (frame: CallFrame) => boolean }> = [
  { name: 'idle (waiting for I/O)', test: (f) => f.functionName === '(idle)' },
  { name: 'garbage collection', test: (f) => f.functionName === '(garbage collector)' },
  {
    name: 'HMAC-SHA1 sign/verify (keygrip, tsscmp)',
    test: (f) => /\/(keygrip|tsscmp)\//.test(f.url) || f.url.startsWith('node:internal/crypto/'),
  },
  { name: 'zod wrappers (koa-session options)', test: (f) => f.url.includes('/zod/') },
  {
    // JSON.stringify and friends are usually inlined into their caller, so
    // the codec functions themselves (util.js / util.ts) count here too.
    name: 'encode, decode, hash (JSON, base64, CRC-32)',
    test: (f) =>
      f.url.includes('/crc/') ||
      (f.functionName === 'crc32' && f.url === 'node:zlib') ||
      (f.url === '' && (f.functionName === 'parse' || f.functionName === 'stringify')) ||
      f.url === 'node:buffer' ||
      f.url === 'node:internal/buffer' ||
      f.functionName === 'base64Slice' ||
      /\/(koa-session\/dist\/esm|src)\/util\.(js|ts)$/.test(f.url),
  },
  { name: 'cookie parsing/serialising (cookies)', test: (f) => f.url.includes('/cookies/') },
  {
    name: 'session logic (koa-session / port)',
    test: (f) => f.url.includes('/koa-session/') || /\/src\/[^/]+\.ts$/.test(f.url),
  },
  {
    name: 'session stores and clients',
    test: (f) => /\/src\/stores\/|\/(ioredis|koa-redis|mysql2)\//.test(f.url),
  },
  { name: 'bench handler', test: (f) => f.url.includes('/test/bench/') },
  {
    name: 'Koa',
    test: (f) =>
      /\/node_modules\/(koa|koa-compose|delegates|on-finished|statuses|content-type|mime-types|accepts|vary|type-is|cache-content-type|encodeurl|escape-html|http-errors|only|fresh|parseurl)\//.test(
        f.url,
      ),
  },
  {
    name: 'Node HTTP, streams, sockets',
    test: (f) =>
      /^node:(_http|http|net|stream|events|internal\/(http|streams|stream_base|timers|async_hooks|process))/.test(
        f.url,
      ),
  },
  { name: 'native, no JS on the stack', test: (f) => f.functionName === '(program)' },
];
export const OTHER = 'other';

/** `file:///work/main/node_modules/koa/lib/context.js` → `koa/lib/context.js`. */
export function shortUrl(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const match = /\/(src|test)\/.*$/.exec(url);
  if (match) return match[0].slice(1);
  return url;
}

/** A readable, unique-enough name for a frame: `name (file:line)`. */
export function frameLabel(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  return `${name} (${shortUrl(frame.url)}:${frame.lineNumber + 1})`;
}

export interface Row {
  label: string;
  micros: number;
  /** Share of the busy (non-idle) time, 0–100. */
  percent: number;
  /** Microseconds per request, when the request count is known. */
  perRequest?: number;
}

export interface ProfileSummary {
  /** Sampled wall time, µs. */
  totalMicros: number;
  /** Wall time minus idle, µs: the CPU the main thread actually used. */
  busyMicros: number;
  requests?: number;
  categories: Row[];
  self: Row[];
  inclusive: Row[];
}

/**
 * Summarise a profile. Each sample weighs the time until the next one (the
 * last weighs the median interval). Give a window to leave out start-up
 * (module loading, JIT warm-up) and shutdown. Percentages are of busy time, so a
 * server that waited on the network half the time is not made to look
 * twice as efficient.
 */
export interface SummaryOptions {
  /** How many functions to list. Default 20. */
  top?: number;
  /** Requests served in the window, to express times per request. */
  requests?: number;
  /** Only count samples taken in [from, to] (µs, the profile's own clock)… */
  from?: number;
  to?: number;
  /** …or in any of these windows. */
  windows?: ReadonlyArray<{ from: number; to: number }>;
}

export function summariseProfile(
  profile: CpuProfile,
  options: SummaryOptions = {},
): ProfileSummary {
  const top = options.top ?? 20;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);

  const deltas = profile.timeDeltas;
  const sortedDeltas = [...deltas].sort((a, b) => a - b);
  const typical = sortedDeltas[sortedDeltas.length >> 1] ?? 0;
  const weight = (i: number) => Math.max(0, deltas[i + 1] ?? typical);

  const windows = options.windows ?? [
    { from: options.from ?? Number.NEGATIVE_INFINITY, to: options.to ?? Number.POSITIVE_INFINITY },
  ];
  const inWindow = (t: number) => windows.some((w) => t >= w.from && t <= w.to);
  const selfById = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += deltas[i] ?? 0;
    if (!inWindow(at)) return;
    selfById.set(id, (selfById.get(id) ?? 0) + weight(i));
  });

  const stackOf = (id: number): ProfileNode[] => {
    const stack: ProfileNode[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur);
      if (node) stack.push(node);
    }
    return stack; // innermost first
  };

  const categories = new Map<string, number>();
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, micros] of selfById) {
    const stack = stackOf(id);
    const leaf = stack[0];
    if (!leaf) continue;
    total += micros;
    if (leaf.callFrame.functionName === '(idle)') idle += micros;
    let category = OTHER;
    search: for (const node of stack) {
      for (const rule of CATEGORIES) {
        if (rule.test(node.callFrame)) {
          category = rule.name;
          break search;
        }
      }
    }
    categories.set(category, (categories.get(category) ?? 0) + micros);
    const label = frameLabel(leaf.callFrame);
    self.set(label, (self.get(label) ?? 0) + micros);
    // A recursive function appears several times in one stack: count it once.
    for (const label of new Set(stack.map((n) => frameLabel(n.callFrame)))) {
      inclusive.set(label, (inclusive.get(label) ?? 0) + micros);
    }
  }

  const busy = total - idle;
  const rows = (map: Map<string, number>, limit: number, skip: (label: string) => boolean) =>
    [...map]
      .filter(([label]) => !skip(label))
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([label, micros]): Row => {
        const row: Row = { label, micros, percent: busy > 0 ? (100 * micros) / busy : 0 };
        if (options.requests) row.perRequest = micros / options.requests;
        return row;
      });
  const notBusy = (label: string) => label === '(idle)' || label.startsWith(CATEGORIES[0]!.name);
  // Inclusive time of the root and of Node's plumbing says nothing: keep the
  // frames a reader can act on.
  const plumbing = (label: string) =>
    notBusy(label) || label === '(root)' || /\(node:|^\(program\)|^\(garbage/.test(label);

  const summary: ProfileSummary = {
    totalMicros: total,
    busyMicros: busy,
    categories: rows(categories, Number.POSITIVE_INFINITY, notBusy),
    self: rows(self, top, notBusy),
    inclusive: rows(inclusive, top, plumbing),
  };
  if (options.requests) summary.requests = options.requests;
  return summary;
}

/** Plain-text tables for the terminal. */
export function formatSummary(summary: ProfileSummary, title = 'profile'): string {
  const perReq = summary.requests !== undefined;
  const line = (row: Row) =>
    `  ${row.percent.toFixed(1).padStart(5)}%  ${perReq ? `${(row.perRequest ?? 0).toFixed(2).padStart(7)} µs/req  ` : ''}${row.label}`;
  return [
    `${title}: busy ${(summary.busyMicros / 1000).toFixed(0)} ms of ${(summary.totalMicros / 1000).toFixed(0)} ms sampled` +
      (perReq
        ? `, ${summary.requests} requests, ${(summary.busyMicros / (summary.requests || 1)).toFixed(1)} µs busy/req`
        : ''),
    ' by category (self time, innermost matching frame):',
    ...summary.categories.map(line),
    ' top functions by self time:',
    ...summary.self.map(line),
    ' top functions by inclusive time:',
    ...summary.inclusive.map(line),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top, requests] = process.argv.slice(2);
  if (!file) {
    console.error(
      'usage: node --import tsx test/bench/cpuprofile.ts <file.cpuprofile> [top] [requests]',
    );
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const options: SummaryOptions = {};
  if (top) options.top = Number(top);
  if (requests) options.requests = Number(requests);
  console.log(formatSummary(summariseProfile(profile, options), file));
}
