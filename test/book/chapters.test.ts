/**
 * The book cannot drift from the code: these checks read chapters/ as text.
 *
 * - Every `<<< path#region` embed names a file that exists and a region that
 *   exists in it. VitePress 1.x silently embeds the WHOLE file when a region
 *   name is wrong, so without this check a renamed region would turn a
 *   ten-line excerpt into a five-hundred-line dump and nobody would notice.
 * - Every `<!--@include: …-->` names a file that exists.
 * - Every proof — "(proof: `test/…test.ts` › "name")" — names a test file
 *   that exists and a test of that name in it.
 * - Each chapter of the walkthrough ends with "Try it" and "Exercises".
 *
 * Anchors (`#the-session-model` …) are checked against the built site, in
 * site.test.ts, because only the build knows the final heading ids.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { checksOf, STEPS } from '../exercises/catalog.js';
import { describeBookOnly } from '../support/impl.js';
import { expectCitedTest, type Proof, proofsIn } from '../support/proofs.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const chaptersDir = join(root, 'chapters');

/** The chapters this work stream writes; the others are checked for embeds and proofs too. */
const WALKTHROUGH = [
  '01-cookies.md',
  '02-sessions.md',
  '03-architecture.md',
  '04-init-from-cookie.md',
  '05-init-from-external.md',
  '06-should-save-session.md',
  '07-save-remove-commit.md',
  '08-memory-store.md',
  '09-redis-store.md',
  '10-mysql-store.md',
];

const chapterFiles = readdirSync(chaptersDir)
  .filter((name) => name.endsWith('.md'))
  .sort();

function read(name: string): string {
  return readFileSync(join(chaptersDir, name), 'utf8');
}

