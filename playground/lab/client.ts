/**
 * The Session Lab page. It draws what the server streams — each card's
 * trace events and store calls, verbatim — and decides nothing: a step's
 * colour, its words and the node it lights on a flowchart all come from
 * the event's own typed fields. The one thing it computes is display:
 * base64 → JSON of a cookie value, and countdowns to times it was given.
 *
 * Served by playground/lab/server.ts with its types stripped; no build
 * step. Read with: chapters/run-it-yourself.md#the-session-lab
 */
import type { SignatureVerdict, TraceEvent } from '../../src/index.js';
import type {
  ClusterNodeView,
  ClusterView,
  CookieSeen,
  JarCard,
  LabCard,
  LabHello,
  NoteCard,
  Observation,
  Placement,
  RecordSeen,
  RequestCard,
} from './shared/protocol.js';

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

type Child = Node | string | null | undefined | false;

/** Build an element: text children are text, never HTML. */
function h(
  tag: string,
  attrs: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined) el.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(
      typeof child === 'string' ? document.createTextNode(child) : child,
    );
  }
  return el;
}

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from page.html`);
  return el;
}

function clip(text: string, max = 28): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function clock(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function seconds(ms: number): string {
  if (Math.abs(ms) < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (Math.abs(ms) < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

function ttlText(value: unknown): string {
  if (value === undefined || value === null) return 'none (no Expires)';
  if (typeof value === 'number') return `${value} ms (${seconds(value)})`;
  return JSON.stringify(value);
}

/** base64 JSON, as koa-session encodes a cookie session. Display only. */
function decodeCookie(
  value: string,
): { ok: true; data: unknown } | { ok: false } {
  try {
    const bytes = Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
    return { ok: true, data: JSON.parse(new TextDecoder().decode(bytes)) };
  } catch {
    return { ok: false };
  }
}

function parseStored(raw: unknown): unknown {
  let value = raw;
  if (value && typeof value === 'object' && 'data' in value) {
    value = (value as { data: unknown }).data;
  }
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function expireOf(data: unknown): number | undefined {
  const expire = (data as { _expire?: unknown } | null)?._expire;
  return typeof expire === 'number' ? expire : undefined;
}

/** A live countdown: the ticker below rewrites it four times a second. */
function countdown(deadline: number, prefix = ''): HTMLElement {
  const el = h('span', {
    class: 'countdown',
    'data-deadline': String(deadline),
    'data-prefix': prefix,
  });
  tick(el);
  return el;
}

function tick(el: HTMLElement): void {
  const left = Number(el.dataset.deadline) - Date.now();
  const prefix = el.dataset.prefix ?? '';
  el.textContent =
    left > 0
      ? `${prefix}${seconds(left)} left`
      : `${prefix}passed ${seconds(-left)} ago`;
  el.classList.toggle('past', left <= 0);
}

setInterval(() => {
  for (const el of document.querySelectorAll<HTMLElement>('[data-deadline]')) {
    tick(el);
  }
}, 250);

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------

let hello: LabHello | undefined;
let cards: LabCard[] = [];
let selected: number | undefined;
let fixed = false;

function book(path: string): string {
  return `${hello?.bookUrl ?? 'http://localhost:5173'}/${path}`;
}

function storeChapter(): string {
  const name = hello?.name ?? '';
  if (name === 'cluster') return '13-scaling-out.html#hash-slots';
  if (name.startsWith('redis')) return '09-redis-store.html';
  if (name.startsWith('mysql')) return '10-mysql-store.html';
  return '08-memory-store.html';
}

// ---------------------------------------------------------------------------
// Steps: one line per observation, in the order they happened
// ---------------------------------------------------------------------------

type Tone = 'ok' | 'bad' | 'warn' | 'info';

interface StepView {
  label: string;
  text: string;
  tone: Tone;
  link: string;
}

const VERDICT: Record<SignatureVerdict, { text: string; tone: Tone }> = {
  none: { text: 'no cookie sent', tone: 'info' },
  unsigned: { text: 'not signed (signed: false)', tone: 'info' },
  valid: { text: 'signature valid', tone: 'ok' },
  'older-key': {
    text: 'signed with an older key: accepted, re-signed',
    tone: 'warn',
  },
  missing: { text: 'signature missing: treated as no cookie', tone: 'bad' },
  wrong: { text: 'signature wrong: treated as no cookie', tone: 'bad' },
};

const REFUSED: Record<string, string> = {
  missed: 'nothing there (session:missed)',
  expired: 'its _expire has passed (session:expired)',
  invalid: 'opts.valid said no (session:invalid)',
  hostile: 'hostile data (session:invalid)',
};

const SAVED: Record<string, { text: string; link: string }> = {
  changed: {
    text: 'the hash changed',
    link: '06-should-save-session.html#hashing',
  },
  rolling: {
    text: 'rolling: every response re-sends it',
    link: '06-should-save-session.html#rolling-and-renew',
  },
  renew: {
    text: 'renew: under half its life left',
    link: '06-should-save-session.html#rolling-and-renew',
  },
  force: {
    text: 'forced: save(), regenerate() or a maxAge change',
    link: '06-should-save-session.html#forced-saves',
  },
};

const SKIPPED: Record<string, { text: string; link: string }> = {
  untouched: {
    text: 'ctx.session was never read: nothing to do',
    link: '07-save-remove-commit.html#commit',
  },
  'new-empty': {
    text: 'new and still empty: not worth a cookie',
    link: '06-should-save-session.html#the-method',
  },
  unchanged: {
    text: 'unchanged, not rolling, not due for renewal',
    link: '06-should-save-session.html#truth-table',
  },
};

/** The two hashes a commit or skip event carries, side by side. */
function hashes(before: number | undefined, now: number): string {
  return before === undefined
    ? `new session, hash ${now}`
    : `hash ${before} → ${now}`;
}

function eventStep(e: TraceEvent): StepView | undefined {
  switch (e.step) {
    case 'cookie': {
      const v = VERDICT[e.signature];
      return {
        label: 'cookie',
        text: `${e.key}: ${v.text}`,
        tone: v.tone,
        link:
          v.tone === 'bad'
            ? '11-security.html#tampering'
            : '04-init-from-cookie.html#reading-the-cookie',
      };
    }
    case 'external-key': {
      if (e.source === 'custom') {
        return {
          label: 'id',
          text: e.key
            ? `from opts.externalKey: ${clip(e.key)}`
            : 'opts.externalKey gave none',
          tone: e.key ? 'ok' : 'info',
          link: '05-init-from-external.html#external-keys',
        };
      }
      const v = VERDICT[e.signature];
      return {
        label: 'cookie',
        text: e.key
          ? `id ${clip(e.key, 36)}: ${v.text}`
          : `no trusted id: ${v.text}`,
        tone: v.tone,
        link:
          v.tone === 'bad'
            ? '11-security.html#tampering'
            : '05-init-from-external.html#where-the-id-comes-from',
      };
    }
    case 'store-get':
      return undefined; // the store call itself is shown, with its time
    case 'decode':
      return e.ok
        ? {
            label: 'decode',
            text: 'base64 → JSON: ok',
            tone: 'ok',
            link: '04-init-from-cookie.html#encode-decode-and-hash',
          }
        : {
            label: 'decode',
            text: `failed (${e.error})${e.rethrown ? ': rethrown, the request fails' : ': not ours, a new session'}`,
            tone: 'bad',
            link: '04-init-from-cookie.html#decode-failures',
          };
    case 'valid':
      return e.ok
        ? {
            label: 'valid',
            text: 'accepted',
            tone: 'ok',
            link: '04-init-from-cookie.html#valid',
          }
        : {
            label: 'valid',
            text: `refused: ${REFUSED[e.reason] ?? e.reason}${e.reason === 'hostile' ? ` — ${e.detail}` : ''}`,
            tone: 'bad',
            link: '04-init-from-cookie.html#valid',
          };
    case 'loaded':
      return {
        label: 'loaded',
        text: `from the ${e.mode}; hash ${e.hash} remembered`,
        tone: 'ok',
        link: '04-init-from-cookie.html#load',
      };
    case 'created':
      return {
        label: 'created',
        text: `a new, empty session${e.externalKey ? `, new id ${clip(e.externalKey, 36)}` : ''}`,
        tone: 'info',
        link: '04-init-from-cookie.html#create',
      };
    case 'commit': {
      const s = SAVED[e.reason] ?? {
        text: e.reason,
        link: '06-should-save-session.html',
      };
      return {
        label: 'save?',
        text: `yes: ${s.text} (${hashes(e.prevHash, e.hash)})`,
        tone: 'ok',
        link: s.link,
      };
    }
    case 'skip': {
      const s = SKIPPED[e.reason] ?? {
        text: e.reason,
        link: '06-should-save-session.html',
      };
      return {
        label: 'save?',
        text:
          e.reason === 'untouched'
            ? `no: ${s.text}`
            : `no: ${s.text} (${hashes(e.prevHash, e.hash)})`,
        tone: 'info',
        link: s.link,
      };
    }
    case 'save':
      return e.target === 'cookie'
        ? {
            label: 'write',
            text: `the session into the cookie: ${e.bytes} characters, maxAge ${ttlText(e.maxAge)}`,
            tone: 'ok',
            link: '07-save-remove-commit.html#writing-it-out',
          }
        : {
            label: 'write',
            text: `to the store, TTL ${ttlText(e.storeTtl)}; its id into the cookie`,
            tone: 'ok',
            link: '07-save-remove-commit.html#writing-it-out',
          };
    case 'remove':
      return {
        label: 'remove',
        text: `${e.externalKey ? `destroy ${clip(e.externalKey, 36)}, ` : ''}clear the cookie`,
        tone: 'warn',
        link: '07-save-remove-commit.html#remove',
      };
    default:
      return {
        label: (e as { step: string }).step,
        text: JSON.stringify(e),
        tone: 'info',
        link: '',
      };
  }
}

function storeStep(s: Extract<Observation, { kind: 'store' }>): StepView {
  const ttl = s.op === 'set' ? ` TTL ${ttlText(s.ttl)}` : '';
  return {
    label: `store.${s.op}`,
    text: `${clip(s.key, 36)}${ttl} → ${s.outcome} (${s.ms.toFixed(1)} ms)`,
    tone: s.ok ? (s.outcome === 'nothing there' ? 'info' : 'ok') : 'bad',
    link: storeChapter(),
  };
}

function setCookieStep(c: CookieSeen): StepView {
  const over = c.bytes > 4096;
  const cleared = c.value === '';
  return {
    label: 'Set-Cookie',
    text: `${c.name}=${clip(c.value, 22)}${c.attributes} (${c.bytes} B)${over ? ' — over 4096 B: the browser drops it' : ''}`,
    tone: over ? 'bad' : cleared ? 'warn' : 'ok',
    link: over
      ? '11-security.html#cookie-size'
      : '07-save-remove-commit.html#writing-it-out',
  };
}

function stepsOf(card: RequestCard): StepView[] {
  const views: StepView[] = [];
  for (const s of card.steps) {
    const view = s.kind === 'store' ? storeStep(s) : eventStep(s.event);
    if (view) views.push(view);
  }
  if (card.setCookies.length === 0) {
    views.push({
      label: 'Set-Cookie',
      text: 'none: the browser keeps what it has',
      tone: 'info',
      link: '07-save-remove-commit.html#commit',
    });
  }
  for (const c of card.setCookies) views.push(setCookieStep(c));
  return views;
}

// ---------------------------------------------------------------------------
// Flowcharts: the book's three, with this request's path lit
// ---------------------------------------------------------------------------

interface Row {
  q: string;
  code: string;
  exitOn: 'yes' | 'no';
  exit: string;
  link: string;
  tag?: string;
}

interface Chart {
  name: string;
  link: string;
  rows: Row[];
  end: { text: string; link: string };
}

const COOKIE_CHART: Chart = {
  name: 'initFromCookie',
  link: '04-init-from-cookie.html#the-method',
  rows: [
    {
      q: 'A cookie with a valid signature?',
      code: 'ctx.cookies.get(key, opts)',
      exitOn: 'no',
      exit: 'create(): new, empty session',
      link: '04-init-from-cookie.html#reading-the-cookie',
    },
    {
      q: 'Does it decode?',
      code: 'opts.decode(cookie)',
      exitOn: 'no',
      exit: 'new session (or rethrow)',
      link: '04-init-from-cookie.html#decode-failures',
    },
    {
      q: 'Is the data valid?',
      code: 'valid(data)',
      exitOn: 'no',
      exit: 'create(): new session',
      link: '04-init-from-cookie.html#valid',
    },
  ],
  end: {
    text: 'load(data): hash remembered',
    link: '04-init-from-cookie.html#load',
  },
};

const EXTERNAL_CHART: Chart = {
  name: 'initFromExternal',
  link: '05-init-from-external.html#the-method',
  rows: [
    {
      q: 'An id in a signed cookie?',
      code: 'ctx.cookies.get(key, opts)',
      exitOn: 'no',
      exit: 'create(): new session, new id',
      link: '05-init-from-external.html#where-the-id-comes-from',
    },
    {
      q: 'Does the store have it?',
      code: 'await store.get(id)',
      exitOn: 'no',
      exit: 'missed: new session, new id',
      link: '05-init-from-external.html#what-the-store-is-asked',
    },
    {
      q: 'Is the data valid?',
      code: 'valid(data, id)',
      exitOn: 'no',
      exit: 'new session, new id',
      link: '05-init-from-external.html#never-adopt-an-unknown-id',
    },
  ],
  end: {
    text: 'load(data, id): same id, hash remembered',
    link: '04-init-from-cookie.html#load',
  },
};

const COMMIT_CHART: Chart = {
  name: 'commit → _shouldSaveSession',
  link: '07-save-remove-commit.html#commit',
  rows: [
    {
      q: 'Was ctx.session read?',
      code: 'session === undefined',
      exitOn: 'no',
      exit: 'nothing: no Set-Cookie',
      link: '07-save-remove-commit.html#commit',
    },
    {
      q: 'Set to null?',
      code: 'ctx.session = null',
      exitOn: 'yes',
      exit: 'remove(): destroy, clear cookie',
      link: '07-save-remove-commit.html#remove',
    },
    {
      q: 'Forced?',
      code: 'save() · regenerate() · maxAge',
      exitOn: 'yes',
      exit: "save('force')",
      link: '06-should-save-session.html#forced-saves',
    },
    {
      q: 'New and still empty?',
      code: '!prevHash && no keys',
      exitOn: 'yes',
      exit: 'no save',
      link: '06-should-save-session.html#the-method',
      tag: '_shouldSaveSession',
    },
    {
      q: 'Hash changed?',
      code: 'prevHash !== hash(data)',
      exitOn: 'yes',
      exit: "save('changed')",
      link: '06-should-save-session.html#hashing',
      tag: '_shouldSaveSession',
    },
    {
      q: 'rolling?',
      code: 'opts.rolling',
      exitOn: 'yes',
      exit: "save('rolling')",
      link: '06-should-save-session.html#rolling-and-renew',
      tag: '_shouldSaveSession',
    },
    {
      q: 'renew, under half its life left?',
      code: 'opts.renew && …',
      exitOn: 'yes',
      exit: "save('renew')",
      link: '06-should-save-session.html#rolling-and-renew',
      tag: '_shouldSaveSession',
    },
  ],
  end: {
    text: 'no save: unchanged',
    link: '06-should-save-session.html#truth-table',
  },
};

/** Where this request left a chart: a row's exit, the end, or never entered. */
interface Path {
  exitRow: number | 'end';
  /** What the exit box says for this request, when the event adds detail. */
  exitText?: string;
  /** Words added to the answers of passed rows, by row. */
  answers?: Record<number, string>;
}

function eventsOf(card: RequestCard): TraceEvent[] {
  return card.steps.flatMap((s) => (s.kind === 'event' ? [s.event] : []));
}

/** Map the events to rows: each typed field names its node. */
function loadPath(card: RequestCard): { chart: Chart; path: Path } | undefined {
  const events = eventsOf(card);
  const cookie = events.find((e) => e.step === 'cookie');
  const external = events.find((e) => e.step === 'external-key');
  const decode = events.find((e) => e.step === 'decode');
  const valid = events.find((e) => e.step === 'valid');
  const got = events.find((e) => e.step === 'store-get');
  const loaded = events.some((e) => e.step === 'loaded');
  if (cookie?.step === 'cookie') {
    const verdict = VERDICT[cookie.signature].text;
    if (!cookie.present) {
      return {
        chart: COOKIE_CHART,
        path: { exitRow: 0, answers: { 0: verdict } },
      };
    }
    const answers = { 0: verdict };
    if (decode?.step === 'decode' && !decode.ok) {
      return {
        chart: COOKIE_CHART,
        path: {
          exitRow: 1,
          answers,
          exitText: decode.rethrown
            ? 'rethrown: the request fails'
            : 'not ours: new session',
        },
      };
    }
    if (valid?.step === 'valid' && !valid.ok) {
      return {
        chart: COOKIE_CHART,
        path: { exitRow: 2, answers, exitText: `${valid.reason}: new session` },
      };
    }
    if (loaded)
      return { chart: COOKIE_CHART, path: { exitRow: 'end', answers } };
    return { chart: COOKIE_CHART, path: { exitRow: 'end', answers } };
  }
  if (external?.step === 'external-key') {
    const answers: Record<number, string> =
      external.source === 'cookie'
        ? { 0: VERDICT[external.signature].text }
        : {};
    if (!external.key)
      return { chart: EXTERNAL_CHART, path: { exitRow: 0, answers } };
    if (
      (got?.step === 'store-get' && !got.found) ||
      (valid?.step === 'valid' && !valid.ok && valid.reason === 'missed')
    ) {
      return { chart: EXTERNAL_CHART, path: { exitRow: 1, answers } };
    }
    if (valid?.step === 'valid' && !valid.ok) {
      return {
        chart: EXTERNAL_CHART,
        path: {
          exitRow: 2,
          answers,
          exitText: `${valid.reason}: new session, new id`,
        },
      };
    }
    if (loaded)
      return { chart: EXTERNAL_CHART, path: { exitRow: 'end', answers } };
    // The request failed before the store answered (a store error).
    return undefined;
  }
  return undefined;
}

function commitPath(card: RequestCard): Path | undefined {
  const events = eventsOf(card);
  const commit = events.find((e) => e.step === 'commit');
  const skip = events.find((e) => e.step === 'skip');
  const removed = events.some((e) => e.step === 'remove');
  // The hash row shows the two hashes the event carries.
  const pair =
    commit?.step === 'commit'
      ? commit
      : skip?.step === 'skip' && skip.reason !== 'untouched'
        ? skip
        : undefined;
  const answers: Record<number, string> = pair
    ? { 4: hashes(pair.prevHash, pair.hash) }
    : {};
  if (commit?.step === 'commit') {
    const row = { force: 2, changed: 4, rolling: 5, renew: 6 }[commit.reason];
    return {
      exitRow: row,
      answers,
      exitText:
        commit.reason === 'force' && removed
          ? "regenerate: old one removed, save('force')"
          : undefined,
    };
  }
  if (skip?.step === 'skip') {
    if (skip.reason === 'untouched') return { exitRow: 0 };
    if (skip.reason === 'new-empty') return { exitRow: 3, answers };
    return { exitRow: 'end', answers };
  }
  if (removed) return { exitRow: 1 };
  return undefined;
}

function drawChart(chart: Chart, path: Path | undefined): HTMLElement {
  const exitAt =
    path === undefined
      ? -1
      : path.exitRow === 'end'
        ? chart.rows.length
        : path.exitRow;
  const list = h('ol', { class: 'flow' });
  chart.rows.forEach((row, i) => {
    const state =
      path === undefined
        ? 'unreached'
        : i < exitAt
          ? 'passed'
          : i === exitAt
            ? 'exit'
            : 'unreached';
    const stay = row.exitOn === 'yes' ? 'no' : 'yes';
    const answer =
      state === 'passed' ? stay : state === 'exit' ? row.exitOn : '';
    const extra = path?.answers?.[i];
    list.append(
      h(
        'li',
        { class: `row ${state}`, 'data-row': String(i) },
        h(
          'a',
          {
            class: 'node q',
            href: book(row.link),
            target: '_blank',
            rel: 'noopener',
          },
          row.tag ? h('span', { class: 'rowtag' }, row.tag) : null,
          h('span', { class: 'qtext' }, row.q),
          h('code', {}, row.code),
          answer
            ? h(
                'span',
                { class: `answer a-${answer}` },
                `${answer}${extra ? ` — ${extra}` : ''}`,
              )
            : null,
        ),
        h('span', { class: 'edge', 'aria-hidden': 'true' }, `${row.exitOn} →`),
        h(
          'span',
          { class: 'node out' },
          state === 'exit' ? h('span', { class: 'sr-only' }, 'taken: ') : null,
          state === 'exit' && path?.exitText ? path.exitText : row.exit,
        ),
      ),
    );
  });
  const endOn = path !== undefined && exitAt === chart.rows.length;
  list.append(
    h(
      'li',
      { class: `row end ${endOn ? 'exit' : 'unreached'}` },
      h(
        'a',
        {
          class: 'node out',
          href: book(chart.end.link),
          target: '_blank',
          rel: 'noopener',
        },
        endOn ? h('span', { class: 'sr-only' }, 'taken: ') : null,
        chart.end.text,
      ),
    ),
  );
  return h(
    'figure',
    { class: `chart${path ? '' : ' idle'}`, 'data-chart': chart.name },
    h(
      'figcaption',
      {},
      h('code', {}, chart.name),
      path ? ' — this request’s path is lit' : ' — not reached by this request',
      ' ',
      h(
        'a',
        { href: book(chart.link), target: '_blank', rel: 'noopener' },
        '§ book',
      ),
    ),
    list,
  );
}

// ---------------------------------------------------------------------------
// Cards (pane 2)
// ---------------------------------------------------------------------------

function clientName(card: RequestCard): string {
  if (card.client === 'lab') return 'from the lab';
  if (card.client.startsWith('Mozilla')) return 'from a browser tab';
  return `from ${card.client}`;
}

function charts(card: RequestCard): HTMLElement {
  const load = loadPath(card);
  const loadChart = load
    ? drawChart(load.chart, load.path)
    : drawChart(
        hello?.mode === 'store' ? EXTERNAL_CHART : COOKIE_CHART,
        undefined,
      );
  return h(
    'div',
    { class: 'charts' },
    loadChart,
    drawChart(COMMIT_CHART, commitPath(card)),
  );
}

function drawRequestCard(card: RequestCard, open: boolean): HTMLElement {
  const steps = h(
    'ol',
    { class: 'steps' },
    ...stepsOf(card).map((s) =>
      h(
        'li',
        { class: `step t-${s.tone}` },
        h('span', { class: 'dot', 'aria-hidden': 'true' }),
        h('span', { class: 'label' }, s.label),
        h('span', { class: 'text' }, s.text),
        s.link
          ? h(
              'a',
              {
                class: 'sec',
                href: book(s.link),
                target: '_blank',
                rel: 'noopener',
                title: 'Read this step in the book',
              },
              '§',
            )
          : null,
      ),
    ),
  );
  const bad = card.status >= 400;
  const details = h(
    'details',
    { class: `card${bad ? ' failed' : ''}`, 'data-id': String(card.id) },
    h(
      'summary',
      {},
      h('span', { class: 'method' }, card.method),
      h('code', { class: 'url' }, card.url),
      h(
        'span',
        { class: `status s${String(card.status)[0]}` },
        String(card.status),
      ),
      // A failure's body gets a line of its own below.
      card.body && !bad
        ? h('span', { class: 'body' }, `“${clip(card.body, 40)}”`)
        : null,
      h(
        'span',
        { class: 'meta' },
        h(
          'time',
          { datetime: new Date(card.at).toISOString() },
          clock(card.at),
        ),
        ` · ${card.ms.toFixed(1)} ms · ${clientName(card)}`,
        card.placement ? null : ` · ${card.servedBy}`,
      ),
      card.placement ? where(card.servedBy, card.placement) : null,
      // In the summary, so a failure reads without opening the card.
      bad && card.body ? h('span', { class: 'failure' }, card.body) : null,
    ),
    steps,
  );
  // The flowcharts are drawn when the card is first opened: a long list
  // of closed cards stays cheap.
  let drawn = false;
  const drawCharts = () => {
    if (drawn) return;
    drawn = true;
    details.append(charts(card));
  };
  if (open) drawCharts();
  (details as HTMLDetailsElement).open = open;
  details.addEventListener('toggle', () => {
    if (!(details as HTMLDetailsElement).open) return;
    drawCharts();
    select(card.id);
  });
  return h('li', { class: 'card-item' }, details);
}

/**
 * Which process served the request and where its session lives, as
 * two chips: behind the cluster front, requests from one browser land
 * on different processes, and the chips make the round robin visible.
 */
function where(servedBy: string, p: Placement): HTMLElement {
  // "app-2 (pid 4242)" → "app-2 · pid 4242"; the number picks a colour.
  const m = /^(\S+) \(pid (\d+)\)$/.exec(servedBy);
  const app = m ? `${m[1]} · pid ${m[2]}` : servedBy;
  const n = Number(/(\d+)$/.exec(m?.[1] ?? '')?.[1] ?? 0);
  return h(
    'span',
    { class: 'where' },
    h('span', { class: `chip app a${n % 4}`, title: 'served by' }, app),
    h(
      'span',
      {
        class: 'chip node',
        title: `${p.key}: the node this process's cluster client sends slot ${p.slot} to`,
      },
      `${p.node} ${p.role} · slot ${p.slot}`,
    ),
  );
}

