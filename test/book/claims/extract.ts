/**
 * Every prose sentence of a chapter, found without looking at the proofs.
 *
 * A claim in the book is code: it must be proven by a test or cite a primary
 * source. To hold that, the counter first needs the sentences themselves, and
 * it must find them the same way whether or not a sentence carries a proof —
 * a counter that only lists sentences with badges would prove nothing. So
 * this file reads the Markdown as a reader sees it and keeps every sentence
 * of prose: paragraphs, list items, block quotes, admonitions, table cells
 * and the home page's hero and feature texts. It leaves out what is not
 * prose written here: fenced code (and so diagrams), embedded source
 * (`<<<`), included recordings, generated blocks between
 * `<!-- x:start -->` and `<!-- x:end -->`, headings, images and HTML tags.
 *
 * Each sentence comes back with what it carries on its face: the proof
 * citations and the links inside it. A citation written after the sentence's
 * full stop — "… at all. *(proof: …)*" — belongs to that sentence.
 */

/** One sentence of prose, as the checks and the ledger see it. */
export interface Sentence {
  /** The chapter file, e.g. `04-init-from-cookie.md`. */
  page: string;
  /** 1-based line of the block the sentence starts in. */
  line: number;
  /** The sentence as the reader reads it: links as their text, no emphasis marks. */
  text: string;
  /** Proof citations inside it: `test/….test.ts › "name"`. */
  proofs: { file: string; name: string }[];
  /** Link targets inside it (absolute URLs and relative book links alike). */
  links: string[];
}

const PROOF =
  /\*?\(proofs?:\s*((?:`test\/[\w./-]+\.test\.ts`\s*›\s*"[^"]+"[,;\s]*(?:and\s*)?)+)\)\*?/g;
const ONE_PROOF = /`(test\/[\w./-]+\.test\.ts)`\s*›\s*"([^"]+)"/g;

/** Words whose full stop does not end a sentence. */
const ABBREVIATIONS = new Set([
  'e.g',
  'i.e',
  'vs',
  'cf',
  'ch',
  'approx',
  'fig',
  'incl',
  'a.k.a',
  'p',
  'pp',
  'No',
  'no',
]);

/** One block of prose before it is cut into sentences. */
interface Block {
  line: number;
  text: string;
  /** A table row: kept whole, never cut into sentences. */
  row?: boolean;
}

/** Drop the parts of a chapter that are not prose written here, keeping line numbers. */
function proseLines(markdown: string): string[] {
  const lines = markdown.split('\n');
  const out: string[] = [];
  let fence: string | null = null;
  let generated: string | null = null;
  let comment = false;
  let frontMatter = lines[0]?.trim() === '---';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const trimmed = line.trim();
    if (frontMatter) {
      // The home page's hero tagline and feature texts are prose a reader reads.
      if (i > 0 && trimmed === '---') frontMatter = false;
      const m = /^(?:tagline|details):\s*(.+)$/.exec(trimmed);
      out.push(m ? (m[1] as string) : '');
      continue;
    }
    if (fence) {
      if (trimmed.startsWith(fence) && trimmed.replace(/[`~]/g, '') === '') fence = null;
      out.push('');
      continue;
    }
    const open = /^(```+|~~~+)/.exec(trimmed);
    if (open) {
      fence = open[1] as string;
      out.push('');
      continue;
    }
    if (generated) {
      if (trimmed.startsWith(`<!-- ${generated}:end`)) generated = null;
      out.push('');
      continue;
    }
    const gen = /^<!--\s*([\w:-]+):start\b/.exec(trimmed);
    if (gen) {
      generated = gen[1] as string;
      out.push('');
      continue;
    }
    if (comment) {
      if (trimmed.includes('-->')) comment = false;
      out.push('');
      continue;
    }
    if (trimmed.startsWith('<!--')) {
      if (!trimmed.includes('-->')) comment = true;
      out.push('');
      continue;
    }
    if (/^\|?\s*:?-{3,}:?\s*\|/.test(trimmed)) {
      // A table's separator: the row above it names the columns.
      out[out.length - 1] = '';
      out.push('');
      continue;
    }
    if (
      trimmed.startsWith('<<<') ||
      /^#{1,6}\s/.test(trimmed) ||
      /^:::/.test(trimmed) ||
      /^<\/?[a-zA-Z][^>]*>$/.test(trimmed)
    ) {
      out.push('');
      continue;
    }
    out.push(line);
  }
  return out;
}

/** Cut prose lines into blocks: paragraphs, list items, table cells. */
function blocksOf(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let current: Block | null = null;
  const flush = () => {
    if (current?.text.trim()) blocks.push(current);
    current = null;
  };
  lines.forEach((raw, index) => {
    const line = raw.replace(/^\s*(>\s?)+/, '');
    const trimmed = line.trim();
    if (!trimmed) {
      flush();
      return;
    }
    if (trimmed.startsWith('|')) {
      // A table row is one claim about its subject, however many cells it has.
      flush();
      const cells = splitCells(trimmed).map((c) => c.trim());
      blocks.push({ line: index + 1, text: cells.join(' | '), row: true });
      return;
    }
    if (/^([-*+]|\d+[.)])\s+/.test(trimmed)) {
      flush();
      current = { line: index + 1, text: trimmed.replace(/^([-*+]|\d+[.)])\s+/, '') };
      return;
    }
    if (current) current.text += ` ${trimmed}`;
    else current = { line: index + 1, text: trimmed };
  });
  flush();
  return blocks;
}

