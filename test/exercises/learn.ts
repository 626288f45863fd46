/**
 * `npm run learn` — the steps, one after another, against your workspace
 * (`.learn/`, made on first run from `src/`). `npm run learn -- --help`
 * prints the commands (USAGE below).
 *
 * Exit status: 0 when every step run passed, 1 when a step failed (or the
 * steps could not run), 2 for a mistake on the command line — so a script
 * or an editor task can tell a failing step from a passing one.
 */
import { StepProcess } from './runner/pool.js';

const USAGE = `Usage: npm run learn [-- COMMAND] [OPTIONS]

Commands:
  (none)       run from the first unfinished step; stop at the first failure
  list         every step, numbered, and your progress
  run N        one step (N: a number from list, or a step's name)
  hint [N]     a hint for the failing check; ask again for a bigger one
  reset N      put step N back as shipped (your version goes to backups/)
  restore N    undo the last reset of step N: your version comes back

Options:
  -w, --watch        run again whenever you save (h: a hint, q: quit)
  --all              check the steps already done too
  --level 1-3        with hint: ask for one level directly
  --workspace DIR    use another folder than .learn/
  -h, --help         print this and exit

For example: npm run learn -- --watch     npm run learn -- run 11

Exit status: 0 when every step run passed, 1 when a step failed,
2 for a mistake on the command line.`;

// Help needs nothing else: print it before anything starts.
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}

const argv = process.argv.slice(2);
const first = argv.find((a) => !a.startsWith('-'));
// Start the process that will run the checks before anything else, so
// Node, tsx and Koa load in it while this one reads the workspace.
const early =
  first === undefined || first === 'run' || argv.includes('--watch') || argv.includes('-w')
    ? new StepProcess()
    : undefined;

const path = await import('node:path');
const { parseArgs } = await import('node:util');
const learn = await import('./runner/learn.js');
const { findStep } = await import('./catalog.js');
const { DEFAULT_WORKSPACE } = await import('./runner/workspace.js');

// `npm run learn | head` closes the pipe early; that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const print = (line = '') => console.log(line);

function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      watch: { type: 'boolean', short: 'w' },
      all: { type: 'boolean' },
      workspace: { type: 'string' },
      level: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
let parsed: ReturnType<typeof parse>;
try {
  parsed = parse();
} catch (err) {
  early?.kill();
  print(String((err as Error).message));
  print();
  print(USAGE);
  process.exit(2);
}

const { values, positionals } = parsed;
const dir = path.resolve(values.workspace ?? DEFAULT_WORKSPACE);
const [command, name] = positionals;

async function runOnce(options: Parameters<typeof learn.runSteps>[2]): Promise<void> {
  try {
    const outcome = await learn.runSteps(dir, print, { all: values.all, ...options });
    process.exitCode = outcome.failing ? 1 : 0;
  } catch (err) {
    // Our own mistakes and environment problems: one clear line, no trace.
    print(`Could not run the steps: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}

async function watch(): Promise<void> {
  let spare = early ?? new StepProcess();
  let running = false;
  let again = false;
  let savedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const trigger = () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    const proc = spare;
    // The next run's process warms up while this one works.
    spare = new StepProcess();
    const since = savedAt || Date.now();
    print(learn.dim(`\n──── ${new Date().toLocaleTimeString()} ────`));
    void runOnce({
      process: proc,
      onVerdict: () => {
        if (savedAt) print(learn.dim(`(verdict ${Date.now() - since} ms after saving)`));
      },
    }).finally(() => {
      running = false;
      savedAt = 0;
      print(learn.dim('\nWatching your workspace: save a file to re-run · h: a hint · q: quit'));
      if (again) {
        again = false;
        trigger();
      }
    });
  };
  const onSave = () => {
    savedAt ||= Date.now();
    clearTimeout(timer);
    // Editors write a file in more than one go; wait for the last one.
    timer = setTimeout(trigger, 40);
  };
  // The workspace must exist before it can be watched: the first run
  // creates it.
  try {
    await learn.ensureWorkspace(dir, print);
  } catch (err) {
    spare.kill();
    print(`Could not run the steps: ${(err as Error).message}`);
    process.exit(1);
  }
  await learn.watchWorkspace(dir, onSave);
  if (process.stdin.isTTY) {
    process.stdin.setRawMode(true);
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (key: string) => {
      if (key === 'q' || key === '\u0003') {
        spare.kill();
        process.exit(0);
      }
      if (key === 'h') {
        print();
        learn.showHint(dir, print, { again: 'press h' });
      }
    });
  }
  process.on('SIGINT', () => {
    spare.kill();
    process.exit(0);
  });
  trigger();
}

if (command === undefined) {
  if (values.watch) await watch();
  else await runOnce({ process: early });
} else if (command === 'list') {
  learn.listSteps(dir, print);
} else if (command === 'run' && name) {
  const step = findStep(name);
  if (!step) {
    early?.kill();
    learn.showHint(dir, print, { step: name });
    process.exitCode = 2;
  } else {
    await runOnce({ process: early, only: step });
  }
} else if (command === 'hint') {
  const level = values.level === undefined ? undefined : Number(values.level);
  process.exitCode = learn.showHint(dir, print, { step: name, level }) ? 0 : 2;
} else if (command === 'reset' && name) {
  process.exitCode = (await learn.resetOne(name, dir, print)) ? 0 : 2;
} else if (command === 'restore' && name) {
  process.exitCode = (await learn.restoreOne(name, dir, print)) ? 0 : 2;
} else {
  early?.kill();
  print(USAGE);
  process.exitCode = 2;
}