function drawNoteCard(card: NoteCard): HTMLElement {
  return h(
    'li',
    { class: 'card-item' },
    h(
      'div',
      { class: `card note-card n-${card.tone}`, 'data-id': String(card.id) },
      h('span', { class: 'note-title' }, card.title),
      h('time', { datetime: new Date(card.at).toISOString() }, clock(card.at)),
      h('p', {}, card.text),
    ),
  );
}

function drawJarCard(card: JarCard): HTMLElement {
  return h(
    'li',
    { class: 'card-item' },
    h(
      'div',
      { class: 'card jar', 'data-id': String(card.id) },
      h(
        'span',
        { class: 'jar-title' },
        h('img', {
          src: '/__lab/favicon.svg',
          alt: '',
          width: '16',
          height: '16',
        }),
        ` The lab changed your cookie jar (${card.action})`,
      ),
      h('time', { datetime: new Date(card.at).toISOString() }, clock(card.at)),
      h('p', {}, card.text),
      ...card.setCookies.map((c) =>
        h(
          'code',
          { class: 'setcookie' },
          `Set-Cookie: ${c.name}=${clip(c.value, 30)}${c.attributes}`,
        ),
      ),
    ),
  );
}

function renderCards(): void {
  const list = $('cards');
  list.replaceChildren();
  const shown = cards.slice(-30).reverse();
  let first = true;
  for (const card of shown) {
    if (card.kind === 'jar') {
      list.append(drawJarCard(card));
      continue;
    }
    if (card.kind === 'note') {
      list.append(drawNoteCard(card));
      continue;
    }
    list.append(drawRequestCard(card, first));
    first = false;
  }
  if (shown.length === 0) {
    list.append(
      h(
        'li',
        { class: 'empty' },
        'No requests yet. Press a button, or run curl against this server.',
      ),
    );
  }
}

