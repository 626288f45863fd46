/**
 * The learner's workspace: a generated copy of `src/` (and of the
 * standalone reference files in `test/exercises/reference/`) in which the
 * bodies of chosen exercises are TODO stubs. Also the progress file that
 * lets `npm run learn` remember where you are.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { answerOf, STEPS, type Step } from '../catalog.js';
import { replaceRegion, type StubbedFunction, type StubRequest, stubRegions } from './stubs.js';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where `npm run learn` keeps your work unless told otherwise. */
export const DEFAULT_WORKSPACE = path.join(ROOT, '.learn');

/** Standalone exercises with no home in `src/` (chapter 1, the attack lab). */
const REFERENCE_DIR = path.join(ROOT, 'test/exercises/reference');

/** The reference answer sheets of predict and quiz steps. */
export const ANSWERS_DIR = path.join(ROOT, 'test/exercises');

/** Every file a workspace holds, as workspace path → repository path. */
export function sourceFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string, into: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const from = path.join(dir, entry.name);
      const to = into ? `${into}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(from, to);
      else if (entry.name.endsWith('.ts')) files.set(to, from);
    }
  };
  walk(path.join(ROOT, 'src'), 'src');
  walk(REFERENCE_DIR, '');
  return files;
}

function requestsFor(steps: readonly Step[]): Map<string, StubRequest[]> {
  const byFile = new Map<string, StubRequest[]>();
  for (const step of steps) {
    const target = step.target;
    if (!target) continue;
    const list = byFile.get(target.file) ?? [];
    list.push({ region: target.region, exercise: step.name, chapter: step.read, bug: step.bug });
    byFile.set(target.file, list);
  }
  return byFile;
}

/** A reference answer sheet as shipped: every answer after its colon removed. */
export function blankSheet(text: string): string {
  return text
    .split('\n')
    .map((line) => (line.startsWith('#') || !line.includes(':') ? line : `${line.split(':')[0]}: `))
    .join('\n');
}

/** The reference answer sheet of a predict or quiz step. */
export function referenceSheet(step: Step): string {
  const file = path.join(ANSWERS_DIR, answerOf(step)!);
  return fs.readFileSync(file, 'utf8');
}

/** One function a step asks for, and where it is in the workspace. */
export type StepFunction = StubbedFunction & { file: string };

/**
 * The text of every workspace file with the `shipped` steps as a learner
 * first meets them — write steps as TODOs, fix steps with their bug, answer
 * sheets blank — and the others as in the reference. Also where each
 * step's function ended up. Pure: writes nothing.
 */
export function renderWorkspace(shipped: readonly Step[] = STEPS): {
  files: Map<string, string>;
  functions: Map<string, StepFunction[]>;
} {
  const sources = sourceFiles();
  const requests = requestsFor(shipped);
  const files = new Map<string, string>();
  const functions = new Map<string, StepFunction[]>();
  for (const [file] of requests) {
    if (!sources.has(file)) throw new Error(`step target ${file} does not exist`);
  }
  for (const [file, from] of sources) {
    const result = stubRegions(file, fs.readFileSync(from, 'utf8'), requests.get(file) ?? []);
    files.set(file, result.text);
    for (const fn of result.stubbed) {
      const step = requests.get(file)!.find((r) => r.region === fn.region)!.exercise;
      functions.set(step, [...(functions.get(step) ?? []), { ...fn, file }]);
    }
  }
  for (const step of STEPS) {
    const sheet = answerOf(step);
    if (!sheet) continue;
    const text = referenceSheet(step);
    files.set(sheet, shipped.includes(step) ? blankSheet(text) : text);
  }
  return { files, functions };
}

let everyStepShipped: Map<string, string> | undefined;

/**
 * The same files as {@link renderWorkspace}, composed instead of
 * generated: the reference text with each shipped step's region taken
 * from one rendering of "every step shipped". The verifier writes one
 * workspace per step; this keeps that to a single pass of the compiler.
 */
export function composeWorkspace(
  shipped: readonly Step[],
  allShipped?: Map<string, string>,
): Map<string, string> {
  everyStepShipped ??= allShipped ? undefined : renderWorkspace(STEPS).files;
  const full = allShipped ?? everyStepShipped!;
  const files = new Map<string, string>();
  for (const [file, from] of sourceFiles()) files.set(file, fs.readFileSync(from, 'utf8'));
  for (const step of shipped) {
    const target = step.target;
    if (!target) continue;
    const text = replaceRegion(files.get(target.file)!, full.get(target.file)!, target.region);
    if (text === undefined) throw new Error(`${target.file} has no region "${target.region}"`);
    files.set(target.file, text);
  }
  for (const step of STEPS) {
    const sheet = answerOf(step);
    if (!sheet) continue;
    const text = referenceSheet(step);
    files.set(sheet, shipped.includes(step) ? blankSheet(text) : text);
  }
  return files;
}

/** Where each step's function is (or would be) in a workspace. */
export function functionsOf(step: Step): StepFunction[] {
  return renderWorkspace([step]).functions.get(step.name) ?? [];
}

const WORKSPACE_README = `# Your exercise workspace

