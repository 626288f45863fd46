/**
 * The differential harness: run one scenario against two session
 * implementations side by side and report the first observable difference.
 *
 * Each side gets its own Koa app (same configuration), its own recording
 * store, its own cookie jars — one per simulated browser — and its own id
 * counters. Both sides share one controlled clock (`Date.now` is stubbed)
 * and one HTTP server whose request listener is pointed at the side being
 * exercised, so every request goes through real HTTP parsing, Koa's error
 * handling and real `Set-Cookie` headers. Steps run strictly one at a time:
 * side A, then side B, then compare.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { CookieJar } from '../../playground/shared/cookies.js';
import { sign } from '../support/cookies.js';
import {
  type Action,
  type Codec,
  decodeWith,
  encodeWith,
  FUNCTION,
  type Json,
  type OptionSpec,
  type Scenario,
  type Step,
  UNDEFINED,
  uuidFor,
} from './scenario.js';

/** A session middleware factory under test: `session(opts, app)`. */
export interface Impl {
  name: string;
  create(opts: Record<string, unknown>, app: Koa): Koa.Middleware;
}

// ---------------------------------------------------------------------------
// The shared, controlled world

/**
 * What both sides see: the controlled clock and which side is running (so
 * the stubbed `randomUUID` can hand each side its own deterministic
 * sequence). The test file installs the stubs and points them here.
 */
export const world: { now: number; active: SideState | undefined } = {
  now: 0,
  active: undefined,
};

/** The stub for `crypto.randomUUID`: the active side's next id. */
export function nextUuid(): string | undefined {
  const side = world.active;
  if (!side) return undefined;
  side.uuids += 1;
  return uuidFor(side.uuids);
}

let server: http.Server | undefined;
let serverPort = 0;
let agent: http.Agent | undefined;
let listener: http.RequestListener = (_req, res) => {
  res.statusCode = 503;
  res.end('no side active');
};

/** Start the one loopback server all scenarios share. */
export async function startServer(): Promise<void> {
  if (server) return;
  server = http.createServer((req, res) => listener(req, res));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  serverPort = (server.address() as AddressInfo).port;
  agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
}

export async function stopServer(): Promise<void> {
  agent?.destroy();
  agent = undefined;
  if (!server) return;
  const s = server;
  server = undefined;
  s.closeAllConnections();
  await new Promise<void>((resolve) => s.close(() => resolve()));
}

interface RawResponse {
  status: number;
  headers: [string, string][];
  body: string;
}

function send(path: string, headers: Record<string, string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: serverPort, path, method: 'GET', headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const pairs: [string, string][] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            pairs.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: pairs,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Let `setImmediate` callbacks queued during the request (session events) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// ---------------------------------------------------------------------------
// Snapshots: turning arguments and values into comparable JSON

const CTX = '<ctx>';

function isKoaContext(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    'app' in value &&
    'req' in value &&
    'res' in value &&
    'cookies' in value
  );
}

/**
 * A JSON-safe copy of `value` that keeps what JSON would lose: `undefined`,
 * functions, non-finite numbers, and the Koa context (replaced by a marker —
 * two contexts are never equal, but "a context was passed here" is what
 * matters). Key order is preserved: it is observable in cookies.
 */
export function snap(value: unknown, depth = 0): Json {
  if (value === undefined) return UNDEFINED;
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : `<number ${value}>`;
  if (typeof value === 'function') return '<function>';
  if (typeof value !== 'object') return `<${typeof value}>`;
  if (isKoaContext(value)) return CTX;
  if (depth > 20) return '<deep>';
  if (Array.isArray(value)) return value.map((item) => snap(item, depth + 1));
  const out: { [key: string]: Json } = {};
  for (const key of Object.keys(value)) {
    out[key] = snap((value as Record<string, unknown>)[key], depth + 1);
  }
  return out;
}

function fromSpec(value: Json): unknown {
  if (value === UNDEFINED) return undefined;
  if (value === FUNCTION) return function helper() {};
  return structuredClone(value);
}

// ---------------------------------------------------------------------------
// One side of the comparison

interface BackingRecord {
  json: string;
  expiresAt: number | undefined;
}