/** A new card on top: the newest request is open and selected. */
function addCard(card: LabCard): void {
  const list = $('cards');
  list.querySelector('li.empty')?.remove();
  if (card.kind === 'jar') {
    list.prepend(drawJarCard(card));
  } else if (card.kind === 'note') {
    list.prepend(drawNoteCard(card));
  } else {
    for (const open of list.querySelectorAll<HTMLDetailsElement>(
      'details[open]',
    )) {
      open.open = false;
    }
    list.prepend(drawRequestCard(card, true));
    selected = undefined;
    renderCookie();
    renderStore();
  }
  while (list.children.length > 30) list.lastElementChild?.remove();
}

// ---------------------------------------------------------------------------
// The cookie (pane 1) and the store (pane 3), for the selected request
// ---------------------------------------------------------------------------

function requestCards(): RequestCard[] {
  return cards.filter((c): c is RequestCard => c.kind === 'request');
}

function selectedCard(): RequestCard | undefined {
  const all = requestCards();
  return all.find((c) => c.id === selected) ?? all[all.length - 1];
}

function verdictOf(card: RequestCard): SignatureVerdict | undefined {
  for (const e of eventsOf(card)) {
    if (e.step === 'cookie') return e.signature;
    if (e.step === 'external-key' && e.source === 'cookie') return e.signature;
  }
  return undefined;
}

