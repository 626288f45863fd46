/**
 * The problems users bring most often that chapter 14's first round left
 * out (chapters/pitfalls.md, issue 20): each a broken app and its fix, run
 * against the port and, with `npm run test:pitfalls:upstream`, against
 * koa-session 7.0.2 itself. No database: stores here are in memory.
 */
import Koa, { type Middleware } from 'koa';
import mount from 'koa-mount';
import passport from 'koa-passport';
import oldSession from 'koa-session-6';
import { Strategy } from 'passport-strategy';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionOptions, SessionStore } from '../../src/index.js';
import { MemoryStore } from '../../src/stores/index.js';
import {
  appErrors,
  BOOK_KEYS,
  Browser,
  cookieNamed,
  createSession,
  freezeClock,
  IdRedactor,
  RestartingBrowser,
  record,
  shown,
  sign,
} from './support.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const countViews: Middleware = (ctx) => {
  const session = ctx.session!;
  session.views = ((session.views as number | undefined) ?? 0) + 1;
  ctx.body = `${session.views} views`;
};

/** An app signed with the book's key, one session middleware, then `handler`. */
function app(options: SessionOptions, handler: Middleware): Koa {
  const koa = new Koa();
  koa.keys = [...BOOK_KEYS];
  koa.silent = true;
  koa.use(createSession(options, koa));
  koa.use(handler);
  return koa;
}

const MINUTE = 60_000;

// ---------------------------------------------------------------------------
describe('pitfall: passport 0.6 and regenerate', () => {
  /** A strategy that always succeeds, so the test is about the session only. */
  class Always extends Strategy {
    name = 'always';
    override authenticate() {
      this.success({ id: 'ada' });
    }
  }
  passport.use(new Always());
  passport.serializeUser((user: { id?: string }, done) => done(null, user.id));
  passport.deserializeUser((id: string, done) => done(null, { id }));

  /** koa-passport 6 (passport 0.6.0) on a session middleware made by `make`. */
  function site(make: (opts: object, app: Koa) => Middleware, store?: SessionStore): Koa {
    const koa = new Koa();
    koa.keys = [...BOOK_KEYS];
    koa.silent = true;
    koa.use(make(store ? { store } : {}, koa));
    koa.use(passport.initialize());
    koa.use(passport.session());
    koa.use(async (ctx, next) => {
      if (ctx.path === '/login') {
        await passport.authenticate('always')(ctx, next);
        ctx.body = 'logged in';
        return;
      }
      if (ctx.path === '/visit') ctx.session!.seen = true;
      ctx.body = ctx.state.user ? `hello ${(ctx.state.user as { id: string }).id}` : 'anonymous';
    });
    return koa;
  }

  const sixThree = oldSession as unknown as (opts: object, app: Koa) => Middleware;
  const current = createSession as unknown as (opts: object, app: Koa) => Middleware;

  it('koa-session 6.3.1 with koa-passport 6: the login fails with req.session.regenerate is not a function', async () => {
    const broken = site(sixThree);
    const errors = appErrors(broken);
    const res = await new Browser(broken).get('/login');
    expect(res.status).toBe(500);
    expect(errors).toEqual(['req.session.regenerate is not a function']);
  });

  it('the same app on koa-session 7.0.2: the login works, under a new session id', async () => {
    const store = new MemoryStore();
    const browser = new Browser(site(current, store));
    await browser.get('/visit');
    const before = browser.jar.get('koa.sess')!;
    const login = await browser.get('/login');
    expect(login.status).toBe(200);
    const after = browser.jar.get('koa.sess')!;
    expect(after).not.toBe(before);
    expect(await store.get(before)).toBeUndefined();
    expect((await browser.get('/')).body).toBe('hello ada');
  });

  it('records the transcript', async () => {
    freezeClock();
    const broken = site(sixThree);
    const errors = appErrors(broken);
    record('passport-regenerate', [
      shown(
        'koa-session 6.3.1 + koa-passport 6.0.0 (passport 0.6.0)',
        '/login',
        await new Browser(broken).get('/login'),
        {
          error: errors[0],
        },
      ),
      shown(
        'koa-session 7.0.2 + koa-passport 6.0.0',
        '/login',
        await new Browser(site(current)).get('/login'),
      ),
    ]);
  });
});