export interface SideState {
  label: string;
  app: Koa;
  /** The options object handed to `session()`; live steps write into it. */
  opts: Record<string, unknown>;
  backing: Map<string, BackingRecord>;
  failNext: Set<string>;
  /** Observations of the current step. */
  calls: Json[];
  events: Json[];
  errors: Json[];
  warnings: Json[];
  /** One browser per client; no size limit, so no cookie is ever refused. */
  jars: CookieJar[];
  extKeys: (string | undefined)[];
  genids: number;
  uuids: number;
  /** The session cookie's name, as far as tamper/drop/garbage steps are concerned. */
  cookieName: string;
  /** The program the handler runs for the current request. */
  program: { actions: Action[]; manual: boolean };
}

const REQUEST_PATH = '/p/x';

/** A simulated browser: no size limit, so every cookie the apps set is kept. */
function newJar(): CookieJar {
  return new CookieJar({ limit: Number.POSITIVE_INFINITY });
}
const HEADER = 'x-session-id';

function makeStore(side: SideState, spec: OptionSpec) {
  const missing = spec.storeMissing === 'null' ? null : undefined;
  const out = <T>(value: T): T | Promise<T> => (spec.storeAsync ? Promise.resolve(value) : value);
  const maybeFail = (op: string) => {
    if (side.failNext.delete(op)) throw new Error(`store ${op} failed`);
  };
  return {
    get(key: string, maxAge: unknown, options: unknown) {
      side.calls.push(['get', snap(key), snap(maxAge), snap(options)]);
      maybeFail('get');
      const record = side.backing.get(key);
      if (!record) return out(missing);
      if (record.expiresAt !== undefined && record.expiresAt <= world.now) {
        side.backing.delete(key);
        return out(missing);
      }
      return out(JSON.parse(record.json) as unknown);
    },
    set(key: string, data: unknown, maxAge: unknown, options: unknown) {
      side.calls.push(['set', snap(key), snap(data), snap(maxAge), snap(options)]);
      maybeFail('set');
      side.backing.set(key, {
        json: JSON.stringify(data),
        expiresAt: typeof maxAge === 'number' ? world.now + maxAge : undefined,
      });
      return out(undefined);
    },
    destroy(key: string, options: unknown) {
      side.calls.push(['destroy', snap(key), snap(options)]);
      maybeFail('destroy');
      side.backing.delete(key);
      return out(undefined);
    },
  };
}

/** Turn the spec into a real options object for one side. */
function buildOptions(spec: OptionSpec, side: SideState): Record<string, unknown> {
  const opts: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(spec.opts)) opts[name] = fromSpec(value);
  if (spec.mode === 'store') opts.store = makeStore(side, spec);
  if (spec.mode === 'context-store') {
    const backing = makeStore(side, spec);
    opts.ContextStore = class PerRequestStore {
      constructor(ctx: unknown) {
        side.calls.push(['construct', snap(ctx)]);
      }
      get(key: string, maxAge: unknown, options: unknown) {
        return backing.get(key, maxAge, options);
      }
      set(key: string, data: unknown, maxAge: unknown, options: unknown) {
        return backing.set(key, data, maxAge, options);
      }
      destroy(key: string, options: unknown) {
        return backing.destroy(key, options);
      }
    };
  }
  if (spec.externalKeyHeader) {
    opts.externalKey = {
      get: (ctx: Koa.Context) => ctx.get(HEADER),
      set: (ctx: Koa.Context, key: string) => ctx.set(HEADER, key),
    };
  }
  if (spec.genid === 'counter') {
    opts.genid = () => {
      side.genids += 1;
      return `id-${side.genids}`;
    };
  }
  if (spec.valid) {
    opts.valid = (_ctx: unknown, data: unknown) =>
      !(
        typeof data === 'object' &&
        data !== null &&
        (data as { poison?: unknown }).poison === true
      );
  }
  if (spec.beforeSave === 'count') {
    opts.beforeSave = (_ctx: unknown, session: Record<string, unknown>) => {
      session.saves = typeof session.saves === 'number' ? session.saves + 1 : 1;
    };
  } else if (spec.beforeSave === 'stamp') {
    opts.beforeSave = (_ctx: unknown, session: Record<string, unknown>) => {
      session.savedAt = Date.now();
    };
  } else if (spec.beforeSave === 'private') {
    opts.beforeSave = (_ctx: unknown, session: Record<string, unknown>) => {
      session._seen = true;
    };
  }
  if (spec.codec !== 'default') {
    const codec: Codec = spec.codec;
    opts.encode = (data: unknown) => encodeWith(codec, data);
    opts.decode = (text: string) => decodeWith(codec, text);
  }
  return opts;
}

