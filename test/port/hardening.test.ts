/**
 * The port's only deliberate deviations from koa-session 7.0.2: loaded data
 * that makes upstream crash (500) or corrupt its own Session object is
 * treated as invalid instead. Every class below runs the SAME request
 * against both implementations and asserts both outcomes, so the table in
 * chapters/deviations.md is proven, not claimed.
 */
import Koa from 'koa';
import upstream from 'koa-session';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import port, { type SessionStore } from '../../src/index.js';
import { freezeClock } from '../support/clock.js';

type Impl = typeof port;

// A fixed clock, so both implementations stamp identical `_expire` values.
beforeEach(() => {
  freezeClock(Date.UTC(2026, 10, 26, 12));
});
afterEach(() => {
  vi.restoreAllMocks();
});
const IMPLS = { upstream: upstream as unknown as Impl, port } as const;

/** Base64-encode JSON text exactly as a forged cookie would carry it. */
const forge = (json: string) => Buffer.from(json).toString('base64');

/** Deeper than V8's JSON.stringify can recurse on a default stack. */
const DEEP = `${'['.repeat(6000)}${']'.repeat(6000)}`;

interface Observation {
  status: number;
  body: string;
  cookies: string[];
  events: string[];
}

/** Build an app around `impl`, send one request, and collect what a client and a log would see. */
async function observe(
  impl: Impl,
  opts: Record<string, unknown>,
  cookie: string | undefined,
  handler: (ctx: Koa.Context) => void,
): Promise<Observation> {
  const app = new Koa();
  app.keys = ['hardening'];
  app.silent = true;
  const events: string[] = [];
  for (const name of ['missed', 'expired', 'invalid']) {
    app.on(`session:${name}`, () => events.push(name));
  }
  app.use(impl(opts, app));
  app.use(async (ctx) => handler(ctx));
  const req = request(app.callback()).get('/');
  if (cookie) req.set('Cookie', cookie);
  const res = await req;
  await new Promise((resolve) => setImmediate(resolve));
  return {
    status: res.status,
    body: res.text,
    cookies: (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [],
    events,
  };
}

/** The handler used by most cases: a view counter that also reports `isNew`. */
const counter = (ctx: Koa.Context) => {
  const session = ctx.session!;
  session.views = ((session.views as number) || 0) + 1;
  ctx.body = { views: session.views, isNew: session.isNew };
};

/** A store that hands back whatever record a case needs, and records writes. */
function fixedStore(record: () => unknown): SessionStore & { sets: unknown[] } {
  const sets: unknown[] = [];
  return {
    sets,
    get: async () => record(),
    set: async (_key, sess) => {
      sets.push(sess);
    },
    destroy: async () => {},
  };
}

/** What the port must do with any hostile payload: start afresh, say why, answer normally. */
function expectFreshStart(ours: Observation) {
  expect(ours.status).toBe(200);
  expect(JSON.parse(ours.body)).toEqual({ views: 1, isNew: true });
  expect(ours.events).toEqual(['invalid']);
}

describe('hostile cookie payloads (signed: false, so the client controls the data)', () => {
  const opts = { signed: false };
  const crashing: Array<[string, string]> = [
    ['"__proto__" replaces the session prototype', '{"__proto__":{"views":5},"views":1}'],
    ['"toJSON" shadows the method every save calls', '{"toJSON":"gotcha","views":1}'],
    ['"_maxAge" is a string (cookies rejects maxAge)', '{"_maxAge":"soon","views":1}'],
    ['"_maxAge" is true', '{"_maxAge":true,"views":1}'],
    ['"_maxAge" overflows to Infinity', '{"_maxAge":1e400,"views":1}'],
    ['"maxAge" hits the Session setter with a string', '{"maxAge":"soon","views":1}'],
    ['nesting deeper than the stack', `{"views":1,"deep":${DEEP}}`],
  ];

  for (const [label, json] of crashing) {
    it(`${label}: upstream answers 500, the port starts a fresh session`, async () => {
      const cookie = `koa.sess=${forge(json)}`;
      const theirs = await observe(IMPLS.upstream, opts, cookie, counter);
      const ours = await observe(IMPLS.port, opts, cookie, counter);
      expect(theirs.status).toBe(500);
      expectFreshStart(ours);
    });
  }

  it('"_maxAge" beyond the Date range: upstream writes "expires=Invalid Date"', async () => {
    const cookie = `koa.sess=${forge('{"_maxAge":1e300,"views":1}')}`;
    const theirs = await observe(IMPLS.upstream, opts, cookie, counter);
    const ours = await observe(IMPLS.port, opts, cookie, counter);
    expect(theirs.status).toBe(200);
    expect(theirs.cookies[0]).toContain('expires=Invalid Date');
    expectFreshStart(ours);
    expect(ours.cookies[0]).not.toContain('Invalid Date');
  });

  it('"isNew" forged: upstream reports a loaded session as whatever the client says', async () => {
    const cookie = `koa.sess=${forge('{"isNew":"of course","views":1}')}`;
    const theirs = await observe(IMPLS.upstream, opts, cookie, counter);
    const ours = await observe(IMPLS.port, opts, cookie, counter);
    expect(JSON.parse(theirs.body)).toEqual({ views: 2, isNew: 'of course' });
    expectFreshStart(ours);
  });

  it('"_requireSave" forged: upstream re-sends an unchanged session on every request', async () => {
    const cookie = `koa.sess=${forge('{"_requireSave":true,"views":1}')}`;
    const readOnly = (ctx: Koa.Context) => {
      ctx.body = { views: ctx.session!.views ?? 0 };
    };
    const theirs = await observe(IMPLS.upstream, opts, cookie, readOnly);
    const ours = await observe(IMPLS.port, opts, cookie, readOnly);
    expect(theirs.cookies).toHaveLength(1); // nothing changed, yet it saved
    expect(ours.cookies).toHaveLength(0); // fresh empty session: nothing to save
    expect(JSON.parse(ours.body)).toEqual({ views: 0 });
    expect(ours.events).toEqual(['invalid']);
  });

  it('a method name ("save") as data: upstream breaks the app that calls session.save()', async () => {
    const cookie = `koa.sess=${forge('{"save":1,"views":1}')}`;
    const saving = async (ctx: Koa.Context) => {
      counter(ctx);
      await ctx.session!.save();
    };
    const theirs = await observe(IMPLS.upstream, opts, cookie, saving);
    const ours = await observe(IMPLS.port, opts, cookie, saving);
    expect(theirs.status).toBe(500);
    expectFreshStart(ours);
  });

  it('Object.prototype method names ("toString") are refused too', async () => {
    const cookie = `koa.sess=${forge('{"toString":"x","views":1}')}`;
    const printing = (ctx: Koa.Context) => {
      counter(ctx);
      ctx.set('x-session', `${ctx.session}`);
    };
    const theirs = await observe(IMPLS.upstream, opts, cookie, printing);
    const ours = await observe(IMPLS.port, opts, cookie, printing);
    expect(theirs.status).toBe(500);
    expectFreshStart(ours);
  });

  it('harmless oddities stay faithful: a getter-only name ("length") is silently dropped by both', async () => {
    const cookie = `koa.sess=${forge('{"length":99,"views":1}')}`;
    const theirs = await observe(IMPLS.upstream, opts, cookie, counter);
    const ours = await observe(IMPLS.port, opts, cookie, counter);
    expect(ours).toEqual(theirs);
    expect(JSON.parse(ours.body)).toEqual({ views: 2, isNew: false });
  });

  it('falsy "_maxAge" stays faithful: both fall back to one day', async () => {
    const cookie = `koa.sess=${forge('{"_maxAge":null,"views":1}')}`;
    const theirs = await observe(IMPLS.upstream, opts, cookie, counter);
    const ours = await observe(IMPLS.port, opts, cookie, counter);
    expect(ours.status).toBe(theirs.status);
    expect(ours.body).toBe(theirs.body);
    expect(ours.events).toEqual([]);
  });
});

describe('hostile store records (a corrupt or shared store)', () => {
  const cookie = 'koa.sess=some-id';

  const records: Array<[string, () => unknown]> = [
    [
      'a cycle',
      () => {
        const data: Record<string, unknown> = { views: 1 };
        data.self = data;
        return data;
      },
    ],
    ['a BigInt', () => ({ views: 1, big: 10n })],
    [
      'nesting far deeper than the stack',
      () => {
        const root: unknown[] = [];
        let node = root;
        for (let i = 0; i < 100_000; i++) {
          const next: unknown[] = [];
          node.push(next);
          node = next;
        }
        return { views: 1, deep: root };
      },
    ],
    ['a reserved key', () => JSON.parse('{"__proto__":null,"views":1}')],
  ];

  for (const [label, record] of records) {
    it(`${label}: upstream answers 500, the port starts a fresh session`, async () => {
      const theirStore = fixedStore(record);
      const ourStore = fixedStore(record);
      const theirs = await observe(
        IMPLS.upstream,
        { signed: false, store: theirStore },
        cookie,
        counter,
      );
      const ours = await observe(IMPLS.port, { signed: false, store: ourStore }, cookie, counter);
      expect(theirs.status).toBe(500);
      expectFreshStart(ours);
      expect(ourStore.sets).toHaveLength(1);
      expect(ourStore.sets[0]).toMatchObject({ views: 1 });
    });
  }

  it('undoes the lifetime a rejected record tried to set', async () => {
    const store = fixedStore(() => ({ _maxAge: 5000, views: 1, big: 1n }));
    const app = new Koa();
    app.keys = ['hardening'];
    app.use(port({ signed: false, store, maxAge: 60_000 }, app));
    app.use((ctx) => {
      ctx.body = { maxAge: ctx.session!.maxAge };
    });
    const res = await request(app.callback()).get('/').set('Cookie', cookie);
    expect(res.body).toEqual({ maxAge: 60_000 });
  });
});

describe('options that crash every request upstream', () => {
  it('an explicit `encode: undefined` means the default, not "no encoder"', async () => {
    const opts = { encode: undefined };
    const theirs = await observe(IMPLS.upstream, opts, undefined, counter);
    const ours = await observe(IMPLS.port, opts, undefined, counter);
    expect(theirs.status).toBe(500);
    expect(ours.status).toBe(200);
    expect(ours.cookies[0]).toMatch(/^koa\.sess=eyJ2aWV3cyI6MS/);
  });

  it('an explicit `decode: undefined` means the default, not "no decoder"', async () => {
    const cookie = `koa.sess=${forge('{"views":1}')}`;
    const opts = { decode: undefined, signed: false };
    const theirs = await observe(IMPLS.upstream, opts, cookie, counter);
    const ours = await observe(IMPLS.port, opts, cookie, counter);
    expect(theirs.status).toBe(500);
    expect(JSON.parse(ours.body)).toEqual({ views: 2, isNew: false });
  });
});

describe('hostile records from a custom store that break while being copied', () => {
  it('a throwing getter: upstream answers 500, the port starts a fresh session', async () => {
    const record = () => ({
      views: 1,
      get trap() {
        throw new Error('lazy field failed to load');
      },
    });
    const theirs = await observe(
      IMPLS.upstream,
      { signed: false, store: fixedStore(record) },
      'koa.sess=some-id',
      counter,
    );
    const ours = await observe(
      IMPLS.port,
      { signed: false, store: fixedStore(record) },
      'koa.sess=some-id',
      counter,
    );
    expect(theirs.status).toBe(500);
    expectFreshStart(ours);
  });
});
