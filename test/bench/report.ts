/**
 * `npm run bench:report`: turn the committed results JSON into the parts of
 * chapters/12-performance.md that are numbers — the results table, the
 * ratios, the profile and in-process tables — and into the SVG chart the
 * chapter shows. Each generated part sits between a pair of markers
 * (`<!-- bench:NAME:start -->` … `<!-- bench:NAME:end -->`); everything
 * outside the markers is prose and is never touched.
 *
 * The rendering functions are pure, so test/bench/report.test.ts checks
 * them against a fixture.
 *
 * See chapters/12-performance.md#reproduce
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTENDER_LABELS, WORKLOAD_LABELS } from './contenders.js';
import type { Ratio, Summary } from './stats.js';

/** The shape `npm run bench` writes (only what the report reads). */
export interface BenchResults {
  meta: {
    date: string;
    node: string;
    cpu: string;
    cpus: number;
    command: string;
    git: { commit: string; dirty: boolean };
    config: { rounds: number; duration: number; connections: number };
    loadavgBefore?: number[];
    skipped?: Record<string, string>;
  };
  summary: Summary[];
  ratios: Ratio[];
  samples?: Array<{ foreignCores?: number | null }>;
}

export interface ProfileResults {
  meta: { date: string; node: string };
  profiles: Array<{
    contender: string;
    workload: string;
    requests?: number;
    busyMicros: number;
    categories: Array<{ label: string; perRequest?: number; percent: number }>;
  }>;
}

export interface MicroResults {
  meta: { date: string; node: string; rounds: number; iterations: number };
  rows: Array<{ workload: string; contender: string; micros: number; min: number }>;
  speedups: Array<{ workload: string; a: string; b: string; speedup: number }>;
}

// ---------------------------------------------------------------------------
// Small formatting helpers

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const label = (contender: string) =>
  (CONTENDER_LABELS as Record<string, string>)[contender] ?? contender;
const workloadLabel = (workload: string) =>
  (WORKLOAD_LABELS as Record<string, string>)[workload] ?? workload;

/** XML-escape text for the SVG. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Replace what sits between `<!-- bench:NAME:start -->` and
 * `<!-- bench:NAME:end -->` with `content`. Throws when the markers are
 * missing or out of order, rather than silently appending somewhere.
 */
export function replaceBetweenMarkers(text: string, name: string, content: string): string {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < 0 || to < from) {
    throw new Error(`markers for "${name}" not found (expected ${start} … ${end})`);
  }
  return `${text.slice(0, from + start.length)}\n${content.trim()}\n${text.slice(to)}`;
}

// ---------------------------------------------------------------------------
// Markdown

/** The results table (one per workload), the ratios, and how it was measured. */
export function renderResults(results: BenchResults, chartPath: string): string {
  const { meta } = results;
  const workloads = [...new Set(results.summary.map((s) => s.workload))];
  const out: string[] = [];
  out.push(
    `![Requests per second, median over rounds, per contender and workload](${chartPath})`,
    '',
  );
  for (const workload of workloads) {
    const rows = results.summary.filter((s) => s.workload === workload);
    const reference = rows.find((r) => r.contender === 'koa-session');
    out.push(`**Workload: ${workloadLabel(workload)}**`, '');
    out.push(
      '| contender | req/s (median) | range over rounds | p50 ms | p99 ms | CPU µs/req | vs koa-session |',
    );
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of rows) {
      const versus = reference ? `${fixed(r.rps / reference.rps, 2)}×` : '–';
      out.push(
        `| ${label(r.contender)} | ${int(r.rps)} | ${int(r.rpsMin)}–${int(r.rpsMax)} | ${fixed(r.p50, 2)} | ${fixed(r.p99, 2)} | ${fixed(r.cpuMicrosPerRequest, 1)} | ${versus} |`,
      );
    }
    out.push('');
  }
  if (results.ratios.length) {
    out.push(
      '**Paired ratios** (median of the per-round ratios of req/s; in brackets the lowest and highest round, then the ratio of CPU time per request):',
      '',
    );
    for (const r of results.ratios) {
      out.push(
        `- ${workloadLabel(r.workload)}: ${r.a} / ${r.b} = **${fixed(r.median, 3)}×** (${fixed(r.min, 2)}–${fixed(r.max, 2)} over ${r.rounds} rounds; CPU ${fixed(r.cpuMedian, 3)}×)`,
      );
    }
    out.push('');
  }
  const foreign = (results.samples ?? [])
    .map((s) => s.foreignCores)
    .filter((n): n is number => typeof n === 'number');
  const quiet = foreign.length ? Math.max(...foreign) : undefined;
  const skipped = Object.entries(meta.skipped ?? {});
  out.push(
    `*Measured ${meta.date.slice(0, 10)} with \`${meta.command}\`: Node ${meta.node}, ${meta.cpus} × ${meta.cpu}, ` +
      `${meta.config.rounds} rounds × ${meta.config.duration} s per contender and workload, ${meta.config.connections} connections; ` +
      `port at commit ${meta.git.commit}${meta.git.dirty ? ' with uncommitted changes in src/' : ''}` +
      (quiet !== undefined
        ? `; other processes used at most ${fixed(quiet, 2)} cores during any window`
        : '') +
      (skipped.length
        ? `; skipped: ${skipped.map(([c, why]) => `${c} (${why})`).join(', ')}`
        : '') +
      '.*',
  );
  return out.join('\n');
}