/**
 * What a handler sees of `ctx.sessionOptions`: every key, in order, with its
 * value — plain values as they are, functions and objects (store, codecs,
 * genid) by kind only; those are compared through their effects instead.
 */
function optionSummary(options: unknown): Json {
  if (!options || typeof options !== 'object') return snap(options);
  return Object.entries(options).map(([k, v]) => [
    k,
    typeof v === 'function'
      ? '<function>'
      : v !== null && typeof v === 'object'
        ? '<object>'
        : snap(v),
  ]);
}

type AnySession = Record<string, any> | null;

/** Run one handler action. Results go into `log`, which becomes the response body. */
async function perform(
  ctx: Koa.Context,
  action: Action,
  log: Json[],
  held: { session?: AnySession },
): Promise<void> {
  const session = (): AnySession => (ctx as any).session as AnySession;
  switch (action.a) {
    case 'read': {
      const s = session();
      log.push(['read', s ? snap(s.toJSON()) : null]);
      return;
    }
    case 'inspect': {
      const s = session();
      if (!s) {
        log.push(['inspect', null]);
        return;
      }
      log.push([
        'inspect',
        {
          isNew: s.isNew,
          length: s.length,
          populated: s.populated,
          externalKey: snap(s.externalKey),
          maxAge: snap(s.maxAge),
          json: snap(s.toJSON()),
          own: Object.keys(s),
          options: optionSummary(ctx.sessionOptions),
        },
      ]);
      return;
    }
    case 'set': {
      const s = session();
      if (s) s[action.k] = fromSpec(action.v);
      log.push(['set', s ? 'ok' : null]);
      return;
    }
    case 'incr': {
      const s = session();
      if (s) s[action.k] = typeof s[action.k] === 'number' ? s[action.k] + 1 : 1;
      log.push(['incr', s ? snap(s[action.k]) : null]);
      return;
    }
    case 'del': {
      const s = session();
      if (s) delete s[action.k];
      log.push(['del', s ? 'ok' : null]);
      return;
    }
    case 'null':
      (ctx as any).session = null;
      log.push(['null']);
      return;
    case 'assign':
      (ctx as any).session = fromSpec(action.v);
      log.push(['assign']);
      return;
    case 'assignBad':
      (ctx as any).session = fromSpec(action.v);
      log.push(['assignBad', 'accepted']);
      return;
    case 'maxAge': {
      const s = session();
      if (s) s.maxAge = fromSpec(action.v);
      log.push(['maxAge', s ? snap(s.maxAge) : null]);
      return;
    }
    case 'hold':
      held.session = session();
      log.push(['hold', !!held.session]);
      return;
    case 'save':
    case 'regenerate':
    case 'commit': {
      const s = action.held && held.session !== undefined ? held.session : session();
      if (!s) {
        log.push([action.a, null]);
        return;
      }
      if (action.cb) {
        const err = await new Promise<unknown>((resolve) => {
          const ret = s[action.a]((e: unknown) => resolve(e));
          log.push([`${action.a}:returned`, snap(ret)]);
        });
        log.push([action.a, err ? `error: ${(err as Error).message}` : 'ok']);
      } else {
        const ret = s[action.a]();
        log.push([`${action.a}:returned`, ret instanceof Promise ? '<promise>' : snap(ret)]);
        await ret; // a failure propagates to Koa, as it would in an app
        log.push([action.a, 'ok']);
      }
      return;
    }
    case 'throw':
      if (action.status === 500) throw new Error('handler failed');
      ctx.throw(action.status, 'handler says no');
  }
}

