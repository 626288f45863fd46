/**
 * Session Lab screenshots that follow the reader: the dark picture in dark
 * mode, the phone-width picture on a phone.
 *
 * The lab's browser tests record every screenshot in light and dark (and
 * the cluster lab at 1280 and 390 px) into chapters/lab/. A chapter embeds
 * the light one, as plain Markdown that also reads on GitHub:
 * `![…](./lab/cluster-1280-light.png)`. This markdown-it plugin renders
 * such an image as two <picture>s, one shown in light mode and one in dark
 * (VitePress marks dark mode with a class, which a media query cannot
 * see), each offering its 390 px variant to narrow screens when one was
 * recorded. Variants that do not exist on disk are simply left out.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { MarkdownRenderer } from 'vitepress';

const LIGHT = /^(\.\/lab\/[\w-]+?)(-1280)?-light\.png$/;

/**
 * A PNG's size from its header (bytes 16–23: width, height), so the page
 * keeps the image's room; only those bytes are read.
 */
function pngSize(file: string): string {
  const head = Buffer.alloc(8);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 8, 16);
  } finally {
    closeSync(fd);
  }
  return `width="${head.readUInt32BE(0)}" height="${head.readUInt32BE(4)}"`;
}

export function labShots(md: MarkdownRenderer): void {
  const image = md.renderer.rules.image;
  md.renderer.rules.image = (tokens, idx, options, env, self) => {
    const token = tokens[idx];
    const src = token?.attrGet('src') ?? '';
    const match = LIGHT.exec(src);
    // With `rewrites`, `path` is the page's URL-side name; `realPath` is the
    // Markdown file the image path is relative to.
    const { realPath, path } = env as { realPath?: string; path?: string };
    const page = realPath ?? path;
    const fallback = () =>
      image ? image(tokens, idx, options, env, self) : self.renderToken(tokens, idx, options);
    if (!token || !match || !page) return fallback();
    const [, stem, wide] = match as unknown as [string, string, string?];
    const here = dirname(page);
    const exists = (file: string) => existsSync(resolve(here, file));
    const alt = md.utils.escapeHtml(token.content);
    const picture = (scheme: 'light' | 'dark') => {
      const full = `${stem}${wide ?? ''}-${scheme}.png`;
      if (!exists(full)) return '';
      const narrow = wide ? `${stem}-390-${scheme}.png` : '';
      const source =
        narrow && exists(narrow) ? `<source media="(max-width: 639px)" srcset="${narrow}">` : '';
      return (
        `<picture class="lab-shot only-${scheme}">${source}` +
        `<img src="${full}" alt="${alt}" ${pngSize(resolve(here, full))}` +
        ' loading="lazy"></picture>'
      );
    };
    const pictures = picture('light') + picture('dark');
    return pictures || fallback();
  };
}
