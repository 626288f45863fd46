/**
 * The scenario generator of the differential test.
 *
 * A scenario is plain data — an option *spec* plus a list of steps — built
 * from one 32-bit seed. Keeping it plain data (no functions) means a failing
 * scenario can be printed in full and replayed from its seed alone; the
 * harness turns the spec into real options, once per side.
 *
 * What is deliberately NOT generated: the inputs on which the port is
 * *meant* to differ from koa-session 7.0.2 (chapters/deviations.md):
 *  - loaded data with reserved keys (`__proto__`, `toJSON`, `save`,
 *    `constructor`, `isNew`, `_requireSave` …),
 *  - unusable `_maxAge` / `maxAge` values in loaded data (truthy
 *    non-numbers, non-finite or out-of-Date-range numbers),
 *  - data that cannot be serialised (deep nesting, cycles, BigInt),
 *  - options the port rejects at startup but koa-session accepts (an
 *    unusable `maxAge`, a `sameSite` that is not lax/none/strict), and
 *    removing `encode`/`decode` after startup (the port falls back to the
 *    defaults, koa-session crashes on every request),
 *  - the two option changes only an object koa-session writes into can
 *    notice (see `genLive`; KNOWN_DIFFS.md, KD8 and KD9).
 * Those are covered by the hardening tests elsewhere (or pinned in
 * known-diffs.test.ts); here they would only report differences we already
 * know about.
 */
import { Rng } from './prng.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Stands for an explicit `undefined` in a spec (JSON has no `undefined`). */
export const UNDEFINED = '<undefined>';
/** Stands for a function value assigned to the session (never saved). */
export const FUNCTION = '<function>';

export const ONE_DAY = 24 * 60 * 60 * 1000;

/** Where the session lives: in the cookie, in `opts.store`, or in `opts.ContextStore`. */
export type Mode = 'cookie' | 'store' | 'context-store';

/**
 * Custom cookie codecs. `hex` throws a TypeError on bad input (the
 * clear-and-rethrow path); `reverse` only ever throws SyntaxErrors; `picky`
 * returns `null` for unparsable text and throws a non-Error value for
 * anything that is not a plain object.
 */
export type Codec = 'default' | 'hex' | 'reverse' | 'picky';

export interface OptionSpec {
  mode: Mode;
  /** Store methods return promises (true) or plain values (false). */
  storeAsync: boolean;
  /** What the store's `get` returns for an unknown id. */
  storeMissing: 'undefined' | 'null';
  /** Store mode: the session id travels in an `X-Session-Id` header (`opts.externalKey`). */
  externalKeyHeader: boolean;
  /** `app.keys`, or `null` for an app without keys. */
  appKeys: string[] | null;
  /** `app.proxy = true` and every request says `X-Forwarded-Proto: https`. */
  https: boolean;
  /** Plain option values, in the order they are written into the options object. */
  opts: Record<string, Json>;
  /** `counter`: a deterministic custom `genid`; `default`: the built-in one (randomUUID is stubbed). */
  genid: 'default' | 'counter';
  /** `opts.valid` rejects data whose `poison` is `true`. */
  valid: boolean;
  /** What `opts.beforeSave` does, if there is one. */
  beforeSave: 'none' | 'count' | 'stamp' | 'private';
  codec: Codec;
  /**
   * A middleware *before* the session middleware touches `ctx.session`
   * (`read`) or writes to it (`write`) — a path koa-session supports.
   */
  early: 'none' | 'read' | 'write';
  /**
   * `session()` is installed twice on the same app with equal options: the
   * first call's options win for `ctx.session`, both middlewares load and
   * commit (a koa-session behaviour the port keeps).
   */
  double: boolean;
}

