/**
 * Wide tables on a phone: one card per row.
 *
 * A table of three or more columns cannot fit 390 px without scrolling
 * sideways or breaking words mid-way. This markdown-it plugin gives each
 * such table the class `table-cards` and each body cell the text of its
 * column's header (`data-label`) plus a wrapper around its content; on a
 * narrow screen the theme's CSS (theme/style.css) turns every row into a
 * card of "header: value" lines. On a wide screen nothing changes.
 *
 * Code in any table cell also gets break points after its punctuation, so
 * a long name wraps where a reader would split it, never mid-word.
 */
import type { MarkdownRenderer } from 'vitepress';

type Token = ReturnType<MarkdownRenderer['parse']>[number];

/** The header's words without Markdown: `` `opts.renew` says `` → `opts.renew says`. */
function plain(inline: Token | undefined): string {
  if (!inline?.children) return inline?.content ?? '';
  return inline.children
    .filter((t) => t.type === 'text' || t.type === 'code_inline')
    .map((t) => t.content)
    .join('')
    .trim();
}

/** Tables with at least this many columns become cards on a phone. */
export const CARD_COLUMNS = 3;

export function tableCards(md: MarkdownRenderer): void {
  md.core.ruler.push('book:table-cards', (state) => {
    const tokens = state.tokens;
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i]?.type !== 'table_open') continue;
      const table = tokens[i] as Token;
      const labels: string[] = [];
      let column = 0;
      let j = i + 1;
      for (; j < tokens.length && tokens[j]?.type !== 'table_close'; j++) {
        const t = tokens[j] as Token;
        // Code in any cell may wrap after its punctuation (see below).
        for (const child of t.type === 'inline' ? (t.children ?? []) : []) {
          if (child.type === 'code_inline') child.meta = { ...child.meta, wrap: true };
        }
        if (t.type === 'th_open') labels.push(plain(tokens[j + 1]));
        if (t.type === 'tr_open') column = 0;
        if (t.type === 'td_open' && labels.length >= CARD_COLUMNS) {
          t.attrSet('data-label', labels[column] ?? '');
          t.meta = { ...t.meta, card: true };
          column++;
        }
        // Its close is marked too, so it can end the wrapper without
        // searching back for its open.
        if (t.type === 'td_close' && labels.length >= CARD_COLUMNS) {
          t.meta = { ...t.meta, card: true };
        }
      }
      if (labels.length >= CARD_COLUMNS) table.meta = { ...table.meta, cards: true };
      i = j;
    }
  });
  // Code in a table cell: a line may break after `_ . / - :` inside it
  // (PROTOCOL_<wbr>CONNECTION_<wbr>LOST), so the browser never has to cut a
  // word in the middle to fit a narrow column.
  const code = md.renderer.rules.code_inline;
  md.renderer.rules.code_inline = (tokens, idx, options, env, self) => {
    const token = tokens[idx];
    if (!token?.meta?.wrap) {
      return code ? code(tokens, idx, options, env, self) : self.renderToken(tokens, idx, options);
    }
    const text = md.utils
      .escapeHtml(token.content)
      .replace(/(?<=[^\s])([_./:-]+)(?=[\w])/g, '$1<wbr>');
    return `<code${self.renderAttrs(token)}>${text}</code>`;
  };
  // VitePress renders every <table> from a fixed string (no attributes), so
  // the class goes in after that rule has run.
  const table = md.renderer.rules.table_open;
  md.renderer.rules.table_open = (tokens, idx, options, env, self) => {
    const html = table
      ? table(tokens, idx, options, env, self)
      : self.renderToken(tokens, idx, options);
    if (!tokens[idx]?.meta?.cards) return html;
    return html.replace('<table', '<table class="table-cards"');
  };
  const open = md.renderer.rules.td_open;
  const close = md.renderer.rules.td_close;
  md.renderer.rules.td_open = (tokens, idx, options, env, self) => {
    const html = open
      ? open(tokens, idx, options, env, self)
      : self.renderToken(tokens, idx, options);
    return tokens[idx]?.meta?.card ? `${html}<span class="cell">` : html;
  };
  md.renderer.rules.td_close = (tokens, idx, options, env, self) => {
    const html = close
      ? close(tokens, idx, options, env, self)
      : self.renderToken(tokens, idx, options);
    return tokens[idx]?.meta?.card ? `</span>${html}` : html;
  };
}
