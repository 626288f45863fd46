/**
 * The steps, in the order the book teaches them. Everything else — the
 * workspace generator, `npm run learn`, `npm run exercises:verify`,
 * chapters/exercises.md — reads this list, so adding a step is one entry
 * here plus its checks in `steps/` (and, for predict and quiz steps, its
 * reference answer sheet in `answers/`).
 *
 * Four kinds of step, each one concept:
 * - write:   a function body is a TODO; write it.
 * - fix:     a function has one planted bug; the failing check names the
 *            symptom, you find the cause.
 * - predict: write down what a request will produce, in an answer sheet;
 *            the runner shows the real exchange beside your prediction.
 * - quiz:    short answers about what no code shows on its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A function body in a workspace file: a `// #region` of it. */
export interface Target {
  /**
   * Path inside the workspace. `src/…` mirrors the repository's `src/`;
   * a bare file name (`cookies.ts`) comes from `test/exercises/reference/`.
   */
  file: string;
  /** The `// #region` name around the function. */
  region: string;
}

export type Kind = 'write' | 'fix' | 'predict' | 'quiz';

/** Three hints, gentle to nearly-the-answer: a nudge, the shape, the near-solution. */
export type Hints = readonly [string, string, string];

export interface Step {
  /** Kebab-case id, used on the command line (`npm run learn -- hint save`). */
  name: string;
  kind: Kind;
  /** What the step teaches, in a few words. */
  title: string;
  /** The book chapter (1–12). */
  chapter: number;
  /** The section that teaches the concept, relative to the repository root. */
  read: string;
  /** write: the body to write. fix: where the bug is planted. */
  target?: Target;
  /** fix: the bug, as one exact replacement inside the target region. */
  bug?: { find: string; replace: string };
  /**
   * Hints per failing check: the first key contained in the check's name
   * wins; `''` is the step's default.
   */
  hints: Record<string, Hints>;
  /**
   * quiz: hints per question (the answer sheet's line key), so a hint is
   * about the question that is wrong, with levels of its own.
   */
  questions?: Record<string, Hints>;
  /** A service the checks need; without it (outside CI) the step is skipped. */
  needs?: 'redis' | 'mysql';
}

/** The file holding a step's checks, relative to the repository root. */
export function checksOf(step: Step): string {
  return `test/exercises/steps/${String(step.chapter).padStart(2, '0')}-${step.name}.test.ts`;
}

/** The answer sheet of a predict or quiz step, relative to the workspace (or `answers/`). */
export function answerOf(step: Step): string | undefined {
  return step.kind === 'predict' || step.kind === 'quiz' ? `answers/${step.name}.txt` : undefined;
}

const ch = (file: string, anchor: string) => `chapters/${file}.md#${anchor}`;