// ---------------------------------------------------------------------------
describe('pitfall: active users are logged out after maxAge', () => {
  /** 30-minute sessions; `/login` writes, every other page only reads. */
  const site = (options: SessionOptions = {}) =>
    app({ maxAge: 30 * MINUTE, ...options }, (ctx) => {
      const session = ctx.session!;
      if (ctx.path === '/login') session.user = 'ada';
      ctx.body = `user=${session.user ?? 'none'}`;
    });

  /** Log in, then read a page every 10 minutes for 40 minutes. */
  async function busyUser(options: SessionOptions = {}) {
    const clock = freezeClock();
    const browser = new RestartingBrowser(site(options));
    await browser.get('/login');
    const pages = [];
    for (let minute = 10; minute <= 40; minute += 10) {
      clock.advance(10 * MINUTE);
      const page = await browser.get('/');
      pages.push({ minute, page, expires: browser.lifetime('koa.sess') });
    }
    return pages;
  }

  it('reading pages never moves the expiry: at minute 40 the busy user is logged out', async () => {
    const pages = await busyUser();
    expect(pages.map((p) => p.page.body)).toEqual([
      'user=ada',
      'user=ada',
      'user=none',
      'user=none',
    ]);
    expect(pages[0]!.page.setCookie).toEqual([]);
  });

  it('rolling: true re-sends the cookie on every response: still logged in at minute 40', async () => {
    const pages = await busyUser({ rolling: true });
    expect(pages.every((p) => p.page.body === 'user=ada')).toBe(true);
    expect(pages.at(-1)!.expires).toBe('Wed, 01 Jan 2025 01:10:00 GMT');
  });

  it('renew: true re-sends it only in the second half of its life: still logged in at minute 40', async () => {
    const pages = await busyUser({ renew: true });
    expect(pages.every((p) => p.page.body === 'user=ada')).toBe(true);
    // Minute 10: 20 minutes left of 30, no renewal; minute 20: 10 left, renewed.
    expect(pages.map((p) => p.page.setCookie.length)).toEqual([0, 2, 0, 2]);
  });

  it('records the transcript', async () => {
    const lines = async (label: string, options?: SessionOptions) =>
      [
        `── ${label}`,
        ...(await busyUser(options)).map(
          ({ minute, page, expires }) =>
            `   minute ${minute}: ${page.body}, ${page.setCookie.length ? 'Set-Cookie sent' : 'no Set-Cookie'}; ${expires === 'absent' ? 'the browser dropped koa.sess: it expired' : `the browser keeps koa.sess until ${expires}`}`,
        ),
      ].join('\n');
    record('active-logged-out', [
      await lines('maxAge: 30 min; logged in at 00:00, then one page every 10 minutes'),
      await lines('the same with rolling: true', { rolling: true }),
      await lines('the same with renew: true', { renew: true }),
    ]);
  });
});

// ---------------------------------------------------------------------------
describe('pitfall: a store that returns nothing, or a string', () => {
  /** A store over a Map of JSON strings; `read` decides what `get` hands back. */
  function jsonStore(read: 'nothing' | 'string' | 'parsed') {
    const rows = new Map<string, string>();
    const store: SessionStore = {
      async get(key) {
        if (read === 'nothing') return undefined;
        const row = rows.get(key);
        if (row === undefined) return undefined;
        return read === 'string' ? (row as never) : JSON.parse(row);
      },
      async set(key, data) {
        rows.set(key, JSON.stringify(data));
      },
      async destroy(key) {
        rows.delete(key);
      },
    };
    return { store, rows };
  }

  async function threeVisits(read: 'nothing' | 'string' | 'parsed') {
    const { store, rows } = jsonStore(read);
    const browser = new Browser(app({ store }, countViews));
    const visits = [];
    for (let i = 0; i < 3; i++) {
      const x = await browser.get('/');
      visits.push({ x, id: browser.jar.get('koa.sess'), bytes: [...rows.values()].at(-1)?.length });
    }
    return { visits, rows };
  }

  it('get() that returns nothing: every response sets a new cookie with a new id, and views stay at 1', async () => {
    const { visits, rows } = await threeVisits('nothing');
    expect(visits.map((v) => v.x.body)).toEqual(['1 views', '1 views', '1 views']);
    expect(new Set(visits.map((v) => v.id)).size).toBe(3);
    expect(rows.size).toBe(3);
  });

  it('get() that returns the JSON string unparsed: views stay at 1 and the record grows on every request', async () => {
    const { visits } = await threeVisits('string');
    expect(visits.map((v) => v.x.body)).toEqual(['1 views', '1 views', '1 views']);
    expect(new Set(visits.map((v) => v.id)).size).toBe(1);
    const [a, b, c] = visits.map((v) => v.bytes!);
    expect(b!).toBeGreaterThan(a! * 5);
    expect(c!).toBeGreaterThan(b! * 5);
  });

  it('get() that returns the parsed object: one id, and the visits count', async () => {
    const { visits } = await threeVisits('parsed');
    expect(visits.map((v) => v.x.body)).toEqual(['1 views', '2 views', '3 views']);
    expect(new Set(visits.map((v) => v.id)).size).toBe(1);
  });

  it('records the transcript', async () => {
    freezeClock();
    const parts: string[] = [];
    const redactor = new IdRedactor();
    for (const [read, label] of [
      ['nothing', 'get() returns nothing'],
      ['string', 'get() returns the stored JSON string'],
      ['parsed', 'get() returns JSON.parse(row)'],
    ] as const) {
      const { visits } = await threeVisits(read);
      parts.push(
        [
          `── ${label}: three visits`,
          ...visits.map(
            (v, i) =>
              `   visit ${i + 1}: ${v.x.body}, cookie id ${v.id}, stored record ${v.bytes} bytes`,
          ),
        ].join('\n'),
      );
    }
    record('store-wiring', parts, redactor);
  });
});

