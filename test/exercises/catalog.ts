/**
 * The exercises, in the order the book teaches them. Everything else —
 * the workspace generator, `npm run learn`, `npm run exercises:verify`,
 * chapters/exercises.md — reads this list, so adding an exercise is one
 * entry here plus its test file.
 */

/** A function body the learner writes: a region of a workspace file. */
export interface Target {
  /**
   * Path inside the workspace. `src/…` mirrors the repository's `src/`;
   * a bare file name (`cookies.ts`) comes from `test/exercises/reference/`.
   */
  file: string;
  /** The `// #region` name around the function(s). */
  region: string;
}

export interface Exercise {
  /** Kebab-case id, used on the command line (`npm run learn -- hint save`). */
  name: string;
  /** What the learner builds, in a few words. */
  title: string;
  /** The chapter section that teaches it, relative to the repository root. */
  read: string;
  /** Anchor of this exercise's section in chapters/exercises.md. */
  section: string;
  /** The chapter test file, relative to the repository root. */
  test: string;
  /** The bodies that are stubbed in the workspace. */
  targets: Target[];
  /** From gentle to nearly-the-answer; the first is shown on failure. */
  hints: string[];
  /** A service the test needs; without it (outside CI) the exercise is skipped. */
  needs?: 'redis';
}

const T = 'test/exercises/chapters';