function json(value: unknown): HTMLElement {
  return h('pre', { class: 'json' }, JSON.stringify(value, null, 2));
}

function meter(bytes: number): HTMLElement {
  const over = bytes > 4096;
  return h(
    'div',
    { class: `size${over ? ' over' : ''}` },
    h('meter', {
      min: '0',
      max: '4096',
      low: '3000',
      high: '4000',
      optimum: '0',
      value: String(Math.min(bytes, 4096)),
    }),
    h(
      'span',
      {},
      `${bytes} B of 4096 B${over ? ' — too big: browsers drop it' : ''}`,
    ),
  );
}

function expireLine(expire: number): HTMLElement {
  return h(
    'p',
    { class: 'expire' },
    h('code', {}, '_expire'),
    ` ${new Date(expire).toISOString()} · `,
    countdown(expire, 'expires: '),
  );
}

function renderCookie(): void {
  const body = $('cookie-body');
  const card = selectedCard();
  if (!hello || !card) {
    body.replaceChildren(
      h('p', { class: 'empty' }, 'No request yet. Press Change session.'),
    );
    return;
  }
  const verdict = verdictOf(card);
  const v = verdict ? VERDICT[verdict] : undefined;
  const parts: Child[] = [
    h(
      'p',
      { class: 'which' },
      `As the server received it in request ${card.id}: `,
      h('code', {}, `${card.method} ${clip(card.url, 30)}`),
    ),
    h(
      'p',
      { class: `verdict t-${v?.tone ?? 'info'}`, id: 'verdict' },
      v ? v.text : 'not checked: this request never read ctx.session',
    ),
  ];
  if (card.cookie) {
    parts.push(
      h('h3', {}, h('code', {}, card.cookie.name)),
      h('code', { class: 'raw' }, card.cookie.value),
      meter(card.cookie.bytes),
    );
    if (hello.mode === 'cookie') {
      const decoded = decodeCookie(card.cookie.value);
      if (decoded.ok) {
        parts.push(
          h('h3', {}, 'Decoded (base64 → JSON, by this page)'),
          json(decoded.data),
          h(
            'p',
            { class: 'hint' },
            'Anyone holding the cookie can read this: the signature stops changes, not reading.',
          ),
        );
        const expire = expireOf(decoded.data);
        if (expire) parts.push(expireLine(expire));
      } else {
        parts.push(
          h(
            'p',
            { class: 'hint' },
            'This value does not decode as base64 JSON.',
          ),
        );
      }
    } else {
      parts.push(
        h(
          'p',
          { class: 'hint' },
          'Store mode: the cookie holds only the id; the data is in pane 3.',
        ),
      );
    }
  } else {
    parts.push(
      h(
        'p',
        { class: 'empty' },
        `No ${hello.cookie.key} cookie came with this request.`,
      ),
    );
  }
  if (card.signature) {
    parts.push(
      h('h3', {}, h('code', {}, card.signature.name)),
      h('code', { class: 'raw' }, card.signature.value),
    );
  }
  const sent = card.setCookies.filter((c) =>
    c.name.startsWith(hello!.cookie.key),
  );
  parts.push(h('h3', {}, 'What the response set'));
  if (sent.length === 0)
    parts.push(
      h(
        'p',
        { class: 'empty' },
        'No Set-Cookie: the browser keeps what it has.',
      ),
    );
  for (const c of sent) {
    parts.push(
      h(
        'code',
        { class: `raw setcookie${c.bytes > 4096 ? ' over' : ''}` },
        `${c.name}=${clip(c.value, 64)}${c.attributes}`,
      ),
      meter(c.bytes),
    );
  }
  body.replaceChildren(...parts.filter((p): p is Node => !!p));
  $('doc-cookie').textContent = JSON.stringify(document.cookie);
}