function createSide(label: string, impl: Impl, spec: OptionSpec, clients: number): SideState {
  const app = new Koa();
  if (spec.appKeys) app.keys = [...spec.appKeys];
  if (spec.https) app.proxy = true;
  const side: SideState = {
    label,
    app,
    opts: {},
    backing: new Map(),
    failNext: new Set(),
    calls: [],
    events: [],
    errors: [],
    warnings: [],
    jars: Array.from({ length: clients }, () => newJar()),
    extKeys: Array.from({ length: clients }, () => undefined),
    genids: 0,
    uuids: 0,
    cookieName: typeof spec.opts.key === 'string' ? spec.opts.key : 'koa.sess',
    program: { actions: [], manual: false },
  };
  side.opts = buildOptions(spec, side);

  for (const name of ['missed', 'expired', 'invalid'] as const) {
    app.on(`session:${name}`, (data: { key?: unknown; value?: unknown; ctx?: unknown }) => {
      side.events.push([
        name,
        snap(data.key),
        snap(data.value),
        isKoaContext(data.ctx) && (data.ctx as Koa.Context).app === app,
      ]);
    });
  }
  // A listener on 'error' also stops Koa from logging every expected 500.
  app.on('error', (err: Error & { status?: number; expose?: boolean; headers?: unknown }) => {
    side.errors.push(
      snap({ message: err.message, status: err.status, expose: err.expose, headers: err.headers }),
    );
  });

  // koa-session prints a deprecation warning for `maxage`; so does the port.
  const originalWarn = console.warn;
  console.warn = (...args: unknown[]) => {
    side.warnings.push(snap(args.map(String)));
  };
  if (spec.early !== 'none') {
    app.use(async (ctx, next) => {
      const s = (ctx as any).session as AnySession;
      if (spec.early === 'write' && s) s.early = 1;
      await next();
    });
  }
  try {
    app.use(impl.create(side.opts, app));
    // Equal options, separate object (koa-session writes into its options).
    if (spec.double) app.use(impl.create(buildOptions(spec, side), app));
  } catch (err) {
    side.warnings.push(['construct failed', String(err)]);
  } finally {
    console.warn = originalWarn;
  }

  app.use(async (ctx) => {
    const { actions, manual } = side.program;
    const log: Json[] = [];
    const held: { session?: AnySession } = {};
    for (const action of actions) await perform(ctx, action, log, held);
    if (manual) {
      const s = (ctx as any).session as AnySession;
      if (s) await s.manuallyCommit();
      log.push(['manuallyCommit', !!s]);
    }
    ctx.body = log;
  });
  return side;
}

// ---------------------------------------------------------------------------
// Steps

/** The session id a client currently presents (store mode): header or cookie. */
function presentedId(side: SideState, spec: OptionSpec, client: number): string | undefined {
  if (spec.externalKeyHeader) return side.extKeys[client];
  return side.jars[client]!.get(side.cookieName);
}

async function runRequest(
  side: SideState,
  spec: OptionSpec,
  step: Extract<Step, { t: 'req' }>,
): Promise<Json> {
  side.calls = [];
  side.events = [];
  side.errors = [];
  side.program = { actions: step.actions, manual: step.manual };
  const headers: Record<string, string> = { host: 'app.test' };
  const cookie = side.jars[step.client]!.header(REQUEST_PATH);
  if (cookie) headers.cookie = cookie;
  const ext = side.extKeys[step.client];
  if (spec.externalKeyHeader && ext !== undefined) headers[HEADER] = ext;
  if (spec.https) headers['x-forwarded-proto'] = 'https';

  world.active = side;
  listener = side.app.callback();
  let res: RawResponse;
  try {
    res = await send(REQUEST_PATH, headers);
    await settle();
    await settle();
  } finally {
    world.active = undefined;
  }

  const headerPairs = res.headers.filter(
    ([name]) => !['date', 'connection', 'keep-alive'].includes(name.toLowerCase()),
  );
  for (const [name, value] of headerPairs) {
    const lower = name.toLowerCase();
    if (lower === 'set-cookie') side.jars[step.client]!.take(value, REQUEST_PATH);
    if (lower === HEADER) side.extKeys[step.client] = value;
  }
  let body: Json = res.body;
  try {
    body = JSON.parse(res.body) as Json;
  } catch {
    // Koa's error bodies are plain text; keep them as they are.
  }
  return {
    status: res.status,
    headers: headerPairs,
    body,
    store: side.calls,
    events: side.events,
    errors: side.errors,
  };
}

/** Sign the client's current session cookie with the app's current first key. */
function forgeSignature(side: SideState, name: string, client: number): void {
  const jar = side.jars[client]!;
  const cookie = jar.cookie(name);
  const key = (side.app.keys as string[] | undefined)?.[0];
  if (!cookie || !key) return;
  jar.set(`${name}.sig`, sign(name, cookie.value, key), cookie);
}

