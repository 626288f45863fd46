/**
 * Predict and quiz steps: the learner's answer sheet (`answers/NAME.txt` in
 * the workspace; the reference sheet in `test/exercises/answers/` when the
 * checks prove the reference), read and judged.
 *
 * A prediction is judged against the *real* exchange, produced here and now
 * by the reference port in `src/` — never against a stored copy — and the
 * runner shows the two side by side. A quiz is judged against its key, and
 * a wrong answer is never answered for you.
 */
import fs from 'node:fs';
import path from 'node:path';
import Koa from 'koa';
import { createSession, type SessionOptions } from '../../../src/index.js';
import { workspace } from '../impl.js';
import { AssertionError } from '../kit.js';
import { hit, KEYS, parseSetCookie, type RecordingStore } from './harness.js';

const REFERENCE = path.resolve(import.meta.dirname, '../answers');

/** One judged line; mirrors runner/protocol.ts's AnswerRow. */
interface Row {
  key: string;
  given: string;
  real?: string;
  /** A prediction not yet attempted in the asked form: its truth is withheld. */
  hidden?: boolean;
  ok: boolean;
}

/** A prediction or quiz that is not right yet; `table` is what the runner prints. */
export class AnswerError extends AssertionError {
  constructor(
    message: string,
    readonly table: Row[],
  ) {
    super(message);
  }
}

/** The sheet's `key: value` lines, comments (`#`) left out. */
export function readSheet(step: string): Map<string, string> {
  const file = workspace
    ? path.join(workspace, 'answers', `${step}.txt`)
    : path.join(REFERENCE, `${step}.txt`);
  if (!fs.existsSync(file)) {
    throw new AssertionError(
      `The answer sheet ${file} is missing; npm run learn -- reset ${step} brings it back.`,
    );
  }
  const answers = new Map<string, string>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('#') || !line.includes(':')) continue;
    const at = line.indexOf(':');
    answers.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim());
  }
  return answers;
}

const NONE = new Set(['none', 'nothing', '-', '(none)', 'n/a', 'undefined', 'null']);