function drawRecord(record: RecordSeen): HTMLElement {
  const gone = record.raw === null;
  const parsed = gone ? undefined : parseStored(record.raw);
  const expire = expireOf(parsed);
  return h(
    'article',
    { class: `record${gone ? ' gone' : ''}`, 'data-key': record.key },
    h('h3', {}, record.where || record.key),
    record.error
      ? h('p', { class: 'verdict t-bad' }, record.error)
      : gone
        ? h(
            'p',
            { class: 'verdict t-warn' },
            'no record: destroyed, expired or never written',
          )
        : h(
            'p',
            { class: 'verdict t-ok' },
            'present',
            record.ttlMs !== null ? ' · the store forgets it: ' : null,
            record.ttlMs !== null
              ? countdown(record.readAt + record.ttlMs, '')
              : null,
          ),
    gone ? null : json(parsed),
    expire ? expireLine(expire) : null,
    gone
      ? null
      : h(
          'details',
          { class: 'rawbox' },
          h('summary', {}, 'Raw, as the store holds it'),
          h(
            'pre',
            { class: 'json' },
            typeof record.raw === 'string'
              ? record.raw
              : JSON.stringify(record.raw, null, 2),
          ),
        ),
  );
}

function renderStore(): void {
  const body = $('store-body');
  if (!hello) return;
  if (hello.mode === 'cookie') {
    body.replaceChildren(
      h(
        'p',
        { class: 'empty' },
        'No store: in a cookie session the whole session travels in the cookie (pane 1). Nothing is kept on the server.',
      ),
    );
    return;
  }
  const card = selectedCard();
  const parts: Node[] = [
    h(
      'p',
      { class: 'which' },
      `${hello.storeLabel ?? 'store'} — read right after request ${card?.id ?? '–'}`,
    ),
  ];
  if (!card || card.records.length === 0) {
    parts.push(
      h(
        'p',
        { class: 'empty' },
        'The store was not asked anything during this request.',
      ),
    );
  } else {
    for (const record of card.records) parts.push(drawRecord(record));
  }
  body.replaceChildren(...parts);
}

