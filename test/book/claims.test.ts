/**
 * Every sentence of the book is a claim with a proof or a source, or is
 * listed as narrative with a reason (`npm run book:claims` prints the count).
 *
 * The first block holds the counter itself to account: it must find
 * sentences whether or not they carry a proof, or the count would prove
 * nothing.
 */
import { expect, it } from 'vitest';
import { describeBookOnly } from '../support/impl.js';
import { census, summaryLine, totals } from './claims/count.js';
import { sentencesOf } from './claims/extract.js';
import { checkEntry, isPrimarySource, judge, type Ledger } from './claims/ledger.js';
import { onKoaSession } from './claims/upstream.js';

const PAGE = [
  '---',
  'hero:',
  '  tagline: Every claim backed by a test.',
  '---',
  '# Title is not a sentence',
  '',
  'A cookie is a header. It has a name (see [chapter 3. Architecture](./03.md)).',
  'It goes on, e.g. here. *(proof: `test/book/01-cookies.test.ts` › "x")*',
  '',
  '```ts',
  'const code = "not prose. Not counted.";',
  '```',
  '',
  '<<< @/src/util.ts#encode',
  '',
  '- A list item counts. So does [RFC 6265](https://www.rfc-editor.org/rfc/rfc6265).',
  '',
  '| name | meaning |',
  '| --- | --- |',
  '| `koa.sess` | The session. Signed. |',
  '',
  '<!-- bench:results:start -->',
  'Generated prose is not counted.',
  '<!-- bench:results:end -->',
  '',
  '> Did it change? "Did it?" she asked.',
  '',
  'Two proofs at once. *(proofs: `test/a.test.ts` › "one", `test/b.test.ts` › "two")*',
].join('\n');

describeBookOnly('the claims counter', () => {
  const sentences = sentencesOf('demo.md', PAGE);
  const texts = sentences.map((s) => s.text);

  it('finds every prose sentence, with or without a proof', () => {
    expect(texts).toEqual([
      'Every claim backed by a test.',
      'A cookie is a header.',
      'It has a name (see chapter 3. Architecture).',
      'It goes on, e.g. here.',
      'A list item counts.',
      'So does RFC 6265.',
      '`koa.sess` | The session. Signed.',
      'Did it change?',
      '"Did it?" she asked.',
      'Two proofs at once.',
    ]);
  });

  it('gives a proof written after the full stop to the sentence before it', () => {
    const s = sentences.find((x) => x.text === 'It goes on, e.g. here.');
    expect(s?.proofs).toEqual([{ file: 'test/book/01-cookies.test.ts', name: 'x' }]);
    const two = sentences.find((x) => x.text === 'Two proofs at once.');
    expect(two?.proofs.map((p) => p.name)).toEqual(['one', 'two']);
  });

  it('judges a sentence by its face first, then by the ledger', () => {
    const ledger: Ledger = {
      pages: new Map([
        ['demo', [{ text: 'A cookie is a header.', proof: 'test/book/01-cookies.test.ts › x' }]],
        [
          '_shared',
          [{ text: 'A list item counts.', narrative: 'an example sentence of this test' }],
        ],
      ]),
    };
    const verdicts = Object.fromEntries(
      judge('demo.md', PAGE, ledger).map((j) => [j.text, j.verdict]),
    );
    expect(verdicts['A cookie is a header.']).toBe('proven');
    expect(verdicts['It goes on, e.g. here.']).toBe('proven');
    expect(verdicts['So does RFC 6265.']).toBe('sourced');
    expect(verdicts['A list item counts.']).toBe('narrative');
    expect(verdicts['`koa.sess` | The session. Signed.']).toBe('unbacked');
    // A link into the book is a pointer, not a source.
    expect(verdicts['It has a name (see chapter 3. Architecture).']).toBe('unbacked');
  });

  it('refuses an entry whose proof names no test, or whose source is not primary', () => {
    const root = new URL('../../', import.meta.url).pathname;
    const bad = checkEntry(root, 'demo.md', {
      text: 'x',
      proof: 'test/book/01-cookies.test.ts › no test has this name',
      source: 'https://example.com/blog',
    });
    expect(bad.map((p) => p.problem)).toEqual([
      'test/book/01-cookies.test.ts has no test called "no test has this name"',
      'source https://example.com/blog is not on the primary-source list',
    ]);
    expect(isPrimarySource('https://github.com/koajs/session/blob/v7.0.2/lib/context.js#L10')).toBe(
      true,
    );
    expect(isPrimarySource('./03-architecture.md')).toBe(false);
  });

  it('knows which cited tests also run on koa-session 7.0.2', () => {
    const book = (name: string) => new URL(`./${name}`, import.meta.url).pathname;
    const cookie = book('04-init-from-cookie.test.ts');
    expect(
      onKoaSession(
        cookie,
        'a signed cookie that is not base64 JSON starts a fresh session quietly',
      ),
    ).toBe('runs');
    expect(
      onKoaSession(cookie, 'the three helpers give the same results as koa-session 7.0.2'),
    ).toBe('port-only');
    expect(onKoaSession(cookie, 'no test has this name')).toBe('no-such-test');
    expect(
      onKoaSession(book('claims.test.ts'), 'knows which cited tests also run on koa-session 7.0.2'),
    ).toBe('port-only');
    const root = new URL('../../', import.meta.url).pathname;
    const portOnlyProof = checkEntry(root, 'demo.md', {
      text: 'x',
      about: 'koa-session',
      proof:
        'test/book/04-init-from-cookie.test.ts › the three helpers give the same results as koa-session 7.0.2',
    });
    expect(portOnlyProof.map((p) => p.problem)).toEqual([
      'is about koa-session, but "the three helpers give the same results as koa-session 7.0.2" is port-only',
    ]);
  });

  it('prints the one summary line the issue asks for', () => {
    expect(
      summaryLine({ sentences: 9, narrative: 1, claims: 8, proven: 5, sourced: 2, unbacked: 1 }),
    ).toBe('8 claims: 5 proven, 2 sourced, 1 unbacked');
  });
});

describeBookOnly('the ledger', () => {
  const c = census();

  it('has no entry that matches nothing, names a missing test or cites a secondary source', () => {
    expect(c.problems.map((p) => `${p.page}: ${p.problem} — "${p.text.slice(0, 80)}"`)).toEqual([]);
  });

  it('reports the book’s count (npm run book:claims)', () => {
    const t = totals([...c.judged.values()].flat());
    console.log(`[claims] ${summaryLine(t)}`);
    expect(t.claims).toBeGreaterThan(0);
  });
});
