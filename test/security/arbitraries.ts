/**
 * The hostile inputs the property tests throw at the session middleware,
 * built with fast-check. Each generator says what kind of attacker (or
 * corrupted store) it stands for.
 *
 * Payloads are produced as JSON *text*, not as objects, for two reasons:
 * text can say things an object cannot round-trip (`1e400` parses to
 * `Infinity`, a key may repeat), and it is exactly what arrives in a cookie
 * or a store record.
 *
 * Read with: chapters/11-security.md#hostile-payloads
 */
import fc from 'fast-check';

/**
 * Names with a meaning to the Session class, to `Object.prototype`, or to
 * the save logic — the keys an attacker would try first.
 */
export const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toJSON',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'save',
  'regenerate',
  'commit',
  'manuallyCommit',
  'isNew',
  '_requireSave',
  '_expire',
  '_maxAge',
  'maxAge',
  '_session',
  'length',
  'populated',
  'externalKey',
  'then',
  'hits',
] as const;

/** JSON number tokens that are legal text but odd values (`1e400` is `Infinity`). */
const ODD_NUMBERS = [
  '1e400',
  '-1e400',
  '1e300',
  '-1e300',
  '8.64e15',
  '-0',
  '0',
  '-1',
  '-86400000',
  '0.5',
  '4294967296',
] as const;

/** A JSON value as text: ordinary JSON, odd numbers, or odd scalars. */
const scalarText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...ODD_NUMBERS),
  fc.constantFrom('"session"', '""', '"x"', 'true', 'false', 'null', '[]', '{}', '"1e3"'),
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? 'null'),
  // Values that refuse to become a string or a number: `String(v)`, `v - 1`
  // or a template literal on them throws, wherever the code does that.
  fc.constantFrom('{"toString":1}', '{"toString":{},"valueOf":{}}', '[{"toString":null}]'),
);

const keyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_KEYS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);

/**
 * A JSON object as text whose keys are mostly hostile and whose values may
 * themselves be such objects (up to three levels).
 */
export const hostileObjectText: fc.Arbitrary<string> = fc.letrec<{ obj: string; value: string }>(
  (tie) => ({
    obj: fc
      .array(fc.tuple(keyArb, tie('value')), { maxLength: 6 })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
    value: fc.oneof({ depthSize: 'small', maxDepth: 3 }, scalarText, tie('obj')),
  }),
).obj;

/** Anything JSON can say at the top level, hostile objects weighted up. */
export const hostileJsonText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: hostileObjectText },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: scalarText },
);

/**
 * Characters Node's HTTP client will put in a header value (tab, printable
 * ASCII, and the Latin-1 range that HTTP calls obs-text). Anything else is
 * refused before it leaves the client, so it cannot reach a server anyway.
 */
const headerChar = fc
  .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(9))
  .map((code) => String.fromCharCode(code));

/** An arbitrary cookie value as a client could send it (`;` would end the value, so it is left out). */
export const cookieValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: headerChar, maxLength: 200 }).filter((s) => !s.includes(';')),
  // base64 of arbitrary Unicode: decodes, then fails (or not!) as JSON
  fc.string({ unit: 'binary', maxLength: 100 }).map((s) => Buffer.from(s).toString('base64')),
  // base64 of hostile JSON: decodes to data the middleware must judge
  hostileJsonText.map((s) => Buffer.from(s).toString('base64')),
);

/** The cookie value as the `cookies` library will read it back (it strips one pair of quotes). */
export function asParsed(value: string): string {
  return value[0] === '"' ? value.slice(1, -1) : value;
}