// ---------------------------------------------------------------------------
describe('pitfall: keys that begin with an underscore are not saved', () => {
  /** `/form` issues a CSRF secret; `/submit` checks the one the form carried. */
  const csrfSite = (name: string) =>
    app({}, (ctx) => {
      const session = ctx.session!;
      if (ctx.path === '/form') {
        session[name] = 'token-123';
        ctx.body = 'form';
        return;
      }
      const ok = session[name] === ctx.query.token;
      ctx.status = ok ? 200 : 403;
      ctx.body = ok ? 'accepted' : `rejected: session.${name} is ${String(session[name])}`;
    });

  it('ctx.session._csrf = … is never saved: no cookie, and the next request finds nothing', async () => {
    const browser = new Browser(csrfSite('_csrf'));
    const form = await browser.get('/form');
    expect(form.setCookie).toEqual([]);
    const submit = await browser.get('/submit?token=token-123');
    expect(submit.status).toBe(403);
    expect(submit.body).toBe('rejected: session._csrf is undefined');
  });

  it('the same secret under a name without the underscore is saved and checked', async () => {
    const browser = new Browser(csrfSite('csrfSecret'));
    await browser.get('/form');
    expect((await browser.get('/submit?token=token-123')).status).toBe(200);
  });

  it('records the transcript', async () => {
    freezeClock();
    const broken = new Browser(csrfSite('_csrf'));
    const fixed = new Browser(csrfSite('csrfSecret'));
    record('underscore-keys', [
      shown("ctx.session._csrf = 'token-123'", '/form', await broken.get('/form')),
      shown('next request', '/submit?token=token-123', await broken.get('/submit?token=token-123')),
      shown("ctx.session.csrfSecret = 'token-123'", '/form', await fixed.get('/form'), {
        decode: 'koa.sess',
      }),
      shown('next request', '/submit?token=token-123', await fixed.get('/submit?token=token-123')),
    ]);
  });
});

// ---------------------------------------------------------------------------
describe('pitfall: session() inside a mounted sub-app', () => {
  /** A shop written as its own Koa app, with its own session() and keys. */
  function shop(withSession: boolean): Koa {
    const sub = new Koa();
    sub.keys = ['shop key'];
    if (withSession) sub.use(createSession({}, sub));
    sub.use(countViews);
    return sub;
  }

  it("mount('/shop', shop) where shop calls session(shop): every request is a 500", async () => {
    const parent = new Koa();
    parent.keys = [...BOOK_KEYS];
    parent.silent = true;
    const errors = appErrors(parent);
    parent.use(mount('/shop', shop(true)));
    const res = await new Browser(parent).get('/shop');
    expect(res.status).toBe(500);
    expect(errors).toEqual(["Cannot read properties of undefined (reading 'store')"]);
  });

  it('session(opts, parent) on the app that receives the request: the mounted shop counts, signed with the parent’s keys', async () => {
    const parent = new Koa();
    parent.keys = [...BOOK_KEYS];
    parent.silent = true;
    parent.use(createSession({}, parent));
    parent.use(mount('/shop', shop(false)));
    const browser = new Browser(parent);
    await browser.get('/shop');
    const second = await browser.get('/shop');
    expect(second.body).toBe('2 views');
    const value = cookieNamed(second, 'koa.sess')!.value;
    expect(cookieNamed(second, 'koa.sess.sig')!.value).toBe(sign('koa.sess', value, BOOK_KEYS[0]!));
  });

  it('records the transcript', async () => {
    freezeClock();
    const broken = new Koa();
    broken.keys = [...BOOK_KEYS];
    broken.silent = true;
    const errors = appErrors(broken);
    broken.use(mount('/shop', shop(true)));
    const fixed = new Koa();
    fixed.keys = [...BOOK_KEYS];
    fixed.silent = true;
    fixed.use(createSession({}, fixed));
    fixed.use(mount('/shop', shop(false)));
    record('mounted-sub-app', [
      shown(
        "app.use(mount('/shop', shop)), shop.use(session(shop))",
        '/shop',
        await new Browser(broken).get('/shop'),
        {
          error: errors[0],
        },
      ),
      shown(
        "app.use(session(app)); app.use(mount('/shop', shop))",
        '/shop',
        await new Browser(fixed).get('/shop'),
      ),
    ]);
  });
});

