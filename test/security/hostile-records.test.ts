/**
 * Property-based tests for what comes back from a store. A store is
 * server-side, but its contents are not always ours alone: another service
 * shares the Redis, an old app version wrote a different shape, a migration
 * went wrong, someone with database access edits a row. Whatever the record
 * says, the request must end without a 5xx, and no client may end up in
 * another client's session.
 *
 * Read with: chapters/11-security.md#hostile-payloads
 */
import fc from 'fast-check';
import Koa from 'koa';
import upstream from 'koa-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeApp } from './apps.js';
import { hostileJsonText } from './arbitraries.js';
import { openStoreLab, STORE_KINDS, type StoreLab } from './stores.js';
import {
  CookieJar,
  collectErrors,
  issuedId,
  type LabServer,
  NEW_KEY,
  serve,
  signedId,
  UUID,
} from './support.js';

const RUNS = { memory: 400, redis: 400, mysql: 200 } as const;

describe.each(STORE_KINDS)('hostile records, $kind store', ({ kind, available }) => {
  let lab: StoreLab;
  let server: LabServer;
  let errors: Error[];
  beforeAll(async () => {
    if (!available) return;
    lab = await openStoreLab(kind);
    // `renew` makes an unchanged session go through the lifetime arithmetic
    // too; `/whoami` (read only) is what reaches it.
    const app = storeApp(lab.store, { renew: true });
    errors = collectErrors(app);
    server = await serve(app);
  });
  afterAll(async () => {
    if (!available) return;
    await server.close();
    await lab.dispose();
  });

  it.runIf(available)('no record, however odd, causes a 5xx or leaks another session', async () => {
    const victim = await server.get('/login?user=victim');
    const victimId = issuedId(victim.setCookie)!;
    // Redis and MariaDB hand back any text; a MemoryStore only JSON it wrote.
    const recordText =
      kind === 'memory'
        ? hostileJsonText
        : fc.oneof({ weight: 4, arbitrary: hostileJsonText }, fc.string({ maxLength: 40 }));
    const tally = { accepted: 0, refused: 0 };
    let n = 0;

    await fc.assert(
      fc.asyncProperty(recordText, fc.constantFrom('/visit', '/whoami'), async (text, path) => {
        errors.length = 0; // each run (and each shrink step) starts clean
        const id = `planted-${n++}`;
        await lab.plant(id, text);
        const reply = await server.get(path, signedId(id));
        expect(reply.status).toBe(200);
        const body = JSON.parse(reply.body);
        expect(body.user).not.toBe('victim');
        expect(errors).toEqual([]);

        const jar = new CookieJar();
        jar.take(reply.setCookie);
        if (body.isNew) {
          // Refused: a fresh session under a fresh id (saved only if written), never the planted one.
          tally.refused += 1;
          expect(issuedId(reply.setCookie)).not.toBe(id);
          if (path === '/visit') {
            expect(body.hits).toBe(1);
            expect(issuedId(reply.setCookie)).toMatch(UUID);
          }
        } else {
          // Accepted: same id, and what was written back is accepted again.
          tally.accepted += 1;
          expect(issuedId(reply.setCookie) ?? id).toBe(id);
          if (jar.has('koa.sess')) {
            const again = await server.get('/visit', jar.header());
            const next = JSON.parse(again.body);
            expect(next.isNew).toBe(false);
            if (path === '/visit') expect(next.hits).toBe(body.hits + 1);
          }
        }
      }),
      { numRuns: RUNS[kind] },
    );
    console.info(`[security] ${kind} hostile records:`, tally);
    expect(tally.accepted).toBeGreaterThan(RUNS[kind] / 20);
    expect(tally.refused).toBeGreaterThan(RUNS[kind] / 20);
    // The victim is still who they were.
    const again = await server.get('/whoami', signedId(victimId));
    expect(JSON.parse(again.body)).toMatchObject({ user: 'victim', isNew: false });
    expect(errors).toEqual([]);
  });
});

/**
 * The same store, the same planted record, koa-session 7.0.2 in front:
 * the hardening matters for stores too.
 */
describe.each(STORE_KINDS.filter((s) => s.kind !== 'memory'))(
  'hostile records, $kind store: koa-session 7.0.2 versus the port',
  ({ kind, available }) => {
    let lab: StoreLab;
    let port: LabServer;
    let theirs: LabServer;
    let theirErrors: Error[];
    beforeAll(async () => {
      if (!available) return;
      lab = await openStoreLab(kind);
      port = await serve(storeApp(lab.store));
      const app = new Koa();
      app.keys = [NEW_KEY];
      app.use(upstream({ store: lab.store } as never, app));
      app.use((ctx) => {
        ctx.session!.hits = 1;
        ctx.body = 'ok';
      });
      theirErrors = collectErrors(app);
      theirs = await serve(app);
    });
    afterAll(async () => {
      if (!available) return;
      await Promise.all([port.close(), theirs.close()]);
      await lab.dispose();
    });

    // MariaDB's TEXT column holds 65,535 bytes: 30,000 levels fit, and are
    // far deeper than JSON.stringify can recurse.
    const CASES = [
      { name: 'a toJSON key', text: '{"toJSON":"x"}', error: /toJSON is not a function/ },
      { name: 'a __proto__ key', text: '{"__proto__":[]}', error: /toJSON is not a function/ },
      {
        // koa-session gets as far as *writing* the record (the store turns
        // Infinity into JSON null) before the cookie options throw: a 500
        // *and* a rewritten record.
        name: 'an infinite _maxAge',
        text: '{"_maxAge":1e400}',
        error: /option maxAge is invalid/,
        rewrites: '{"hits":1,"_expire":null,"_maxAge":null}',
      },
      {
        name: 'arrays nested 30000 deep',
        text: `{"a":${'['.repeat(30_000)}${']'.repeat(30_000)}}`,
        error: /Maximum call stack size exceeded/,
      },
    ];

    it.runIf(available).each(CASES)(
      '$name: koa-session answers 500, the port starts a fresh session',
      async ({ text, error, rewrites }) => {
        const id = `contrast-${Math.random().toString(36).slice(2)}`;
        await lab.plant(id, text);
        const before = await theirs.get('/', signedId(id));
        expect(before.status).toBe(500);
        const messages = theirErrors.splice(0).map((e) => e.message);
        expect(messages).toHaveLength(1);
        expect(messages[0]).toMatch(error);
        expect(await lab.peek(id)).toBe(rewrites ?? text);

        await lab.plant(id, text);
        const after = await port.get('/visit', signedId(id));
        expect(after.status).toBe(200);
        expect(JSON.parse(after.body)).toMatchObject({ hits: 1, isNew: true });
        expect(issuedId(after.setCookie)).not.toBe(id);
      },
    );
  },
);
