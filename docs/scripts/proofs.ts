/**
 * Proof citations: from a sentence-breaking parenthesis to a small badge.
 *
 * The chapters cite the test behind a claim as
 * `*(proof: `test/…test.ts` › "test name")*` — several may be separated by
 * `;`, and `, "another name"` continues with the same file. That text stays
 * in the Markdown: it reads fine on GitHub, and test/book/chapters.test.ts
 * proves from it that every cited test exists. On the site:
 *
 * - `proofBadges(md)`, a markdown-it plugin, replaces each such parenthesis
 *   with one ✓ badge per cited test; hovering or focusing a badge shows the
 *   file and the test name, and the badge links to the test's source.
 * - `tsx docs/scripts/proofs.ts` (part of `npm run docs:prepare`) writes that
 *   source: one page per cited test file, `docs/proofs/<file>.md`, with each
 *   cited test's code under its own anchor. Git-ignored, like the API pages.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface Citation {
  file: string;
  /** The test's name, whitespace collapsed; absent when only a file is cited. */
  name?: string;
}

export interface ProofGroup {
  /** Where the parenthesis starts and ends in the text (end exclusive). */
  start: number;
  end: number;
  citations: Citation[];
  /** Words in the parenthesis that are not citations ("and its siblings …"). */
  note: string;
}

const OPENING = /\*?\(proofs?:\s/g;
const CITATION = /`(test\/[\w./-]+\.test\.ts)`(?:\s*›\s*"([^"]+)")?((?:\s*,\s*"[^"]+")*)/g;

/** Every proof parenthesis in a Markdown text (outside code fences is the caller's business). */
export function findProofGroups(text: string): ProofGroup[] {
  const groups: ProofGroup[] = [];
  for (const open of text.matchAll(OPENING)) {
    const start = open.index;
    const italic = text[start] === '*';
    // Scan to the parenthesis that closes this one, skipping quoted names and code.
    let depth = 0;
    let quote = '';
    let end = -1;
    for (let i = start + (italic ? 1 : 0); i < text.length; i++) {
      const c = text[i];
      if (quote) {
        if (c === quote) quote = '';
        continue;
      }
      if (c === '"' || c === '`') quote = c;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) {
        end = i + 1;
        break;
      }
    }
    if (end < 0) continue;
    if (italic) {
      if (text[end] !== '*') continue;
      end++;
    }
    const body = text.slice(start + open[0].length, end - (italic ? 2 : 1));
    const citations: Citation[] = [];
    for (const m of body.matchAll(CITATION)) {
      const file = m[1] as string;
      if (m[2]) citations.push({ file, name: collapse(m[2]) });
      else citations.push({ file });
      for (const more of (m[3] ?? '').matchAll(/"([^"]+)"/g)) {
        citations.push({ file, name: collapse(more[1] as string) });
      }
    }
    if (citations.length === 0) continue;
    const note = collapse(body.replace(CITATION, ' '))
      .replace(/^[\s;,]*(and\s+)?/, '')
      .replace(/[\s;,]*$/, '');
    groups.push({ start, end, citations, note });
  }
  return groups;
}