/** Compare answers, not typing: case, quotes, spaces and list punctuation do not matter. */
export function normalise(text: string): string {
  const flat = text
    .toLowerCase()
    .replace(/["'`]/g, '')
    .split(/\s*[,;]\s*|\s+(?:then|and)\s+|\s*(?:→|->)\s*/)
    .map((item) => item.trim().replace(/\s+/g, ' '))
    .filter(Boolean)
    .join(', ');
  return NONE.has(flat) ? 'none' : flat;
}

function judge(step: string, rows: Row[], kind: 'prediction' | 'answer'): void {
  const empty = rows.filter((row) => !row.given).length;
  const wrong = rows.filter((row) => !row.ok).length;
  if (!wrong) return;
  const sheet = `answers/${step}.txt`;
  const notRight = wrong - empty;
  const parts = [
    notRight ? `${notRight} ${notRight === 1 ? `${kind} is` : `${kind}s are`} not right yet` : '',
    empty ? `${empty} ${empty === 1 ? 'line is' : 'lines are'} still blank` : '',
  ].filter(Boolean);
  const message =
    empty === rows.length
      ? `Your answer sheet ${sheet} is still empty: write each ${kind} after its colon.`
      : `In ${sheet}, ${parts.join('; ')}.`;
  throw new AnswerError(message, rows);
}

/** Words that fill a line without predicting anything. */
const PLACEHOLDERS = new Set([
  'x',
  'xx',
  'xxx',
  '?',
  '??',
  '...',
  'todo',
  'tbd',
  'idk',
  'dunno',
  'test',
  'asdf',
]);

/** The cookie names these apps can set (the default key and its signature). */
const COOKIE_NAMES = ['koa.sess', 'koa.sess.sig'];

/**
 * Is `given` a real attempt at the line `key`, whose true answer is
 * `real`: an answer of the form the sheet asks for (a status, names from
 * the list, yes or no …), not a placeholder? Only then is the true value
 * shown beside it, so an answer sheet cannot be filled in by typing `x` on
 * every line and copying what comes back.
 */
export function isAttempt(key: string, given: string, real: string): boolean {
  const answer = normalise(given);
  const truth = normalise(real);
  if (!answer || PLACEHOLDERS.has(answer) || !/[a-z0-9]/.test(answer)) return false;
  const items = answer.split(', ');
  const within = (words: string[]) => answer === 'none' || items.every((i) => words.includes(i));
  if (/^\d+(, \d+)*$/.test(truth)) {
    return /^\d+(, \d+)*$/.test(answer) && items.length === truth.split(', ').length;
  }
  if (truth === 'yes' || truth === 'no') return answer === 'yes' || answer === 'no';
  if (/store calls/.test(key)) return within(['get', 'set', 'destroy']);
  if (/\bevent\b/.test(key)) {
    return within(['session:missed', 'session:expired', 'session:invalid']);
  }
  if (/set-cookie/.test(key)) return within([...COOKIE_NAMES, ...truth.split(', ')]);
  if (/holds/.test(key)) return answer === 'data' || answer === 'id';
  // A value in the learner's own words (an id, a body): at least two
  // characters that are not all the same one.
  return answer.length >= 2 && new Set(answer).size > 1;
}

/**
 * Judge a prediction: every key of `real` against the sheet's line of the
 * same name. `real` values are what the reference port really did; each is
 * shown only beside a real attempt at its line.
 */
export function predict(step: string, real: Record<string, string>): void {
  const sheet = readSheet(step);
  const rows = Object.entries(real).map(([key, value]) => {
    const given = sheet.get(key) ?? '';
    const attempt = !!given && isAttempt(key, given, value);
    return {
      key,
      given,
      ...(attempt ? { real: value } : { real: '', hidden: true }),
      ok: attempt && normalise(given) === normalise(value),
    };
  });
  judge(step, rows, 'prediction');
}

/**
 * Judge a quiz: each question's answer must match one of the accepted
 * ones (normalised), or the pattern.
 */
export function quiz(step: string, key: Record<string, (string | RegExp)[]>): void {
  const sheet = readSheet(step);
  const rows = Object.entries(key).map(([question, accepted]) => {
    const given = sheet.get(question) ?? '';
    const ok =
      !!given &&
      accepted.some((a) =>
        typeof a === 'string' ? normalise(a) === normalise(given) : a.test(given.toLowerCase()),
      );
    return { key: question, given, ok };
  });
  judge(step, rows, 'answer');
}

/** What one request really produced, in the words the answer sheets use. */
export interface Exchange {
  status: string;
  /** Names of the cookies set, in order; "none" when there are none. */
  setCookie: string;
  /** Store calls in order, e.g. "get, set"; "none". */
  storeCalls: string;
  /** Session events, e.g. "session:expired"; "none". */
  events: string;
  /** The raw Set-Cookie lines, for checks that look closer. */
  lines: string[];
  body: string;
}

/**
 * One GET against an app built on the reference port, with `handler`
 * behind the session middleware. The store, if any, should be a
 * RecordingStore so its calls can be listed.
 */
export async function exchange(
  options: SessionOptions,
  handler: Koa.Middleware,
  { cookie, store }: { cookie?: string; store?: RecordingStore } = {},
): Promise<Exchange> {
  const app = new Koa();
  app.keys = KEYS;
  app.silent = true;
  const events: string[] = [];
  for (const name of ['missed', 'expired', 'invalid']) {
    app.on(`session:${name}`, () => events.push(`session:${name}`));
  }
  app.use(createSession({ ...options, ...(store ? { store } : {}) }, app));
  app.use(handler);
  const before = store?.calls.length ?? 0;
  const res = await hit(app, '/', cookie ? { cookie } : {});
  await new Promise((resolve) => setImmediate(resolve));
  const lines = res.headers['set-cookie'] ?? [];
  const list = (items: string[]) => (items.length ? items.join(', ') : 'none');
  return {
    status: String(res.status),
    setCookie: list(lines.map((line) => parseSetCookie(line).name)),
    storeCalls: list((store?.calls.slice(before) ?? []).map((call) => call.method)),
    events: list(events),
    lines,
    body: res.text,
  };
}