/** Apply a between-requests step to one side. Must be a pure function of the step and the side. */
function applyClientStep(side: SideState, spec: OptionSpec, step: Step): void {
  const name = side.cookieName;
  switch (step.t) {
    case 'tamper': {
      const inHeader = spec.externalKeyHeader && step.target === 'value';
      const jar = side.jars[step.client]!;
      const cookie = inHeader
        ? undefined
        : jar.cookie(step.target === 'value' ? name : `${name}.sig`);
      const current = inHeader ? side.extKeys[step.client] : cookie?.value;
      if (!current) return;
      const chars = [...current];
      const index = Math.floor(step.pos * chars.length);
      chars[index] = chars[index] === step.ch ? (step.ch === 'A' ? 'B' : 'A') : step.ch;
      const tampered = chars.join('');
      if (inHeader) {
        side.extKeys[step.client] = tampered;
      } else {
        // Edited in place, as in the browser's developer tools.
        jar.set(cookie!.name, tampered, cookie);
        if (step.forge && step.target === 'value') forgeSignature(side, name, step.client);
      }
      return;
    }
    case 'drop': {
      const jar = side.jars[step.client]!;
      if (step.which === 'value' || step.which === 'both') jar.delete(name);
      if (step.which === 'sig' || step.which === 'both') jar.delete(`${name}.sig`);
      if (step.which === 'header' || step.which === 'both') side.extKeys[step.client] = undefined;
      return;
    }
    case 'garbage': {
      if (spec.externalKeyHeader) {
        side.extKeys[step.client] = step.value;
        return;
      }
      side.jars[step.client]!.set(name, step.value);
      if (step.forge) forgeSignature(side, name, step.client);
      return;
    }
    case 'steal': {
      side.jars[step.client] = side.jars[step.from]!.copy();
      side.extKeys[step.client] = side.extKeys[step.from];
      return;
    }
    case 'rotate': {
      const keys = side.app.keys as string[] | undefined;
      if (keys) side.app.keys = [step.key, ...keys].slice(0, step.keep);
      return;
    }
    case 'evict': {
      const id = presentedId(side, spec, step.client);
      if (id !== undefined) side.backing.delete(id);
      return;
    }
    case 'storeWrite': {
      const id = presentedId(side, spec, step.client);
      if (id) side.backing.set(id, { json: JSON.stringify(step.data), expiresAt: undefined });
      return;
    }
    case 'fail':
      side.failNext.add(step.op);
      return;
    case 'live':
      if (step.name === 'store-off') {
        side.opts[spec.mode === 'context-store' ? 'ContextStore' : 'store'] = undefined;
      } else if (step.remove) {
        delete side.opts[step.name];
      } else {
        side.opts[step.name] = fromSpec(step.value);
        if (step.name === 'key' && typeof step.value === 'string') side.cookieName = step.value;
      }
      return;
    case 'clock':
    case 'req':
      return;
  }
}

/** Client and store state after a step: compared too, as a cross-check. */
function stateOf(side: SideState): Json {
  return {
    jars: side.jars.map((jar) =>
      jar.cookies().map((c) => [c.name, c.value, snap(c.expires), c.path]),
    ),
    extKeys: side.extKeys.map((k) => snap(k)),
    store: [...side.backing]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, r]) => [key, r.json, snap(r.expiresAt)]),
    keys: snap(side.app.keys),
  };
}

// ---------------------------------------------------------------------------
// Running and comparing

export interface Mismatch {
  /** Index of the step that differed; -1 for construction. */
  step: number;
  /** Where in the observation the first difference is, e.g. `headers[2][1]`. */
  path: string;
  a: Json;
  b: Json;
}

export interface Outcome {
  seed: number;
  steps: number;
  requests: number;
  mismatch: Mismatch | undefined;
  /** Every observation of side A, in order (for the determinism check). */
  transcript: string[];
}