/** The cells of a table row; a `|` inside code or escaped as `\|` stays in its cell. */
function splitCells(row: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let code = false;
  const body = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch === '`') code = !code;
    if (ch === '\\' && body[i + 1] === '|') {
      cell += '|';
      i++;
      continue;
    }
    if (ch === '|' && !code) {
      cells.push(cell);
      cell = '';
      continue;
    }
    cell += ch;
  }
  cells.push(cell);
  return cells;
}

/** A block made plain: code spans masked, links reduced to their text, emphasis and tags dropped. */
interface Masked {
  text: string;
  codes: string[];
  /** Link targets by their position in the plain text. */
  links: { at: number; href: string }[];
  /** Where link texts stand in the plain text: no sentence ends inside one. */
  labels: { start: number; end: number }[];
  proofs: { at: number; file: string; name: string }[];
}

function mask(block: string): Masked {
  const codes: string[] = [];
  const groups: { file: string; name: string }[][] = [];
  const hrefs: string[] = [];
  // Proof citations first: they hold code spans of their own.
  let text = block.replace(PROOF, (_all, inner: string) => {
    groups.push(
      [...inner.matchAll(ONE_PROOF)].map((m) => ({
        file: m[1] as string,
        name: m[2] as string,
      })),
    );
    return `\uE001${groups.length - 1}\uE001`;
  });
  text = text.replace(/(`+)([\s\S]*?)\1/g, (_all, _ticks, inner: string) => {
    codes.push(inner);
    return `\uE002${codes.length - 1}\uE002`;
  });
  text = text
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/<\/?[a-zA-Z][^>]*>/g, '')
    .replace(/\{#[\w-]+\}/g, '');
  // Links keep their text; the target is remembered by a marker after it.
  text = text.replace(
    /\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g,
    (_all, label: string, href: string) => {
      hrefs.push(href);
      return `\uE004${label}\uE003${hrefs.length - 1}\uE003`;
    },
  );
  text = text.replace(/<(https?:\/\/[^>]+)>/g, (_all, href: string) => {
    hrefs.push(href);
    return `${href}\uE003${hrefs.length - 1}\uE003`;
  });
  text = text.replace(/\*\*|__|\*|(?<=\s|^)_(?=\S)|(?<=\S)_(?=[\s.,;:]|$)/g, '');
  // Resolve the markers to positions in the plain text.
  let plain = '';
  const proofs: Masked['proofs'] = [];
  const links: Masked['links'] = [];
  const labels: Masked['labels'] = [];
  let labelStart = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\uE004') {
      labelStart = plain.length;
      continue;
    }
    if (ch === '\uE001' || ch === '\uE003') {
      const end = text.indexOf(ch, i + 1);
      const n = Number(text.slice(i + 1, end));
      if (ch === '\uE001') {
        for (const p of groups[n] ?? []) proofs.push({ at: plain.length, ...p });
      } else {
        links.push({ at: plain.length, href: hrefs[n] as string });
        if (labelStart >= 0) labels.push({ start: labelStart, end: plain.length });
        labelStart = -1;
      }
      i = end;
      continue;
    }
    plain += ch;
  }
  return { text: plain, codes, links, labels, proofs };
}

/** Restore code spans (with their backticks) in a piece of masked text. */
function unmask(text: string, codes: string[]): string {
  return text.replace(/\uE002(\d+)\uE002/g, (_all, n: string) => `\`${codes[Number(n)]}\``);
}

/**
 * Cut points: after . ! ? (and closing marks) before white space — not after
 * an abbreviation, not inside a link's text, and not after a quoted question
 * the sentence goes on from ("did it change?" without …).
 */
function cuts(m: Masked): number[] {
  const { text, labels } = m;
  const out: number[] = [];
  for (const hit of text.matchAll(/[.!?]["'”’)\]]*(?=\s+\S)/g)) {
    const at = (hit.index as number) + hit[0].length;
    const word = /([\w.-]+)$/.exec(text.slice(0, hit.index as number))?.[1] ?? '';
    if (hit[0][0] === '.' && ABBREVIATIONS.has(word)) continue;
    if (labels.some((l) => at > l.start && at < l.end)) continue;
    if (/^["”’]/.test(hit[0].slice(1)) && /^\s+[a-z]/.test(text.slice(at))) continue;
    out.push(at);
  }
  return out;
}

/** Normalised form used to match a sentence with its ledger entry. */
export function normalise(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/ ([.,;:!?)])/g, '$1')
    .trim();
}

/** Every prose sentence of one chapter. */
export function sentencesOf(page: string, markdown: string): Sentence[] {
  const out: Sentence[] = [];
  for (const block of blocksOf(proseLines(markdown))) {
    const m = mask(block.text);
    const points = block.row ? [0, m.text.length] : [0, ...cuts(m), m.text.length];
    const pieces: { start: number; end: number }[] = [];
    for (let i = 0; i < points.length - 1; i++) {
      pieces.push({ start: points[i] as number, end: points[i + 1] as number });
    }
    for (const piece of pieces) {
      const raw = m.text.slice(piece.start, piece.end);
      const text = normalise(unmask(raw, m.codes));
      const proofs = m.proofs.filter((p) => p.at > piece.start && p.at <= piece.end);
      const links = m.links
        .filter((l) => l.at > piece.start && l.at <= piece.end)
        .map((l) => l.href);
      if (!/[A-Za-z]{2}/.test(text.replace(/`[^`]*`/g, ''))) {
        // A citation standing alone after a full stop belongs to the sentence before it.
        const last = out.at(-1);
        if (last && last.page === page && (proofs.length || links.length)) {
          last.proofs.push(...proofs.map(({ file, name }) => ({ file, name })));
          last.links.push(...links);
        }
        continue;
      }
      out.push({
        page,
        line: block.line,
        text,
        proofs: proofs.map(({ file, name }) => ({ file, name })),
        links,
      });
    }
  }
  return out;
}
