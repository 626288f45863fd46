/**
 * Generate the annotated-source pages: every file under `src/` rendered as
 * prose (its comments, as Markdown) beside code (everything else), in the
 * spirit of Docco and Backbone's annotated source.
 *
 * The pages are generated, never written by hand, so they cannot drift from
 * the code: `npm run docs:prepare` (and therefore `npm start` and
 * `npm run docs:build`) rebuilds them. Output: `docs/source/*.md` plus
 * `docs/source/sidebar.json`, both git-ignored.
 *
 * How a file is cut into sections: a comment that stands on its own lines
 * (a `/** … *\/` block or a run of `//` lines) starts a new section and
 * becomes its prose; the code that follows, up to the next such comment, is
 * the section's code. Comments at the end of a code line stay in the code.
 * `// #region name` markers become anchors (`#region-name`, lower-cased), so
 * the book can link to the exact place a region starts.
 *
 * Usage: `tsx docs/scripts/annotate.ts [srcDir] [outDir]`
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STEPS } from '../../test/exercises/catalog.js';

export interface Section {
  /** Markdown prose taken from the comments. */
  prose: string;
  /** The code lines that follow the comment, verbatim. */
  code: string;
  /** 1-based line number of the first code line in the source file. */
  codeLine: number;
  /** Region names that start at this section. */
  regions: string[];
  /** Region names open at any line of this section's code. */
  within: string[];
}

const REGION = /^\s*\/\/ ?#(end)?region ([\w-]+)\s*$/;

/** Strip the comment syntax from a `/** … *\/` block, keeping the Markdown inside. */
function blockCommentText(lines: string[]): string {
  const text = lines.join('\n');
  const inner = text
    .replace(/^\s*\/\*\*?/, '')
    .replace(/\*\/\s*$/, '')
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''));
  return inner.join('\n');
}

/** Turn TSDoc tags into plain Markdown a reader understands at a glance. */
function tsdocToMarkdown(text: string): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const tag = /^@(\w+)\s*(.*)$/.exec(line.trim());
    if (!tag) {
      out.push(line);
      continue;
    }
    const [, name, rest] = tag;
    if (name === 'module') continue;
    if (name === 'example') out.push('', '**Example**', rest ?? '');
    else if (name === 'deprecated') out.push('', `**Deprecated:** ${rest}`);
    else if (name === 'param') out.push(`- parameter ${rest}`);
    else if (name === 'returns') out.push(`- returns ${rest}`);
    else out.push(`*@${name}* ${rest}`);
  }
  return out
    .join('\n')
    .replace(/\{@link\s+([^}|\s]+)(?:\s*\|\s*([^}]+))?\}/g, (_m, target, label) => {
      return `\`${(label ?? target).trim()}\``;
    });
}