/** The path of the first difference between two JSON values, or undefined. */
export function firstDifference(a: Json, b: Json, path = ''): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return path || '(root)';
  }
  if (Array.isArray(a) !== Array.isArray(b)) return path || '(root)';
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= a.length || i >= b.length) return `${path}[${i}]`;
      const d = firstDifference(a[i]!, b[i]!, `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  const ao = a as { [key: string]: Json };
  const bo = b as { [key: string]: Json };
  const ak = Object.keys(ao);
  const bk = Object.keys(bo);
  for (let i = 0; i < Math.max(ak.length, bk.length); i++) {
    if (ak[i] !== bk[i]) return `${path}{keys}`;
    const k = ak[i]!;
    const d = firstDifference(ao[k]!, bo[k]!, path ? `${path}.${k}` : k);
    if (d) return d;
  }
  return undefined;
}

/**
 * Run `scenario` with implementation `a` and `b` and stop at the first
 * step whose observations differ. The caller must have stubbed `Date.now`
 * (to `world.now`) and `crypto.randomUUID` (to `nextUuid`) and started the
 * server.
 */
export async function runScenario(scenario: Scenario, a: Impl, b: Impl): Promise<Outcome> {
  const { spec, clients } = scenario;
  world.now = scenario.start;
  const sideA = createSide(a.name, a, spec, clients);
  const sideB = createSide(b.name, b, spec, clients);
  const transcript: string[] = [];
  let requests = 0;

  const construction: [Json, Json] = [sideA.warnings, sideB.warnings];
  transcript.push(JSON.stringify(construction[0]));
  const d0 = firstDifference(construction[0], construction[1]);
  if (d0) {
    return {
      seed: scenario.seed,
      steps: 0,
      requests,
      transcript,
      mismatch: { step: -1, path: d0, a: construction[0], b: construction[1] },
    };
  }

  for (let i = 0; i < scenario.steps.length; i++) {
    const step = scenario.steps[i]!;
    let obsA: Json;
    let obsB: Json;
    if (step.t === 'req') {
      requests++;
      obsA = { response: await runRequest(sideA, spec, step), state: stateOf(sideA) };
      obsB = { response: await runRequest(sideB, spec, step), state: stateOf(sideB) };
    } else {
      if (step.t === 'clock') world.now += step.ms;
      applyClientStep(sideA, spec, step);
      applyClientStep(sideB, spec, step);
      obsA = { state: stateOf(sideA) };
      obsB = { state: stateOf(sideB) };
    }
    transcript.push(JSON.stringify(obsA));
    const path = firstDifference(obsA, obsB);
    if (path) {
      return {
        seed: scenario.seed,
        steps: i + 1,
        requests,
        transcript,
        mismatch: { step: i, path, a: obsA, b: obsB },
      };
    }
  }
  return {
    seed: scenario.seed,
    steps: scenario.steps.length,
    requests,
    transcript,
    mismatch: undefined,
  };
}

/** One line per step, for the failure report. */
export function describeStep(step: Step): string {
  switch (step.t) {
    case 'req': {
      const acts = step.actions.map((act) => JSON.stringify(act)).join(', ');
      return `request by client ${step.client}: [${acts}]${step.manual ? ' + manuallyCommit()' : ''}`;
    }
    case 'clock':
      return `clock +${step.ms} ms`;
    default:
      return JSON.stringify(step);
  }
}

/** The failure message: everything needed to understand and replay the difference. */
export function formatMismatch(scenario: Scenario, outcome: Outcome, a: Impl, b: Impl): string {
  const m = outcome.mismatch;
  if (!m) return `seed ${scenario.seed}: no difference`;
  const lines = [
    `Differential mismatch between ${a.name} and ${b.name}`,
    `  seed: ${scenario.seed}`,
    `  reproduce: DIFF_SEED=${scenario.seed} npx vitest run test/differential`,
    `  options: ${JSON.stringify(scenario.spec)}`,
    `  clients: ${scenario.clients}, clock starts at ${scenario.start}`,
    '  steps:',
    ...scenario.steps
      .slice(0, m.step + 1)
      .map((s, i) => `    ${i === m.step ? '>>' : '  '} #${i} ${describeStep(s)}`),
    m.step < 0
      ? '  first difference: at construction (warnings / errors)'
      : `  first difference: step #${m.step}, at ${m.path}`,
    `  ${a.name}:`,
    indent(JSON.stringify(m.a, null, 2)),
    `  ${b.name}:`,
    indent(JSON.stringify(m.b, null, 2)),
  ];
  return lines.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