/** One thing the request handler does with `ctx.session`. */
export type Action =
  | { a: 'read' }
  | { a: 'inspect' }
  | { a: 'set'; k: string; v: Json }
  | { a: 'incr'; k: string }
  | { a: 'del'; k: string }
  | { a: 'null' }
  | { a: 'assign'; v: { [key: string]: Json } }
  /** Assign something that is neither an object nor `null` (a programming error). */
  | { a: 'assignBad'; v: Json }
  /** Keep a reference to the current session object for a later `held` commit. */
  | { a: 'hold' }
  /** `held`: call the method on the reference kept by `hold` (it may be stale by then). */
  | { a: 'save' | 'regenerate' | 'commit'; cb: boolean; held: boolean }
  | { a: 'maxAge'; v: Json }
  | { a: 'throw'; status: number };

/** One step of a scenario: a request, or something that happens between requests. */
export type Step =
  /** Client `client` sends a request; the handler runs `actions`, then `manuallyCommit()` if `manual`. */
  | { t: 'req'; client: number; actions: Action[]; manual: boolean }
  /** The controlled clock moves forward. */
  | { t: 'clock'; ms: number }
  /**
   * One character of the session cookie (or its signature, or the id
   * header) changes; `forge` re-signs a changed value with the current key,
   * as someone holding the key could — so that it reaches `decode`.
   */
  | {
      t: 'tamper';
      client: number;
      target: 'value' | 'sig';
      pos: number;
      ch: string;
      forge: boolean;
    }
  /** The client forgets its cookie, its signature, both, or its id header. */
  | { t: 'drop'; client: number; which: 'value' | 'sig' | 'both' | 'header' }
  /** The client sends `value` as its session cookie (or id header); `forge` signs it with the current key. */
  | { t: 'garbage'; client: number; value: string; forge: boolean }
  /** `client` copies the cookies and id header of `from`. */
  | { t: 'steal'; client: number; from: number }
  /** Key rotation: `app.keys = [key, ...app.keys].slice(0, keep)` on both apps. */
  | { t: 'rotate'; key: string; keep: number }
  /** The store loses the record the client's id points at. */
  | { t: 'evict'; client: number }
  /** The store's record under the client's id is replaced by `data`. */
  | { t: 'storeWrite'; client: number; data: Json }
  /** The next store call of this kind throws. */
  | { t: 'fail'; op: 'get' | 'set' | 'destroy' }
  /**
   * The options object is changed after startup (both libraries read it per
   * request): `value` is written, or with `remove` the key is deleted.
   */
  | { t: 'live'; name: string; value: Json; remove?: boolean };

export interface Scenario {
  seed: number;
  spec: OptionSpec;
  clients: number;
  /** Controlled clock at the first step (ms since epoch). */
  start: number;
  steps: Step[];
}

// ---------------------------------------------------------------------------
// Codecs (shared with the harness so garbage cookies can be "well formed")

export function encodeWith(codec: Codec, data: unknown): string {
  const json = JSON.stringify(data);
  if (codec === 'hex') return Buffer.from(json).toString('hex');
  const b64 = Buffer.from(json).toString('base64');
  return codec === 'reverse' ? [...b64].reverse().join('') : b64;
}

export function decodeWith(codec: Codec, text: string): unknown {
  if (codec === 'hex') {
    // A TypeError (not a SyntaxError) on purpose: both libraries must then
    // clear the cookie and rethrow instead of starting a fresh session.
    if (!/^(?:[0-9a-f]{2})*$/.test(text)) throw new TypeError('hex codec: not a hex string');
    return JSON.parse(Buffer.from(text, 'hex').toString('utf8'));
  }
  const b64 = codec === 'reverse' ? [...text].reverse().join('') : text;
  const json = Buffer.from(b64, 'base64').toString('utf8');
  if (codec !== 'picky') return JSON.parse(json);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw { code: 'EPICKY' }; // not an Error: both libraries must start afresh quietly
  }
  return value;
}

// ---------------------------------------------------------------------------
// Value pools

/**
 * Session property names used by the handler. Reserved and getter-only
 * names are left out (see the header comment); `_tmp` is in because names
 * starting with `_` are kept on the session but never saved; '0' and '10'
 * are in because integer-like keys change property order.
 */
