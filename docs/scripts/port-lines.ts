/**
 * Listings that read like koa-session: the port's additions, marked.
 *
 * The lifecycle methods in `src/context.ts` are koa-session 7.0.2's logic
 * plus two kinds of lines koa-session does not have:
 *
 * - `trace(ctx, …)` calls, which feed the Session Lab and `TRACE=1`. They
 *   never change what a request does, and a reader learning koa-session
 *   can skip them — so on the site each one is folded into a single line,
 *   `trace(ctx, …);`, tagged "port", that opens on click.
 * - `// Port: …` comments and the statement(s) under them, where the port
 *   does something its own way (the fast signed read, hardening, live
 *   options). They replace upstream code, so they stay visible, tinted.
 *
 * In the annotated source (fences marked `show-port`, whose lines are
 * numbered) nothing is folded: trace calls are tinted like the rest.
 *
 * `findPortGroups` finds both in plain source lines (tested on its own in
 * test/book/port-lines.test.ts); `portLines()` is the Shiki transformer the
 * VitePress config installs, and the theme (theme/index.ts) opens and folds.
 */
import type { Element, ElementContent } from 'hast';
import type { ShikiTransformer } from 'shiki';

export interface PortGroup {
  /** `trace`: folded by default · `port`: a `// Port:` note and its code. */
  kind: 'trace' | 'port';
  /** First and last line of the group, 0-based, inclusive. */
  start: number;
  end: number;
  /** For `trace`: what the folded line shows, e.g. `trace(ctx, …);`. */
  summary?: string;
  /** For `trace`: the indentation of the folded line. */
  indent?: string;
}

