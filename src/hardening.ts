/**
 * Hardening against hostile session data: loaded data that would crash
 * koa-session 7.0.2 or corrupt its Session is refused, the way any bad
 * session is refused (`session:invalid`, a fresh session). Not in
 * koa-session; called from one line in `valid`.
 *
 * Read with: chapters/deviations.md#hostile-session-data
 *
 * @module hardening
 */
import { Session } from './session.js';
import { isUsableMaxAge, type SessionData } from './util.js';

/**
 * Names that loaded data must not set on a {@link Session}: the `__proto__`
 * accessor (it would replace the session's prototype), every method the
 * session has or inherits (a string in their place breaks `toJSON`, `save`
 * …), and the two flags that are never saved, so never legitimately loaded.
 * Getter-only names (`length`, `populated`, `externalKey`) are harmless —
 * the constructor skips them — and `maxAge` is checked by value instead.
 * See chapters/deviations.md#hostile-session-data.
 */
const RESERVED_KEYS: ReadonlySet<string> = (() => {
  const names = new Set<string>(['__proto__', 'isNew', '_requireSave']);
  for (
    let proto: object | null = Session.prototype;
    proto;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (descriptor && typeof descriptor.value === 'function') names.add(name);
    }
  }
  return names;
})();

// #region findHostileKey
/**
 * Why this loaded data would crash koa-session 7.0.2 or corrupt its Session,
 * or `undefined` if it is safe. Checked only for data that came from outside
 * the process (cookie, store, custom decode) — never for objects your own
 * code assigns to `ctx.session`.
 *
 * Three kinds of key are dangerous: a reserved name (see above); a lifetime
 * (`_maxAge`, or `maxAge` through the Session's setter) that no cookie can
 * carry; and an `_expire` that arithmetic cannot turn into a number — in
 * `renew` mode koa-session computes `_expire - Date.now()`, and an object
 * like `{"toString": 1}` makes that subtraction throw.
 *
 * See chapters/deviations.md#hostile-session-data
 */
export function findHostileKey(data: unknown): string | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  const record = data as SessionData;
  for (const k in record) {
    if (RESERVED_KEYS.has(k)) return `reserved key "${k}"`;
    // Read only the values we judge: any other value is just copied, later,
    // where a failure is caught by `load`.
    if (k === '_maxAge' || k === 'maxAge') {
      const value = record[k];
      if (value && !isUsableMaxAge(value))
        return `unusable ${k} ${show(value)}`;
    } else if (k === '_expire' && !isNumberLike(record[k])) {
      return `unusable _expire ${show(record[k])}`;
    }
  }
  return undefined;
}

/**
 * Can `value - 0` run without throwing? Primitives always can; objects need a
 * working `valueOf`/`toString`.
 */
function isNumberLike(value: unknown): boolean {
  if (
    value === null ||
    (typeof value !== 'object' && typeof value !== 'function')
  )
    return true;
  try {
    Number(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * A value as a log line should show it: `Infinity` stays `Infinity`, objects
 * become JSON.
 */
function show(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint')
    return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
// #endregion findHostileKey
