/**
 * chapters/pitfalls.md cannot drift from its tests or link to nowhere:
 *
 * - every link is well-formed: a GitHub issue or pull request as
 *   https://github.com/owner/repo/issues/N (or /pull/N), a file at a fixed
 *   commit (…/blob/<40 hex>/path#Lx-Ly, a source cited at a line), another https URL,
 *   a chapter that exists (with a heading id that exists in it), or a
 *   section of this chapter;
 * - every proof "(proof: `test/…` › "name")" names a test file that exists
 *   and a test of exactly that name in it;
 * - every pitfall tested in test/pitfalls/ has its section, cited by name,
 *   with an original report, a recorded transcript and the troubleshooting
 *   table pointing at it;
 * - every error message the tests produce appears in the chapter text, so
 *   the site's search finds the section from the message.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const chapter = readFileSync(join(root, 'chapters/pitfalls.md'), 'utf8');
const flat = chapter.replace(/\s+/g, ' ');

/** Heading ids `{#id}` of a chapter file. */
function headingIds(text: string): Set<string> {
  return new Set([...text.matchAll(/^#{2,3} .*\{#([\w-]+)\}\s*$/gm)].map((m) => m[1] as string));
}

/** The level-2 sections of the chapter, by id. */
const sections = new Map(
  chapter
    .split(/^(?=## )/m)
    .map((part) => [/^## .*\{#([\w-]+)\}/.exec(part)?.[1], part] as const)
    .filter((entry): entry is [string, string] => entry[0] !== undefined),
);

/** Every Markdown link target outside fenced code. */
const links = [...chapter.replace(/^```[\s\S]*?^```/gm, '').matchAll(/\]\(([^)\s]+)\)/g)].map(
  (m) => m[1] as string,
);

/** Test titles in a test file, as vitest sees them (string literals unescaped). */
function testTitles(file: string): Set<string> {
  const source = readFileSync(join(root, file), 'utf8');
  const titles = new Set<string>();
  const literal =
    /(?:\bit|\bdescribe|\bportOnly|\bdescribePortOnly)(?:\.(?:runIf|skipIf)\([^)]*\))?\(\s*(['"`])((?:\\.|(?!\1).)*)\1/gs;
  for (const m of source.matchAll(literal)) {
    titles.add((m[2] as string).replace(/\\(.)/g, '$1'));
  }
  return titles;
}

const PITFALL_FILES = readdirSync(join(root, 'test/pitfalls'))
  .filter((n) => n.endsWith('.test.ts') && n !== 'chapter.test.ts')
  .map((n) => `test/pitfalls/${n}`);

/** Every test cited: `(proof: `file` › "name")`, and follow-ons: `"a" and "b" and "c"`. */
const PROOF = /`(test\/[\w./-]+\.test\.ts)` › ("[^"]+"(?: and "[^"]+")*)/g;
const proofs = [...flat.matchAll(PROOF)].flatMap((m) =>
  [...(m[2] as string).matchAll(/"([^"]+)"/g)].map((n) => ({
    file: m[1] as string,
    name: n[1] as string,
  })),
);

describe('pitfalls chapter: links', () => {
  it('links at least 60 distinct threads (issues and pull requests)', () => {
    const threads = new Set(
      links.filter((l) => /^https:\/\/github\.com\/.*\/(issues|pull)\/\d+$/.test(l)),
    );
    expect(threads.size).toBeGreaterThanOrEqual(60);
  });

  it.each(links.map((l) => [l]))('%s is well-formed and leads somewhere', (link) => {
    if (link.startsWith('https://github.com/')) {
      // A thread, or a line of a library's source at a tag or a commit (a permalink).
      expect(link).toMatch(
        /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/((issues|pull)\/\d+|blob\/[0-9a-f]{40}\/[\w./-]+#L\d+(-L\d+)?|(blob|tree)\/v?\d+\.\d+\.\d+(\/[\w./-]+(#L\d+(-L\d+)?)?)?)$/,
      );
    } else if (link.startsWith('#')) {
      expect(headingIds(chapter).has(link.slice(1)), `no section ${link}`).toBe(true);
    } else if (/^https:\/\//.test(link)) {
      expect(() => new URL(link)).not.toThrow();
    } else {
      const [file, anchor] = link.split('#') as [string, string | undefined];
      expect(file, 'a relative link goes to a chapter').toMatch(/^\.\/[\w-]+\.md$/);
      const path = join(root, 'chapters', file);
      expect(existsSync(path), `${file} does not exist`).toBe(true);
      if (anchor) {
        expect(headingIds(readFileSync(path, 'utf8')).has(anchor), `${link}: no such heading`).toBe(
          true,
        );
      }
    }
  });
});

describe('pitfalls chapter: proofs', () => {
  it('cites many tests', () => {
    expect(proofs.length).toBeGreaterThan(25);
  });

  it.each(proofs.map((p) => [`${p.file} › ${p.name}`, p] as const))('%s exists', (_l, p) => {
    expect(existsSync(join(root, p.file)), `${p.file} does not exist`).toBe(true);
    expect(testTitles(p.file).has(p.name), `${p.file} has no test "${p.name}"`).toBe(true);
  });

  it('every pitfall test (except the recorders) is cited by name', () => {
    const cited = new Set(proofs.map((p) => `${p.file} › ${p.name}`));
    const missing: string[] = [];
    for (const file of PITFALL_FILES) {
      const source = readFileSync(join(root, file), 'utf8');
      for (const title of testTitles(file)) {
        if (title === 'records the transcript') continue;
        if (source.includes(`describe('${title}'`) || source.includes(`describe("${title}"`)) {
          continue;
        }
        if (title.startsWith('pitfall: ') || title.startsWith('store pitfalls')) continue;
        if (!cited.has(`${file} › ${title}`)) missing.push(`${file} › ${title}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('pitfalls chapter: sections', () => {
  const pitfallIds = [...sections.keys()].filter(
    (id) => !['find-your-symptom', 'see-them-live'].includes(id),
  );
  const table = sections.get('find-your-symptom') ?? '';

  it('has at least 24 pitfalls', () => {
    expect(pitfallIds.length).toBeGreaterThanOrEqual(24);
  });

  it('the troubleshooting table names every section once, by symptom and by error text', () => {
    const rows = table.split('\n').filter((l) => /^\| .* \| .* \| .* \|$/.test(l));
    const targets = rows.flatMap((r) => [...r.matchAll(/\(#([\w-]+)\)/g)].map((m) => m[1]));
    expect([...targets].sort()).toEqual([...pitfallIds].sort());
  });

  it.each(pitfallIds)(
    '#%s: in the table, with a report, a transcript, a proof and its parts',
    (id) => {
      const text = sections.get(id)!;
      expect(table, 'the troubleshooting table points here').toContain(`(#${id})`);
      expect(text).toMatch(/\*\*Reported in\*\*[\s\S]*https:\/\/github\.com\//);
      expect(text).toMatch(/^<<< @\/chapters\/recorded\/pitfall-[\w-]+\.txt$/m);
      expect(text).toMatch(/`test\/pitfalls\/[\w-]+\.test\.ts` › "/);
      for (const part of ['**What you see.**', '**Why.**', '**The fix.**']) {
        expect(text).toContain(part);
      }
    },
  );

  it('every recorded pitfall transcript is included, and every include exists', () => {
    const included = [
      ...chapter.matchAll(/^<<< @\/chapters\/recorded\/(pitfall-[\w-]+\.txt)$/gm),
    ].map((m) => m[1] as string);
    const recorded = readdirSync(join(root, 'chapters/recorded')).filter((n) =>
      n.startsWith('pitfall-'),
    );
    expect([...included].sort()).toEqual([...recorded].sort());
  });
});

describe('pitfalls chapter: search finds the error messages', () => {
  // The exact text users paste into a search box, as the transcripts record it.
  const recorded = readdirSync(join(root, 'chapters/recorded'))
    .filter((n) => n.startsWith('pitfall-'))
    .map((n) => readFileSync(join(root, 'chapters/recorded', n), 'utf8'))
    .join('\n');
  const messages = [...recorded.matchAll(/app 'error' event: (.+)$/gm)].map((m) => m[1] as string);

  it('the transcripts record the errors', () => {
    expect(new Set(messages).size).toBeGreaterThanOrEqual(4);
  });

  it.each([...new Set(messages)])(
    '"%s" is in the chapter text, outside the transcript, and in the troubleshooting table',
    (message) => {
      expect(chapter).toContain(message);
      expect(sections.get('find-your-symptom')).toContain(message);
    },
  );
});