export const STEPS: readonly Step[] = [
  // ── 1. Cookies ───────────────────────────────────────────────────────
  {
    name: 'sign',
    kind: 'write',
    title: 'Sign "name=value" the way Koa signs a .sig cookie',
    chapter: 1,
    read: ch('01-cookies', 'signing'),
    target: { file: 'cookies.ts', region: 'sign' },
    hints: {
      '': [
        'A signature is an HMAC of "name=value" under the key: Node has it in node:crypto.',
        'createHmac("sha1", key).update(data).digest("base64"), then make it URL-safe.',
        'URL-safe: .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "").',
      ],
    },
  },
  {
    name: 'verify',
    kind: 'write',
    title: 'Check a signature against every key, newest first (key rotation)',
    chapter: 1,
    read: ch('01-cookies', 'key-rotation'),
    target: { file: 'cookies.ts', region: 'verify' },
    hints: {
      '': [
        'The answer is the position of the key that made the signature, or -1.',
        'Loop over keys in order; for each, sign(data, key) and compare it with the digest.',
        'Compare with crypto.timingSafeEqual on two Buffers; it throws on different lengths, so check lengths first and treat a difference as "no match".',
      ],
      length: [
        'A digest of the wrong length must not crash the comparison.',
        'timingSafeEqual throws when the two Buffers differ in length.',
        'if (a.length !== b.length) continue; before timingSafeEqual(a, b).',
      ],
    },
  },
  {
    name: 'parse-set-cookie',
    kind: 'write',
    title: 'Read a Set-Cookie line like a browser',
    chapter: 1,
    read: ch('01-cookies', 'attributes'),
    target: { file: 'cookies.ts', region: 'parseSetCookie' },
    hints: {
      '': [
        'A Set-Cookie line is name=value, then attributes, separated by ";".',
        'Split on ";": the first piece is name=value, each other piece an attribute (name[=value]).',
        'Split name=value at the FIRST "=" only; lower-case attribute names; new Date(text) for Expires, and skip it when getTime() is NaN.',
      ],
      '"="': [
        'Base64 values end in "=": which "=" separates the name from the value?',
        'Only the first "=" does; the rest belong to the value.',
        'const at = pair.indexOf("="); name = pair.slice(0, at); value = pair.slice(at + 1).',
      ],
    },
  },
  {
    name: 'why-sig',
    kind: 'quiz',
    title: 'What a signature does, and what it does not',
    chapter: 1,
    read: ch('01-cookies', 'signing'),
    questions: {
      '1': [
        'What would the server need, to know that it wrote this value itself?',
        'Only something computed with a secret proves who wrote it; a hash anyone can recompute proves nothing.',
        'Koa computes it from "koa.sess=<value>" and the first of app.keys.',
      ],
      '2': [
        'Is the value encrypted, or only encoded?',
        'koa.sess holds base64 of JSON: an encoding, not a cipher.',
        'Try Buffer.from(value, "base64").toString(): does it ask for a key?',
      ],
      '3': [
        'What exactly is signed: the value alone, or more than that?',
        'The signed text is "name=value": the cookie name is part of it.',
        'Would "user=abc" and "admin=abc" give the same HMAC?',
      ],
      '4': [
        'Which key does Koa use for every new signature?',
        'A cookie signed with an older key in the list is still accepted, and brought up to date.',
        'The value was fine; only the signature was made with an old key.',
      ],
    },
    hints: {
      '': [
        'Decode a session cookie by hand (base64) — can you read it without the key?',
        'A signature proves who wrote the value; it does not hide it.',
        'The .sig is an HMAC of "name=value": change either and it no longer matches.',
      ],
    },
  },
  // ── 2. Sessions ──────────────────────────────────────────────────────
  {
    name: 'two-places',
    kind: 'predict',
    title: 'Cookie session or store session: what a first visit sends',
    chapter: 2,
    read: ch('02-sessions', 'two-places'),
    hints: {
      '': [
        'In cookie mode the data travels; in store mode only an id does.',
        'Signed cookies come in pairs: the cookie and its .sig.',
        'A store is asked to get only when the request carries an id.',
      ],
    },
  },
  {
    name: 'session-ids',
    kind: 'predict',
    title: 'Where a session id comes from: genid',
    chapter: 2,
    read: ch('02-sessions', 'session-ids'),
    hints: {
      '': [
        'A new session in store mode needs an id before it can be saved.',
        'opts.genid(ctx) makes it; the store record and the cookie use the same one.',
        'The cookie value is the id itself: genid returned it.',
      ],
    },
  },
  // ── 3. Architecture ──────────────────────────────────────────────────
  {
    name: 'session-constructor',
    kind: 'write',
    title: 'Build a Session from loaded data',
    chapter: 3,
    read: ch('03-architecture', 'the-session-model'),
    target: { file: 'src/session.ts', region: 'constructor' },
    hints: {
      '': [
        'No data means a new session; otherwise copy the data onto this.',
        '_maxAge and _session are not data: they set owner.opts.maxAge (a number, or "session").',
        'for (const k in data): _maxAge → owner.opts.maxAge = data._maxAge; _session → "session"; else Reflect.set(this, k, data[k]).',
      ],
      getter: [
        'Some names are getter-only on Session (length, populated).',
        'this[k] = … throws on a getter-only property in a class (strict mode).',
        'Reflect.set(this, k, data[k]) returns false instead of throwing.',
      ],
    },
  },
  {
    name: 'to-json',
    kind: 'write',
    title: 'What gets saved: Session.toJSON (and populated)',
    chapter: 3,
    read: ch('03-architecture', 'what-gets-saved'),
    target: { file: 'src/session.ts', region: 'toJSON' },
    hints: {
      '': [
        'Only your data is saved: not the flags, not the machinery.',
        'Walk the enumerable properties with for…in; skip isNew, names starting with "_", and functions.',
        'const out = {}; for (const key in this) { if (key === "isNew" || key[0] === "_" || typeof this[key] === "function") continue; out[key] = this[key]; } return out;',
      ],
    },
  },
  {
    name: 'hostile-data',
    kind: 'fix',
    title: 'Hardening: refuse data that would break the Session',
    chapter: 3,
    read: ch('deviations', 'hostile-session-data'),
    target: { file: 'src/hardening.ts', region: 'findHostileKey' },
    bug: {
      find: "if (k === '_maxAge' || k === 'maxAge') {",
      replace: "if (k === '_maxAge') {",
    },
    hints: {
      '': [
        'Which key names can set a session’s lifetime?',
        'There are two: the saved _maxAge, and maxAge through the Session’s setter.',
        "Check both: if (k === '_maxAge' || k === 'maxAge').",
      ],
    },
  },
  {
    name: 'extend-context',
    kind: 'write',
    title: 'Install ctx.session as an accessor on the app’s context',
    chapter: 3,
    read: ch('03-architecture', 'extendcontext'),
    target: { file: 'src/index.ts', region: 'extendContext' },
    hints: {
      '': [
        'ctx.session must be a getter and a setter on app.context, installed once per app.',
        'Object.defineProperties(context, { [CONTEXT_SESSION_GETTER]: …, session: { get, set }, sessionOptions: { get } }).',
        'Each accessor calls ensureContextSession(this, snapshot) and then .get() / .set(value) / .opts; return early if Object.hasOwn(context, CONTEXT_SESSION_GETTER).',
      ],
    },
  },
  {
    name: 'middleware',
    kind: 'write',
    title: 'The middleware: load before next(), commit after it',
    chapter: 3,
    read: ch('03-architecture', 'the-middleware'),
    target: { file: 'src/index.ts', region: 'middleware' },
    hints: {
      '': [
        'Store sessions must be loaded before the handlers run; every session is committed after them, even when a handler throws.',
        "Get this request's ContextSession the way your ctx.session getter gets it (from step 10); when it has a store, await its initFromExternal() before next().",
        'const sess = what your getter uses: ensureContextSession(ctx, snapshot), or Reflect.get(ctx, CONTEXT_SESSION_GETTER) if your extendContext installed that accessor; if (sess.store) await sess.initFromExternal(); try { await next(); } finally { if (live.current("autoCommit")) await sess.commit(); }',
      ],
    },
  },
  {
    name: 'lazy-session',
    kind: 'write',
    title: 'The lazy ctx.session getter',
    chapter: 3,
    read: ch('03-architecture', 'lazy-ctx-session'),
    target: { file: 'src/context.ts', region: 'get' },
    hints: {
      '': [
        'Nothing is decoded until someone reads ctx.session; the result is cached.',
        'Three states: a Session (return it), false (return null), undefined (load it now).',
        'undefined: in store mode this.create(), else this.initFromCookie(); then return this.session.',
      ],
    },
  },
  {
    name: 'assign-session',
    kind: 'fix',
    title: 'Assigning ctx.session in store mode',
    chapter: 3,
    read: ch('03-architecture', 'assigning-ctx-session'),
    target: { file: 'src/context.ts', region: 'set' },
    bug: {
      find: 'this.create(value as SessionData, this.externalKey);',
      replace: 'this.create(value as SessionData);',
    },
    hints: {
      '': [
        'Count the records in the store after the assignment: where does the extra one come from?',
        'create() without an id generates a new one in store mode.',
        'Pass the current id on: this.create(value, this.externalKey).',
      ],
    },
  },

  // ── 4. initFromCookie ────────────────────────────────────────────────
  {
    name: 'encode',
    kind: 'write',
    title: 'Session data to a cookie value',
    chapter: 4,
    read: ch('04-init-from-cookie', 'encode-decode-and-hash'),
    target: { file: 'src/util.ts', region: 'encode' },
    hints: {
      '': [
        'A cookie value must be plain text: JSON, then base64.',
        'encode: JSON.stringify, then Buffer.from(text).toString("base64").',
        'return Buffer.from(JSON.stringify(data)).toString("base64");',
      ],
    },
  },
  {
    name: 'decode',
    kind: 'write',
    title: 'Cookie value back to data — and a SyntaxError for junk',
    chapter: 4,
    read: ch('04-init-from-cookie', 'decode-failures'),
    target: { file: 'src/util.ts', region: 'decode' },
    hints: {
      '': [
        'decode undoes encode, step by step in reverse.',
        'Buffer.from(text, "base64").toString("utf8"), then JSON.parse.',
        'Let JSON.parse throw its SyntaxError: initFromCookie relies on exactly that type.',
      ],
    },
  },
  {
    name: 'hash',
    kind: 'write',
    title: 'Fingerprint a session with CRC-32',
    chapter: 4,
    read: ch('06-should-save-session', 'hashing'),
    target: { file: 'src/util.ts', region: 'hash' },
    hints: {
      '': [
        'Two equal sessions must give the same number, and a changed one (almost always) a different one.',
        'node:zlib has a crc32 function, and util.ts already imports the module as zlib.',
        'return zlib.crc32(JSON.stringify(data));',
      ],
    },
  },
  {
    name: 'crc32',
    kind: 'quiz',
    title: 'What CRC-32 is for, and what it is not',
    chapter: 4,
    read: ch('06-should-save-session', 'hashing'),
    questions: {
      '1': [
        'Where is the hash taken, and what is it compared with?',
        'Once when the session is loaded, once more at commit.',
        'Equal hashes mean "this request did not change the session".',
      ],
      '2': [
        'Look for the hash in the Set-Cookie lines of chapter 6: is it there?',
        'prevHash lives on the ContextSession, for one request.',
        'It only compares two states of the session on the server.',
      ],
      '3': [
        'Is the hash taken of the object, or of its JSON text?',
        'A push deep inside a nested array changes that text.',
        'toJSON() includes nested data, so the hash changes; what does commit do then?',
      ],
      '4': [
        'Which keys does toJSON() leave out?',
        'Names that start with "_" are machinery, not data.',
        '_scratch is not in toJSON(), so is the hash any different?',
      ],
      '5': [
        'Which of the two can anyone recompute without a secret?',
        'CRC-32 is public arithmetic; an HMAC needs the key.',
        'A changed value needs a new check value: which one can an attacker not make?',
      ],
    },
    hints: {
      '': [
        'Who computes the hash, and who ever sees it?',
        'The hash never leaves the server: it only answers "did this request change the session?".',
        'A checksum detects accidental change cheaply; it is no protection against someone who changes data on purpose — the signature is.',
      ],
    },
  },
  {
    name: 'valid',
    kind: 'write',
    title: 'The gate every loaded session passes',
    chapter: 4,
    read: ch('04-init-from-cookie', 'valid'),
    target: { file: 'src/context.ts', region: 'valid' },
    hints: {
      '': [
        'Four ways to say no, each announced with its own event; true only when all pass.',
        'No data → missed; numeric _expire in the past → expired; findHostileKey(data) → invalid; opts.valid(ctx, data) false → invalid.',
        'Each "no" of koa-session is this.emit(event, { key, value: data, ctx }); return false. A hostile key is this.refuse(data, key, hostile).',
      ],
      missed: [
        'What if there is no data at all?',
        'Nothing to load is its own event: missed.',
        'if (!data) { this.emit("missed", { key, value: data, ctx }); return false; }',
      ],
      expired: [
        'A saved session carries its own expiry.',
        'Compare a numeric _expire with Date.now().',
        'if (typeof data._expire === "number" && data._expire < Date.now()) → emit("expired", …) and return false.',
      ],
      hostile: [
        'Some data would break the Session object itself.',
        'findHostileKey(data) names the problem, or returns undefined.',
        'const hostile = findHostileKey(data); if (hostile) return this.refuse(data, key, hostile);',
      ],
    },
  },
  {
    name: 'init-from-cookie',
    kind: 'write',
    title: 'Read, verify, decode, check, load',
    chapter: 4,
    read: ch('04-init-from-cookie', 'reading-the-cookie'),
    target: { file: 'src/context.ts', region: 'initFromCookie' },
    hints: {
      '': [
        'Read the signed cookie; no cookie, a new session.',
        'readSessionCookie(ctx, opts) → decode in try/catch → this.valid(data) → this.load(data).',
        'No cookie or refused data: this.create(); then return.',
      ],
      'another error': [
        'Not every decode error is "not our cookie".',
        'A SyntaxError means junk: start afresh. Any other Error is a real fault: clear the cookie and rethrow.',
        'ctx.cookies.set(opts.key, "", opts); Reflect.set(err, "headers", { "set-cookie": ctx.response.get("set-cookie") }); throw err;',
      ],
    },
  },
  {
    name: 'load',
    kind: 'fix',
    title: 'load: remember what the session looked like',
    chapter: 4,
    read: ch('04-init-from-cookie', 'load'),
    target: { file: 'src/context.ts', region: 'load' },
    bug: {
      find: 'this.prevHash = hash((this.session as Session).toJSON());',
      replace: 'this.prevHash = hash(data);',
    },
    hints: {
      '': [
        'An unchanged session is re-sent: so its hash before and after must differ. Why?',
        'The hash at load and the hash at commit must be taken of the same kind of thing.',
        'Commit hashes session.toJSON(), which drops _expire and _maxAge; so must load.',
      ],
    },
  },
  {
    name: 'expired-cookie',
    kind: 'predict',
    title: 'What an expired cookie gets',
    chapter: 4,
    read: ch('04-init-from-cookie', 'valid'),
    hints: {
      '': [
        'The signature is fine; the data says its time is up.',
        'valid() refuses it and announces why; the handler sees a new, empty session.',
        'An empty new session is never sent; nothing changed the data.',
      ],
    },
  },
  // ── 5. initFromExternal ──────────────────────────────────────────────
  {
    name: 'init-from-external',
    kind: 'write',
    title: 'Load a session from a store by the id in the cookie',
    chapter: 5,
    read: ch('05-init-from-external', 'where-the-id-comes-from'),
    target: { file: 'src/context.ts', region: 'initFromExternal' },
    hints: {
      '': [
        'The cookie holds only an id; the data is in the store.',
        'id from opts.externalKey.get(ctx) or readSessionCookie(ctx, opts); no id → this.create(); else await this.store.get(id, opts.maxAge, { ctx, rolling: opts.rolling }).',
        'Refused or missing data: this.create() with NO id (never adopt it); good data: this.load(data, id).',
      ],
      adopted: [
        'Who chose the id this visitor sent?',
        'An id the store does not know may have been planted by an attacker (session fixation).',
        'this.create() — not this.create(undefined, id).',
      ],
    },
  },
  {
    name: 'fixation',
    kind: 'predict',
    title: 'An id the store never issued',
    chapter: 5,
    read: ch('05-init-from-external', 'never-adopt-an-unknown-id'),
    hints: {
      '': [
        'The store is asked, and has nothing.',
        'A missing record is announced; the session starts afresh with a new id.',
        'Saving the new session writes a new record and a new cookie.',
      ],
    },
  },
  // ── 6. _shouldSaveSession ────────────────────────────────────────────
  {
    name: 'should-save',
    kind: 'write',
    title: 'Decide whether a session needs writing back',
    chapter: 6,
    read: ch('06-should-save-session', 'truth-table'),
    target: { file: 'src/context.ts', region: '_shouldSaveSession' },
    hints: {
      '': [
        'Four answers: "", "changed", "rolling", "renew" — in that order of checks.',
        'data = session.toJSON(); new and empty → ""; hash(data) !== prevHash → "changed"; opts.rolling → "rolling"; opts.renew and under half left → "renew".',
        'Renew: session._expire - Date.now() < session.maxAge / 2.',
      ],
      renew: [
        'Renew re-sends a session that is getting old.',
        'Compare the time left with half the lifetime.',
        'if (opts.renew && expire && maxAge && expire - Date.now() < maxAge / 2) return "renew";',
      ],
    },
  },
  {
    name: 'renew',
    kind: 'quiz',
    title: 'When renew fires, and what rolling costs',
    chapter: 6,
    read: ch('06-should-save-session', 'rolling-and-renew'),
    questions: {
      '1': [
        'renew is about sessions that are getting old, not about every request.',
        'It compares the time left with the lifetime.',
        'The threshold is half of maxAge.',
      ],
      '2': [
        'At t = 4 s, how much of the 10 s is left?',
        '6 s are left; compare that with half the lifetime.',
        'Is 6 s less than 5 s?',
      ],
      '3': [
        'At t = 6 s, how much is left?',
        '4 s are left; compare that with half the lifetime.',
        'Is 4 s less than 5 s?',
      ],
      '4': [
        'rolling does not look at the clock at all.',
        'It re-sends every session the request touched.',
        'Not once a day: think of each response.',
      ],
      '5': [
        'What _expire does a browser-session cookie carry?',
        'With maxAge "session", save() stores no _expire.',
        'With no expiry to compare, can "less than half left" ever be true?',
      ],
    },
    hints: {
      '': [
        'Both options re-send a session nobody changed; they differ in when.',
        'rolling: every response. renew: only when the session is getting old.',
        'renew fires when less than half of the lifetime is left.',
      ],
    },
  },
  // ── 7. save, remove, commit ──────────────────────────────────────────
  {
    name: 'save',
    kind: 'write',
    title: 'Write a session to the cookie or the store',
    chapter: 7,
    read: ch('07-save-remove-commit', 'save'),
    target: { file: 'src/context.ts', region: 'save' },
    hints: {
      '': [
        'Stamp the lifetime into the data, then write it where it lives.',
        'maxAge = opts.maxAge || ONE_DAY; "session" → opts.maxAge = undefined and data._session = true; else data._expire = Date.now() + maxAge, data._maxAge = maxAge.',
        'Store: store.set(id, data, maxAge + 10000 (numbers), { changed, ctx, rolling }), then the id to opts.externalKey.set or the cookie. Cookie: ctx.cookies.set(opts.key, opts.encode(data), opts).',
      ],
    },
  },
  {
    name: 'remove',
    kind: 'write',
    title: 'Forget a session: destroy the record, expire the cookie',
    chapter: 7,
    read: ch('07-save-remove-commit', 'remove'),
    target: { file: 'src/context.ts', region: 'remove' },
    hints: {
      '': [
        'A browser deletes a cookie whose expiry has passed.',
        'Destroy the stored record (store mode), then overwrite the cookie with "" dated 1970.',
        'opts = { ...this.opts, expires: COOKIE_EXP_DATE, maxAge: false }; if (this.externalKey) await this.store.destroy(id, { ctx }); ctx.cookies.set(opts.key, "", opts).',
      ],
    },
  },
  {
    name: 'commit',
    kind: 'write',
    title: 'Commit: remove, regenerate or save at the end of a request',
    chapter: 7,
    read: ch('07-save-remove-commit', 'commit'),
    target: { file: 'src/context.ts', region: 'commit' },
    hints: {
      '': [
        'Four cases: never touched, set to null, regenerate, and "save if needed".',
        'undefined → return; false → remove(); regenerate → remove(), and in store mode this.externalKey = opts.genid(ctx).',
        'forced = save || regenerate || session._requireSave; reason = forced ? "force" : this._shouldSaveSession(); none → return; opts.beforeSave?.(ctx, session); await this.save(reason === "changed").',
      ],
    },
  },
  {
    name: 'regenerate',
    kind: 'predict',
    title: 'regenerate() at login, on the wire',
    chapter: 7,
    read: ch('07-save-remove-commit', 'regenerate'),
    hints: {
      '': [
        'regenerate throws the old id away.',
        'The old record is destroyed, the data saved under a new id — and the request is not over yet.',
        'regenerate() commits at once (destroy, set); the middleware commits again at the end, and the data changed since load.',
      ],
    },
  },
  // ── 8. Memory store ──────────────────────────────────────────────────
  {
    name: 'memory-set',
    kind: 'write',
    title: 'MemoryStore.set: keep a copy for maxAge ms',
    chapter: 8,
    read: ch('08-memory-store', 'set'),
    target: { file: 'src/stores/memory.ts', region: 'set' },
    hints: {
      '': [
        'Store text, not the object: later changes must not reach the stored copy.',
        'json = JSON.stringify(sess); expires = now + storeTtl(maxAge, this.#sessionTtl).',
        'this.#slots.set(key, { json, expires }); if (now >= this.#nextPrune) this.prune();',
      ],
    },
  },
  {
    name: 'memory-get',
    kind: 'write',
    title: 'MemoryStore.get: a copy, or nothing once expired',
    chapter: 8,
    read: ch('08-memory-store', 'get'),
    target: { file: 'src/stores/memory.ts', region: 'get' },
    hints: {
      '': [
        'Records are { json, expires } slots in this.#slots.',
        'No slot → undefined; expires <= now → delete it and return undefined.',
        'Otherwise return JSON.parse(slot.json): a fresh copy every time.',
      ],
    },
  },

  {
    name: 'prune',
    kind: 'fix',
    title: 'Pruning: sweep out expired records',
    chapter: 8,
    read: ch('08-memory-store', 'pruning'),
    target: { file: 'src/stores/memory.ts', region: 'prune' },
    bug: { find: 'if (slot.expires <= now) {', replace: 'if (slot.expires > now) {' },
    hints: {
      '': [
        'After a sweep, which records should still be there?',
        'A record is expired when its expiry time is not in the future.',
        'Delete when slot.expires <= now.',
      ],
    },
  },
  // ── 9. Redis ─────────────────────────────────────────────────────────
  {
    name: 'redis-get',
    kind: 'write',
    title: 'RedisStore.get against a real Redis',
    chapter: 9,
    read: ch('09-redis-store', 'get'),
    target: { file: 'src/stores/redis.ts', region: 'get' },
    needs: 'redis',
    hints: {
      '': [
        'One GET; Redis already forgot expired keys.',
        'await this.client.get(this.keyFor(id)); null → undefined.',
        'Junk must not crash: parseRecord(text) returns undefined for anything not a JSON object.',
      ],
    },
  },
  {
    name: 'redis-set',
    kind: 'write',
    title: 'RedisStore.set: value and expiry in one command',
    chapter: 9,
    read: ch('09-redis-store', 'set'),
    target: { file: 'src/stores/redis.ts', region: 'set' },
    needs: 'redis',
    hints: {
      '': [
        'Write the value and its expiry atomically, in milliseconds.',
        'SET key value PX ttl — ioredis: this.client.set(key, text, "PX", ttl).',
        'ttl = storeTtl(maxAge, this.#sessionTtl): never hand the string "session" to Redis.',
      ],
    },
  },
  {
    name: 'session-pitfall',
    kind: 'quiz',
    title: 'The maxAge "session" pitfall',
    chapter: 9,
    read: ch('09-redis-store', 'the-session-pitfall'),
    questions: {
      '1': [
        'What does a cookie without Expires or Max-Age do?',
        'It lives as long as the browser session.',
        'When does a browser session end?',
      ],
      '2': [
        'Read save(): what does it hand to store.set as maxAge here?',
        'For a browser-session cookie it computes no number.',
        'It passes the option on as it is.',
      ],
      '3': [
        'Does a browser send anything when it closes?',
        'Closing a browser sends no request to any server.',
        'So how could the server learn of it?',
      ],
      '4': [
        'Redis needs a number of milliseconds for PX.',
        'storeTtl turns "session" into a lifetime of the store’s own choosing.',
        'Which option of RedisStore sets that lifetime?',
      ],
    },
    hints: {
      '': [
        'What does a store receive as maxAge for a browser-session cookie?',
        'The string "session" — not a number of milliseconds.',
        'A store must pick a lifetime itself (here: sessionTtl, one day by default).',
      ],
    },
  },
  // ── 10. MySQL ────────────────────────────────────────────────────────
  {
    name: 'mysql-get',
    kind: 'write',
    title: 'MysqlStore.get against the real MariaDB',
    chapter: 10,
    read: ch('10-mysql-store', 'get'),
    target: { file: 'src/stores/mysql.ts', region: 'get' },
    needs: 'mysql',
    hints: {
      '': [
        'One SELECT that already leaves out expired rows; wait for the table first.',
        'await this.ready(); const [rows] = await this.pool.query(this.#sql.get, [id, id, Date.now()]).',
        'const text = rows[0]?.data; return typeof text === "string" ? parseRecord(text) : undefined;',
      ],
    },
  },
  {
    name: 'mysql-set',
    kind: 'write',
    title: 'MysqlStore.set: one upsert',
    chapter: 10,
    read: ch('10-mysql-store', 'set'),
    target: { file: 'src/stores/mysql.ts', region: 'set' },
    needs: 'mysql',
    hints: {
      '': [
        'A new session and an updated one cost the same single statement.',
        'expires = Date.now() + storeTtl(maxAge, this.#sessionTtl); json = JSON.stringify(sess).',
        'await this.ready(); await this.pool.query(this.#sql.set, [id, expires, json, expires, json]);',
      ],
    },
  },
  // ── 11. Security ─────────────────────────────────────────────────────
  {
    name: 'read-session',
    kind: 'write',
    title: 'Attack lab: read a signed cookie without the key',
    chapter: 11,
    read: ch('11-security', 'the-readable-cookie'),
    target: { file: 'attacks.ts', region: 'readSession' },
    hints: {
      '': [
        'The value before the .sig is only base64 JSON.',
        'Buffer.from(value, "base64").toString("utf8"), then JSON.parse.',
        'No key needed: that is the lesson.',
      ],
    },
  },
  {
    name: 'tamper',
    kind: 'write',
    title: 'Attack lab: change the data, keep the old signature',
    chapter: 11,
    read: ch('11-security', 'tampering'),
    target: { file: 'attacks.ts', region: 'tamper' },
    hints: {
      '': [
        'You cannot compute a new signature: keep the old one and change only the value.',
        'readSession(jar[name]), change it, encode it again (JSON, then base64), put it back under the same name.',
        'return { ...jar, [name]: Buffer.from(JSON.stringify(change(readSession(jar[name])))).toString("base64") };',
      ],
    },
  },
  {
    name: 'forge',
    kind: 'write',
    title: 'Attack lab: forge a cookie with a guessed key',
    chapter: 11,
    read: ch('11-security', 'tampering'),
    target: { file: 'attacks.ts', region: 'forge' },
    hints: {
      '': [
        'With the key, you can sign anything you like.',
        'Build name=value yourself (base64 JSON) and sign "name=value" with your sign() from step 1.',
        'const value = base64 of JSON.stringify(data); return { [name]: value, [name + ".sig"]: sign(name + "=" + value, key) };',
      ],
    },
  },
  {
    name: 'swap-id',
    kind: 'write',
    title: 'Attack lab: wear someone else’s session id',
    chapter: 11,
    read: ch('11-security', 'signing'),
    target: { file: 'attacks.ts', region: 'swapId' },
    hints: {
      '': [
        'In store mode the cookie holds only an id.',
        'Copy your jar, replace the id cookie with the victim’s id, keep your own .sig.',
        'return { ...jar, [name]: victimId };',
      ],
    },
  },
  {
    name: 'cookie-size',
    kind: 'predict',
    title: 'A session too big for a cookie',
    chapter: 11,
    read: ch('11-security', 'cookie-size'),
    hints: {
      '': [
        'Does the server know how big a cookie a browser keeps?',
        'The port sends what the session needs; base64 makes it a third bigger.',
        'The response is a plain 200 with the big cookie and its .sig; the browser drops it later.',
      ],
    },
  },
  {
    name: 'store-failure',
    kind: 'predict',
    title: 'When the store fails',
    chapter: 11,
    read: ch('11-security', 'store-failures'),
    hints: {
      '': [
        'Neither koa-session nor the port catches store errors.',
        'store.get runs before your handler; if it throws, the handler never runs.',
        'Koa answers 500 and drops the response headers.',
      ],
    },
  },
  {
    name: 'concurrency',
    kind: 'predict',
    title: 'Two requests of one session at once',
    chapter: 11,
    read: ch('11-security', 'concurrency'),
    hints: {
      '': [
        'Both requests load the same record before either saves.',
        'Each changes its own copy; each save overwrites the whole record.',
        'Last write wins: one addition is lost.',
      ],
    },
  },
  // ── 12. Performance ──────────────────────────────────────────────────
  {
    name: 'costs',
    kind: 'quiz',
    title: 'Where a session’s time goes',
    chapter: 12,
    read: ch('12-performance', 'where-the-time-goes'),
    questions: {
      '1': [
        'Which of these computes a cryptographic hash?',
        'JSON and base64 are cheap; the costly part is keyed hashing.',
        'Chapter 12 measures HMAC-SHA1 against the rest.',
      ],
      '2': [
        'keygrip computes the signature once to check it; tsscmp compares two strings safely.',
        'tsscmp compares by hashing both sides again with a random key.',
        'One for the signature, then one per side of the comparison.',
      ],
      '3': [
        'What does a read-only request need from the store?',
        'It loads the record; nothing changed, so nothing is written.',
        'Count the calls: load yes, save no.',
      ],
      '4': [
        'A changed session is loaded, then written back.',
        'One call at the start, one at commit.',
        'get, then set.',
      ],
      '5': [
        'Where does the time go when the data lives on another machine?',
        'The CPU work moves to the store; the request waits for the network.',
        'Think of what a request to Redis costs even when Redis is idle.',
      ],
    },
    hints: {
      '': [
        'Think of what a request with a signed cookie session computes.',
        'The signature is an HMAC; a store adds a network round trip per call.',
        'A read-only store request makes one call (get); a cookie request makes none.',
      ],
    },
  },
];