function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** `test/book/cookies.test.ts` → `test-book-cookies` (the page's name). */
export function proofPage(file: string): string {
  return file.replace(/\.test\.ts$/, '').replace(/[^\w]+/g, '-');
}

/** A test's anchor on its page: stable, short, and independent of punctuation. */
export function proofAnchor(name: string): string {
  return `t-${createHash('sha1').update(name).digest('hex').slice(0, 10)}`;
}

export function proofHref(c: Citation): string {
  return `/proofs/${proofPage(c.file)}.html${c.name ? `#${proofAnchor(c.name)}` : ''}`;
}

/** Text as HTML that neither Markdown nor Vue's template compiler will touch. */
function inert(s: string): string {
  return s.replace(/[&<>"'*_`[\]{}\\|~]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The HTML of one group: a badge per citation, the note in the last badge's tip. */
export function proofBadgeHtml(group: ProofGroup): string {
  const badges = group.citations.map((c, i) => {
    const last = i === group.citations.length - 1;
    const what = c.name ? `${c.file} › “${c.name}”` : c.file;
    const note = last && group.note ? ` (${group.note})` : '';
    return (
      `<a class="proof-badge" href="${proofHref(c)}" aria-label="${inert(`Proof: ${what}`)}">` +
      '<span class="proof-mark" aria-hidden="true">✓</span>' +
      `<span class="proof-tip" role="tooltip"><span class="proof-file">${inert(c.file)}</span>` +
      `${c.name ? ` ${inert(c.name)}` : ''}${inert(note)}</span></a>`
    );
  });
  return `<span class="proof-group">${badges.join('')}</span>`;
}

/** Replace the proof parentheses of a Markdown text, leaving fenced code alone. */
export function badgeProofs(markdown: string): string {
  const parts = markdown.split(/(^(?:```+|~~~+)[^\n]*\n[\s\S]*?^(?:```+|~~~+)[ \t]*$)/m);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return part;
      let out = '';
      let at = 0;
      for (const group of findProofGroups(part)) {
        out += part.slice(at, group.start) + proofBadgeHtml(group);
        at = group.end;
      }
      return out + part.slice(at);
    })
    .join('');
}

interface MarkdownItLike {
  core: {
    ruler: {
      after(name: string, rule: string, fn: (state: { src: string }) => void): void;
    };
  };
}

/** The markdown-it plugin: rewrite the source before it is parsed. */
export function proofBadges(md: MarkdownItLike): void {
  md.core.ruler.after('normalize', 'proof-badges', (state) => {
    if (state.src.includes('(proof')) state.src = badgeProofs(state.src);
  });
}

// ---------------------------------------------------------------------------
// The proof pages
// ---------------------------------------------------------------------------

/** The source of the test called `name` in a test file, with its first line number. */
export function testSource(source: string, name: string): { code: string; line: number } | null {
  const file = ts.createSourceFile('t.ts', source, ts.ScriptTarget.Latest, true);
  let found: ts.Node | null = null;
  const visit = (node: ts.Node) => {
    if (found) return;
    if (ts.isCallExpression(node)) {
      const first = node.arguments[0];
      if (
        first &&
        (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first)) &&
        collapse(first.text) === name
      ) {
        found = node;
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (!found) return null;
  const node = found as ts.Node;
  // The whole statement, so the test reads as it is written.
  const statement = ts.isExpressionStatement(node.parent) ? node.parent : node;
  const start = statement.getStart(file);
  const line = file.getLineAndCharacterOfPosition(start).line + 1;
  const indent = file.getLineAndCharacterOfPosition(start).character;
  const text = source.slice(start, statement.getEnd());
  const code = text
    .split('\n')
    .map((l, i) => (i === 0 ? l : l.startsWith(' '.repeat(indent)) ? l.slice(indent) : l))
    .join('\n');
  return { code, line };
}

/** The file's opening doc comment, as prose. */
function fileIntro(source: string): string {
  const m = /^\s*\/\*\*([\s\S]*?)\*\//.exec(source);
  if (!m) return '';
  return (m[1] as string)
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

function fence(code: string, info: string): string {
  const ticks = '`'.repeat(
    Math.max(3, ...[...code.matchAll(/`{3,}/g)].map((m) => m[0].length + 1)),
  );
  return `${ticks}${info}\n${code}\n${ticks}`;
}

/** A chapter's title, from its first `# ` heading ("4. initFromCookie" …). */
export function chapterTitle(root: string, chapter: string): string {
  const text = readFileSync(join(root, 'chapters', chapter), 'utf8');
  const m = /^# (.+?)(?:\s*\{#[\w-]+\})?\s*$/m.exec(text);
  return m ? (m[1] as string).replace(/[`*]/g, '') : chapter.replace(/\.md$/, '');
}

export function writeProofPages(root: string, out: string): { pages: number; tests: number } {
  const chapters = join(root, 'chapters');
  const cited = new Map<string, Map<string, string[]>>();
  for (const name of readdirSync(chapters)
    .filter((n) => n.endsWith('.md'))
    .sort()) {
    for (const group of findProofGroups(readFileSync(join(chapters, name), 'utf8'))) {
      for (const c of group.citations) {
        const byName = cited.get(c.file) ?? new Map<string, string[]>();
        cited.set(c.file, byName);
        if (!c.name) continue;
        const where = byName.get(c.name) ?? [];
        if (!where.includes(name)) where.push(name);
        byName.set(c.name, where);
      }
    }
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  let tests = 0;
  for (const [file, names] of [...cited].sort()) {
    const source = readFileSync(join(root, file), 'utf8');
    const parts = [
      '---',
      `title: "Proof: ${file}"`,
      'outline: [2, 2]',
      '---',
      '',
      `# \`${file}\``,
      '',
      '::: info Where these come from',
      'The chapters cite the tests below as proof of what they say; each is shown as it is',
      'written in the repository. Run the whole file yourself:',
      '',
      fence(`npx vitest run ${file}`, 'sh'),
      ':::',
      '',
    ];
    const intro = fileIntro(source);
    // The intro is prose with `code` in it: keep the backticks, defuse the rest.
    const prose = intro.replace(/[<>{}|\\]/g, (c) => `&#${c.charCodeAt(0)};`);
    if (intro) parts.push(prose.replace(/^/gm, '> '), '');
    for (const [name, where] of [...names].sort(([a], [b]) => a.localeCompare(b))) {
      const test = testSource(source, name);
      const links = where
        .map((chapter) => `[${chapterTitle(root, chapter)}](../${chapter})`)
        .join(', ');
      parts.push(`## ${inert(name)} {#${proofAnchor(name)}}`, '');
      parts.push(`Cited in ${links}.${test ? ` Line ${test.line} of \`${file}\`:` : ''}`, '');
      if (test) parts.push(fence(test.code, `ts:line-numbers=${test.line}`), '');
      else parts.push('*(The test is generated from a table in that file.)*', '');
      tests++;
    }
    writeFileSync(join(out, `${proofPage(file)}.md`), parts.join('\n'));
  }
  return { pages: cited.size, tests };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const { pages, tests } = writeProofPages(root, join(root, 'docs/proofs'));
  console.info(`proof pages: ${pages} files, ${tests} tests in docs/proofs`);
}
