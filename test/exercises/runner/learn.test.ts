/**
 * The runner, driven as a learner drives it: the real command line for the
 * first run, then the module it wraps (faster) on workspaces prepared at
 * the point each test needs — some steps solved, one about to be tried.
 * Every run goes through a real child process, as `npm run learn` does.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { answerOf, findStep, hintsFor, STEPS } from '../catalog.js';
import { listSteps, resetOne, runSteps, showHint } from './learn.js';
import { replaceRegion } from './stubs.js';
import {
  ANSWERS_DIR,
  ROOT,
  readProgress,
  renderWorkspace,
  writeProgress,
  writeWorkspace,
} from './workspace.js';

const run = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'koa-session-learn-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The environment of a learner's shell: none of this test runner's Vitest variables. */
function learnerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of Object.keys(env)) {
    if (name.startsWith('VITEST') || name === 'KOA_SESSION_WORKSPACE') delete env[name];
  }
  return env;
}

async function npmLearn(...args: string[]): Promise<{ stdout: string; code: number }> {
  try {
    const { stdout } = await run('npm', ['run', '--silent', 'learn', '--', ...args], {
      cwd: ROOT,
      env: learnerEnv(),
    });
    return { stdout, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; code?: number };
    return { stdout: e.stdout ?? '', code: e.code ?? 1 };
  }
}

function capture() {
  const lines: string[] = [];
  return { lines, print: (line = '') => lines.push(line), text: () => lines.join('\n') };
}

const reference = renderWorkspace([]).files;
let count = 0;

/** A workspace in which every step before `name` is done, and `name` onwards as shipped. */
function workspaceAt(name: string): string {
  const dir = path.join(tmp, `ws-${++count}`);
  const at = STEPS.indexOf(findStep(name)!);
  writeWorkspace(dir, STEPS.slice(at));
  const done = Object.fromEntries(STEPS.slice(0, at).map((s) => [s.name, 'earlier']));
  writeProgress(dir, { done });
  return dir;
}

/** Replace a step's region in the workspace with `text` (a whole region, markers included). */
function writeRegion(dir: string, name: string, body: (region: string) => string): void {
  const step = findStep(name)!;
  const file = path.join(dir, step.target!.file);
  const current = fs.readFileSync(file, 'utf8');
  const ref = reference.get(step.target!.file)!;
  const open = ref.indexOf(`// #region ${step.target!.region}\n`);
  const close = ref.indexOf(`// #endregion ${step.target!.region}`);
  const edited = ref.slice(0, open) + body(ref.slice(open, close)) + ref.slice(close);
  fs.writeFileSync(file, replaceRegion(current, edited, step.target!.region)!);
}

/** Solve a step the way a learner who peeked would: the reference region, or the reference sheet. */
function solve(dir: string, name: string): void {
  const step = findStep(name)!;
  const sheet = answerOf(step);
  if (sheet) {
    fs.copyFileSync(path.join(ANSWERS_DIR, sheet), path.join(dir, sheet));
    return;
  }
  writeRegion(dir, name, (region) => region);
}

const fast = { typecheck: false, limit: 20_000 };