const DATA_KEYS = ['a', 'b', 'views', 'user', 'cart', 'n', 'é', 'x y', '0', '10', '_tmp', 'poison'];
const STRINGS = [
  '',
  'x',
  'hello',
  'é日本🙂',
  'a;b,c',
  '"quoted"',
  'back\\slash',
  '<b>',
  ' spaced ',
];
const COOKIE_KEYS = ['sid', 'app.session', 'S', 'koa.sess', 'my-sess'];
/** Lifetimes both libraries accept at startup. */
const MAX_AGES: Json[] = [1, 500, 1000, 2500, 5000, 60_000, ONE_DAY, 0, 1500.5, -1000, 'session'];
/** `_maxAge` / `maxAge` values that are safe to load (see the header comment). */
const LOADABLE_MAX_AGES: Json[] = [1000, 5000, 60_000, 'session', 0, null, false, -5000];

function genValue(rng: Rng, depth = 0): Json {
  const kind = rng.int(0, depth >= 2 ? 5 : 7);
  switch (kind) {
    case 0:
      return rng.int(-5, 1000);
    case 1:
      return rng.pick([0.5, -3.25, 1e21, 42]);
    case 2:
    case 3:
      return rng.pick(STRINGS);
    case 4:
      return rng.chance(0.5);
    case 5:
      return rng.chance(0.9) || depth > 0 ? null : FUNCTION;
    case 6:
      return Array.from({ length: rng.int(0, 3) }, () => genValue(rng, depth + 1));
    default: {
      const out: { [key: string]: Json } = {};
      for (let i = rng.int(0, 3); i > 0; i--) out[rng.pick(DATA_KEYS)] = genValue(rng, depth + 1);
      return out;
    }
  }
}

/** A record as it could come out of a cookie or a store, including lifetime fields. */
function genLoadedRecord(rng: Rng, now: number): Json {
  if (rng.chance(0.2)) {
    return rng.pick<Json>([null, 0, 1, 'str', [], [1, 'a'], true, false, {}, '']);
  }
  const out: { [key: string]: Json } = {};
  for (let i = rng.int(0, 3); i > 0; i--) out[rng.pick(DATA_KEYS)] = genValue(rng, 1);
  if (rng.chance(0.5)) out._expire = now + rng.pick([-1, 1, 1000, ONE_DAY, -ONE_DAY]);
  if (rng.chance(0.05)) out._expire = 'soon';
  if (rng.chance(0.4)) out._maxAge = rng.pick(LOADABLE_MAX_AGES);
  if (rng.chance(0.1)) out._session = true;
  if (rng.chance(0.1)) out.maxAge = rng.pick(LOADABLE_MAX_AGES.slice(0, 4));
  if (rng.chance(0.3)) out.poison = true;
  return out;
}

/** An object a handler assigns to `ctx.session`, sometimes with lifetime fields. */
function genAssigned(rng: Rng, now: number): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (let i = rng.int(0, 3); i > 0; i--) out[rng.pick(DATA_KEYS)] = genValue(rng, 1);
  if (rng.chance(0.1)) out._maxAge = rng.pick(LOADABLE_MAX_AGES);
  if (rng.chance(0.05)) out._session = true;
  if (rng.chance(0.05)) out._expire = now + rng.pick([-1, 1000]);
  if (rng.chance(0.08)) out.maxAge = rng.pick(LOADABLE_MAX_AGES.slice(0, 4));
  return out;
}

// ---------------------------------------------------------------------------
// Options

/** Pick a value for an optional option: leave it out, write `undefined`, or one of `values`. */
function maybe(
  rng: Rng,
  opts: Record<string, Json>,
  name: string,
  pAbsent: number,
  values: readonly Json[],
): void {
  if (rng.chance(pAbsent)) return;
  opts[name] = rng.chance(0.08) ? UNDEFINED : rng.pick(values);
}