const CHAPTERS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'chapters');
const CHAPTER_REF = /\bchapters\/([\w-]+)\.md(#[\w-]+)?/g;

/**
 * The words a reader should see for `chapters/04-x.md#anchor`: the
 * chapter's title, and the section's when there is an anchor ("4.
 * `initFromCookie`: from a cookie to a session › Decode failures").
 */
export function chapterLinkText(page: string, hash = ''): string {
  let text: string;
  try {
    text = readFileSync(join(CHAPTERS_DIR, `${page}.md`), 'utf8');
  } catch {
    return `chapters/${page}.md${hash}`;
  }
  const strip = (h: string) => h.replace(/\s*\{#[\w-]+\}\s*$/, '').trim();
  const title = strip(/^# (.+)$/m.exec(text)?.[1] ?? page);
  if (!hash) return title;
  const id = hash.slice(1);
  const heading = new RegExp(`^#{2,4} (.+?)\\s*\\{#${id}\\}\\s*$`, 'm').exec(text);
  return heading ? `${title} › ${strip(heading[1] as string)}` : title;
}

/** A Markdown link to a chapter, `prefix` leading from the page back to the site root. */
export function chapterLink(page: string, hash: string, prefix: string): string {
  return `[${chapterLinkText(page, hash)}](${prefix}${page}.md${hash})`;
}

/**
 * The API reference (TypeDoc's Markdown) quotes doc comments as they are:
 * turn their `chapters/….md#…` references into links with chapter titles
 * too. Code blocks are left alone.
 */
export function linkApiPages(apiDir: string): number {
  let changed = 0;
  const walk = (dir: string, depth: number) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full, depth + 1);
      else if (name.endsWith('.md')) {
        const text = readFileSync(full, 'utf8');
        let inFence = false;
        const out = text
          .split('\n')
          .map((line) => {
            if (/^\s*```/.test(line)) inFence = !inFence;
            if (inFence) return line;
            return line
              .split(/(`[^`]*`)/)
              .map((part, i) =>
                i % 2 === 1
                  ? part
                  : part.replace(CHAPTER_REF, (_m, page: string, hash = '') =>
                      chapterLink(page, hash, '../'.repeat(depth)),
                    ),
              )
              .join('');
          })
          .join('\n');
        if (out !== text) {
          writeFileSync(full, out);
          changed++;
        }
      }
    }
  };
  walk(apiDir, 1);
  return changed;
}

/**
 * Make prose safe for VitePress (whose pages are Vue templates) and useful:
 * outside code spans, `<` is escaped and `{{` broken up so Vue never sees a
 * tag or an interpolation; references like `chapters/04-x.md#anchor` become
 * links to the rendered chapter.
 */
function polishProse(markdown: string): string {
  const lines = markdown.split('\n');
  let inFence = false;
  return lines
    .map((line) => {
      if (/^\s*```/.test(line)) {
        inFence = !inFence;
        return line;
      }
      if (inFence) return line;
      return line
        .split(/(`[^`]*`)/)
        .map((part, i) => {
          if (i % 2 === 1) return part;
          return part
            .replace(/</g, '&lt;')
            .replace(/\{\{/g, '{&#8203;{')
            .replace(CHAPTER_REF, (_m, page: string, hash = '') => chapterLink(page, hash, '../'));
        })
        .join('');
    })
    .join('\n');
}

/** Cut one TypeScript file into Docco sections. */
export function sections(source: string): Section[] {
  const lines = source.replace(/\r\n/g, '\n').split('\n');
  const result: Section[] = [];
  let current: Section = { prose: '', code: '', codeLine: 1, regions: [], within: [] };
  let codeLines: string[] = [];
  let pendingRegions: string[] = [];
  const open = new Set<string>();

  const flush = () => {
    current.code = trimBlankEdges(codeLines).join('\n');
    if (current.prose.trim() || current.code.trim() || current.regions.length) result.push(current);
    codeLines = [];
  };
  const startSection = (prose: string) => {
    flush();
    current = { prose: prose.trim(), code: '', codeLine: 0, regions: pendingRegions, within: [] };
    pendingRegions = [];
  };

  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    const region = REGION.exec(line);
    if (region) {
      if (!region[1]) {
        pendingRegions.push(region[2] as string);
        open.add(region[2] as string);
      } else open.delete(region[2] as string);
      i++;
      continue;
    }
    if (/^\s*\/\*/.test(line)) {
      const block: string[] = [line];
      while (!/\*\//.test(block[block.length - 1] as string) && i + 1 < lines.length) {
        i++;
        block.push(lines[i] as string);
      }
      startSection(tsdocToMarkdown(blockCommentText(block)));
      i++;
      continue;
    }
    if (/^\s*\/\/(?!\/)/.test(line)) {
      const run: string[] = [];
      while (
        i < lines.length &&
        /^\s*\/\/(?!\/)/.test(lines[i] as string) &&
        !REGION.test(lines[i] as string)
      ) {
        run.push((lines[i] as string).replace(/^\s*\/\/ ?/, ''));
        i++;
      }
      startSection(run.join('\n'));
      continue;
    }
    if (pendingRegions.length) {
      // A region that starts directly on code (no comment first) still gets its anchor.
      startSection('');
    }
    if (codeLines.length === 0 && line.trim() === '') {
      i++;
      continue;
    }
    if (codeLines.length === 0) current.codeLine = i + 1;
    for (const name of open) if (!current.within.includes(name)) current.within.push(name);
    codeLines.push(line);
    i++;
  }
  flush();
  return result;
}

function trimBlankEdges(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && (lines[end - 1] as string).trim() === '') end--;
  return lines.slice(0, end);
}

/** Remove the indentation all lines share, so nested code reads naturally beside its prose. */
function dedent(text: string): string {
  const lines = text.split('\n');
  const indents = lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)?.[0].length ?? 0);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** The page slug for a source file: `src/stores/redis.ts` → `src-stores-redis`. */
export function slugFor(file: string): string {
  return `src-${file.replace(/\.ts$/, '').replace(/[\\/]/g, '-')}`;
}

/**
 * The exercises whose answer is a region of `src/<file>`, by region name:
 * that code is folded on the page, as in the chapters, so a reader who is
 * doing the exercises opens it on purpose.
 */
function exercisesIn(file: string): Map<string, { n: number; name: string }> {
  const found = new Map<string, { n: number; name: string }>();
  STEPS.forEach((step, i) => {
    if (step.target?.file === `src/${file.split(sep).join('/')}`) {
      found.set(step.target.region, { n: i + 1, name: step.name });
    }
  });
  return found;
}

