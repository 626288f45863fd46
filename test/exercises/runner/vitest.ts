/**
 * Run chapter test files through Vitest's Node API, in this process, and
 * boil the results down to what the learner and the verifier need. One
 * Vitest instance per run: starting one costs well under a second, far
 * less than a `vitest` child process per exercise.
 */
import path from 'node:path';
import type { TestCase, TestModule } from 'vitest/node';
import { createVitest } from 'vitest/node';
import { WORKSPACE_ENV } from '../impl.js';
import { ROOT } from './workspace.js';

/** One failed expectation, without the stack trace. */
export interface Failure {
  /** The test's own words: "describe > it". */
  test: string;
  message: string;
  expected?: string;
  actual?: string;
  /** First stack frame inside the code under test, as `/absolute/file.ts:line`. */
  where?: string;
}

/** How one test file went. */
export interface FileResult {
  /** Repository-relative path of the test file. */
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  failures: Failure[];
  /** Lines the code under test printed (console.log and friends). */
  logs: string[];
}

/** The pseudo test name of an error raised while importing a test file. */
export const LOADING = '(loading the test file)';

/** `passed` means: at least one test ran and none failed. */
export function fileOk(result: FileResult): boolean {
  return result.failed === 0 && result.passed > 0;
}

function text(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function whereIn(stack: string | undefined, codeRoot: string): string | undefined {
  if (!stack) return undefined;
  for (const line of stack.split('\n')) {
    const match = /\(?((?:file:\/\/)?\/[^():]+\.ts):(\d+):\d+\)?$/.exec(line.trim());
    if (!match) continue;
    const file = match[1]!.replace(/^file:\/\//, '');
    if (file.startsWith(codeRoot) && !file.includes('/node_modules/')) {
      return `${file}:${match[2]}`;
    }
  }
  return undefined;
}

function failuresOf(testCase: TestCase, codeRoot: string): Failure[] {
  const result = testCase.result();
  if (result.state !== 'failed') return [];
  return (result.errors ?? []).map((error) => ({
    test: testCase.fullName,
    message: String(error.message ?? error),
    expected: text(error.expected),
    actual: text(error.actual),
    where: whereIn(error.stack, codeRoot),
  }));
}

function summarise(module: TestModule, logs: string[], codeRoot: string): FileResult {
  const result: FileResult = {
    file: path.relative(ROOT, module.moduleId),
    passed: 0,
    failed: 0,
    skipped: 0,
    failures: [],
    logs,
  };
  for (const testCase of module.children.allTests()) {
    const state = testCase.result().state;
    if (state === 'passed') result.passed++;
    else if (state === 'failed') result.failed++;
    else result.skipped++;
    result.failures.push(...failuresOf(testCase, codeRoot));
  }
  // An import that throws (a syntax error in the learner's file, say)
  // fails the module before any test runs.
  for (const error of module.errors()) {
    result.failed++;
    result.failures.push({
      test: LOADING,
      message: String(error.message ?? error),
      where: whereIn(error.stack, codeRoot),
    });
  }
  return result;
}

/** One set of test files to run against one workspace (or the reference). */
export interface Run {
  /** Unique label, used as the Vitest project name. */
  name: string;
  /** The workspace under test; `undefined` for the reference. */
  workspace: string | undefined;
  /** Repository-relative test files. */
  files: readonly string[];
}

const emptyResult = (file: string): FileResult => ({
  file,
  passed: 0,
  failed: 1,
  skipped: 0,
  failures: [{ test: '(running the test file)', message: 'Vitest did not run this file.' }],
  logs: [],
});

/**
 * Run several sets of test files, each against its own workspace, in one
 * Vitest instance: every run becomes a Vitest *project* with its own
 * `KOA_SESSION_WORKSPACE`, so the same test file can run against many
 * workspaces at once and two workers stay busy throughout. Returns, per
 * run name, the results in the order the files were given.
 */
export async function runMatrix(runs: readonly Run[]): Promise<Map<string, FileResult[]>> {
  // What the code under test printed. Vitest hands console output to
  // reporters; ours only collects it (nothing reaches the terminal), and
  // the learner sees it next to the failure it belongs to.
  const logs = new Map<string, string[]>();
  const keyOf = (project: string, moduleId: string) =>
    `${project}\u0000${path.relative(ROOT, moduleId)}`;
  const collector = {
    onUserConsoleLog(log: { content: string; taskId?: string }) {
      const task = log.taskId ? vitest.state.idMap.get(log.taskId) : undefined;
      const file = task?.file;
      if (!file) return;
      const key = keyOf(file.projectName ?? '', file.filepath);
      logs.set(key, [...(logs.get(key) ?? []), log.content.trimEnd()]);
    },
  };
  const vitest = await createVitest(
    'test',
    {
      config: false,
      root: ROOT,
      watch: false,
      reporters: [collector],
      // The exercise files are small; two workers match this machine and
      // keep a learner's laptop responsive.
      maxWorkers: 2,
      projects: runs.map((run) => ({
        test: {
          name: run.name,
          root: ROOT,
          include: [...run.files],
          env: run.workspace ? { [WORKSPACE_ENV]: run.workspace } : {},
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      })),
    } as Parameters<typeof createVitest>[1],
    { logLevel: 'silent' },
  );
  try {
    const specifications = await vitest.globTestSpecifications();
    const { testModules } = await vitest.runTestSpecifications(specifications);
    const results = new Map<string, FileResult>();
    for (const module of testModules) {
      const project = module.project.name;
      const run = runs.find((r) => r.name === project);
      const codeRoot = run?.workspace ?? ROOT;
      const key = keyOf(project, module.moduleId);
      results.set(key, summarise(module, logs.get(key) ?? [], codeRoot));
    }
    return new Map(
      runs.map((run) => [
        run.name,
        run.files.map(
          (file) => results.get(keyOf(run.name, path.join(ROOT, file))) ?? emptyResult(file),
        ),
      ]),
    );
  } finally {
    await vitest.close();
  }
}

/**
 * Run `files` (repository-relative) against `workspace`, or against the
 * reference when `workspace` is undefined. Results come back in the order
 * the files were given.
 */
export async function runTestFiles(
  files: readonly string[],
  workspace: string | undefined,
): Promise<FileResult[]> {
  const results = await runMatrix([{ name: 'exercises', workspace, files }]);
  return results.get('exercises')!;
}