/**
 * Follow code that moved. A target names the file its region lived in when
 * the step was written; if `src/` has since moved that region to another
 * file (and only one file has a region of that name), the step follows it.
 */
function followMoves(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.ts')) files.push(rel);
    }
  };
  walk('src');
  const texts = new Map(files.map((f) => [f, fs.readFileSync(path.join(root, f), 'utf8')]));
  const has = (file: string, region: string) =>
    new RegExp(`^[ \\t]*// #region ${region}[ \\t]*$`, 'm').test(texts.get(file) ?? '');
  for (const step of STEPS) {
    const target = step.target;
    if (!target?.file.startsWith('src/') || has(target.file, target.region)) continue;
    const found = files.filter((f) => has(f, target.region));
    if (found.length === 1) target.file = found[0]!;
  }
}
followMoves();

/** Look a step up by name or by its number in `list` (1-based). */
export function findStep(nameOrNumber: string): Step | undefined {
  if (/^\d+$/.test(nameOrNumber)) return STEPS[Number(nameOrNumber) - 1];
  return STEPS.find((step) => step.name === nameOrNumber);
}

/**
 * The hints for a failing check: for a quiz, the question that is wrong;
 * otherwise the first key the check's name contains, else the default.
 */
export function hintsFor(step: Step, check: string | undefined, question?: string): Hints {
  const own = question === undefined ? undefined : step.questions?.[question];
  if (own) return own;
  if (check) {
    for (const [key, hints] of Object.entries(step.hints)) {
      if (key && check.includes(key)) return hints;
    }
  }
  return step.hints['']!;
}

/** Which group of code a step's checks exercise (for un-ticking dependants on reset). */
function groupOf(step: Step): string | undefined {
  const file = step.target?.file;
  if (!file) return undefined;
  if (file.startsWith('src/stores/')) return file;
  return file.startsWith('src/') ? 'port' : 'cookies';
}

/**
 * Later code steps whose checks run this step's code: the same store, or —
 * for the port and the cookie helpers, which everything later runs — every
 * later code step.
 */
export function dependantsOf(step: Step): Step[] {
  const group = groupOf(step);
  if (!group) return [];
  const later = STEPS.slice(STEPS.indexOf(step) + 1).filter((s) => groupOf(s));
  if (group === 'port' || group === 'cookies') return later;
  return later.filter((s) => groupOf(s) === group);
}