/** CPU µs per request by category, koa-session next to the port, per workload. */
export function renderProfile(profile: ProfileResults): string {
  const columns = profile.profiles;
  const categories: string[] = [];
  for (const p of columns)
    for (const c of p.categories) if (!categories.includes(c.label)) categories.push(c.label);
  const cell = (p: ProfileResults['profiles'][number], category: string) => {
    const row = p.categories.find((c) => c.label === category);
    return row?.perRequest !== undefined ? fixed(row.perRequest, 1) : '–';
  };
  // Biggest first, by the first column.
  const first = columns[0];
  if (first) {
    const value = (c: string) => first.categories.find((x) => x.label === c)?.perRequest ?? 0;
    categories.sort((a, b) => value(b) - value(a));
  }
  const out = [
    `| µs per request (self time) | ${columns.map((p) => `${p.contender}, ${p.workload}`).join(' | ')} |`,
    `| --- | ${columns.map(() => '---:').join(' | ')} |`,
    ...categories.map((c) => `| ${c} | ${columns.map((p) => cell(p, c)).join(' | ')} |`),
    `| **total busy time** | ${columns.map((p) => (p.requests ? `**${fixed(p.busyMicros / p.requests, 1)}**` : '–')).join(' | ')} |`,
    '',
    `*From \`npm run bench:profile\` (${profile.meta.date.slice(0, 10)}, Node ${profile.meta.node}): one \`node --cpu-prof\` server per column, the servers taking turns under load; only the samples of their turns count. Profiling slows everything a little; read the rows relative to each other.*`,
  ];
  return out.join('\n');
}

/** The in-process lens: CPU µs per request without the network. */
export function renderMicro(micro: MicroResults): string {
  const workloads = [...new Set(micro.rows.map((r) => r.workload))];
  const contenders = [...new Set(micro.rows.map((r) => r.contender))];
  const cost = (w: string, c: string) =>
    micro.rows.find((r) => r.workload === w && r.contender === c);
  const out = [
    `| contender | ${workloads.map((w) => `${workloadLabel(w)}: CPU µs/req`).join(' | ')} |`,
    `| --- | ${workloads.map(() => '---:').join(' | ')} |`,
    ...contenders.map(
      (c) =>
        `| ${label(c)} | ${workloads.map((w) => fixed(cost(w, c)?.micros ?? Number.NaN, 1)).join(' | ')} |`,
    ),
    '',
    ...micro.speedups.map(
      (s) =>
        `- ${workloadLabel(s.workload)}: ${s.a} is **${fixed(s.speedup, 2)}×** as fast as ${s.b}`,
    ),
    '',
    `*From \`npm run bench:micro\` (${micro.meta.date.slice(0, 10)}, Node ${micro.meta.node}): each contender in its own process, median over ${micro.meta.rounds} interleaved rounds of ${micro.meta.iterations.toLocaleString('en-US')} requests.*`,
  ];
  return out.join('\n');
}

/**
 * An experiment (`npm run bench:experiment`): the port, koa-session and the
 * patched copy of the port (`port-alt`, called `altLabel` here), compared
 * pairwise through both lenses.
 */