function genSpec(rng: Rng): OptionSpec {
  const mode = rng.weighted<Mode>([
    [5, 'cookie'],
    [3, 'store'],
    [2, 'context-store'],
  ]);
  const store = mode !== 'cookie';
  const opts: Record<string, Json> = {};

  if (rng.chance(0.5)) opts.key = rng.pick(COOKIE_KEYS);

  // maxAge: absent, explicit undefined, a lifetime, or the deprecated spelling.
  const maxAgeKind = rng.weighted([
    [2, 'absent'],
    [1, 'undefined'],
    [8, 'maxAge'],
    [1, 'maxage'],
    [0.3, 'both'],
  ]);
  if (maxAgeKind === 'undefined') opts.maxAge = UNDEFINED;
  if (maxAgeKind === 'maxAge') opts.maxAge = rng.pick(MAX_AGES);
  if (maxAgeKind === 'maxage') opts.maxage = rng.pick(MAX_AGES);
  if (maxAgeKind === 'both') {
    opts.maxage = rng.pick(MAX_AGES);
    opts.maxAge = rng.pick(MAX_AGES);
  }

  maybe(rng, opts, 'signed', 0.5, [true, false]);
  maybe(rng, opts, 'rolling', 0.5, [true, false]);
  maybe(rng, opts, 'renew', 0.5, [true, false]);
  maybe(rng, opts, 'httpOnly', 0.75, [true, false]);
  maybe(rng, opts, 'overwrite', 0.75, [true, false]);
  maybe(rng, opts, 'autoCommit', 0.7, [true, false, false]);
  maybe(rng, opts, 'sameSite', 0.7, ['lax', 'strict', 'none', 'Lax']);
  if (rng.chance(0.2))
    opts.path = rng.weighted<Json>([
      [3, '/'],
      [3, '/p'],
      [1, '/q'],
    ]);
  if (rng.chance(0.15)) opts.domain = rng.pick(['app.test', '.app.test']);
  if (rng.chance(0.05)) opts.priority = rng.pick(['low', 'high']);
  if (rng.chance(0.05)) opts.partitioned = true;
  if (store && rng.chance(0.3)) opts.prefix = 'pre:';

  const https = rng.chance(0.05);
  if (https) opts.secure = true;
  else maybe(rng, opts, 'secure', 0.85, [false]);

  // An explicit `undefined` means the default, which is `true`.
  const signed = opts.signed !== false;
  // An app without keys makes every signed request fail identically; keep it rare.
  const appKeys = signed
    ? rng.chance(0.04)
      ? null
      : rng.pick([['k1'], ['k1', 'k0']])
    : rng.chance(0.5)
      ? ['k1']
      : null;

  return {
    mode,
    storeAsync: rng.chance(0.5),
    storeMissing: rng.chance(0.5) ? 'undefined' : 'null',
    externalKeyHeader: store && rng.chance(0.25),
    appKeys,
    https,
    opts,
    genid: store && rng.chance(0.5) ? 'counter' : 'default',
    valid: rng.chance(0.3),
    beforeSave: rng.weighted([
      [7, 'none'],
      [1, 'count'],
      [1, 'stamp'],
      [1, 'private'],
    ]),
    codec:
      mode === 'cookie' && rng.chance(0.4)
        ? rng.pick(['hex', 'reverse', 'picky'] as const)
        : 'default',
    early: rng.weighted([
      [17, 'none'],
      [2, 'read'],
      [1, 'write'],
    ]),
    double: rng.chance(0.04),
  };
}

// ---------------------------------------------------------------------------
// Steps