function select(id: number): void {
  selected = id;
  renderCookie();
  renderStore();
}

function renderAll(): void {
  selected = undefined;
  renderCards();
  renderCookie();
  renderStore();
}

// ---------------------------------------------------------------------------
// The cluster (playground:cluster only)
// ---------------------------------------------------------------------------

let clusterView: ClusterView | null = null;

/** The newest placement of a session this browser holds (its lab requests). */
function myPlacement(): Placement | undefined {
  return requestCards()
    .filter((c) => c.client === 'lab' && c.placement)
    .at(-1)?.placement;
}

function ranges(slots: Array<[number, number]>): string {
  return slots.map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`)).join(', ');
}

function holds(node: ClusterNodeView, slot: number): boolean {
  return node.slots.some(([a, b]) => slot >= a && slot <= b);
}

function drawNode(node: ClusterNodeView, mine?: Placement): HTMLElement {
  const health = !node.up
    ? { text: 'down: killed', tone: 'bad' }
    : node.seen === 'fail'
      ? { text: 'marked failed', tone: 'bad' }
      : node.seen === 'fail?'
        ? { text: 'suspected (fail?)', tone: 'warn' }
        : { text: 'up', tone: 'ok' };
  // After a failover the dead primary is still listed, without slots,
  // until it comes back: the cluster remembers every node it has met.
  const slotText =
    node.role === 'replica'
      ? `copies ${node.replicaOf ?? '?'}`
      : node.slots.length
        ? `slots ${ranges(node.slots)}`
        : 'no slots';
  const yours =
    mine !== undefined &&
    node.role === 'primary' &&
    node.up &&
    holds(node, mine.slot);
  return h(
    'li',
    {
      class: `cnode r-${node.role}${node.up ? '' : ' down'}${yours ? ' yours' : ''}`,
      'data-address': node.address,
      'data-role': node.role,
      'data-up': String(node.up),
    },
    h('code', { class: 'addr' }, node.address),
    h('span', { class: `role r-${node.role}` }, node.role),
    h('span', { class: `health t-${health.tone}` }, health.text),
    h('span', { class: 'slots' }, slotText),
    yours
      ? h('span', { class: 'mine' }, `★ your session: slot ${mine.slot}`)
      : null,
  );
}

function renderCluster(): void {
  const pane = $('cluster-pane');
  if (!clusterView) {
    pane.hidden = true;
    return;
  }
  pane.hidden = false;
  const mine = myPlacement();
  $('nodes').replaceChildren(
    ...clusterView.nodes.map((node) => drawNode(node, mine)),
  );
  $('cluster-read').textContent =
    `read at ${clock(clusterView.at)} with CLUSTER NODES`;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

let watching = false;

/**
 * Kill the primary holding this browser's session, then keep clicking
 * for a while: a failover is a few seconds long, and the point is to
 * watch the requests fail and recover, card by card.
 */
async function killMine(button: HTMLButtonElement): Promise<void> {
  if (watching) return;
  const answer = await fetch('/__cluster/kill', {
    method: 'POST',
    headers: { 'x-lab': '1' },
    credentials: 'same-origin',
  });
  const text = (await answer.text()).trim();
  status(text);
  if (!text.startsWith('killed')) return;
  watching = true;
  button.setAttribute('aria-disabled', 'true');
  const killed = cards.at(-1)?.id ?? 0;
  // Until the replica has taken over and two requests went through
  // after it; a failover that never completes stops after 15 s.
  const until = Date.now() + 15_000;
  while (Date.now() < until && !recovered(killed)) {
    await request(counterPath());
    await sleep(500);
  }
  watching = false;
  button.removeAttribute('aria-disabled');
  status(
    recovered(killed)
      ? 'Failover over: read the timeline from the bottom up.'
      : 'No promotion within 15 s: see the cluster pane.',
  );
}

/** A promotion since card `after`, and two lab requests served since. */
function recovered(after: number): boolean {
  const promoted = cards.find(
    (c) => c.id > after && c.kind === 'note' && c.event === 'promoted',
  );
  if (!promoted) return false;
  const served = cards.filter(
    (c) =>
      c.id > promoted.id &&
      c.kind === 'request' &&
      c.client === 'lab' &&
      c.status === 200,
  );
  return served.length >= 2;
}

async function restartKilled(): Promise<void> {
  const answer = await fetch('/__cluster/restart', {
    method: 'POST',
    headers: { 'x-lab': '1' },
  });
  status((await answer.text()).trim());
}

// ---------------------------------------------------------------------------
// Buttons
// ---------------------------------------------------------------------------

function counterPath(): string {
  return fixed ? '/fixed' : '/';
}

function expectations(): void {
  if (!hello) return;
  const store = hello.mode === 'store';
  const text: Record<string, string> = {
    send: hello.rolling
      ? 'GET /read changes nothing, yet it is saved: rolling.'
      : 'GET /read changes nothing: no save, no Set-Cookie.',
    change: `GET ${counterPath()}: views + 1, so the hash changes and it is saved.`,
    tamper: 'Flips one character: signature wrong → a new session.',
    drop: 'Deletes the .sig cookie: signature missing → a new session.',
    replay: store
      ? 'Restores your previous id: missed if destroyed → new session.'
      : 'Restores your previous cookie: accepted, old count back.',
    grow: store
      ? 'Adds 5000 bytes: the record grows, the cookie stays small.'
      : 'Adds 5000 bytes: Set-Cookie over 4096 B, the browser drops it.',
    logout: store
      ? 'ctx.session = null: record destroyed, cookie cleared.'
      : 'ctx.session = null: the cookie is cleared.',
    regenerate: store
      ? 'Old record destroyed, same data under a new id.'
      : 'Cookie cleared and written again: no id to change.',
    wait:
      waitLimitText() ??
      'Waits for real past _expire, then counts: a new session.',
    kill: 'SIGKILLs the node your session is on, then clicks every ½ s: failures, then its replica answers.',
    restart:
      'Starts the killed node again: it rejoins as a replica of the node that took its slots.',
  };
  for (const [act, line] of Object.entries(text))
    $(`x-${act}`).textContent = line;
  $('fixed-x').textContent =
    `Off: / is the article's handler (${hello.counts}). On: /fixed.`;
}

