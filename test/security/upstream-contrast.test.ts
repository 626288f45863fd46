/**
 * The same hostile cookies, sent to koa-session 7.0.2 and to the port.
 *
 * Upstream trusts decoded data enough to copy any key onto its Session
 * object and any `_maxAge` into the cookie options. The inputs below make it
 * answer 500 (or write a broken cookie); the port refuses them as
 * `session:invalid` and starts a fresh session — the one deliberate
 * deviation, described in chapters/deviations.md.
 *
 * Cookies are sent unsigned (`signed: false`) so the payload reaches the
 * decoder; with signing on, the same payload needs the key — see
 * chapters/11-security.md#hostile-payloads for why that still matters.
 */
import fc from 'fast-check';
import Koa from 'koa';
import upstream from 'koa-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import session, { onTrace, type TraceMessage } from '../../src/index.js';
import { MemoryStore } from '../../src/stores/index.js';
import { hostileJsonText } from './arbitraries.js';
import { collectErrors, type LabServer, NEW_KEY, serve, sign, toCookieValue } from './support.js';

type Flavour = 'port' | 'koa-session 7.0.2';

/**
 * Two routes: `/` counts visits; `/login` does what a login route should —
 * `regenerate()` — and stores the user.
 */
function labApp(flavour: Flavour) {
  const app = new Koa();
  app.keys = ['contrast key'];
  const opts = { signed: false };
  // koa-session's published types want its zod-parsed option shape; the
  // runtime accepts the same plain object as the port.
  app.use(flavour === 'port' ? session(opts, app) : upstream(opts as never, app));
  app.use(async (ctx) => {
    const s = ctx.session!;
    if (ctx.path === '/login') {
      await s.regenerate();
      ctx.session!.user = 'alice';
    }
    s.hits = Number.isSafeInteger(s.hits) ? (s.hits as number) + 1 : 1;
    ctx.body = { hits: s.hits, isNew: s.isNew };
  });
  return app;
}

/** Raw JSON text, so `1e400` can arrive as it would from a real client. */
const deep = (depth: number) => `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`;

interface Case {
  name: string;
  json: string;
  path?: string;
  /** What koa-session 7.0.2 does with it. */
  upstream: { status: number; error?: string };
  /** The `detail` of the port's `valid` trace event. */
  portDetail: RegExp;
}

const CASES: Case[] = [
  {
    name: 'a toJSON key',
    json: '{"toJSON":1}',
    upstream: { status: 500, error: 'session.toJSON is not a function' },
    portDetail: /reserved key "toJSON"/,
  },
  {
    name: 'a __proto__ key (replaces the Session prototype)',
    json: '{"__proto__":{"hits":41}}',
    upstream: { status: 500, error: 'session.toJSON is not a function' },
    portDetail: /reserved key "__proto__"/,
  },
  {
    name: 'a string _maxAge',
    json: '{"_maxAge":"forever"}',
    upstream: { status: 500, error: 'option maxAge is invalid' },
    portDetail: /unusable _maxAge "forever"/,
  },
  {
    name: 'an infinite _maxAge (the JSON text 1e400)',
    json: '{"_maxAge":1e400}',
    upstream: { status: 500, error: 'option maxAge is invalid' },
    portDetail: /unusable _maxAge/,
  },
  {
    name: 'a boolean _maxAge',
    json: '{"_maxAge":true}',
    upstream: { status: 500, error: 'option maxAge is invalid' },
    portDetail: /unusable _maxAge true/,
  },
  {
    name: 'a string maxAge (goes through the Session setter)',
    json: '{"maxAge":"x"}',
    upstream: { status: 500, error: 'option maxAge is invalid' },
    portDetail: /unusable maxAge "x"/,
  },
  {
    name: 'a regenerate key, on the login route',
    json: '{"regenerate":"nope"}',
    path: '/login',
    upstream: { status: 500, error: 's.regenerate is not a function' },
    portDetail: /reserved key "regenerate"/,
  },
  {
    name: 'arrays nested 5000 deep (13 kB of cookie)',
    json: deep(5000),
    upstream: { status: 500, error: 'Maximum call stack size exceeded' },
    portDetail: /cannot serialise: RangeError: Maximum call stack size exceeded/,
  },
];

