/**
 * Property-based tests: whatever a client puts in the session cookie, the
 * port answers without a 5xx, the app reports no error, nothing leaks into
 * `Object.prototype`, and the next client still starts from a clean slate.
 *
 * Every input goes over a real socket through Node's HTTP parser, Koa and
 * `cookies`. fast-check prints the seed and the shrunk input of any failure.
 *
 * Read with: chapters/11-security.md#hostile-payloads
 */
import fc from 'fast-check';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import session, { type SessionOptions } from '../../src/index.js';
import { asParsed, cookieValue, hostileJsonText } from './arbitraries.js';
import { CookieJar, collectErrors, type LabServer, NEW_KEY, serve, sign } from './support.js';

/** How many inputs each property tries; the final report quotes these. */
const RUNS = { cookieValue: 1000, json: 1000 } as const;

/**
 * A counter app: `/` reads the session, bumps `hits` (restarting at 1 when
 * the stored value is not a safe integer), answers with the count and
 * whether the session was new; `/read` only reads.
 */
function counterApp(options: SessionOptions) {
  const app = new Koa();
  app.keys = [NEW_KEY];
  app.use(session(options, app));
  app.use((ctx) => {
    const s = ctx.session!;
    // `/read` leaves the session untouched, so commit goes past the
    // "changed" test into the `rolling` / `renew` logic.
    if (ctx.path === '/read') {
      ctx.body = { isNew: s.isNew };
      return;
    }
    s.hits = Number.isSafeInteger(s.hits) ? (s.hits as number) + 1 : 1;
    ctx.body = { hits: s.hits, isNew: s.isNew };
  });
  return app;
}

/** Property names on Object.prototype before the storm; pollution would add some. */
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

function expectNoPollution() {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS);
  expect(({} as Record<string, unknown>).hits).toBeUndefined();
}

describe.each([
  { mode: 'unsigned', options: { signed: false } },
  { mode: 'signed', options: { signed: true } },
  {
    mode: 'unsigned, renew, one-day maxAge',
    options: { signed: false, renew: true, maxAge: 86_400_000 },
  },
  {
    mode: 'unsigned, rolling, browser-session maxAge',
    options: { signed: false, rolling: true, maxAge: 'session' },
  },
] satisfies { mode: string; options: SessionOptions }[])(
  'hostile cookies, $mode',
  ({ options }) => {
    const signed = options.signed;
    let server: LabServer;
    let errors: Error[];
    beforeAll(async () => {
      const app = counterApp(options);
      errors = collectErrors(app);
      server = await serve(app);
    });
    afterAll(() => server.close());

    /** A client without cookies must get a brand-new session: nothing leaked from earlier inputs. */
    async function expectCleanSlate() {
      const fresh = await server.get('/');
      expect(fresh.status).toBe(200);
      expect(JSON.parse(fresh.body)).toEqual({ hits: 1, isNew: true });
      expectNoPollution();
    }

    /**
     * Send one hostile `Cookie` header, then play the client that keeps what
     * the server answered. Checked: no 5xx, no app error, a refused input
     * gives a fresh session — and whatever the server wrote back (and a
     * browser would keep) is accepted on the next request. A server that
     * writes cookies it will refuse next time would log users out forever.
     */
    async function hostileThenHonest(cookie: string, path: '/' | '/read') {
      errors.length = 0; // each run (and each shrink step) starts clean
      const first = await server.get(path, cookie);
      expect(first.status).toBe(200);
      const body = JSON.parse(first.body) as { hits?: number; isNew: boolean };
      if (body.isNew && path === '/') expect(body.hits).toBe(1);

      const jar = new CookieJar();
      jar.take(first.setCookie);
      if (jar.has('koa.sess')) {
        const second = await server.get('/', jar.header());
        expect(second.status).toBe(200);
        const next = JSON.parse(second.body) as { hits: number; isNew: boolean };
        expect(next.isNew).toBe(false);
        if (path === '/') expect(next.hits).toBe(body.hits! + 1);
      }
      expect(errors).toEqual([]);
      expectNoPollution();
      return body.isNew ? 'refused' : 'accepted';
    }

    /** In signed mode, sign correctly so the value reaches `decode` (what a leaked key allows). */
    const withSignature = (value: string) => {
      return signed
        ? `koa.sess=${value}; koa.sess.sig=${sign('koa.sess', asParsed(value), NEW_KEY)}`
        : `koa.sess=${value}`;
    };

    it('an arbitrary cookie value never causes a 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(cookieValue, fc.constantFrom('/', '/read'), async (value, path) => {
          await hostileThenHonest(withSignature(value), path);
        }),
        { numRuns: RUNS.cookieValue },
      );
      await expectCleanSlate();
    });

    it('arbitrary JSON payloads, hostile keys and odd numbers included, never cause a 5xx', async () => {
      const tally = { accepted: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(hostileJsonText, fc.constantFrom('/', '/read'), async (json, path) => {
          const outcome = await hostileThenHonest(
            withSignature(Buffer.from(json).toString('base64')),
            path,
          );
          tally[outcome] += 1;
        }),
        { numRuns: RUNS.json },
      );
      await expectCleanSlate();
      // The generator must exercise both paths, or the property proves little.
      console.info(`[security] JSON payloads (${JSON.stringify(options)}):`, tally);
      expect(tally.accepted).toBeGreaterThan(RUNS.json / 20);
      expect(tally.refused).toBeGreaterThan(RUNS.json / 20);
    });
  },
);