function waitLimitText(): string | undefined {
  const maxAge = hello?.maxAge;
  if (typeof maxAge === 'number' && maxAge <= 120_000) return undefined;
  const life =
    maxAge === 'session'
      ? 'until the browser closes'
      : typeof maxAge === 'number'
        ? seconds(maxAge)
        : 'a day';
  return `Sessions here last ${life}: restart with -- --max-age=5000.`;
}

async function request(path: string): Promise<void> {
  try {
    await fetch(path, {
      headers: { 'x-lab': '1' },
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch (error) {
    status(`The request failed: ${String(error)}`);
  }
}

async function jar(action: string): Promise<void> {
  await fetch(`/__lab/jar/${action}`, {
    method: 'POST',
    headers: { 'x-lab': '1' },
    credentials: 'same-origin',
  });
  await request('/read');
}

function status(text: string): void {
  $('status').textContent = text;
}

/** The newest `_expire` this browser was given, from its own requests. */
function latestExpire(): number | undefined {
  const mine = requestCards()
    .filter((c) => c.client === 'lab')
    .reverse();
  for (const card of mine) {
    if (hello?.mode === 'cookie') {
      const sent = card.setCookies.find(
        (c) => c.name === hello?.cookie.key && c.value,
      );
      const value = sent?.value ?? card.cookie?.value;
      if (value) {
        const decoded = decodeCookie(value);
        if (decoded.ok) return expireOf(decoded.data);
      }
    } else {
      for (const record of card.records) {
        const expire = expireOf(parseStored(record.raw));
        if (expire) return expire;
      }
    }
  }
  return undefined;
}

let waiting = false;

async function waitPastMaxAge(button: HTMLButtonElement): Promise<void> {
  if (waiting) return;
  const limit = waitLimitText();
  if (limit) {
    status(limit);
    return;
  }
  const expire = latestExpire();
  if (!expire) {
    status('No session with an _expire yet: press Change session first.');
    return;
  }
  waiting = true;
  button.setAttribute('aria-disabled', 'true');
  const line = $('x-wait');
  const deadline = Math.max(expire, Date.now()) + 600;
  line.replaceChildren(
    'Waiting for real: ',
    countdown(deadline, ''),
    ' — then one request.',
  );
  status('Waiting past maxAge…');
  await new Promise((resolve) => setTimeout(resolve, deadline - Date.now()));
  await request(counterPath());
  waiting = false;
  button.removeAttribute('aria-disabled');
  expectations();
  status('Waited past _expire and sent one request: see the newest card.');
}

function wireButtons(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>(
    'button[data-act]',
  )) {
    button.addEventListener('click', () => {
      switch (button.dataset.act) {
        case 'send':
          return void request('/read');
        case 'change':
          return void request(counterPath());
        case 'tamper':
          return void jar('tamper');
        case 'drop':
          return void jar('drop-signature');
        case 'replay':
          return void jar('replay');
        case 'grow':
          return void request('/grow?bytes=5000');
        case 'logout':
          return void request('/logout');
        case 'regenerate':
          return void request('/regenerate');
        case 'wait':
          return void waitPastMaxAge(button);
        case 'kill':
          return void killMine(button);
        case 'restart':
          return void restartKilled();
      }
    });
  }
  const toggle = $('fixed');
  toggle.addEventListener('click', () => {
    fixed = !fixed;
    toggle.setAttribute('aria-checked', String(fixed));
    expectations();
  });
}

// ---------------------------------------------------------------------------
// The stream
// ---------------------------------------------------------------------------

function connect(): void {
  const events = new EventSource('/__lab/events');
  events.addEventListener('hello', (message) => {
    hello = JSON.parse((message as MessageEvent<string>).data) as LabHello;
    cards = hello.cards;
    clusterView = hello.cluster;
    $('demo-name').textContent = hello.name;
    $('demo-title').textContent = hello.title;
    ($('book-home') as HTMLAnchorElement).href =
      `${hello.bookUrl}/run-it-yourself.html`;
    document.title = `Session Lab · ${hello.name}`;
    status(
      `Live: ${hello.name} demo, ${hello.cluster ? 'front ' : ''}process ${hello.pid}, cookie ${hello.cookie.key}${hello.cookie.signed ? ' (signed)' : ''}`,
    );
    expectations();
    renderAll();
    renderCluster();
  });
  events.addEventListener('cluster', (message) => {
    clusterView = JSON.parse(
      (message as MessageEvent<string>).data,
    ) as ClusterView;
    renderCluster();
  });
  events.addEventListener('card', (message) => {
    const card = JSON.parse((message as MessageEvent<string>).data) as LabCard;
    cards.push(card);
    if (cards.length > 50) cards.shift();
    addCard(card);
    if (card.kind === 'request' && card.placement) renderCluster();
  });
  events.addEventListener('error', () => {
    status('Connection lost: reconnecting… (is the server still running?)');
  });
}

wireButtons();
connect();