describe('hostile payloads: koa-session 7.0.2 versus the port', () => {
  const servers = {} as Record<Flavour, { server: LabServer; errors: Error[] }>;
  const traces: TraceMessage[] = [];
  let stopTrace: () => void;
  beforeAll(async () => {
    for (const flavour of ['port', 'koa-session 7.0.2'] as const) {
      const app = labApp(flavour);
      const errors = collectErrors(app);
      servers[flavour] = { server: await serve(app), errors };
    }
    stopTrace = onTrace((m) => traces.push(m));
  });
  afterAll(async () => {
    stopTrace();
    await Promise.all(Object.values(servers).map(({ server }) => server.close()));
  });

  it.each(CASES)(
    '$name: koa-session answers $upstream.status, the port starts afresh',
    async (c) => {
      const cookie = `koa.sess=${Buffer.from(c.json).toString('base64')}`;

      const theirs = servers['koa-session 7.0.2'];
      const before = await theirs.server.get(c.path ?? '/', cookie);
      expect(before.status).toBe(c.upstream.status);
      expect(theirs.errors.splice(0).map((e) => e.message)).toEqual([c.upstream.error]);

      const ours = servers.port;
      traces.length = 0;
      const after = await ours.server.get(c.path ?? '/', cookie);
      expect(after.status).toBe(200);
      expect(JSON.parse(after.body)).toEqual({ hits: 1, isNew: true });
      expect(ours.errors).toEqual([]);
      const refusal = traces.find((t) => t.step === 'valid' && !t.ok);
      expect(refusal).toMatchObject({
        reason: 'hostile',
        detail: expect.stringMatching(c.portDetail),
      });
    },
  );

  it('a huge finite _maxAge: koa-session writes expires=Invalid Date, the port refuses it', async () => {
    const cookie = `koa.sess=${toCookieValue({ hits: 1, _maxAge: 1e300 })}`;
    const theirs = await servers['koa-session 7.0.2'].server.get('/', cookie);
    expect(theirs.status).toBe(200);
    expect(theirs.setCookie[0]).toMatch(/; expires=Invalid Date;/);

    const ours = await servers.port.server.get('/', cookie);
    expect(JSON.parse(ours.body)).toEqual({ hits: 1, isNew: true });
    expect(ours.setCookie.join('\n')).not.toMatch(/Invalid Date/);
  });

  it('the property the port passes fails against koa-session 7.0.2 (fast-check finds a 500)', async () => {
    const theirs = servers['koa-session 7.0.2'];
    const result = await fc.check(
      fc.asyncProperty(hostileJsonText, async (json) => {
        const reply = await theirs.server.get(
          '/',
          `koa.sess=${Buffer.from(json).toString('base64')}`,
        );
        return reply.status < 500;
      }),
      { numRuns: 1000 },
    );
    theirs.errors.length = 0;
    expect(result.failed).toBe(true);
    console.info(
      `[security] koa-session 7.0.2 answered 500 on hostile payload #${result.numRuns};`,
      `shrunk counterexample: ${result.counterexample?.[0]}`,
    );
  });
});

describe('port bugs the lab found, now fixed', () => {
  /**
   * With `renew: true` and a lifetime, an *unchanged* session reaches
   * `_shouldSaveSession`'s `expire - Date.now()`. A loaded `_expire` that
   * cannot be converted to a number — an object whose `toString` is not a
   * function — makes that subtraction throw: 500. Found by the renew-mode
   * property in hostile-cookies.test.ts (shrunk to exactly this input).
   * The port now refuses such an `_expire` as hostile (findHostileKey), as
   * it refuses an unusable `_maxAge`.
   */
  const renewApp = (flavour: Flavour) => {
    const app = new Koa();
    const opts = { signed: false, renew: true, maxAge: 86_400_000 };
    app.use(flavour === 'port' ? session(opts, app) : upstream(opts as never, app));
    app.use((ctx) => {
      ctx.body = { isNew: ctx.session!.isNew };
    });
    return app;
  };
  const hostile = `koa.sess=${Buffer.from('{"_expire":{"toString":1}}').toString('base64')}`;

  it('koa-session 7.0.2 answers 500 to an unconvertible _expire in renew mode', async () => {
    const app = renewApp('koa-session 7.0.2');
    const errors = collectErrors(app);
    const server = await serve(app);
    try {
      expect((await server.get('/', hostile)).status).toBe(500);
      expect(errors.map((e) => e.message)).toEqual(['Cannot convert object to primitive value']);
    } finally {
      await server.close();
    }
  });

  it('the port refuses a store record with an unconvertible _expire in renew mode', async () => {
    const store = new MemoryStore();
    store.set('planted', { user: 'x', _expire: { toString: 1 } }, 60_000);
    const app = new Koa();
    app.keys = [NEW_KEY];
    app.use(session({ store, renew: true, maxAge: 86_400_000 }, app));
    app.use((ctx) => {
      ctx.body = { isNew: ctx.session!.isNew };
    });
    const errors = collectErrors(app);
    const server = await serve(app);
    try {
      const reply = await server.get(
        '/',
        `koa.sess=planted; koa.sess.sig=${sign('koa.sess', 'planted', NEW_KEY)}`,
      );
      expect(errors).toEqual([]);
      expect(reply.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('the port refuses an unconvertible _expire in renew mode', async () => {
    const app = renewApp('port');
    const errors = collectErrors(app);
    const server = await serve(app);
    try {
      const reply = await server.get('/', hostile);
      expect(errors).toEqual([]);
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body)).toEqual({ isNew: true });
    } finally {
      await server.close();
    }
  });

  // findHostileKey once formatted the value with JSON.stringify, which turns
  // Infinity into "null", naming a value that would have been accepted.
  it('the refusal of an infinite _maxAge names the value it refused (Infinity)', async () => {
    const app = new Koa();
    app.use(session({ signed: false }, app));
    app.use((ctx) => {
      ctx.body = { isNew: ctx.session!.isNew };
    });
    const traces: TraceMessage[] = [];
    const stop = onTrace((m) => traces.push(m));
    const server = await serve(app);
    try {
      await server.get('/', `koa.sess=${Buffer.from('{"_maxAge":1e400}').toString('base64')}`);
      const refusal = traces.find((t) => t.step === 'valid' && !t.ok) as { detail?: string };
      expect(refusal.detail).toBe('unusable _maxAge Infinity');
    } finally {
      stop();
      await server.close();
    }
  });
});