export const EXERCISES: readonly Exercise[] = [
  {
    name: 'sign-cookies',
    title: 'Sign a cookie and check a signature, the keygrip way',
    read: 'chapters/01-cookies.md#signing',
    section: 'cookies',
    test: `${T}/01-sign-cookies.test.ts`,
    targets: [
      { file: 'cookies.ts', region: 'sign' },
      { file: 'cookies.ts', region: 'verify' },
    ],
    hints: [
      'sign: createHmac("sha1", key).update(data).digest("base64"), then make it URL-safe: "+" → "-", "/" → "_", and drop trailing "=".',
      'verify: loop over the keys in order and return the index of the first one whose sign(data, key) equals the digest; -1 if none does.',
      'Compare with crypto.timingSafeEqual on two Buffers. It throws when the lengths differ, so check the lengths first and treat a difference as "no match".',
    ],
  },
  {
    name: 'parse-set-cookie',
    title: 'Read a Set-Cookie line like a browser',
    read: 'chapters/01-cookies.md#attributes',
    section: 'cookies',
    test: `${T}/01-parse-set-cookie.test.ts`,
    targets: [{ file: 'cookies.ts', region: 'parseSetCookie' }],
    hints: [
      'Split the line on ";". The first piece is name=value; every other piece is an attribute.',
      'Split name=value at the FIRST "=" only: base64 values end in "=" and must keep it.',
      'Lower-case attribute names before comparing them ("HttpOnly" and "httponly" are the same). new Date(text) reads an Expires date; check getTime() is not NaN.',
    ],
  },
  {
    name: 'encode-decode-hash',
    title: 'Turn a session into a cookie value and back, and fingerprint it',
    read: 'chapters/04-init-from-cookie.md#encode-decode-and-hash',
    section: 'init-from-cookie',
    test: `${T}/04-encode-decode-hash.test.ts`,
    targets: [
      { file: 'src/util.ts', region: 'encode' },
      { file: 'src/util.ts', region: 'decode' },
      { file: 'src/util.ts', region: 'hash' },
    ],
    hints: [
      'encode is JSON.stringify, then Buffer.from(text).toString("base64").',
      'decode is the reverse: Buffer.from(text, "base64").toString("utf8"), then JSON.parse. Let JSON.parse throw its SyntaxError — initFromCookie relies on it.',
      'hash: crc32 from node:zlib (already imported) over JSON.stringify(data).',
    ],
  },
  {
    name: 'init-from-cookie',
    title: 'Load a session from a signed cookie, and refuse bad data',
    read: 'chapters/04-init-from-cookie.md',
    section: 'init-from-cookie',
    test: `${T}/04-init-from-cookie.test.ts`,
    targets: [
      { file: 'src/context.ts', region: 'valid' },
      { file: 'src/context.ts', region: 'initFromCookie' },
    ],
    hints: [
      'valid: no data → reject("missed"); a numeric _expire in the past → reject("expired"); findHostileKey(data) → reject("invalid", …, reason); opts.valid says no → reject("invalid"). Return true only when all pass.',
      'initFromCookie: read the cookie with ctx.cookies.get(opts.key, opts) — passing opts makes it check the signature. No cookie → this.create().',
      'Decode inside try/catch. A SyntaxError means "not our cookie": this.create(). Any other Error: clear the cookie (ctx.cookies.set(opts.key, "", opts)), copy the response\'s set-cookie header onto err.headers, and rethrow.',
      'After decoding: if (!this.valid(data)) create a fresh session, else this.load(data).',
    ],
  },
  {
    name: 'init-from-external',
    title: 'Load a session from a store by the id in the cookie',
    read: 'chapters/05-init-from-external.md',
    section: 'init-from-external',
    test: `${T}/05-init-from-external.test.ts`,
    targets: [{ file: 'src/context.ts', region: 'initFromExternal' }],
    hints: [
      'The id comes from opts.externalKey.get(ctx) when that option is set, otherwise from the signed cookie: ctx.cookies.get(opts.key, opts).',
      'No id → this.create() (create generates a new id in store mode). Otherwise await this.store.get(id, opts.maxAge, { ctx, rolling: opts.rolling }).',
      "Data the store does not have (or that valid() refuses) must NOT keep the visitor's id — call this.create() with no id, never this.create(undefined, id). That is the defence against session fixation. Good data: this.load(data, id).",
    ],
  },
  {
    name: 'should-save-session',
    title: 'Decide whether a session needs writing back',
    read: 'chapters/06-should-save-session.md',
    section: 'should-save-session',
    test: `${T}/06-should-save-session.test.ts`,
    targets: [{ file: 'src/context.ts', region: '_shouldSaveSession' }],
    hints: [
      'Take data = session.toJSON(). A new session (no prevHash) with no keys → "" (never send empty sessions).',
      'hash(data) differs from this.prevHash → "changed". Then opts.rolling → "rolling".',
      'opts.renew: compare session._expire - Date.now() with half of session.maxAge; less than half left → "renew". Otherwise "".',
    ],
  },
  {
    name: 'save',
    title: 'Write a session to the cookie or the store',
    read: 'chapters/07-save-remove-commit.md#save',
    section: 'save',
    test: `${T}/07-save.test.ts`,
    targets: [{ file: 'src/context.ts', region: 'save' }],
    hints: [
      'Start from data = session.toJSON() and maxAge = opts.maxAge || ONE_DAY.',
      'maxAge "session": set opts.maxAge = undefined (no Expires on the cookie) and data._session = true. Otherwise stamp data._expire = Date.now() + maxAge and data._maxAge = maxAge.',
      'Store mode (this.externalKey set): store.set(id, data, maxAge + STORE_GRACE_MS for numbers, { changed, ctx, rolling }), then put the id in opts.externalKey.set(ctx, id) or the cookie. Cookie mode: ctx.cookies.set(opts.key, opts.encode(data), opts).',
    ],
  },
  {
    name: 'remove-and-regenerate',
    title: 'Commit: remove, regenerate or save at the end of a request',
    read: 'chapters/07-save-remove-commit.md#commit',
    section: 'remove-and-regenerate',
    test: `${T}/07-remove-and-regenerate.test.ts`,
    targets: [
      { file: 'src/context.ts', region: 'commit' },
      { file: 'src/context.ts', region: 'remove' },
    ],
    hints: [
      'remove: destroy the stored record if there is an externalKey, then overwrite the cookie with "" using { ...opts, expires: COOKIE_EXPIRED_DATE, maxAge: false }.',
      'commit: session undefined → do nothing at all. session === false → remove(). regenerate → remove(), then in store mode take a new id: this.externalKey = opts.genid(ctx).',
      'Then: forced (save, regenerate, or session._requireSave) or a reason from _shouldSaveSession(); none → return. Call opts.beforeSave(ctx, session) if given, then save(reason === "changed").',
    ],
  },
  {
    name: 'memory-store',
    title: 'A session store in a Map',
    read: 'chapters/08-memory-store.md',
    section: 'stores',
    test: `${T}/08-memory-store.test.ts`,
    targets: [
      { file: 'src/stores/memory.ts', region: 'get' },
      { file: 'src/stores/memory.ts', region: 'set' },
      { file: 'src/stores/memory.ts', region: 'destroy' },
    ],
    hints: [
      'Keep { json, expires } slots in this.#slots. set: json = JSON.stringify(sess), expires = this.#now() + storeTtl(maxAge, this.#sessionTtl).',
      'get: no slot → undefined; an expired slot (expires <= now) → delete it and return undefined; otherwise JSON.parse a fresh copy.',
      'destroy: this.#slots.delete(key) — deleting what is not there is fine. set may call this.prune() when now >= this.#nextPrune.',
    ],
  },
  {
    name: 'redis-store',
    title: 'A session store in Redis',
    read: 'chapters/09-redis-store.md',
    section: 'stores',
    test: `${T}/09-redis-store.test.ts`,
    targets: [
      { file: 'src/stores/redis.ts', region: 'get' },
      { file: 'src/stores/redis.ts', region: 'set' },
      { file: 'src/stores/redis.ts', region: 'destroy' },
    ],
    needs: 'redis',
    hints: [
      'Every Redis key is this.keyFor(id). get: await this.client.get(key); null → undefined.',
      'get must survive junk: JSON.parse inside try/catch, and only return objects.',
      'set: one command, this.client.set(key, JSON.stringify(sess), "PX", storeTtl(maxAge, this.#sessionTtl)) — never hand the string "session" to Redis. destroy: this.client.del(key).',
    ],
  },
  {
    name: 'attack-lab',
    title: 'Attack lab: forge, tamper, replay and swap — and watch the session refuse',
    read: 'chapters/11-security.md',
    section: 'attack-lab',
    test: `${T}/11-attack-lab.test.ts`,
    targets: [
      { file: 'attacks.ts', region: 'readSession' },
      { file: 'attacks.ts', region: 'tamper' },
      { file: 'attacks.ts', region: 'forge' },
      { file: 'attacks.ts', region: 'swapId' },
    ],
    hints: [
      'readSession: the value before the ".sig" cookie is just base64 JSON — Buffer.from(value, "base64") and JSON.parse. No key needed: that is the lesson.',
      'tamper: read the session, change it, re-encode it, and put it back under the same name — keep the old .sig cookie, since you cannot compute a new one.',
      'forge: build name=value yourself and sign "name=value" with YOUR sign() from chapter 1 under the key you guessed. swapId: take the victim\'s id, keep your own .sig.',
    ],
  },
];

/** Look an exercise up by name. */
export function findExercise(name: string): Exercise | undefined {
  return EXERCISES.find((exercise) => exercise.name === name);
}