Generated by \`npm run learn\` from the repository's \`src/\`. Edit the files
here, never \`src/\`: "write" steps are TODOs that throw, "fix" steps hide one
bug each, and "predict" and "quiz" steps are answer sheets in \`answers/\`.
Progress is kept in \`progress.json\`. The book page is chapters/exercises.md.

- \`npm run learn\`                run the steps in order, stop at the first failing one
- \`npm run learn -- --watch\`     the same, again on every save (h: a hint, q: quit)
- \`npm run learn -- list\`        all steps, numbered, and where you are
- \`npm run learn -- hint\`        a hint for the check that fails (again: a bigger one)
- \`npm run learn -- run N\`       one step, by number or name
- \`npm run learn -- reset N\`     put one step back as shipped (your version goes to backups/)

Delete this folder to start over.
`;

/**
 * Write a workspace into `dir`. Existing learner files are overwritten, so
 * callers only do this for a new workspace (or a deliberate full reset).
 */
export function writeWorkspace(
  dir: string,
  shipped: readonly Step[] = STEPS,
  allShipped?: Map<string, string>,
): void {
  const files = composeWorkspace(shipped, allShipped);
  for (const [file, text] of files) {
    const to = path.join(dir, file);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.writeFileSync(to, text);
  }
  fs.writeFileSync(path.join(dir, 'README.md'), WORKSPACE_README);
  // ES modules, like the repository (matters to tsc when the workspace
  // lives outside it).
  const pkg = { name: 'koa-session-exercises-workspace', private: true, type: 'module' };
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  // Lets an editor (and `npx tsc -p .learn`) type-check the workspace with
  // the project's own settings.
  const tsconfig = {
    extends: path.relative(dir, path.join(ROOT, 'tsconfig.json')).split(path.sep).join('/'),
    compilerOptions: { noEmit: true },
    include: ['**/*.ts'],
  };
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  // A workspace outside the repository still needs the project's packages
  // (ioredis, mysql2 …); Node looks for them in the nearest node_modules.
  const inside = !path.relative(ROOT, dir).startsWith('..');
  const link = path.join(dir, 'node_modules');
  if (!inside && !fs.existsSync(link)) {
    fs.symlinkSync(path.join(ROOT, 'node_modules'), link, 'dir');
  }
}

/** Does `dir` look like a workspace we made? */
export function isWorkspace(dir: string): boolean {
  return (
    fs.existsSync(path.join(dir, 'src/index.ts')) && fs.existsSync(path.join(dir, 'cookies.ts'))
  );
}

/**
 * Put one step back as shipped (its TODO, its bug or its blank answer
 * sheet), leaving everything else as the learner wrote it. The learner's
 * version of each file touched is copied to `backups/<time>-<step>/`
 * first. Returns the files touched and the backup folder; throws with a
 * clear message when a file lost its region markers.
 */
