/**
 * chapters/15-production.md cannot drift from its tests or link to nowhere:
 *
 * - every link is well-formed: a GitHub issue or pull request, a GitHub
 *   source permalink pinned to a release tag with its line(s), another
 *   https URL, or a chapter (and heading) that exists;
 * - a source permalink names the version this project has installed, and
 *   for node_modules files shipped as source (koa-session, Koa, mysql2)
 *   the cited lines are the ones in node_modules;
 * - every test in test/production/ (except the recorders) is cited by name,
 *   and every recorded transcript production-*.txt is included;
 * - the error messages the recipes produce appear in the chapter text, so
 *   the site's search finds them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectCitedTest, proofsIn } from '../support/proofs.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const chapter = readFileSync(join(root, 'chapters/15-production.md'), 'utf8');
const prose = chapter.replace(/^```[\s\S]*?^```/gm, '');
const links = [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string);

function headingIds(text: string): Set<string> {
  return new Set([...text.matchAll(/^#{2,3} .*\{#([\w-]+)\}\s*$/gm)].map((m) => m[1] as string));
}

const version = (pkg: string) =>
  (
    JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

/** Repositories whose permalinks we check against what is installed. */
const INSTALLED: Record<string, { version: () => string; shipped?: string }> = {
  'koajs/session': { version: () => version('koa-session'), shipped: 'koa-session' },
  'koajs/koa': { version: () => version('koa'), shipped: 'koa' },
  'sidorares/node-mysql2': { version: () => version('mysql2'), shipped: 'mysql2' },
  'koajs/koa-redis': { version: () => version('koa-redis') },
  // Two ioredis: the one koa-redis bundles, and ours.
  'redis/ioredis': {
    version: () => `${version('koa-redis/node_modules/ioredis')}|${version('ioredis')}`,
  },
};

/** `https://github.com/o/r/blob/vX/path#L1-L2` → its parts. */
const PERMALINK =
  /^https:\/\/github\.com\/([\w.-]+\/[\w.-]+)\/blob\/v([\d.]+)\/([\w./-]+)#L(\d+)(?:-L(\d+))?$/;

describe('production chapter: links', () => {
  it('has many links to threads and to source lines', () => {
    const threads = links.filter((l) => /^https:\/\/github\.com\/.*\/(issues|pull)\/\d+$/.test(l));
    expect(new Set(threads).size).toBeGreaterThanOrEqual(20);
    expect(links.filter((l) => PERMALINK.test(l)).length).toBeGreaterThanOrEqual(20);
  });

  it.each(links.map((l) => [l]))('%s is well-formed and leads somewhere', (link) => {
    if (link.startsWith('https://github.com/')) {
      const issue = /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/(issues|pull)\/\d+$/.test(link);
      expect(
        issue || PERMALINK.test(link),
        'an issue, a pull request or a pinned source line',
      ).toBe(true);
      if (!issue) {
        const [, repo, tag, file, from] = PERMALINK.exec(link)!;
        const installed = INSTALLED[repo!];
        expect(installed, `${repo} is not a dependency we pin`).toBeDefined();
        expect(installed!.version().split('|'), `${link}: not the installed version`).toContain(
          tag,
        );
        if (installed!.shipped) {
          const local = join(root, 'node_modules', installed!.shipped, file!);
          expect(existsSync(local), `${file} is not in node_modules/${installed!.shipped}`).toBe(
            true,
          );
          const lines = readFileSync(local, 'utf8').split('\n');
          expect(lines.length, `${link}: past the end of the file`).toBeGreaterThanOrEqual(
            Number(from),
          );
          expect(lines[Number(from) - 1]!.trim(), `${link}: a blank line`).not.toBe('');
        }
      }
    } else if (link.startsWith('#')) {
      expect(headingIds(chapter).has(link.slice(1)), `no section ${link}`).toBe(true);
    } else if (link.startsWith('https://')) {
      expect(() => new URL(link)).not.toThrow();
    } else {
      const [file, anchor] = link.split('#') as [string, string | undefined];
      const path = join(root, 'chapters', file);
      expect(existsSync(path), `${file} does not exist`).toBe(true);
      if (anchor) expect(headingIds(readFileSync(path, 'utf8')).has(anchor), link).toBe(true);
    }
  });

  it('the lines cited in node_modules say what the chapter says they do', () => {
    const line = (pkg: string, file: string, n: number) =>
      readFileSync(join(root, 'node_modules', pkg, file), 'utf8').split('\n')[n - 1]!;
    expect(line('koa-session', 'src/index.ts', 221)).toContain('await sess.commit()');
    expect(line('koa-session', 'src/context.ts', 261)).toContain('prevHash !== util.hash');
    expect(line('koa-session', 'src/context.ts', 100)).toContain('this.prevHash =');
    expect(line('koa-session', 'src/context.ts', 152)).toContain('this.prevHash =');
    expect(line('koa', 'lib/application.js', 290)).toContain('ctx.respond === false');
    expect(line('koa', 'lib/context.js', 121)).toContain('this.headerSent');
    expect(line('mysql2', 'lib/parsers/text_parser.js', 29)).toContain("extendedFormat === 'json'");
    expect(line('mysql2', 'lib/parsers/text_parser.js', 75)).toContain('Types.JSON');
    expect(line('mysql2', 'lib/constants/types.js', 55)).toContain('JSON = 0xf5');
    expect(line('mysql2', 'lib/commands/client_handshake.js', 282)).toContain(
      'MARIADB_CLIENT_EXTENDED_METADATA',
    );
  });
});

describe('production chapter: proofs and transcripts', () => {
  const proofs = proofsIn(chapter);

  it.each(proofs.map((p) => [`${p.file} › ${p.name}`, p] as const))('%s exists', (_l, p) => {
    expectCitedTest(p);
  });

  it('cites every recipe test by name', () => {
    // A proof may cite several tests: `"a" and "b"`.
    const flat = chapter.replace(/\s+/g, ' ');
    const missing: string[] = [];
    for (const name of readdirSync(join(root, 'test/production'))) {
      if (!name.endsWith('.test.ts') || name === 'chapter.test.ts' || name === 'report.test.ts') {
        continue;
      }
      const source = readFileSync(join(root, 'test/production', name), 'utf8');
      for (const m of source.matchAll(/\bit\(\s*(['"`])((?:\\.|(?!\1).)*)\1/gs)) {
        const title = (m[2] as string).replace(/\\(.)/g, '$1');
        if (title === 'records the transcript') continue;
        if (!flat.includes(`"${title}"`)) missing.push(`${name} › ${title}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('includes every recorded transcript, and only existing ones', () => {
    const included = [
      ...chapter.matchAll(/^<<< @\/chapters\/recorded\/(production-[\w-]+\.txt)$/gm),
    ].map((m) => m[1] as string);
    const recorded = readdirSync(join(root, 'chapters/recorded')).filter((n) =>
      n.startsWith('production-'),
    );
    expect([...included].sort()).toEqual([...recorded].sort());
  });

  it('quotes the exact error texts, so search finds them', () => {
    for (const text of [
      'MOVED 6119 127.0.0.1:7101',
      'Cannot set headers after they are sent to the client',
      'ERR_HTTP_HEADERS_SENT',
      '"[object Object]" is not valid JSON',
      'Reached the max retries per request limit (which is 20)',
      'Too many Cluster redirections',
      'CLUSTERDOWN',
    ]) {
      expect(chapter).toContain(text);
    }
  });
});