export function renderExperiment(
  altLabel: string,
  http?: BenchResults,
  micro?: MicroResults,
): string {
  const pairs = [
    ['port', 'koa-session'],
    ['port-alt', 'koa-session'],
    ['port', 'port-alt'],
  ] as const;
  const names: Record<string, string> = {
    port: 'port',
    'port-alt': altLabel,
    'koa-session': 'koa-session',
  };
  const workloads = [
    ...new Set([...(http?.ratios ?? []), ...(micro?.speedups ?? [])].map((r) => r.workload)),
  ];
  const out = [
    `| lens | workload | ${pairs.map(([a, b]) => `${names[a]} vs ${names[b]}`).join(' | ')} |`,
    `| --- | --- | ${pairs.map(() => '---:').join(' | ')} |`,
  ];
  for (const workload of workloads) {
    if (http) {
      const cells = pairs.map(([a, b]) => {
        const r = http.ratios.find((x) => x.workload === workload && x.a === a && x.b === b);
        return r ? `${fixed(r.median, 2)}× (${fixed(r.min, 2)}–${fixed(r.max, 2)})` : '–';
      });
      out.push(`| HTTP, req/s | ${workloadLabel(workload)} | ${cells.join(' | ')} |`);
    }
    if (micro) {
      const cells = pairs.map(([a, b]) => {
        const r = micro.speedups.find((x) => x.workload === workload && x.a === a && x.b === b);
        return r ? `${fixed(r.speedup, 2)}×` : '–';
      });
      out.push(`| in process, CPU/request | ${workloadLabel(workload)} | ${cells.join(' | ')} |`);
    }
  }
  const when = http?.meta.date ?? micro?.meta.date ?? '';
  out.push(
    '',
    `*From \`npm run bench:experiment\` (${when.slice(0, 10)}). Each cell says how many times as fast the first is as the second. HTTP: median of per-round ratios of req/s, lowest and highest round in brackets${http ? `, ${http.meta.config.rounds} rounds` : ''}. In process: ratio of the median CPU time per request.*`,
  );
  return out.join('\n');
}

export interface StoreCallResults {
  meta: { date: string; node: string; rounds: number; batches: number; inFlight: number };
  rows: Array<{
    store: string;
    op: string;
    clientMicros: number;
    serverMicros: number;
    wallMicros: number;
  }>;
}

/** One store call's cost: client CPU, database CPU and wall time, per store and call. */
export function renderStoreCalls(calls: StoreCallResults): string {
  const stores = [...new Set(calls.rows.map((r) => r.store))];
  const get = (store: string, op: string) =>
    calls.rows.find((r) => r.store === store && r.op === op);
  const cells = (store: string, op: string) => {
    const r = get(store, op);
    return r
      ? [
          fixed(r.clientMicros, 1),
          r.serverMicros ? fixed(r.serverMicros, 1) : '–',
          fixed(r.wallMicros, 1),
        ]
      : ['–', '–', '–'];
  };
  const out = [
    '| store | `get`: client CPU µs | database CPU µs | wall µs | `set`: client CPU µs | database CPU µs | wall µs |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...stores.map((s) => `| ${s} | ${[...cells(s, 'get'), ...cells(s, 'set')].join(' | ')} |`),
  ];
  const ours = get('RedisStore', 'get');
  const theirs = get('koa-redis', 'get');
  const oursSet = get('RedisStore', 'set');
  const theirsSet = get('koa-redis', 'set');
  if (ours && theirs && oursSet && theirsSet) {
    out.push(
      '',
      `RedisStore spends ${fixed(theirs.clientMicros / ours.clientMicros, 2)}× less client CPU than koa-redis per \`get\` and ${fixed(theirsSet.clientMicros / oursSet.clientMicros, 2)}× less per \`set\`, for the same single command.`,
    );
  }
  out.push(
    '',
    `*From \`npm run bench:stores\` (${calls.meta.date.slice(0, 10)}, Node ${calls.meta.node}): ${calls.meta.inFlight} calls in flight, ${calls.meta.rounds} interleaved rounds of ${calls.meta.batches * calls.meta.inFlight} calls per store and call. Client CPU: lowest round; database CPU: mean, from /proc (10 ms ticks); wall: median.*`,
  );
  return out.join('\n');
}

// ---------------------------------------------------------------------------
// SVG

const COLOURS: Record<string, string> = {
  bare: '#9ca3af',
  floor: '#6b7280',
  'koa-session': '#d97706',
  port: '#2563eb',
  'port-alt': '#7c3aed',
};
const colour = (contender: string) => COLOURS[contender] ?? '#059669';

/**
 * A horizontal bar chart, one panel per workload: the bar is the median
 * req/s, the thin line across its end the range over rounds. Plain SVG with
 * a white background, so it reads the same in light and dark themes.
 */