function genActions(rng: Rng, spec: OptionSpec, now: number): Action[] {
  const actions: Action[] = [];
  const count = rng.weighted([
    [1, 0],
    [3, 1],
    [3, 2],
    [2, 3],
    [1, 4],
  ]);
  for (let i = 0; i < count; i++) {
    const kind = rng.weighted([
      [15, 'read'],
      [12, 'inspect'],
      [20, 'set'],
      [10, 'incr'],
      [8, 'del'],
      [5, 'null'],
      [6, 'assign'],
      [6, 'save'],
      [5, 'regenerate'],
      [4, 'commit'],
      [5, 'maxAge'],
      [4, 'throw'],
      [2, 'hold'],
      [1, 'assignBad'],
      [spec.valid ? 4 : 0, 'poison'],
    ] as const);
    switch (kind) {
      case 'read':
      case 'inspect':
      case 'null':
      case 'hold':
        actions.push({ a: kind });
        break;
      case 'poison':
        actions.push({ a: 'set', k: 'poison', v: true });
        break;
      case 'set':
        actions.push({ a: 'set', k: rng.pick(DATA_KEYS), v: genValue(rng) });
        break;
      case 'incr':
        actions.push({ a: 'incr', k: rng.pick(['views', 'n', 'a']) });
        break;
      case 'del':
        actions.push({ a: 'del', k: rng.pick(DATA_KEYS) });
        break;
      case 'assign':
        actions.push({ a: 'assign', v: genAssigned(rng, now) });
        break;
      case 'assignBad':
        actions.push({ a: 'assignBad', v: rng.pick<Json>(['str', 1, true, UNDEFINED]) });
        return actions; // it throws
      case 'save':
      case 'regenerate':
      case 'commit':
        actions.push({ a: kind, cb: rng.chance(0.4), held: rng.chance(0.3) });
        break;
      case 'maxAge':
        actions.push({ a: 'maxAge', v: rng.pick([...MAX_AGES, UNDEFINED]) });
        break;
      case 'throw':
        actions.push({ a: 'throw', status: rng.pick([500, 400, 418]) });
        return actions; // nothing after a throw runs anyway
    }
  }
  return actions;
}

/** The lifetime in ms a spec gives sessions (what `save` stamps into `_expire`). */
function lifetime(spec: OptionSpec): number | undefined {
  const raw = 'maxAge' in spec.opts ? spec.opts.maxAge : spec.opts.maxage;
  if (raw === 'session') return undefined;
  if (typeof raw === 'number' && raw) return raw;
  return ONE_DAY;
}

function clockStep(rng: Rng, spec: OptionSpec): number {
  const m = lifetime(spec) ?? ONE_DAY;
  // With `renew`, land between half-life and expiry more often: that window
  // is the only place renewal happens.
  if (spec.opts.renew === true && m > 2 && rng.chance(0.5)) {
    return Math.floor(m * rng.pick([0.51, 0.6, 0.75, 0.9]));
  }
  const candidates = [1, 7, 499, 1000, 1001, 2500, 60_000, ONE_DAY / 2 + 1, ONE_DAY + 1];
  if (m > 0) {
    candidates.push(
      Math.floor(m / 2) + 1,
      Math.floor(m / 2) + 1,
      Math.max(1, Math.floor(m / 2) - 1),
      Math.max(1, Math.floor(m) - 1),
      Math.floor(m) + 1,
      Math.floor(m) + 1,
      Math.floor(m) + 10_001,
    );
  }
  return rng.pick(candidates);
}

/**
 * A request. With `autoCommit: false` the handler usually ends with
 * `manuallyCommit()`; with auto-commit it sometimes does too (a second
 * commit in the same response).
 */
function genRequest(
  rng: Rng,
  spec: OptionSpec,
  client: number,
  now: number,
  afterClock = false,
): Step {
  const autoCommitOff = spec.opts.autoCommit === false;
  // Rolling and renewal only show on requests that change nothing, and
  // renewal only after time has passed.
  const renewing = spec.opts.renew === true || spec.opts.rolling === true;
  const readOnly = renewing && rng.chance(afterClock ? 0.6 : 0.3);
  return {
    t: 'req',
    client,
    actions: readOnly ? [{ a: rng.chance(0.5) ? 'read' : 'inspect' }] : genActions(rng, spec, now),
    manual: rng.chance(autoCommitOff ? 0.85 : 0.1),
  };
}

