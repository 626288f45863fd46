/**
 * Options parity: every option in koa-session 7.0.2's schema, given a
 * generated spread of values, on koa-session itself and on the port.
 *
 * For each option × value × mode (a cookie session, and a store session)
 * both implementations are built with `{ [option]: value }` (plus the store,
 * in store mode). First the start-up verdict: does `session(opts, app)`
 * throw? Then, where both start, the same three requests — a write, a read
 * with the cookies (and `x-sid` header) the write returned, a logout — with
 * the clock frozen and `randomUUID` counting, so two faithful runs print the
 * very same bytes. What is compared: status, body, every `Set-Cookie` line,
 * the `x-sid` header, every store call, and the messages of the errors the
 * app reported.
 *
 * "Valid input", as issue 19 defines it: koa-session's own schema accepts
 * the value, and koa-session then serves requests with it without throwing
 * (and without writing something broken: a cookie dated `Invalid Date`).
 * On valid input the port must behave identically, byte for byte. Where
 * koa-session accepts a value and then fails, the port may differ — refuse
 * it at start-up, or harden against it — but only as a deviation listed in
 * {@link DEVIATIONS} and on chapters/deviations.md.
 *
 * Read with: chapters/deviations.md#options
 */
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import Koa from 'koa';
import upstreamSession from 'koa-session';
import request from 'supertest';
import { cookiePair } from '../../playground/shared/cookies.js';
import { createSession } from '../../src/index.js';
import { RecordingStore } from '../support/stores.js';

export type Impl = 'port' | 'upstream';
export type Mode = 'cookie' | 'store';

/** One value to try, with a label that reads well in a test name. */
export interface Trial {
  label: string;
  /** A fresh value per run: stores and classes carry state. */
  make: () => unknown;
}

/** The instant every run's clock is frozen at. */
const T0 = Date.UTC(2025, 0, 1);

const ANY: Trial[] = [
  { label: 'undefined', make: () => undefined },
  { label: 'null', make: () => null },
  { label: "''", make: () => '' },
  { label: "'x'", make: () => 'x' },
  { label: '0', make: () => 0 },
  { label: '-1', make: () => -1 },
  { label: '1.5', make: () => 1.5 },
  { label: 'NaN', make: () => Number.NaN },
  { label: 'Infinity', make: () => Number.POSITIVE_INFINITY },
  { label: 'true', make: () => true },
  { label: 'false', make: () => false },
  { label: '{}', make: () => ({}) },
  { label: '[]', make: () => [] },
  { label: 'a function', make: () => () => 'fn' },
  { label: 'a class', make: () => class Empty {} },
];