const PORT_NOTE = /^\s*\/\/ Port:/;
/** A trace call, alone or guarded by a one-line `if (…)` before it. */
const TRACE_CALL = /^\s*(?:if \(.*\) )?trace\(/;
const COMMENT = /^\s*\/\//;
/** An `if (…)` with no braces: its body is the next statement. */
const BARE_IF = /^\s*if \(.*\)\s*$/;

const indentOf = (line: string) => /^\s*/.exec(line)?.[0] ?? '';

/** The last line of the statement that starts at `start` (brackets balance, `;`). */
function statementEnd(lines: string[], start: number): number {
  let depth = 0;
  for (let i = start; i < lines.length; i++) {
    for (const c of lines[i] as string) {
      if (c === '(' || c === '{' || c === '[') depth++;
      else if (c === ')' || c === '}' || c === ']') depth--;
    }
    if (depth <= 0 && (lines[i] as string).trimEnd().endsWith(';')) return i;
  }
  return lines.length - 1;
}

/** Every port group in a listing, in order; groups never overlap. */
export function findPortGroups(lines: string[]): PortGroup[] {
  const groups: PortGroup[] = [];
  const taken = new Set<number>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (PORT_NOTE.test(line)) {
      // The note covers the code under it, up to a blank line, the end of
      // the block, or a trace call (which gets its own fold).
      const indent = indentOf(line).length;
      let end = i;
      while (end + 1 < lines.length) {
        const next = lines[end + 1] as string;
        if (next.trim() === '' || TRACE_CALL.test(next)) break;
        if (indentOf(next).length < indent) break;
        end++;
      }
      groups.push({ kind: 'port', start: i, end });
      for (let k = i; k <= end; k++) taken.add(k);
      i = end;
      continue;
    }
    if (!TRACE_CALL.test(line)) continue;
    let start = i;
    let prefix = '';
    // A brace-less `if` that only guards the trace belongs to it…
    const above = lines[start - 1];
    if (above !== undefined && BARE_IF.test(above) && !taken.has(start - 1)) {
      start--;
      prefix = `${above.trim()} `;
    }
    const indent = indentOf(lines[start] as string);
    // …and so do the comments right above it, which explain the event.
    while (
      start > 0 &&
      COMMENT.test(lines[start - 1] as string) &&
      !PORT_NOTE.test(lines[start - 1] as string) &&
      !taken.has(start - 1)
    ) {
      start--;
    }
    const end = statementEnd(lines, i);
    const [, guard = '', target] = /^\s*(if \(.*\) )?trace\(([\w.]+),/.exec(line) ?? [];
    const call = target ? `${guard}trace(${target}, …);` : 'trace(…);';
    groups.push({ kind: 'trace', start, end, summary: prefix + call, indent });
    for (let k = start; k <= end; k++) taken.add(k);
    i = end;
  }
  return groups;
}

const text = (value: string): ElementContent => ({ type: 'text', value });
// Shiki keeps classes as one `class` string (not hast's `className` list);
// a second spelling would render two class attributes.
const span = (classes: string[], children: ElementContent[]): Element => ({
  type: 'element',
  tagName: 'span',
  properties: { class: classes.join(' ') },
  children,
});

function addClass(el: Element, name: string) {
  const current = el.properties.class;
  if (Array.isArray(current)) current.push(name);
  else el.properties.class = current ? `${String(current)} ${name}` : name;
}

/**
 * The Shiki transformer: tint `// Port:` groups, fold `trace` groups.
 *
 * Shiki renders a listing as line `<span>`s separated by `"\n"` text nodes.
 * A folded group's lines and newlines move into one wrapper span, so hiding
 * the wrapper hides whole lines; the folded line has a wrapper of its own.
 * Copying a listing still copies the real source: the folded line is
 * ignored by VitePress's copy button (`vp-copy-ignore`).
 */
export function portLines(): ShikiTransformer {
  return {
    name: 'book:port-lines',
    code(code) {
      const groups = findPortGroups(this.source.split('\n'));
      if (groups.length === 0) return;
      // The annotated source numbers its lines: there every line stays in
      // place, trace calls tinted like the other additions, none folded.
      const unfolded = /(^|\s)show-port(\s|$)/.test(String(this.options.meta?.__raw ?? ''));

      // Pair each line element with the newline that follows it.
      const rows: { line: Element; newline?: ElementContent }[] = [];
      for (const child of code.children) {
        if (child.type === 'element') rows.push({ line: child });
        else if (child.type === 'text' && rows.length > 0) {
          const last = rows[rows.length - 1] as (typeof rows)[number];
          last.newline = child;
        }
      }
      if (rows.length === 0) return;

      const out: ElementContent[] = [];
      const pushRow = (row: (typeof rows)[number], into: ElementContent[]) => {
        into.push(row.line);
        if (row.newline) into.push(row.newline);
      };
      let next = 0;
      for (const group of groups) {
        for (; next < group.start && next < rows.length; next++) {
          pushRow(rows[next] as (typeof rows)[number], out);
        }
        const inside: ElementContent[] = [];
        for (; next <= group.end && next < rows.length; next++) {
          const row = rows[next] as (typeof rows)[number];
          addClass(row.line, group.kind === 'port' ? 'port' : 'port-trace-line');
          if (group.kind === 'port' || unfolded) pushRow(row, out);
          else pushRow(row, inside);
        }
        if (group.kind === 'trace' && !unfolded) {
          const lines = group.end - group.start + 1;
          const fold = span(
            ['line', 'port-fold'],
            [
              text(group.indent ?? ''),
              span(['port-fold-call'], [text(group.summary ?? 'trace(…);')]),
              span(['port-tag'], [text('port · show')]),
            ],
          );
          Object.assign(fold.properties, {
            role: 'button',
            tabindex: '0',
            ariaExpanded: 'false',
            title: `The port's trace call for the Session Lab (${lines} line${
              lines === 1 ? '' : 's'
            }): click to show`,
          });
          // Lines are inline blocks: a newline inside one would add an
          // empty row, so each row is a wrapper holding a line + newline.
          const foldRow = span(['port-fold-row', 'vp-copy-ignore'], [fold, text('\n')]);
          out.push(foldRow, span(['port-trace'], inside));
        }
      }
      for (; next < rows.length; next++) {
        pushRow(rows[next] as (typeof rows)[number], out);
      }
      code.children = out;
      addClass(this.pre, 'has-port-lines');
    },
  };
}
