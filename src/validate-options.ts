/**
 * The construction-time checks: a malformed configuration fails when the
 * app starts, with an error that names the option, not on the first
 * request.
 *
 * Read with: chapters/03-architecture.md#options
 *
 * @module validate-options
 */
import type { ContextStoreClass, SessionOptions } from './options.js';
import { isUsableMaxAge } from './util.js';

/** Thrown by {@link createSession} when an option has the wrong shape. */
export class SessionOptionError extends TypeError {
  /** The offending option, e.g. `'maxAge'` or `'store.get'`. */
  readonly option: string;
  constructor(option: string, expected: string, got: unknown) {
    super(
      `koa-session: option \`${option}\` must be ${expected}, ` +
        `got ${describe(got)}`,
    );
    this.name = 'SessionOptionError';
    this.option = option;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object')
    return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
}

const BOOLEAN_OPTIONS = [
  'autoCommit',
  'overwrite',
  'httpOnly',
  'signed',
  'rolling',
  'renew',
  'secure',
] as const;
const FUNCTION_OPTIONS = [
  'encode',
  'decode',
  'genid',
  'valid',
  'beforeSave',
] as const;
// '' is allowed: `cookies` treats it as "no attribute", and koa-session
// serves it (test/port/options-parity.test.ts).
const SAME_SITE = /^(?:|lax|none|strict)$/i;
/**
 * "Is this a class?" as koa-session answers it (via is-type-of): native
 * `class` syntax, or a function compiled from one by Babel or TypeScript for
 * an old target, recognisable by its class-call guard.
 */
function isClass(value: unknown): value is ContextStoreClass {
  if (typeof value !== 'function') return false;
  const source = Function.prototype.toString.call(value);
  if (/^class[\s{]/.test(source)) return true;
  const body = source.replace(/^[^{]*{\s*/, '').replace(/\s*}[^}]*$/, '');
  return (
    /classCallCheck\(/.test(body) ||
    /TypeError\("Cannot call a class as a function"\)/.test(body)
  );
}

function requireMethods(
  owner: string,
  target: unknown,
  names: readonly string[],
): void {
  if (
    target === null ||
    (typeof target !== 'object' && typeof target !== 'function')
  ) {
    throw new SessionOptionError(
      owner,
      `an object with ${names.join(', ')} methods`,
      target,
    );
  }
  for (const name of names) {
    const method = (target as Record<string, unknown>)[name];
    if (typeof method !== 'function') {
      throw new SessionOptionError(`${owner}.${name}`, 'a function', method);
    }
  }
}

// #region validateOptions
/**
 * Reject a malformed configuration when the app starts, not on the first
 * request. The rules are koa-session 7.0.2's (it checks with a zod schema
 * plus asserts), with two additions that turn per-request 500s into startup
 * errors: `maxAge` must be a usable lifetime and `sameSite` one of the three
 * values cookies accept (or '', which it ignores). `undefined` passes every
 * check; what it then means is up to `resolveOptions` (usually "the
 * default" — but see `key`).
 *
 * See chapters/03-architecture.md#options and chapters/deviations.md#options.
 */
export function validateOptions(opts: SessionOptions): void {
  const { key, maxAge, sameSite, prefix } = opts;
  if (key !== undefined && typeof key !== 'string') {
    throw new SessionOptionError('key', 'a string', key);
  }
  if (maxAge !== undefined && !isUsableMaxAge(maxAge)) {
    throw new SessionOptionError(
      'maxAge',
      "a finite number of milliseconds or 'session'",
      maxAge,
    );
  }
  for (const name of BOOLEAN_OPTIONS) {
    const value = opts[name];
    if (value !== undefined && typeof value !== 'boolean') {
      throw new SessionOptionError(name, 'a boolean', value);
    }
  }
  for (const name of FUNCTION_OPTIONS) {
    const value = opts[name];
    if (value !== undefined && typeof value !== 'function') {
      throw new SessionOptionError(name, 'a function', value);
    }
  }
  if (
    sameSite !== undefined &&
    (typeof sameSite !== 'string' || !SAME_SITE.test(sameSite))
  ) {
    throw new SessionOptionError(
      'sameSite',
      "'strict', 'lax' or 'none'",
      sameSite,
    );
  }
  if (prefix !== undefined && typeof prefix !== 'string') {
    throw new SessionOptionError('prefix', 'a string', prefix);
  }
  if (opts.store !== undefined)
    requireMethods('store', opts.store, ['get', 'set', 'destroy']);
  if (opts.externalKey !== undefined)
    requireMethods('externalKey', opts.externalKey, ['get', 'set']);
  const ContextStore = opts.ContextStore;
  if (ContextStore) {
    if (!isClass(ContextStore))
      throw new SessionOptionError('ContextStore', 'a class', ContextStore);
    requireMethods('ContextStore.prototype', ContextStore.prototype, [
      'get',
      'set',
      'destroy',
    ]);
  }
}
// #endregion validateOptions