/** Values that make sense for one option, on top of the shared spread. */
const SPECIFIC: Record<string, Trial[]> = {
  key: [
    { label: "'koa.sess'", make: () => 'koa.sess' },
    { label: "'koa:sess'", make: () => 'koa:sess' },
    { label: "'USER_SID'", make: () => 'USER_SID' },
    { label: "'koa=sess'", make: () => 'koa=sess' },
    { label: "'a b'", make: () => 'a b' },
    { label: "'sess;ion'", make: () => 'sess;ion' },
    { label: "'café'", make: () => 'café' },
    { label: "'☕'", make: () => '☕' },
    { label: "'x' × 300", make: () => 'x'.repeat(300) },
  ],
  maxAge: [
    { label: "'session'", make: () => 'session' },
    { label: "'Session'", make: () => 'Session' },
    { label: "'1000'", make: () => '1000' },
    { label: '1', make: () => 1 },
    { label: '1000', make: () => 1000 },
    { label: '86_400_000', make: () => 86_400_000 },
    { label: '-0', make: () => -0 },
    { label: '-86_400_000', make: () => -86_400_000 },
    { label: '0.4', make: () => 0.4 },
    { label: '400 days', make: () => 400 * 86_400_000 },
    { label: 'Number.MAX_SAFE_INTEGER', make: () => Number.MAX_SAFE_INTEGER },
    { label: '-Number.MAX_SAFE_INTEGER', make: () => -Number.MAX_SAFE_INTEGER },
    { label: '1e16', make: () => 1e16 },
    // The frozen clock is T0: the last lifetime a Date can hold, and one past.
    { label: 'the largest a Date holds', make: () => 8.64e15 - T0 },
    { label: 'one past the largest', make: () => 8.64e15 - T0 + 1 },
    { label: '-Infinity', make: () => Number.NEGATIVE_INFINITY },
    { label: 'a Date', make: () => new Date(0) },
    { label: '1n', make: () => 1n },
  ],
  sameSite: [
    { label: "'lax'", make: () => 'lax' },
    { label: "'Lax'", make: () => 'Lax' },
    { label: "'STRICT'", make: () => 'STRICT' },
    { label: "'none'", make: () => 'none' },
    { label: "'None'", make: () => 'None' },
    { label: "'sometimes'", make: () => 'sometimes' },
    { label: "' lax'", make: () => ' lax' },
    { label: "'true'", make: () => 'true' },
    { label: "'false'", make: () => 'false' },
  ],
  prefix: [
    { label: "'shop-'", make: () => 'shop-' },
    { label: "'a b;'", make: () => 'a b;' },
    { label: "'sess:'", make: () => 'sess:' },
  ],
  secure: [],
  store: [
    { label: 'a recording store', make: () => new RecordingStore() },
    {
      label: 'a plain object store',
      make: () => {
        const records = new Map<string, unknown>();
        return {
          get: (k: string) => records.get(k),
          set: (k: string, v: unknown) => void records.set(k, JSON.parse(JSON.stringify(v))),
          destroy: (k: string) => void records.delete(k),
        };
      },
    },
    {
      label: 'a store whose get rejects',
      make: () => ({
        get: async () => {
          throw new Error('store down');
        },
        set: async () => undefined,
        destroy: async () => undefined,
      }),
    },
    {
      label: 'a store missing destroy',
      make: () => ({ get: () => undefined, set: () => undefined }),
    },
    {
      label: 'a store whose get is not a function',
      make: () => ({ get: 1, set: () => undefined, destroy: () => undefined }),
    },
    {
      label: 'a function carrying get, set, destroy',
      make: () => Object.assign(() => undefined, new RecordingStore()),
    },
  ],
  externalKey: [
    {
      label: 'a header pair',
      make: () => ({
        get: (ctx: Koa.Context) => ctx.get('x-sid') || undefined,
        set: (ctx: Koa.Context, id: string) => ctx.set('x-sid', id),
      }),
    },
    { label: 'get only', make: () => ({ get: () => undefined }) },
    {
      label: 'a get that throws',
      make: () => ({
        get: () => {
          throw new Error('externalKey bug');
        },
        set: () => undefined,
      }),
    },
    { label: 'set not a function', make: () => ({ get: () => undefined, set: 'x' }) },
  ],
  ContextStore: [
    {
      label: 'a class with get, set, destroy',
      make: () => {
        const records = new Map<string, unknown>();
        return class PerRequest {
          get(k: string) {
            return records.get(k);
          }
          set(k: string, v: unknown) {
            records.set(k, JSON.parse(JSON.stringify(v)));
          }
          destroy(k: string) {
            records.delete(k);
          }
        };
      },
    },
    {
      label: 'a class missing destroy',
      make: () =>
        class Half {
          get() {
            return undefined;
          }
          set() {}
        },
    },
    {
      label: 'a plain function with prototype methods',
      make: () => {
        function Old() {}
        Old.prototype.get = () => undefined;
        Old.prototype.set = () => undefined;
        Old.prototype.destroy = () => undefined;
        return Old;
      },
    },
  ],
  encode: [
    { label: 'JSON, no base64', make: () => (data: unknown) => JSON.stringify(data) },
    { label: 'a function returning a number', make: () => () => 42 },
    { label: 'a function returning undefined', make: () => () => undefined },
    {
      label: 'a function that throws',
      make: () => () => {
        throw new Error('encode bug');
      },
    },
  ],
  decode: [
    {
      label: 'base64 JSON',
      make: () => (s: string) => JSON.parse(Buffer.from(s, 'base64').toString()),
    },
    { label: 'a function returning a string', make: () => () => 'not an object' },
    { label: 'a function returning null', make: () => () => null },
    {
      label: 'a function throwing a TypeError',
      make: () => () => {
        throw new TypeError('decode bug');
      },
    },
    {
      label: 'a function throwing a string',
      make: () => () => {
        throw 'decode bug';
      },
    },
    {
      label: 'a function throwing a null-prototype object',
      make: () => () => {
        throw Object.create(null);
      },
    },
  ],
  genid: [
    {
      label: 'a counter',
      make: () => {
        let n = 0;
        return () => `id-${++n}`;
      },
    },
    { label: 'a function returning a number', make: () => () => 7 },
    { label: "a function returning ''", make: () => () => '' },
    {
      label: 'a function that throws',
      make: () => () => {
        throw new Error('genid bug');
      },
    },
  ],
  valid: [
    { label: '() => true', make: () => () => true },
    { label: '() => false', make: () => () => false },
    { label: '() => undefined', make: () => () => undefined },
    {
      label: 'a function that throws',
      make: () => () => {
        throw new Error('valid bug');
      },
    },
  ],
  beforeSave: [
    {
      label: 'a stamping function',
      make: () => (_ctx: unknown, s: Record<string, unknown>) => {
        s.stamped = true;
      },
    },
    {
      label: 'a function that throws',
      make: () => () => {
        throw new Error('beforeSave bug');
      },
    },
  ],
};