export function resetStep(dir: string, step: Step): { files: string[]; backup: string } {
  const { files } = renderWorkspace([step]);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const backup = path.join(dir, 'backups', `${stamp}-${step.name}`);
  const touched: string[] = [];
  const target = step.target;
  const sheet = answerOf(step);
  const file = target?.file ?? sheet!;
  const at = path.join(dir, file);
  const fresh = files.get(file)!;
  const current = fs.existsSync(at) ? fs.readFileSync(at, 'utf8') : undefined;
  let next = fresh;
  if (current !== undefined && target) {
    const replaced = replaceRegion(current, fresh, target.region);
    if (replaced === undefined) {
      throw new Error(
        `${file} no longer has the "// #region ${target.region}" … "// #endregion ${target.region}" lines, ` +
          'so I cannot tell which part to reset. Put them back, or delete the file and run reset again.',
      );
    }
    next = replaced;
  }
  if (current !== undefined) {
    fs.mkdirSync(path.dirname(path.join(backup, file)), { recursive: true });
    fs.writeFileSync(path.join(backup, file), current);
  }
  fs.mkdirSync(path.dirname(at), { recursive: true });
  fs.writeFileSync(at, next);
  touched.push(file);
  return { files: touched, backup };
}

/**
 * Undo the last `reset` of `step`: its region (or answer sheet) comes back
 * from the newest backup `resetStep` made, the rest of the file stays as
 * it is now. What it replaces is backed up first, so a restore can be
 * undone too. Returns undefined when there is no backup of the step.
 */
export function restoreStep(
  dir: string,
  step: Step,
): { files: string[]; from: string; backup: string } | undefined {
  const backups = path.join(dir, 'backups');
  const suffix = `-${step.name}`;
  const folders = fs.existsSync(backups)
    ? fs
        .readdirSync(backups)
        .filter((f) => f.endsWith(suffix) && !findStepSuffix(f, suffix))
        .sort()
    : [];
  const newest = folders.at(-1);
  if (!newest) return undefined;
  const target = step.target;
  const file = target?.file ?? answerOf(step)!;
  const saved = path.join(backups, newest, file);
  if (!fs.existsSync(saved)) return undefined;
  const theirs = fs.readFileSync(saved, 'utf8');
  const at = path.join(dir, file);
  const current = fs.existsSync(at) ? fs.readFileSync(at, 'utf8') : undefined;
  let next = theirs;
  if (current !== undefined && target) {
    const replaced = replaceRegion(current, theirs, target.region);
    if (replaced === undefined) {
      throw new Error(
        `${file} no longer has the "// #region ${target.region}" lines, so I cannot tell where ` +
          `your version goes. It is in ${path.join(backups, newest, file)}: copy it back by hand.`,
      );
    }
    next = replaced;
  }
  // What the restore replaces is kept too (it is the newest backup now).
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const backup = path.join(backups, `${stamp}-${step.name}`);
  if (current !== undefined) {
    fs.mkdirSync(path.dirname(path.join(backup, file)), { recursive: true });
    fs.writeFileSync(path.join(backup, file), current);
  }
  fs.writeFileSync(at, next);
  return { files: [file], from: path.join(backups, newest), backup };
}

/**
 * A backup folder is `<time>-<step>`; a step whose name ends with another
 * step's name (none today) must not pick up the other's backups.
 */
function findStepSuffix(folder: string, suffix: string): boolean {
  const stem = folder.slice(0, -suffix.length);
  return !/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/.test(stem);
}

/** What `progress.json` holds. */
export interface Progress {
  /** Step name → when it passed (ISO date). */
  done: Record<string, string>;
  /**
   * The check that failed last, so `hint` knows what to help with; for an
   * answer sheet, the first line that is not right yet.
   */
  failing?: { step: string; check: string | undefined; row?: string };
  /** Hints shown so far, per "step › check". */
  hints?: Record<string, number>;
}

const PROGRESS_FILE = 'progress.json';

export function readProgress(dir: string): Progress {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(dir, PROGRESS_FILE), 'utf8')) as Progress;
    if (parsed?.done && typeof parsed.done === 'object') {
      return { done: { ...parsed.done }, failing: parsed.failing, hints: { ...parsed.hints } };
    }
  } catch {
    // Missing or unreadable: start counting again; the exercises themselves
    // are the truth, progress only saves time.
  }
  return { done: {} };
}

export function writeProgress(dir: string, progress: Progress): void {
  fs.writeFileSync(path.join(dir, PROGRESS_FILE), `${JSON.stringify(progress, null, 2)}\n`);
}