// ---------------------------------------------------------------------------
describe('pitfall: session() without the app', () => {
  const startUp = (call: () => unknown) => {
    try {
      call();
      return 'started';
    } catch (err) {
      return `${(err as Error).constructor.name}: ${(err as Error).message}`;
    }
  };
  const make = createSession as unknown as (...args: unknown[]) => Middleware;

  it('session() and session(opts) throw at start-up: app instance required', () => {
    expect(startUp(() => make())).toBe('TypeError: app instance required: `session(opts, app)`');
    expect(startUp(() => make({ maxAge: 1000 }))).toBe(
      'TypeError: app instance required: `session(opts, app)`',
    );
  });

  it('session(app) and session(app, opts) are both accepted, as well as session(opts, app)', () => {
    expect(startUp(() => make(new Koa()))).toBe('started');
    expect(startUp(() => make(new Koa(), { maxAge: 1000 }))).toBe('started');
    expect(startUp(() => make({ maxAge: 1000 }, new Koa()))).toBe('started');
  });

  it('records the transcript', () => {
    record('no-app', [
      [
        `── session()              → ${startUp(() => make())}`,
        `── session({ maxAge })    → ${startUp(() => make({ maxAge: 1000 }))}`,
        `── session(app)           → ${startUp(() => make(new Koa()))}`,
        `── session({ maxAge }, app) → ${startUp(() => make({ maxAge: 1000 }, new Koa()))}`,
      ].join('\n'),
    ]);
  });
});

// ---------------------------------------------------------------------------
describe('pitfall: logging out and in within one request', () => {
  /** `/login` as a shared computer sees it: someone is logged in, someone else logs in. */
  function site(login: 'null-then-write' | 'assign-and-regenerate') {
    const store = new MemoryStore();
    const koa = app({ store }, async (ctx) => {
      if (ctx.path === '/first') {
        ctx.session!.user = 'ada';
        ctx.session!.cart = ['tea'];
      } else if (login === 'null-then-write') {
        ctx.session = null;
        ctx.session!.user = 'bob';
      } else {
        ctx.session = { user: 'bob' };
        await ctx.session!.regenerate();
      }
      ctx.body = JSON.stringify(ctx.session);
    });
    return { koa, store };
  }

  it('ctx.session = null; ctx.session.user = … throws: Cannot set properties of null', async () => {
    const { koa } = site('null-then-write');
    const errors = appErrors(koa);
    const browser = new Browser(koa);
    await browser.get('/first');
    const res = await browser.get('/login');
    expect(res.status).toBe(500);
    expect(errors).toEqual(["Cannot set properties of null (setting 'user')"]);
  });

  it('ctx.session = { user } then await ctx.session.regenerate(): a new id, only the new data, the old record gone', async () => {
    const { koa, store } = site('assign-and-regenerate');
    const browser = new Browser(koa);
    await browser.get('/first');
    const before = browser.jar.get('koa.sess')!;
    const res = await browser.get('/login');
    const after = browser.jar.get('koa.sess')!;
    expect(res.body).toBe('{"user":"bob"}');
    expect(after).not.toBe(before);
    expect(await store.get(before)).toBeUndefined();
    expect(await store.get(after)).toMatchObject({ user: 'bob' });
    expect(await store.get(after)).not.toHaveProperty('cart');
  });

  it('records the transcript', async () => {
    freezeClock();
    const broken = site('null-then-write');
    const errors = appErrors(broken.koa);
    const b1 = new Browser(broken.koa);
    await b1.get('/first');
    const fixed = site('assign-and-regenerate');
    const b2 = new Browser(fixed.koa);
    await b2.get('/first');
    record('logout-login', [
      shown("ctx.session = null; ctx.session.user = 'bob'", '/login', await b1.get('/login'), {
        error: errors[0],
      }),
      shown(
        "ctx.session = { user: 'bob' }; await ctx.session.regenerate()",
        '/login',
        await b2.get('/login'),
      ),
    ]);
  });
});

// ---------------------------------------------------------------------------
describe('pitfall: the cookie domain', () => {
  it('the default cookie has no Domain: the browser keeps it for the exact host that set it', async () => {
    const res = await new Browser(app({}, countViews)).get('/');
    expect(cookieNamed(res, 'koa.sess')!.attributes.domain).toBeUndefined();
  });

  it("domain: 'example.test' is written as domain=example.test on both cookies", async () => {
    const res = await new Browser(app({ domain: 'example.test' }, countViews)).get('/');
    expect(res.setCookie.map((l) => l.includes('; domain=example.test;'))).toEqual([true, true]);
  });
});