function genStep(rng: Rng, spec: OptionSpec, clients: number, now: number, keyIndex: number): Step {
  const store = spec.mode !== 'cookie';
  const client = rng.int(0, clients - 1);
  const table: [number, Step['t']][] = [
    [60, 'req'],
    [12, 'clock'],
    [5, 'tamper'],
    [3, 'drop'],
    [6, 'garbage'],
    [clients > 1 ? 4 : 0, 'steal'],
    [spec.appKeys ? 2 : 0, 'rotate'],
    [store ? 3 : 0, 'evict'],
    [store ? 4 : 0, 'storeWrite'],
    [store ? 2 : 0, 'fail'],
    [3, 'live'],
  ];
  const kind = rng.weighted(table);
  switch (kind) {
    case 'req':
      return genRequest(rng, spec, client, now);
    case 'clock':
      return { t: 'clock', ms: clockStep(rng, spec) };
    case 'tamper':
      return {
        t: 'tamper',
        client,
        target: rng.chance(0.7) ? 'value' : 'sig',
        pos: rng.float(),
        ch: rng.pick(['A', 'z', '0', '9', '+', '/', '_', '-', 'e', 'f']),
        forge: rng.chance(0.4),
      };
    case 'drop':
      return {
        t: 'drop',
        client,
        which: rng.pick(spec.externalKeyHeader ? ['header', 'both'] : ['value', 'sig', 'both']),
      };
    case 'garbage': {
      let value: string;
      if (store) {
        value = rng.pick(['nope', 'pre:nope', 'id-1', 'id-2', uuidFor(1), uuidFor(2), '']);
      } else if (rng.chance(spec.codec === 'default' ? 0.35 : 0.5)) {
        value = rng.pick([
          'garbage',
          'e30',
          '%%%',
          '/w==',
          '"e30="',
          '',
          'eyJhIjox',
          '7b7d',
          'xyz',
        ]);
      } else {
        value = encodeWith(spec.codec, genLoadedRecord(rng, now));
      }
      return { t: 'garbage', client, value, forge: rng.chance(0.8) };
    }
    case 'steal': {
      let from = rng.int(0, clients - 2);
      if (from >= client) from++;
      return { t: 'steal', client, from };
    }
    case 'rotate':
      return { t: 'rotate', key: `k${keyIndex + 2}`, keep: rng.int(1, 3) };
    case 'evict':
      return { t: 'evict', client };
    case 'storeWrite':
      return { t: 'storeWrite', client, data: genLoadedRecord(rng, now) };
    case 'fail':
      return { t: 'fail', op: rng.pick(['get', 'set', 'destroy'] as const) };
    default:
      return genLive(rng, spec);
  }
}

/**
 * What a live step may write into the options object after startup, by
 * option name. `undefined` is included on purpose: koa-session fills in its
 * defaults once, at startup, by writing into your object, so a later
 * `undefined` is used as written. Codecs are never removed: a missing
 * `encode`/`decode` crashes koa-session on every request and the port
 * deliberately falls back to the default (chapters/deviations.md).
 */
const LIVE_VALUES: Record<string, Json[]> = {
  rolling: [true, false, UNDEFINED],
  renew: [true, false, UNDEFINED],
  httpOnly: [true, false, UNDEFINED],
  overwrite: [true, false, UNDEFINED],
  autoCommit: [true, false, UNDEFINED],
  signed: [true, false, UNDEFINED],
  sameSite: ['lax', 'strict', null, UNDEFINED],
  maxAge: [...MAX_AGES.filter((m) => m !== -1000), UNDEFINED],
  maxage: [1000, 5000, 'session', UNDEFINED],
  key: ['sid', 'other'],
  path: ['/', '/p'],
  domain: ['app.test', UNDEFINED],
};

/** Options whose startup `undefined` koa-session replaces with its default, in your object. */
const DEFAULTED_WHEN_UNDEFINED = new Set(['overwrite', 'httpOnly', 'signed', 'autoCommit']);
/** Options whose startup `undefined` koa-session deletes from your object. */
const DELETED_WHEN_UNDEFINED = new Set(['sameSite']);