/** Render one file as a Markdown page. */
export function renderPage(file: string, source: string): string {
  const exercises = exercisesIn(file);
  const title = `src/${file}`;
  const parts: string[] = [
    '---',
    `title: ${title} (annotated)`,
    'aside: false',
    'outline: false',
    'pageClass: docco-page',
    '---',
    '',
    `<!-- Generated by docs/scripts/annotate.ts from ${title}. Do not edit: edit the source. -->`,
    '',
    `# ${title}`,
    '',
    '<p class="docco-legend">Comments on the left, the code they explain on the right. Generated from the file itself, so it is always the code that runs. Tinted lines are the port’s own additions to koa-session 7.0.2’s logic.</p>',
    '',
  ];
  for (const section of sections(source)) {
    const anchors = section.regions
      .map((name) => `<a id="region-${name.toLowerCase()}" class="docco-anchor"></a>`)
      .join('');
    parts.push(`<div class="docco-section">${anchors}`, '<div class="docco-prose">', '');
    parts.push(polishProse(section.prose.trim()), '', '</div>', '<div class="docco-code">', '');
    if (section.code.trim()) {
      const fence = section.code.includes('```') ? '````' : '```';
      // `show-port`: tint the port's trace calls here, never fold them
      // (docs/scripts/port-lines.ts); folding would shift the line numbers.
      const exercise = section.within.map((name) => exercises.get(name)).find(Boolean);
      if (exercise) {
        parts.push(
          '<details class="docco-fold">',
          `<summary>Reference implementation — try exercise ${exercise.n} first (<code>npm run learn -- run ${exercise.name}</code>)</summary>`,
          '',
        );
      }
      parts.push(
        `${fence}ts:line-numbers=${section.codeLine} show-port`,
        dedent(section.code),
        fence,
      );
      if (exercise) parts.push('', '</details>');
    }
    parts.push('', '</div>', '</div>', '');
  }
  return `${parts.join('\n')}\n`;
}

/** The first paragraph of a file's leading comment: what the file is for. */
function summary(source: string): string {
  const first = sections(source)[0];
  const paragraph = (first?.prose ?? '').trim().split(/\n\s*\n/)[0] ?? '';
  return polishProse(paragraph.replace(/\s*\n\s*/g, ' '));
}

function listSources(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listSources(full, base));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(relative(base, full));
  }
  // Top-level files first (entry point first), then sub-folders.
  return out.sort((a, b) => {
    const depth = a.split(/[\\/]/).length - b.split(/[\\/]/).length;
    if (depth) return depth;
    if (a === 'index.ts') return -1;
    if (b === 'index.ts') return 1;
    return a.localeCompare(b);
  });
}

/** Generate every page, the overview and the sidebar. Returns the files written. */
export function generate(srcDir: string, outDir: string): string[] {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const files = listSources(srcDir);
  const written: string[] = [];
  const rows: string[] = [];
  const sidebar: { text: string; link: string }[] = [{ text: 'Overview', link: '/source/' }];
  for (const file of files) {
    const source = readFileSync(join(srcDir, file), 'utf8');
    const slug = slugFor(file);
    const out = join(outDir, `${slug}.md`);
    writeFileSync(out, renderPage(file, source));
    written.push(out);
    rows.push(`| [src/${file}](./${slug}.md) | ${summary(source).replace(/\|/g, '\\|')} |`);
    sidebar.push({ text: `src/${file}`, link: `/source/${slug}` });
  }
  const index = [
    '---',
    'title: Annotated source',
    '---',
    '',
    '<!-- Generated by docs/scripts/annotate.ts. Do not edit. -->',
    '',
    '# Annotated source',
    '',
    'Every file of the port, its comments set beside the code they explain. These pages are',
    'generated from `src/` each time the site is built, so what you read here is exactly',
    'the code that runs. Read them after the chapter that introduces each file, or on their',
    'own, top to bottom, the way Backbone and Docco taught a generation to read code.',
    '',
    '| file | what it is for |',
    '| --- | --- |',
    ...rows,
    '',
  ].join('\n');
  writeFileSync(join(outDir, 'index.md'), index);
  writeFileSync(join(outDir, 'sidebar.json'), `${JSON.stringify(sidebar, null, 2)}\n`);
  written.push(join(outDir, 'index.md'));
  return written;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const here = dirname(fileURLToPath(import.meta.url));
  const srcDir = resolve(process.argv[2] ?? join(here, '..', '..', 'src'));
  const outDir = resolve(process.argv[3] ?? join(here, '..', 'source'));
  const written = generate(srcDir, outDir);
  console.log(`annotated source: ${written.length} pages in ${relative(process.cwd(), outDir)}`);
  // The API reference, when TypeDoc has written it (docs:prepare runs TypeDoc first).
  const apiDir = join(here, '..', 'api');
  if (!process.argv[3] && existsSync(apiDir)) {
    console.log(`API reference: chapter links in ${linkApiPages(apiDir)} pages`);
  }
}