describe('npm run learn, as a learner uses it', () => {
  it('first run: creates the workspace and stops at step 1, in plain words, with no hint unasked', async () => {
    const workspace = path.join(tmp, 'first');
    const { stdout, code } = await npmLearn('--workspace', workspace);
    expect(code, 'a failing step is not an error: exit 0').toBe(0);
    expect(stdout).toContain('Created your workspace');
    expect(stdout).toContain(`✗  1/${STEPS.length} sign`);
    expect(stdout, 'says what is missing').toContain('Not written yet: sign');
    expect(stdout, 'where to write it').toMatch(/Write:\s+\S*cookies\.ts:\d+/);
    expect(stdout, 'the concept section').toContain('Read:   chapters/01-cookies.md#signing');
    for (const hint of STEPS[0]!.hints['']!)
      expect(stdout, 'no hint printed unasked').not.toContain(hint);
    expect(stdout, 'how to ask for one').toContain('npm run learn -- hint');
    expect(stdout, 'no stack trace').not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    expect(stdout, 'it stopped at the first failure').not.toContain(STEPS[1]!.name);
  }, 120_000);

  it('hint: a nudge, then the shape, then nearly the answer — for the check that fails', async () => {
    const dir = workspaceAt('verify');
    // A verify that works except on a digest of the wrong length.
    writeRegion(dir, 'verify', (region) =>
      region.replace(
        /\{\n[\s\S]*\n\}\n$/,
        '{\n  return keys.findIndex((key) => timingSafeEqual(Buffer.from(sign(data, key)), Buffer.from(digest)));\n}\n',
      ),
    );
    const out = capture();
    const outcome = await runSteps(dir, out.print, fast);
    const check = outcome.failing?.run.failure?.check ?? '';
    expect(check, 'the failing check').toContain('length');
    const levels = hintsFor(findStep('verify')!, check);
    expect(levels, 'the hints of that check, not the step’s first').not.toEqual(
      findStep('verify')!.hints[''],
    );
    for (let level = 1; level <= 3; level++) {
      const hint = capture();
      showHint(dir, hint.print);
      expect(hint.text(), `hint ${level}`).toContain(`Hint ${level} of 3`);
      expect(hint.text(), `hint ${level}`).toContain(levels[level - 1]!);
      if (level < 3)
        expect(hint.text(), `hint ${level} hides the next`).not.toContain(levels[level]!);
    }
    const again = capture();
    showHint(dir, again.print, { step: '2', level: 1 });
    expect(again.text(), 'a step number and --level work too').toContain('Hint 1 of 3');
  }, 60_000);

  it('an endless loop is stopped at the time limit, with a clear message', async () => {
    const dir = workspaceAt('sign');
    writeRegion(dir, 'sign', (region) =>
      region.replace(
        /\{\n[\s\S]*\n\}\n$/,
        '{\n  let n = 0;\n  while (key) n++;\n  return String(n) + data;\n}\n',
      ),
    );
    const out = capture();
    const started = Date.now();
    const outcome = await runSteps(dir, out.print, { typecheck: false, limit: 5000 });
    // Start-up of the step process is not counted in the limit; allow for a busy machine.
    expect(Date.now() - started, 'it returned, not long after the limit').toBeLessThan(45_000);
    expect(outcome.failing?.run.timedOut, 'reported as timed out').toBeDefined();
    expect(out.text()).toContain('did not finish — a loop that never ends?');
    expect(out.text(), 'names the check it was in').toMatch(/during the check:\n\s+sign ›/);
    expect(out.text(), 'and the line of the loop').toMatch(
      /was here when it was stopped[^\n]*\n\s+\S*cookies\.ts:\d+\s+sign/,
    );
  }, 60_000);

  it('an error the port’s hardening swallows is reported, from your code, with the step it belongs to', async () => {
    const dir = workspaceAt('init-from-cookie');
    solve(dir, 'init-from-cookie');
    // A hash that breaks on some data: load() catches it and starts a fresh
    // session, so the check only sees "isNew" — the runner must say why.
    writeRegion(dir, 'hash', (region) =>
      region.replace(
        /\{\n[\s\S]*\n\}\n$/,
        "{\n  const text = JSON.stringify(data);\n  if (text.includes('alice')) throw new TypeError('my hash cannot read names');\n  return crc32(text);\n}\n",
      ),
    );
    const out = capture();
    await runSteps(dir, out.print, fast);
    const text = out.text();
    expect(text).toContain('caught before this check could see it');
    expect(text).toContain('TypeError: my hash cannot read names');
    expect(text, 'the learner frame').toMatch(/src\/util\.ts:\d+/);
    expect(text, 'the step it belongs to').toContain(
      `step ${STEPS.indexOf(findStep('hash')!) + 1}'s code (hash)`,
    );
    expect(readProgress(dir).done.hash, 'that earlier step is un-ticked').toBeUndefined();
  }, 60_000);

  it('an earlier step that breaks is named as the cause', async () => {
    const dir = workspaceAt('verify');
    solve(dir, 'verify');
    writeRegion(dir, 'sign', (region) =>
      region.replace(
        /\{\n[\s\S]*\n\}\n$/,
        '{\n  throw new RangeError("cannot sign " + data + " with a key of " + key.length);\n}\n',
      ),
    );
    const out = capture();
    await runSteps(dir, out.print, fast);
    expect(out.text()).toContain('The error comes from step 1 (sign), which passed before');
    expect(out.text(), 'the two innermost frames of your code').toMatch(/cookies\.ts:\d+\s+sign/);
    expect(readProgress(dir).done.sign, 'sign is un-ticked').toBeUndefined();
  }, 60_000);

  it('a predict step: blank fails with the table, the right answers pass', async () => {
    const dir = workspaceAt('two-places');
    const out = capture();
    const blank = await runSteps(dir, out.print, { ...fast, only: findStep('two-places') });
    expect(blank.failing?.step.name).toBe('two-places');
    expect(out.text()).toContain('answer sheet answers/two-places.txt is still empty');
    expect(out.text(), 'nothing revealed before you predict').toMatch(
      /cookie mode set-cookie\s+""\s+\(predict first\)\s+✗/,
    );
    expect(out.text()).not.toContain('koa.sess, koa.sess.sig');
    const sheet = path.join(dir, 'answers/two-places.txt');
    fs.writeFileSync(
      sheet,
      fs
        .readFileSync(sheet, 'utf8')
        .replace('cookie mode set-cookie: ', 'cookie mode set-cookie: koa.sess'),
    );
    const guessed = capture();
    await runSteps(dir, guessed.print, { ...fast, only: findStep('two-places') });
    expect(guessed.text(), 'your prediction beside the real exchange').toMatch(
      /cookie mode set-cookie\s+koa\.sess\s+koa\.sess, koa\.sess\.sig\s+✗/,
    );
    expect(guessed.text()).toContain('1 prediction is not right yet; 3 lines are still blank');
    solve(dir, 'two-places');
    const after = await runSteps(dir, capture().print, { ...fast, only: findStep('two-places') });
    expect(after.passed, 'ticked').toEqual(['two-places']);
  }, 60_000);

  it('a quiz step never gives the answer away', async () => {
    const dir = workspaceAt('why-sig');
    const sheet = path.join(dir, 'answers/why-sig.txt');
    fs.writeFileSync(
      sheet,
      fs.readFileSync(sheet, 'utf8').replace('1: ', '1: a').replace('2: ', '2: yes'),
    );
    const out = capture();
    await runSteps(dir, out.print, { ...fast, only: findStep('why-sig') });
    expect(out.text()).toMatch(/1\s+a\s+✗ not yet/);
    expect(out.text()).toMatch(/2\s+yes\s+✓/);
    expect(out.text(), 'the right letter is not shown').not.toMatch(/1\s+a\s+b/);
  }, 60_000);

  it('a fix step: the planted bug fails with its symptom; removing it passes', async () => {
    const dir = workspaceAt('load');
    const out = capture();
    const buggy = await runSteps(dir, out.print, { ...fast, only: findStep('load') });
    expect(buggy.failing?.run.failure?.check, 'the symptom').toContain('is not a change');
    expect(out.text()).toMatch(/Fix:\s+\S*context\.ts:\d+/);
    solve(dir, 'load');
    const fixed = await runSteps(dir, capture().print, { ...fast, only: findStep('load') });
    expect(fixed.passed).toEqual(['load']);
  }, 60_000);

  it('a passing step is ticked only once the workspace type-checks', async () => {
    const dir = workspaceAt('sign');
    writeRegion(dir, 'sign', (region) =>
      region.replace("createHmac('sha1', key)", "createHmac('sha1', key as unknown as number)"),
    );
    const out = capture();
    const outcome = await runSteps(dir, out.print, { limit: 20_000, only: findStep('sign') });
    expect(out.text(), out.text()).toContain('its checks pass, but TypeScript does not agree yet');
    expect(outcome.passed, 'not ticked').toEqual([]);
    expect(readProgress(dir).done.sign).toBeUndefined();
  }, 120_000);

  it('list numbers the steps; reset by number keeps a backup and un-ticks what depends on it', async () => {
    const dir = workspaceAt('crc32');
    const out = capture();
    listSteps(dir, out.print);
    const n = STEPS.indexOf(findStep('encode')!) + 1;
    expect(out.lines.find((l) => l.includes(' encode '))).toMatch(
      new RegExp(`✓\\s+${n}\\s+encode\\s+write`),
    );
    const util = path.join(dir, 'src/util.ts');
    const mine = fs
      .readFileSync(util, 'utf8')
      .replace('JSON.stringify(data)', 'JSON.stringify(data) /* mine */');
    fs.writeFileSync(util, mine);
    const reset = capture();
    expect(await resetOne(String(n), dir, reset.print)).toBe(true);
    expect(fs.readFileSync(util, 'utf8')).toContain('TODO(encode)');
    const backups = fs.readdirSync(path.join(dir, 'backups'));
    expect(backups, 'one backup').toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, 'backups', backups[0]!, 'src/util.ts'), 'utf8')).toBe(
      mine,
    );
    const done = readProgress(dir).done;
    expect(done.encode, 'encode un-ticked').toBeUndefined();
    expect(done.hash, 'a later step that runs the port is un-ticked').toBeUndefined();
    expect(done.sign, 'an earlier step stays ticked').toBeDefined();
    expect(reset.text()).toContain('Your version is kept in');
  });
});