/** Text outside fenced code blocks (a `<<<` inside a code sample is an example, not an embed). */
function outsideFences(text: string): string {
  return text.replace(/^(```+|~~~+)[^\n]*\n[\s\S]*?^\1\s*$/gm, '');
}

interface Embed {
  chapter: string;
  line: string;
  file: string;
  region: string | undefined;
}

/** Every `<<<` embed in a chapter, resolved the way VitePress resolves it (srcDir = repo root). */
function embedsOf(chapter: string): Embed[] {
  const out: Embed[] = [];
  for (const line of outsideFences(read(chapter)).split('\n')) {
    const m = /^\s*<<<\s+(\S+?)(?:#([\w-]+))?(?:\s*\{[^}]*\})?(?:\s*\[[^\]]*\])?\s*$/.exec(line);
    if (!m) continue;
    const raw = m[1] as string;
    const file = raw.startsWith('@/') ? join(root, raw.slice(2)) : resolve(chaptersDir, raw);
    out.push({ chapter, line: line.trim(), file, region: m[2] });
  }
  return out;
}

/** Region names marked in a source file, exactly as VitePress finds them. */
function regionsIn(file: string): Set<string> {
  const names = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\/\/ ?#?region ([\w*-]+)$/.exec(line.trim());
    if (m) names.add(m[1] as string);
  }
  return names;
}

function endsRegion(file: string, region: string): boolean {
  return readFileSync(file, 'utf8')
    .split('\n')
    .some((line) => new RegExp(`^// ?#?endregion ${region}$`).test(line.trim()));
}

function proofsOf(chapter: string): Proof[] {
  return proofsIn(read(chapter));
}

describeBookOnly('embedded source regions', () => {
  const all = chapterFiles.flatMap(embedsOf);

  it('the book embeds real source', () => {
    expect(all.length).toBeGreaterThan(20);
  });

  it.each(all.map((e) => [`${e.chapter}: ${e.line}`, e] as const))('%s', (_label, e) => {
    const shown = relative(root, e.file);
    expect(existsSync(e.file), `${shown} does not exist`).toBe(true);
    if (e.region) {
      expect(regionsIn(e.file).has(e.region), `${shown} has no "// #region ${e.region}"`).toBe(
        true,
      );
      expect(endsRegion(e.file, e.region), `${shown} never ends region ${e.region}`).toBe(true);
    }
  });

  it.each(WALKTHROUGH.slice(3, 10))('%s embeds at least one region of src/', (chapter) => {
    const fromSrc = embedsOf(chapter).filter((e) => relative(root, e.file).startsWith('src/'));
    expect(fromSrc.filter((e) => e.region).length).toBeGreaterThan(0);
  });

  it('no chapter embeds a whole src/ file (always a named region)', () => {
    const whole = all.filter((e) => relative(root, e.file).startsWith('src/') && !e.region);
    expect(whole.map((e) => `${e.chapter}: ${e.line}`)).toEqual([]);
  });
});

describeBookOnly('included files', () => {
  const includes = chapterFiles.flatMap((chapter) =>
    [...read(chapter).matchAll(/<!--\s*@include:\s*(\S+?)\s*-->/g)].map((m) => ({
      chapter,
      path: m[1] as string,
    })),
  );
  it.each(includes.map((i) => [`${i.chapter}: ${i.path}`, i] as const))('%s', (_l, i) => {
    expect(existsSync(resolve(chaptersDir, i.path))).toBe(true);
  });
});

describeBookOnly('proofs', () => {
  // Only the pages this work stream writes: other pages may abbreviate a name with "…".
  const proofs = [...WALKTHROUGH, 'index.md'].flatMap((chapter) =>
    proofsOf(chapter).map((p) => ({ chapter, ...p })),
  );

  it('the walkthrough chapters name their proofs', () => {
    for (const chapter of WALKTHROUGH) {
      expect(proofsOf(chapter).length, `${chapter} names no test`).toBeGreaterThan(2);
    }
  });

  it.each(proofs.map((p) => [`${p.chapter} → ${p.file} › ${p.name}`, p] as const))(
    '%s',
    (_label, p) => expectCitedTest(p),
  );
});

describeBookOnly('chapter endings', () => {
  it.each(WALKTHROUGH)('%s ends with "Try it" and "Exercises"', (chapter) => {
    const headings = [...read(chapter).matchAll(/^## (.+?)(?:\s*\{#[\w-]+\})?$/gm)].map(
      (m) => m[1],
    );
    expect(headings.slice(-2)).toEqual(['Try it', 'Exercises']);
  });
});

describeBookOnly('"Try it" recordings', () => {
  /** Every numbered chapter that embeds a recorded Try-it transcript, with the file. */
  const tryIts = chapterFiles
    .filter((chapter) => /^\d\d-/.test(chapter))
    .flatMap((chapter) =>
      [
        ...read(chapter).matchAll(/^<<< @\/([\w/.-]*(?:tryit-[\w-]+|logout-experiment)\.txt)$/gm),
      ].map((m) => ({
        chapter,
        file: m[1]!,
      })),
    );

  it('chapters 1–11 and 13 embed one', () => {
    const numbers = new Set(tryIts.map((t) => t.chapter.slice(0, 2)));
    for (const n of ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '13']) {
      expect(numbers, `chapter ${n}`).toContain(n);
    }
  });

  it.each(tryIts)('$chapter shows every command its $file ran', ({ chapter, file }) => {
    // A learner copies the chapter's lines: they must be the lines recorded.
    const shown = [...read(chapter).matchAll(/^```sh\n([\s\S]*?)^```$/gm)].flatMap((m) =>
      m[1]!.split('\n').map((line) => line.replace(/\s+#\s.*$/, '').trim()),
    );
    const recorded = readFileSync(join(root, file), 'utf8')
      .replaceAll(' \\\n    | ', ' | ')
      .split('\n')
      .filter((line) => line.startsWith('$ '))
      .map((line) => line.slice(2));
    expect(recorded.length).toBeGreaterThan(0);
    for (const command of recorded) expect(shown, `${chapter}: ${command}`).toContain(command);
  });
});

describeBookOnly('the learning path', () => {
  it('the home page lists every numbered chapter in its path table', () => {
    const home = read('index.md');
    // A numbered chapter is one whose title starts "# <n>.", whatever its file name.
    const numbered = readdirSync(join(root, 'chapters'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => ({ name, n: /^# (\d+)\. /.exec(read(name))?.[1] }))
      .filter((c): c is { name: string; n: string } => c.n !== undefined);
    expect(numbered.length).toBeGreaterThan(12);
    const missing = numbered
      .filter(({ name, n }) => !home.includes(`| ${n} | [`) || !home.includes(`(./${name})`))
      .map(({ name }) => name);
    expect(missing).toEqual([]);
  });
});

describeBookOnly('the deviations are counted the same everywhere', () => {
  // The Deviations page lists two kinds (hostile data, your options); no page may claim one.
  it('no page speaks of a single kind of deviation', () => {
    const pages = [
      ...chapterFiles.map((n) => [n, read(n)]),
      ['README.md', readFileSync(join(root, 'README.md'), 'utf8')],
    ];
    const claims = pages.flatMap(([name, text]) =>
      /exactly one kind of exception|one kind of exception|the one deliberate|the one place where it deliberately/i.test(
        (text as string).replace(/\s+/g, ' '),
      )
        ? [name]
        : [],
    );
    expect(claims).toEqual([]);
    const deviations = read('deviations.md');
    expect(deviations).toMatch(/^## Hostile session data/m);
    expect(deviations).toMatch(/^## Options/m);
  });
});

describeBookOnly('pointers to the exercises', () => {
  it('every exercise a page points to is the step it names: number, command, kind, checks and three hints', () => {
    const problems: string[] = [];
    let folds = 0;
    let endings = 0;
    for (const chapter of chapterFiles) {
      const text = read(chapter);
      // A folded answer: "::: details … try exercise N first", then the command to run it.
      for (const m of text.matchAll(/^::: details .*try exercise (\d+) first\n([\s\S]*?)^:::$/gm)) {
        folds++;
        const n = Number(m[1]);
        const step = STEPS[n - 1];
        const body = (m[2] as string).replace(/\s+/g, ' ');
        const command = /`npm run learn -- run ([\w-]+)`/.exec(body)?.[1];
        const where = `${chapter}, exercise ${n}`;
        if (!step || command !== step.name) {
          problems.push(`${where} is ${step?.name}, but the fold runs ${command}`);
          continue;
        }
        const said = /(?:answer to exercise|^Exercise) (\d+)/.exec(body)?.[1];
        if (said && Number(said) !== n) problems.push(`${where}: the text says exercise ${said}`);
        if (/plants a bug/.test(body) && step.kind !== 'fix')
          problems.push(`${where} is no fix step`);
        if (/write it yourself/i.test(body) && step.kind !== 'write') {
          problems.push(`${where} is no write step`);
        }
        if (step.kind === 'write' && !step.target) problems.push(`${where} has no code to write`);
        if (!existsSync(join(root, checksOf(step)))) problems.push(`${where} has no checks`);
        if (step.hints['']?.length !== 3) problems.push(`${where} has no three hints`);
      }
      // A chapter's ending: "Steps A–B — write `x` and `y`; quiz `z`: [Exercises › Chapter N]".
      const prose = text.replace(/\n(?!\n)/g, ' ');
      for (const m of prose.matchAll(
        /Steps? (\d+)(?:–(\d+))? — (.*?): \[Exercises › Chapter (\d+)\]/g,
      )) {
        endings++;
        const from = Number(m[1]);
        const to = Number(m[2] ?? m[1]);
        const listed: string[] = [];
        for (const part of (m[3] as string).split('; ')) {
          const kind = /^(write|fix|predict|quiz) /.exec(part)?.[1];
          for (const name of part.matchAll(/`([\w-]+)`/g)) listed.push(`${kind} ${name[1]}`);
        }
        const steps = STEPS.slice(from - 1, to);
        const expected = steps.map((s) => `${s.kind} ${s.name}`);
        if (listed.sort().join(', ') !== expected.sort().join(', ')) {
          problems.push(`${chapter}: steps ${from}–${to} are ${expected}, the page says ${listed}`);
        }
        if (steps.some((s) => s.chapter !== Number(m[4]))) {
          problems.push(`${chapter}: steps ${from}–${to} are not all chapter ${m[4]}'s`);
        }
      }
    }
    expect(folds).toBeGreaterThan(30);
    expect(endings).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });
});
