/**
 * The claims ledger: what backs each sentence of the book.
 *
 * A sentence is backed on its face when it carries a proof citation
 * ("(proof: `test/….test.ts` › "name")") or links a primary source. Every
 * other sentence needs an entry in `test/book/claims/ledger/<page>.json`
 * naming its proof, its source, or — for a sentence that states nothing
 * about how anything behaves — why it is narrative. Entries match sentences
 * by their exact text (see `normalise`), so rewording a sentence makes it
 * unbacked again until someone checks the new wording: a claim is code.
 *
 * `_shared.json` holds narrative sentences that recur on many pages ("Open
 * this when you are done, or stuck.").
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalise, type Sentence, sentencesOf } from './extract.js';
import { onKoaSession } from './upstream.js';

/** One ledger entry. Exactly one of proof, source or narrative. */
export interface Entry {
  text: string;
  /** Tests that assert the sentence: `test/….test.ts › name`. */
  proof?: string | string[];
  /** A primary source: a spec, the library's source at a line, an issue. */
  source?: string | string[];
  /** Why this sentence states nothing that could be proven or sourced. */
  narrative?: string;
  /**
   * The sentence is about koa-session itself: its proof must also run on
   * koa-session 7.0.2 (a suite under KOA_SESSION_IMPL=upstream, not skipped).
   */
  about?: 'koa-session';
}

export type Verdict = 'proven' | 'sourced' | 'narrative' | 'unbacked';

export interface Judged extends Sentence {
  verdict: Verdict;
  /** The entry that backs it, when the ledger does. */
  entry?: Entry;
}

/**
 * Where a primary source may live: specifications, the libraries' and
 * browsers' own repositories and trackers, the servers' own documentation.
 */
export const PRIMARY_SOURCES = [
  'github.com',
  'datatracker.ietf.org',
  'www.rfc-editor.org',
  'httpwg.org',
  'html.spec.whatwg.org',
  'fetch.spec.whatwg.org',
  'url.spec.whatwg.org',
  'w3c.github.io',
  'www.w3.org',
  'developer.mozilla.org',
  'chromestatus.com',
  'www.chromium.org',
  'chromium.googlesource.com',
  'source.chromium.org',
  'issues.chromium.org',
  'bugs.chromium.org',
  'developer.chrome.com',
  'bugzilla.mozilla.org',
  'firefox-source-docs.mozilla.org',
  'hg.mozilla.org',
  'searchfox.org',
  'webkit.org',
  'bugs.webkit.org',
  'nodejs.org',
  'redis.io',
  'mariadb.com',
  'dev.mysql.com',
  'cheatsheetseries.owasp.org',
  'owasp.org',
  'www.npmjs.com',
  'koajs.com',
  'expressjs.com',
  'v8.dev',
  'tc39.es',
  'vitepress.dev',
  'vitest.dev',
  'caniuse.com',
];

/** Whether a link is a primary source (relative links into the book are not). */
export function isPrimarySource(href: string): boolean {
  try {
    const url = new URL(href);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
    return PRIMARY_SOURCES.some(
      (host) => url.hostname === host || url.hostname.endsWith(`.${host}`),
    );
  } catch {
    return false;
  }
}

export interface Ledger {
  /** Entries by page (file name without `.md`), plus `_shared`. */
  pages: Map<string, Entry[]>;
}

export function loadLedger(dir: string): Ledger {
  const pages = new Map<string, Entry[]>();
  if (!existsSync(dir)) return { pages };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const entries = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Entry[];
    pages.set(
      file.replace(/\.json$/, ''),
      entries.map((e) => ({ ...e, text: normalise(e.text) })),
    );
  }
  return { pages };
}

export function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Judge every sentence of one page. */
export function judge(page: string, markdown: string, ledger: Ledger): Judged[] {
  const own = ledger.pages.get(page.replace(/\.md$/, '')) ?? [];
  const shared = ledger.pages.get('_shared') ?? [];
  return sentencesOf(page, markdown).map((s) => {
    const entry = own.find((e) => e.text === s.text) ?? shared.find((e) => e.text === s.text);
    if (entry?.narrative) return { ...s, verdict: 'narrative', entry };
    if (s.proofs.length || asList(entry?.proof).length) {
      return { ...s, verdict: 'proven', entry };
    }
    if (s.links.some(isPrimarySource) || asList(entry?.source).length) {
      return { ...s, verdict: 'sourced', entry };
    }
    return { ...s, verdict: 'unbacked', entry };
  });
}

/** A problem with the ledger itself: an entry that matches nothing, a bad proof or source. */
export interface Problem {
  page: string;
  text: string;
  problem: string;
}

const PROOF_REF = /^(test\/[\w./-]+\.test\.ts) › (.+)$/;

/** Check one entry's proofs and sources against the repository. */
export function checkEntry(root: string, page: string, entry: Entry): Problem[] {
  const problems: Problem[] = [];
  const say = (problem: string) => problems.push({ page, text: entry.text, problem });
  const kinds = [entry.proof, entry.source, entry.narrative].filter((k) => k !== undefined);
  if (kinds.length === 0) say('has no proof, source or narrative reason');
  if (entry.about === 'koa-session' && !asList(entry.proof).length) {
    say('is about koa-session: it needs a test that runs on koa-session 7.0.2');
  }
  if (entry.narrative !== undefined && kinds.length > 1) {
    say('is narrative and also cites a proof or source: choose one');
  }
  if (entry.narrative !== undefined && entry.narrative.trim().split(/\s+/).length < 3) {
    say('narrative needs a reason of a few words');
  }
  for (const ref of asList(entry.proof)) {
    const m = PROOF_REF.exec(ref);
    if (!m) {
      say(`proof "${ref}" is not "test/….test.ts › test name"`);
      continue;
    }
    const file = join(root, m[1] as string);
    if (!existsSync(file)) {
      say(`proof file ${m[1]} does not exist`);
      continue;
    }
    const name = (m[2] as string).replace(/^"(.*)"$/, '$1');
    const source = readFileSync(file, 'utf8').replace(/\s+/g, ' ');
    if (![`'${name}'`, `"${name}"`, `\`${name}\``].some((q) => source.includes(q))) {
      say(`${m[1]} has no test called "${name}"`);
      continue;
    }
    if (entry.about === 'koa-session') {
      const verdict = onKoaSession(file, name);
      if (verdict === 'port-only') say(`is about koa-session, but "${name}" is port-only`);
      if (verdict === 'not-switched') {
        say(`is about koa-session, but ${m[1]} never runs koa-session (no switch)`);
      }
    }
  }
  for (const href of asList(entry.source)) {
    if (!isPrimarySource(href)) say(`source ${href} is not on the primary-source list`);
  }
  return problems;
}