/** koa-session 7.0.2's schema, option by option (src/index.ts of the tag). */
export const SCHEMA_OPTIONS = [
  'key',
  'maxAge',
  'autoCommit',
  'overwrite',
  'httpOnly',
  'signed',
  'rolling',
  'renew',
  'secure',
  'sameSite',
  'externalKey',
  'store',
  'ContextStore',
  'encode',
  'decode',
  'genid',
  'prefix',
  'valid',
  'beforeSave',
] as const;
export type OptionName = (typeof SCHEMA_OPTIONS)[number];

/** Every option with its trials: the shared spread, then its own values. */
export function trialsFor(option: OptionName): Trial[] {
  return [...ANY, ...(SPECIFIC[option] ?? [])];
}

/** In which modes an option is tried (store and ContextStore make their own). */
export function modesFor(option: OptionName): Mode[] {
  return option === 'store' || option === 'ContextStore' ? ['cookie'] : ['cookie', 'store'];
}

/** What one request produced. */
export interface Exchange {
  status: number;
  body: string;
  setCookie: string[];
  sid: string | undefined;
}

/** What one implementation did with one configuration. */
export type Run =
  | { started: false; error: string }
  | {
      started: true;
      exchanges: Exchange[];
      storeCalls: unknown[];
      errors: string[];
    };

/**
 * A deterministic world for one run: `Date.now()` frozen at the book's
 * instant, `randomUUID` a counter. Returns the function that restores both.
 */
function controlledWorld(): () => void {
  const realNow = Date.now;
  const realUuid = crypto.randomUUID;
  let n = 0;
  Date.now = () => T0;
  crypto.randomUUID = (() =>
    `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`) as typeof crypto.randomUUID;
  syncBuiltinESMExports();
  return () => {
    Date.now = realNow;
    crypto.randomUUID = realUuid;
    syncBuiltinESMExports();
  };
}

/** `session(opts, app)` of one implementation. */
function factory(impl: Impl) {
  return (impl === 'upstream' ? upstreamSession : createSession) as unknown as (
    opts: Record<string, unknown>,
    app: Koa,
  ) => Koa.Middleware;
}

/** Build and exercise one implementation with one configuration. */
export async function runOne(
  impl: Impl,
  option: OptionName,
  trial: Trial,
  mode: Mode,
): Promise<Run> {
  const restore = controlledWorld();
  try {
    const store = mode === 'store' ? new RecordingStore() : undefined;
    const opts: Record<string, unknown> = {};
    if (store) opts.store = store;
    opts[option] = trial.make();
    const recording = opts.store instanceof RecordingStore ? opts.store : undefined;
    const app = new Koa();
    app.keys = ['parity key'];
    app.silent = true;
    const errors: string[] = [];
    app.on('error', (err: Error) => errors.push(String(err?.message ?? err)));
    let mw: Koa.Middleware;
    try {
      mw = factory(impl)(opts, app);
    } catch (err) {
      return { started: false, error: `${(err as Error).name}` };
    }
    app.use(mw);
    app.use((ctx) => {
      if (ctx.path === '/logout') {
        ctx.session = null;
        ctx.body = 'bye';
        return;
      }
      const s = ctx.session!;
      if (ctx.path === '/write') s.views = ((s.views as number | undefined) ?? 0) + 1;
      ctx.body = `views ${String(s.views)}`;
    });
    const exchanges: Exchange[] = [];
    let cookie = '';
    let sid: string | undefined;
    for (const path of ['/write', '/read', '/logout']) {
      let req = request(app.callback()).get(path);
      if (cookie) req = req.set('Cookie', cookie);
      if (sid) req = req.set('x-sid', sid);
      const res = await req;
      const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
      const setCookie = raw ?? [];
      exchanges.push({
        status: res.status,
        body: res.text,
        setCookie,
        sid: res.headers['x-sid'] as string | undefined,
      });
      // A browser's jar in one line: the pairs the last response set.
      if (setCookie.length) {
        cookie = setCookie
          .map(cookiePair)
          .filter((pair) => !pair.endsWith('='))
          .join('; ');
      }
      if (res.headers['x-sid']) sid = res.headers['x-sid'] as string;
    }
    return { started: true, exchanges, storeCalls: recording?.calls ?? [], errors };
  } finally {
    restore();
  }
}

/** What went wrong in a run that started, as the issue names the kinds. */
export function brokenKinds(run: Run): string[] {
  if (!run.started) return [];
  const kinds = new Set<string>();
  for (const x of run.exchanges) {
    if (x.status >= 500) kinds.add('500');
    if (x.setCookie.some((line) => /expires=Invalid Date/i.test(line)))
      kinds.add('expires=Invalid Date');
  }
  return [...kinds];
}