export function renderChart(summary: readonly Summary[]): string {
  const workloads = [...new Set(summary.map((s) => s.workload))];
  const width = 760;
  const left = 150;
  const right = 90;
  const barHeight = 18;
  const gap = 8;
  const panelTitle = 28;
  const max = Math.max(1, ...summary.map((s) => s.rpsMax));
  // A round scale: 1, 2 or 5 times a power of ten, about five ticks.
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].find((m) => m * power >= rough) ?? 10) * power;
  const top = Math.ceil(max / step) * step;
  const x = (v: number) => left + ((width - left - right) * v) / top;

  const parts: string[] = [];
  let y = 36;
  for (const workload of workloads) {
    const rows = summary.filter((s) => s.workload === workload);
    parts.push(
      `<text x="${left}" y="${y + 14}" font-weight="600">${escapeXml(workloadLabel(workload))}</text>`,
    );
    y += panelTitle;
    const panelTop = y;
    const panelBottom = y + rows.length * (barHeight + gap);
    for (let t = 0; t <= top; t += step) {
      parts.push(
        `<line x1="${x(t).toFixed(1)}" y1="${panelTop - 4}" x2="${x(t).toFixed(1)}" y2="${panelBottom}" stroke="#e5e7eb"/>`,
      );
    }
    for (const r of rows) {
      const mid = y + barHeight / 2;
      parts.push(
        `<text x="${left - 8}" y="${mid + 4}" text-anchor="end">${escapeXml(r.contender)}</text>`,
        `<rect x="${left}" y="${y}" width="${(x(r.rps) - left).toFixed(1)}" height="${barHeight}" rx="2" fill="${colour(r.contender)}"><title>${escapeXml(`${label(r.contender)}: ${int(r.rps)} req/s (${int(r.rpsMin)}–${int(r.rpsMax)})`)}</title></rect>`,
        `<line x1="${x(r.rpsMin).toFixed(1)}" y1="${mid}" x2="${x(r.rpsMax).toFixed(1)}" y2="${mid}" stroke="#111827" stroke-width="1.5"/>`,
        `<text x="${(x(Math.max(r.rps, r.rpsMax)) + 6).toFixed(1)}" y="${mid + 4}">${int(r.rps)}</text>`,
      );
      y += barHeight + gap;
    }
    for (let t = 0; t <= top; t += step) {
      parts.push(
        `<text x="${x(t).toFixed(1)}" y="${panelBottom + 14}" text-anchor="middle" fill="#6b7280">${int(t)}</text>`,
      );
    }
    y = panelBottom + 30;
  }
  const height = y;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12" fill="#111827" role="img" aria-label="Requests per second per contender and workload">`,
    `<rect width="${width}" height="${height}" rx="6" fill="#ffffff"/>`,
    `<text x="${left}" y="22" font-size="14" font-weight="700">Requests per second (median over rounds; line: lowest to highest round)</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------
// Main

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const CHAPTER = path.join(root, 'chapters/12-performance.md');
const CHART = path.join(root, 'chapters/perf/throughput.svg');

function main() {
  const resultsFile = path.resolve(root, process.env.BENCH_OUT ?? 'test/bench/results/latest.json');
  let chapter = readFileSync(CHAPTER, 'utf8');
  const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchResults;
  writeFileSync(CHART, renderChart(results.summary));
  chapter = replaceBetweenMarkers(
    chapter,
    'results',
    renderResults(results, './perf/throughput.svg'),
  );
  const profileFile = path.join(root, 'test/bench/results/profile.json');
  if (existsSync(profileFile)) {
    const profile = JSON.parse(readFileSync(profileFile, 'utf8')) as ProfileResults;
    chapter = replaceBetweenMarkers(chapter, 'profile', renderProfile(profile));
  }
  const microFile = path.join(root, 'test/bench/results/micro.json');
  if (existsSync(microFile)) {
    const micro = JSON.parse(readFileSync(microFile, 'utf8')) as MicroResults;
    chapter = replaceBetweenMarkers(chapter, 'micro', renderMicro(micro));
  }
  const storesFile = path.join(root, 'test/bench/results/store-calls.json');
  if (existsSync(storesFile)) {
    const calls = JSON.parse(readFileSync(storesFile, 'utf8')) as StoreCallResults;
    chapter = replaceBetweenMarkers(chapter, 'stores', renderStoreCalls(calls));
  }
  // The experiment the chapter quotes: the port with its fast signed-cookie
  // read taken out again, to show what that read buys.
  const experimentFile = path.join(
    root,
    'test/bench/results/experiment-without-fast-signed-read.json',
  );
  const experimentMicroFile = experimentFile.replace(/\.json$/, '-micro.json');
  if (existsSync(experimentFile) || existsSync(experimentMicroFile)) {
    const read = <T>(file: string) =>
      existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
    chapter = replaceBetweenMarkers(
      chapter,
      'experiment',
      renderExperiment(
        'port without the fast read',
        read<BenchResults>(experimentFile),
        read<MicroResults>(experimentMicroFile),
      ),
    );
  }
  writeFileSync(CHAPTER, chapter);
  console.log(`updated ${path.relative(root, CHAPTER)} and ${path.relative(root, CHART)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
