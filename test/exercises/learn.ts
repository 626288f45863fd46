/**
 * `npm run learn` — the exercises, one after another, against your
 * workspace (`.learn/`, made on first run from `src/`).
 *
 *   npm run learn                  run from the first unfinished exercise; stop at the first failure
 *   npm run learn -- --watch       the same, again whenever you save a file in the workspace
 *   npm run learn -- --all         re-check finished exercises too
 *   npm run learn -- list          all exercises and your progress
 *   npm run learn -- run NAME      run one exercise, whatever its place
 *   npm run learn -- hint NAME     every hint for one exercise
 *   npm run learn -- reset NAME    make one exercise's functions TODOs again
 *   --workspace DIR                use another folder than .learn/
 *
 * A failing exercise is the normal state of learning, so it exits 0; only a
 * mistake on the command line exits non-zero.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dim, listExercises, resetOne, runExercises, runOne, showHints } from './runner/learn.js';
import { DEFAULT_WORKSPACE } from './runner/workspace.js';

// `npm run learn | head` closes the pipe early; that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const print = (line = '') => console.log(line);

function usage(): void {
  print(
    'Usage: npm run learn [-- --watch | --all | list | run NAME | hint NAME | reset NAME] [--workspace DIR]',
  );
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      watch: { type: 'boolean', short: 'w' },
      all: { type: 'boolean' },
      workspace: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
try {
  parsed = parse();
} catch (err) {
  print(String((err as Error).message));
  usage();
  process.exit(2);
}

const { values, positionals } = parsed;
const dir = path.resolve(values.workspace ?? DEFAULT_WORKSPACE);
const [command, name] = positionals;

async function runOnce(): Promise<void> {
  try {
    await runExercises(dir, print, { all: values.all });
    // Vitest marks the process as failed when a test fails; for a learner
    // a failing exercise is the normal state of things, not an error.
    process.exitCode = 0;
  } catch (err) {
    // Our own mistakes and environment problems: one clear line, no trace.
    print(`Could not run the exercises: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}

function watch(): void {
  let running = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  const trigger = () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    print(dim(`\n──── ${new Date().toLocaleTimeString()} ────`));
    void runOnce().finally(() => {
      running = false;
      print(dim('\nWatching your workspace; save a file to re-run. Ctrl+C to stop.'));
      if (again) {
        again = false;
        trigger();
      }
    });
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.watch(dir, { recursive: true }, (_event, file) => {
    const changed = String(file ?? '');
    if (!changed.endsWith('.ts') || changed.startsWith('node_modules')) return;
    clearTimeout(timer);
    timer = setTimeout(trigger, 250);
  });
  trigger();
}

if (values.help) {
  usage();
} else if (command === undefined) {
  if (values.watch) watch();
  else await runOnce();
} else if (command === 'list') {
  listExercises(dir, print);
} else if (command === 'run' && name) {
  const known = await runOne(name, dir, print);
  process.exitCode = known ? 0 : 1;
} else if ((command === 'hint' || command === 'reset') && name) {
  const ok = command === 'hint' ? showHints(name, dir, print) : resetOne(name, dir, print);
  if (!ok) process.exitCode = 1;
} else {
  usage();
  process.exitCode = 2;
}