/**
 * Change the options object after startup — both libraries read it on every
 * request. A value is written (possibly `undefined`), or the key is deleted.
 *
 * Two kinds of change are left out, because they are the observable edge of
 * the port's one deliberate options deviation — it never writes into your
 * object, so it cannot notice them (KNOWN_DIFFS.md, KD8 and KD9):
 *  - deleting a key you did not pass at startup (koa-session had written its
 *    default there, so deleting it removes the default);
 *  - writing `undefined` again into one of the four options whose startup
 *    `undefined` koa-session replaced with `true`, or into `sameSite`,
 *    whose startup `undefined` it deleted (KD9c).
 */
function genLive(rng: Rng, spec: OptionSpec): Step {
  const names = Object.keys(LIVE_VALUES);
  if (spec.mode !== 'cookie') names.push('store-off', 'genid');
  if (spec.mode !== 'cookie' && spec.genid === 'default' && spec.opts.prefix) names.push('prefix');
  if (spec.valid) names.push('valid');
  if (spec.beforeSave !== 'none') names.push('beforeSave');
  const givenAtStartup = (name: string): boolean =>
    name in spec.opts ||
    (name === 'genid' && spec.genid === 'counter') ||
    (name === 'valid' && spec.valid) ||
    (name === 'beforeSave' && spec.beforeSave !== 'none');
  // Rewriting an option that was given at startup is the interesting case.
  const given = names.filter(givenAtStartup);
  const name = given.length && rng.chance(0.5) ? rng.pick(given) : rng.pick(names);
  if (name === 'store-off') return { t: 'live', name, value: true };
  if (name !== 'key' && givenAtStartup(name) && rng.chance(0.15)) {
    return { t: 'live', name, value: UNDEFINED, remove: true };
  }
  switch (name) {
    case 'prefix':
      return { t: 'live', name, value: rng.pick(['pre2:', UNDEFINED]) };
    case 'genid':
    case 'valid':
    case 'beforeSave':
      return { t: 'live', name, value: UNDEFINED };
    default: {
      // Sometimes write back exactly the value given at startup.
      const startup = spec.opts[name];
      let value =
        startup !== undefined && rng.chance(0.25) ? startup : rng.pick(LIVE_VALUES[name]!);
      if (value === UNDEFINED && startup === UNDEFINED && DEFAULTED_WHEN_UNDEFINED.has(name)) {
        value = rng.chance(0.5);
      }
      if (value === UNDEFINED && startup === UNDEFINED && DELETED_WHEN_UNDEFINED.has(name)) {
        value = rng.pick<Json>(['lax', 'strict', null]);
      }
      return { t: 'live', name, value };
    }
  }
}

/** The id the stubbed `crypto.randomUUID` returns the n-th time on one side. */
export function uuidFor(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

/** Build the scenario of one seed. Same seed, same scenario — always. */
export function generateScenario(seed: number, stepCount?: number): Scenario {
  const rng = new Rng(seed);
  const spec = genSpec(rng);
  const clients = rng.weighted([
    [5, 1],
    [3, 2],
    [2, 3],
  ]);
  // A fixed epoch plus a random offset, including a sub-second part, so that
  // `Expires` rounding to whole seconds is exercised.
  const start = 1_700_000_000_000 + rng.int(0, 10_000_000);
  let now = start;
  let keyIndex = 0;
  const steps: Step[] = [];
  const count = stepCount ?? rng.int(5, 12);
  for (let i = 0; i < count; i++) {
    const afterClock = steps[i - 1]?.t === 'clock';
    const step =
      i === 0
        ? genRequest(rng, spec, 0, now)
        : afterClock && rng.chance(0.5)
          ? genRequest(rng, spec, rng.int(0, clients - 1), now, true)
          : genStep(rng, spec, clients, now, keyIndex);
    if (step.t === 'clock') now += step.ms;
    if (step.t === 'rotate') keyIndex++;
    steps.push(step);
  }
  return { seed, spec, clients, start, steps };
}
