/**
 * Pitfalls from the field that need no database (chapters/pitfalls.md).
 * Each `describe` is one pitfall: the broken app shows the symptom users
 * report, the fixed app does not, and a recording test writes the
 * transcript the chapter quotes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa, { type Middleware } from 'koa';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionOptions } from '../../src/index.js';
import { MemoryStore } from '../../src/stores/index.js';
import { session as sessionUnderTest } from '../support/impl.js';
import {
  appErrors,
  BOOK_KEYS,
  Browser,
  COOKIE_LIMIT,
  cookieNamed,
  decodeCookie,
  type Exchange,
  freezeClock,
  nextTurn,
  RestartingBrowser,
  record,
  shown,
  sign,
} from './support.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** The view counter every pitfall starts from. */
const countViews: Middleware = (ctx) => {
  const session = ctx.session!;
  session.views = ((session.views as number | undefined) ?? 0) + 1;
  ctx.body = `${session.views} views`;
};

/** An app with `keys`, one session middleware and then `handlers`. */
function app(
  options: SessionOptions,
  setup: { keys?: string[]; proxy?: boolean } = {},
  ...handlers: Middleware[]
): Koa {
  const koa = new Koa();
  if (setup.keys) koa.keys = setup.keys;
  if (setup.proxy) koa.proxy = true;
  koa.silent = true;
  koa.use(sessionUnderTest(options, koa));
  for (const handler of handlers) koa.use(handler);
  return koa;
}

// ---------------------------------------------------------------------------
describe('pitfall: secure cookies behind a proxy', () => {
  const FORWARDED = { 'X-Forwarded-Proto': 'https' };

  it('behind a TLS proxy without app.proxy: a 500, the secure cookie refused', async () => {
    const broken = app({ secure: true }, { keys: ['k'] }, countViews);
    const errors = appErrors(broken);
    const res = await new Browser(broken).get('/', FORWARDED);
    expect(res.status).toBe(500);
    expect(res.setCookie).toEqual([]);
    expect(errors).toEqual(['Cannot send secure cookie over unencrypted connection']);
  });

  it('with app.proxy = true the forwarded https is trusted: 200 and a secure cookie', async () => {
    const fixed = app({ secure: true }, { keys: ['k'], proxy: true }, countViews);
    const res = await new Browser(fixed).get('/', FORWARDED);
    expect(res.status).toBe(200);
    expect(cookieNamed(res, 'koa.sess')?.attributes.secure).toBe(true);
  });

  it('app.proxy trusts the header from anyone: a plain-http request that claims https gets a secure cookie too', async () => {
    const fixed = app({ secure: true }, { keys: ['k'], proxy: true }, countViews);
    // No proxy in between: the client itself wrote the header.
    const res = await new Browser(fixed).get('/', FORWARDED);
    expect(res.status).toBe(200);
    // ...and without the header, the same app fails as before.
    const direct = await new Browser(fixed).get('/');
    expect(direct.status).toBe(500);
  });

  const openssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (!openssl) console.warn('\n  SKIPPED: the real-HTTPS pitfall test needs the openssl CLI.\n');

  it.runIf(openssl)(
    'over real HTTPS (a self-signed certificate made at test time) secure works with no proxy setting',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pitfall-tls-'));
      try {
        execFileSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'ec',
            '-pkeyopt',
            'ec_paramgen_curve:prime256v1',
            '-nodes',
            '-days',
            '1',
            '-subj',
            '/CN=localhost',
            '-keyout',
            join(dir, 'key.pem'),
            '-out',
            join(dir, 'cert.pem'),
          ],
          { stdio: 'ignore' },
        );
        const koa = app({ secure: true }, { keys: ['k'] }, countViews);
        const server = createHttps(
          { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
          koa.callback(),
        );
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        try {
          const { port } = server.address() as AddressInfo;
          const res = await request(`https://127.0.0.1:${port}`)
            .get('/')
            .trustLocalhost()
            .disableTLSCerts();
          expect(res.status).toBe(200);
          expect(String(res.headers['set-cookie'])).toMatch(
            /^koa\.sess=[^;]+; path=\/; secure; httponly,/,
          );
        } finally {
          await new Promise((resolve) => server.close(resolve));
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('records the transcript', async () => {
    freezeClock();
    const broken = app({ secure: true }, { keys: ['k'] }, countViews);
    const errors = appErrors(broken);
    const fixed = app({ secure: true }, { keys: ['k'], proxy: true }, countViews);
    record('secure-proxy', [
      shown(
        'app.keys set, secure: true, app.proxy unset',
        '/',
        await new Browser(broken).get('/', FORWARDED),
        {
          error: errors[0],
          note: '(the request carried X-Forwarded-Proto: https; Koa ignored it)',
        },
      ),
      shown(
        'the same app with app.proxy = true',
        '/',
        await new Browser(fixed).get('/', FORWARDED),
      ),
    ]);
  });
});

// ---------------------------------------------------------------------------
describe('pitfall: no app.keys', () => {
  it('without app.keys the first save fails with a 500', async () => {
    const broken = app({}, {}, countViews);
    const errors = appErrors(broken);
    const res = await new Browser(broken).get();
    expect(res.status).toBe(500);
    expect(errors).toEqual(['.keys required for signed cookies']);
  });

  it('a request that does not change the session does not fail: the error waits for the first save', async () => {
    const broken = app({}, {}, (ctx) => {
      ctx.body = ctx.session?.views ?? 'nobody';
    });
    expect((await new Browser(broken).get()).status).toBe(200);
  });

  it('with app.keys set the same app answers 200 and signs its cookie', async () => {
    const res = await new Browser(app({}, { keys: ['a long random secret'] }, countViews)).get();
    expect(res.status).toBe(200);
    expect(cookieNamed(res, 'koa.sess.sig')).toBeDefined();
  });

  it('records the transcript', async () => {
    freezeClock();
    const broken = app({}, {}, countViews);
    const errors = appErrors(broken);
    record('no-keys', [
      shown('app.keys never set', '/', await new Browser(broken).get(), { error: errors[0] }),
      shown(
        'app.keys = [a secret]',
        '/',
        await new Browser(app({}, { keys: ['s3cret'] }, countViews)).get(),
      ),
    ]);
  });
});

// ---------------------------------------------------------------------------
describe('pitfall: replaced keys log everybody out', () => {
  /** A user who visited twice under `old`, then comes back after the deploy. */
  async function returningUser(keys: string[]) {
    const before = new Browser(app({}, { keys: ['old secret'] }, countViews));
    await before.get();
    await before.get();
    const after = new Browser(app({}, { keys }, countViews));
    for (const [k, v] of before.jar) after.jar.set(k, v);
    return { browser: after, visit: await after.get() };
  }

  it('new keys only: the old signature fails, the session starts again at 1', async () => {
    const { visit } = await returningUser(['new secret']);
    expect(visit.body).toBe('1 views');
  });

  it('new key first, old key kept: the session survives and its signature is renewed', async () => {
    const { browser, visit } = await returningUser(['new secret', 'old secret']);
    expect(visit.body).toBe('3 views');
    // Signed again under the first key, so the old key can go after one lifetime.
    const resigned = new Browser(app({}, { keys: ['new secret'] }, countViews));
    for (const [k, v] of browser.jar) resigned.jar.set(k, v);
    expect((await resigned.get()).body).toBe('4 views');
  });

  const DAY = 86_400_000;

  /**
   * A site with one-day sessions: `/login` writes the user, `/cart` changes
   * the session too, `/` only reads it (most pages of most sites). It starts under the old key; `deploy()`
   * puts the new key first and keeps the old one, as the fix says.
   */
  async function loggedInBeforeDeploy(options: SessionOptions = {}) {
    const koa = app({ maxAge: DAY, ...options }, { keys: ['old secret'] }, (ctx) => {
      const session = ctx.session!;
      if (ctx.path === '/login') session.user = 'ada';
      if (ctx.path === '/cart') session.items = ((session.items as number) ?? 0) + 1;
      ctx.body = `user=${session.user ?? 'none'}`;
    });
    const browser = new RestartingBrowser(koa);
    await browser.get('/login');
    koa.keys = ['new secret', 'old secret'];
    return browser;
  }

  it('a page that only reads, after the deploy: the .sig comes back re-signed as path=/; httponly and nothing else', async () => {
    freezeClock();
    const browser = await loggedInBeforeDeploy();
    const value = browser.jar.get('koa.sess')!;
    const read = await browser.get('/');
    expect(read.body).toBe('user=ada');
    // Byte for byte: no expires, no domain, no samesite, no secure.
    expect(read.setCookie).toEqual([
      `koa.sess.sig=${sign('koa.sess', value, 'new secret')}; path=/; httponly`,
    ]);
    expect(browser.lifetime('koa.sess')).toBe('Thu, 02 Jan 2025 00:00:00 GMT');
    expect(browser.lifetime('koa.sess.sig')).toBe('browser-session');
  });

  it('and the next request after a browser restart is logged out: the .sig is gone', async () => {
    freezeClock();
    const browser = await loggedInBeforeDeploy();
    await browser.get('/');
    browser.restart();
    expect(browser.jar.has('koa.sess')).toBe(true);
    expect(browser.jar.has('koa.sess.sig')).toBe(false);
    expect((await browser.get('/')).body).toBe('user=none');
  });

  it('a request that saves the session sends its .sig with every attribute again', async () => {
    freezeClock();
    const browser = await loggedInBeforeDeploy();
    await browser.get('/cart');
    expect(browser.lifetime('koa.sess.sig')).toBe('Thu, 02 Jan 2025 00:00:00 GMT');
    browser.restart();
    expect((await browser.get('/')).body).toBe('user=ada');
  });

  it('rolling: true while both keys are live: the read-only request re-sends both cookies with their Expires, and a restart keeps the user', async () => {
    freezeClock();
    const browser = await loggedInBeforeDeploy({ rolling: true });
    const read = await browser.get('/');
    const value = browser.jar.get('koa.sess')!;
    const expires = 'expires=Thu, 02 Jan 2025 00:00:00 GMT';
    expect(read.setCookie).toEqual([
      `koa.sess=${value}; path=/; ${expires}; httponly`,
      `koa.sess.sig=${sign('koa.sess', value, 'new secret')}; path=/; ${expires}; httponly`,
    ]);
    browser.restart();
    expect((await browser.get('/')).body).toBe('user=ada');
  });

  it('records the transcript', async () => {
    freezeClock();
    const lost = await returningUser(['new secret']);
    const kept = await returningUser(['new secret', 'old secret']);
    const reader = await loggedInBeforeDeploy();
    const read = await reader.get('/');
    const sigAfterRead = reader.lifetime('koa.sess.sig');
    reader.restart();
    const restarted = await reader.get('/');
    const rolling = await loggedInBeforeDeploy({ rolling: true });
    const rolled = await rolling.get('/');
    const sigRolled = rolling.lifetime('koa.sess.sig');
    rolling.restart();
    record('rotated-keys', [
      shown("after the deploy: app.keys = ['new secret']", '/', lost.visit, { decode: 'koa.sess' }),
      shown("after the deploy: app.keys = ['new secret', 'old secret']", '/', kept.visit, {
        decode: 'koa.sess',
      }),
      shown("logged in under 'old secret'; after the deploy, a page that only reads", '/', read, {
        note: `the browser keeps koa.sess.sig until: ${sigAfterRead}`,
      }),
      shown('the browser is closed and reopened; next request', '/', restarted),
      shown('the same, with rolling: true: a page that only reads', '/', rolled, {
        note: `the browser keeps koa.sess.sig until: ${sigRolled}`,
      }),
      shown('the browser is closed and reopened; next request', '/', await rolling.get('/')),
    ]);
  });
});

// ---------------------------------------------------------------------------
describe('pitfall: a router before the session middleware', () => {
  /** A route that answers without calling next(), like a router does. */
  const route: Middleware = async (ctx, next) => {
    if (ctx.path !== '/count') return next();
    await countViews(ctx, next);
  };

  function ordered(routerFirst: boolean): Koa {
    const koa = new Koa();
    koa.keys = ['k'];
    koa.silent = true;
    const session = sessionUnderTest({}, koa);
    if (routerFirst) koa.use(route).use(session);
    else koa.use(session).use(route);
    return koa;
  }

  it('router first: ctx.session works inside the route, but nothing is ever saved', async () => {
    const browser = new Browser(ordered(true));
    const first = await browser.get('/count');
    expect(first.body).toBe('1 views');
    expect(first.setCookie).toEqual([]);
    expect((await browser.get('/count')).body).toBe('1 views');
  });

  it('session first: the route’s change is committed and counted', async () => {
    const browser = new Browser(ordered(false));
    await browser.get('/count');
    expect((await browser.get('/count')).body).toBe('2 views');
  });

  /**
   * With a store: `/login` sits after the session middleware and works;
   * `/me`, a route mounted before it, answers without calling next().
   */
  function storeApp(meFirst: boolean): Koa {
    const koa = new Koa();
    koa.keys = [...BOOK_KEYS];
    koa.silent = true;
    const me: Middleware = (ctx, next) => {
      if (ctx.path !== '/me') return next();
      ctx.body = `user=${ctx.session!.user ?? 'none'}`;
    };
    const login: Middleware = (ctx) => {
      ctx.session!.user = 'ada';
      ctx.body = 'logged in';
    };
    const session = sessionUnderTest({ store: new MemoryStore() }, koa);
    if (meFirst) koa.use(me).use(session).use(login);
    else koa.use(session).use(me).use(login);
    return koa;
  }

  it('with a store, a route before session() reads an empty session: the logged-in user looks logged out', async () => {
    const browser = new Browser(storeApp(true));
    await browser.get('/login');
    const me = await browser.get('/me');
    expect(me.sent).toMatch(/^koa\.sess=[\w-]{36}; koa\.sess\.sig=/);
    expect(me.body).toBe('user=none');
    expect(me.setCookie).toEqual([]);
  });

  it('with a store and session() first, the same route finds the user', async () => {
    const browser = new Browser(storeApp(false));
    await browser.get('/login');
    expect((await browser.get('/me')).body).toBe('user=ada');
  });

  it('records the transcript', async () => {
    freezeClock();
    const wrong = new Browser(ordered(true));
    const right = new Browser(ordered(false));
    record('middleware-order', [
      shown('app.use(router.routes()); app.use(session(app))', '/count', await wrong.get('/count')),
      shown('second visit', '/count', await wrong.get('/count')),
      shown('app.use(session(app)); app.use(router.routes())', '/count', await right.get('/count')),
      shown('second visit', '/count', await right.get('/count'), { decode: 'koa.sess' }),
    ]);
    const storeWrong = new Browser(storeApp(true));
    await storeWrong.get('/login');
    const storeRight = new Browser(storeApp(false));
    await storeRight.get('/login');
    record('middleware-order-store', [
      shown(
        'store; app.use(me); app.use(session(…)); after /login',
        '/me',
        await storeWrong.get('/me'),
      ),
      shown(
        'store; app.use(session(…)); app.use(me); after /login',
        '/me',
        await storeRight.get('/me'),
      ),
    ]);
  });
});

// ---------------------------------------------------------------------------
describe('pitfall: isNew is true on every visit', () => {
  /** Greets first-time visitors, and (when `remember`) writes something down. */
  const greeter =
    (remember: boolean): Middleware =>
    (ctx) => {
      const session = ctx.session!;
      ctx.body = session.isNew ? 'welcome, new visitor' : 'welcome back';
      if (remember && session.isNew) session.firstSeen = 'today';
    };

  it('a session that stays empty is never saved, so every visit is new', async () => {
    const browser = new Browser(app({}, { keys: ['k'] }, greeter(false)));
    for (let i = 0; i < 3; i++) {
      const visit = await browser.get();
      expect(visit.body).toBe('welcome, new visitor');
      expect(visit.setCookie).toEqual([]);
    }
  });

  it('write one value and the second visit is not new (isNew false, never undefined in 7.x)', async () => {
    const browser = new Browser(app({}, { keys: ['k'] }, greeter(true)));
    expect((await browser.get()).body).toBe('welcome, new visitor');
    expect((await browser.get()).body).toBe('welcome back');
    const seen: unknown[] = [];
    const probe = app(
      {},
      { keys: ['k'] },
      (ctx, next) => {
        seen.push(ctx.session!.isNew);
        return next();
      },
      greeter(true),
    );
    const again = new Browser(probe);
    for (const [k, v] of browser.jar) again.jar.set(k, v);
    await again.get();
    expect(seen).toEqual([false]);
  });

  it('assigning an object is not new either: ctx.session = {…} makes isNew false at once', async () => {
    const seen: unknown[] = [];
    await new Browser(
      app({}, { keys: ['k'] }, (ctx) => {
        ctx.session = { user: 'ada' };
        seen.push(ctx.session!.isNew);
        ctx.body = 'ok';
      }),
    ).get();
    expect(seen).toEqual([false]);
  });

  it('records the transcript', async () => {
    freezeClock();
    const empty = new Browser(app({}, { keys: ['k'] }, greeter(false)));
    const kept = new Browser(app({}, { keys: ['k'] }, greeter(true)));
    record('is-new', [
      shown('reads isNew, writes nothing', '/', await empty.get()),
      shown('second visit', '/', await empty.get()),
      shown('reads isNew, writes firstSeen', '/', await kept.get(), { decode: 'koa.sess' }),
      shown('second visit', '/', await kept.get()),
    ]);
  });
});

// ---------------------------------------------------------------------------
describe('pitfall: a cookie session past 4 KB', () => {
  /** `/login` stores a user; `/profile` adds a 4 KB blob, the way an OAuth profile arrives. */
  const profileApp = (options: SessionOptions) =>
    app(options, { keys: ['k'] }, (ctx) => {
      const session = ctx.session!;
      if (ctx.path === '/login') session.user = 'ada';
      if (ctx.path === '/profile') session.profile = 'p'.repeat(4000);
      ctx.body = `user=${session.user ?? 'none'} profile=${session.profile ? 'yes' : 'no'}`;
    });

  it('cookie mode: the browser ignores the > 4096-byte value but keeps its new signature, so the whole session is lost', async () => {
    const browser = new Browser(profileApp({}));
    await browser.get('/login');
    const big = await browser.get('/profile');
    expect(big.status).toBe(200);
    expect(Buffer.byteLength(cookieNamed(big, 'koa.sess')!.value)).toBeGreaterThan(COOKIE_LIMIT);
    expect(browser.dropped).toHaveLength(1);
    // The browser kept the old value but took the new (small) .sig cookie:
    // they no longer match, so the user is logged out, not just the profile lost.
    expect(browser.jar.has('koa.sess.sig')).toBe(true);
    expect((await browser.get('/')).body).toBe('user=none profile=no');
  });

  it('store mode: the cookie carries only the id, and the profile is still there next time', async () => {
    const browser = new Browser(profileApp({ store: new MemoryStore() }));
    await browser.get('/login');
    const big = await browser.get('/profile');
    expect(cookieNamed(big, 'koa.sess')!.value.length).toBe(36);
    expect(browser.dropped).toEqual([]);
    expect((await browser.get('/')).body).toBe('user=ada profile=yes');
  });

  it('records the transcript', async () => {
    freezeClock();
    const browser = new Browser(profileApp({}));
    await browser.get('/login');
    const big = await browser.get('/profile');
    const value = cookieNamed(big, 'koa.sess')!.value;
    const summary = {
      ...big,
      setCookie: big.setCookie.map((line) => line.replace(value, `<${value.length} characters>`)),
    };
    record('cookie-size', [
      shown('cookie session, /profile stores 4000 characters', '/profile', summary, {
        note: `the browser ignores it: ${browser.dropped.join(', ')} (limit ${COOKIE_LIMIT})`,
      }),
      shown('next request', '/', await browser.get('/')),
    ]);
  });
});

// ---------------------------------------------------------------------------
describe('pitfall: logging out with autoCommit: false', () => {
  const logout =
    (fixed: boolean): Middleware =>
    async (ctx) => {
      if (ctx.path === '/login') {
        ctx.session!.user = 'ada';
        await ctx.session!.manuallyCommit();
      } else if (fixed) {
        // Hold on to the Session first: after `= null` the getter returns null.
        const session = ctx.session!;
        ctx.session = null;
        await session.manuallyCommit();
      } else {
        ctx.session = null;
        await ctx.session!.manuallyCommit();
      }
      ctx.body = 'ok';
    };

  it('ctx.session = null then ctx.session.manuallyCommit(): a TypeError, and the cookie stays', async () => {
    const broken = app({ autoCommit: false }, { keys: ['k'] }, logout(false));
    const errors = appErrors(broken);
    const browser = new Browser(broken);
    await browser.get('/login');
    const out = await browser.get('/logout');
    expect(out.status).toBe(500);
    expect(errors).toEqual(["Cannot read properties of null (reading 'manuallyCommit')"]);
    expect(browser.jar.has('koa.sess')).toBe(true);
  });

  it('keep the Session object, assign null, commit through it: the cookie is deleted', async () => {
    const browser = new Browser(app({ autoCommit: false }, { keys: ['k'] }, logout(true)));
    await browser.get('/login');
    const out = await browser.get('/logout');
    expect(out.status).toBe(200);
    expect(cookieNamed(out, 'koa.sess')?.attributes.expires).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
    expect(browser.jar.has('koa.sess')).toBe(false);
  });

  it('records the transcript', async () => {
    freezeClock();
    const broken = app({ autoCommit: false }, { keys: ['k'] }, logout(false));
    const errors = appErrors(broken);
    const b1 = new Browser(broken);
    await b1.get('/login');
    const b2 = new Browser(app({ autoCommit: false }, { keys: ['k'] }, logout(true)));
    await b2.get('/login');
    record('autocommit-logout', [
      shown(
        'ctx.session = null; await ctx.session.manuallyCommit()',
        '/logout',
        await b1.get('/logout'),
        {
          error: errors[0],
        },
      ),
      shown(
        'const s = ctx.session; ctx.session = null; await s.manuallyCommit()',
        '/logout',
        await b2.get('/logout'),
      ),
    ]);
  });
});

// ---------------------------------------------------------------------------
describe('pitfall: a second session middleware', () => {
  /** What people write: a short-lived admin session next to the normal one. */
  function twoMiddlewares(): Koa {
    const koa = new Koa();
    koa.keys = ['k'];
    koa.silent = true;
    koa.use(sessionUnderTest({ key: 'site.sess' }, koa));
    koa.use(sessionUnderTest({ key: 'admin.sess', maxAge: 15 * 60_000 }, koa));
    koa.use(countViews);
    return koa;
  }

  const DAY = 86_400_000;
  const FIFTEEN_MINUTES = 15 * 60_000;

  /**
   * What the old advice said: one middleware, and /admin sets
   * `ctx.session.maxAge` to give the admin area a 15-minute lifetime.
   */
  function adminMaxAge(): Koa {
    return app({ key: 'site.sess', maxAge: DAY }, { keys: ['k'] }, (ctx, next) => {
      if (ctx.path !== '/admin') return countViews(ctx, next);
      ctx.session!.admin = true;
      ctx.session!.maxAge = FIFTEEN_MINUTES;
      ctx.body = 'admin';
    });
  }

  /**
   * The fix: one middleware, the cookie keeps the site's lifetime, and the
   * admin area keeps its own deadline as data (`adminUntil`), checked on
   * every admin request.
   */
  function adminDeadline(): Koa {
    return app({ key: 'site.sess', maxAge: DAY }, { keys: ['k'] }, (ctx, next) => {
      if (ctx.path !== '/admin') return countViews(ctx, next);
      const session = ctx.session!;
      const until = session.adminUntil as number | undefined;
      if (until !== undefined && until <= Date.now()) {
        delete session.adminUntil;
        ctx.body = 'admin: sign in again';
        return;
      }
      session.adminUntil = until ?? Date.now() + FIFTEEN_MINUTES;
      ctx.body = 'admin';
    });
  }

  /** The `Expires` the browser was just given for the site's cookie, in minutes from now. */
  const minutesLeft = (x: Exchange) =>
    (Date.parse(String(cookieNamed(x, 'site.sess')?.attributes.expires)) - Date.now()) / 60_000;

  it('the second one is silently ignored: one cookie, the first one’s name and lifetime', async () => {
    const res = await new Browser(twoMiddlewares()).get();
    expect(res.cookies.map((c) => c.name)).toEqual(['site.sess', 'site.sess.sig']);
    expect(res.setCookie.join('\n')).not.toContain('admin.sess');
  });

  it('ctx.session.maxAge on /admin is saved with the data: the next ordinary page gets 15 minutes too', async () => {
    freezeClock();
    const browser = new Browser(adminMaxAge());
    expect(minutesLeft(await browser.get('/'))).toBe(1440);
    expect(minutesLeft(await browser.get('/admin'))).toBe(15);
    const next = await browser.get('/');
    expect(next.body).toBe('2 views');
    expect(minutesLeft(next)).toBe(15);
    expect(decodeCookie(cookieNamed(next, 'site.sess')!.value)._maxAge).toBe(FIFTEEN_MINUTES);
  });

  it('one middleware, the admin deadline kept as data: ordinary pages keep a day, the admin area asks again after 15 minutes', async () => {
    const clock = freezeClock();
    const browser = new Browser(adminDeadline());
    await browser.get('/');
    expect((await browser.get('/admin')).body).toBe('admin');
    const next = await browser.get('/');
    expect(next.body).toBe('2 views');
    expect(minutesLeft(next)).toBe(1440);
    clock.advance(FIFTEEN_MINUTES);
    expect((await browser.get('/admin')).body).toBe('admin: sign in again');
    expect((await browser.get('/')).body).toBe('3 views');
  });

  it('records the transcript', async () => {
    freezeClock();
    const told = new Browser(adminMaxAge());
    await told.get('/');
    const admin = await told.get('/admin');
    const fixed = new Browser(adminDeadline());
    await fixed.get('/');
    await fixed.get('/admin');
    record('second-middleware', [
      shown(
        "session({ key: 'site.sess' }) then session({ key: 'admin.sess', maxAge: 15 min })",
        '/',
        await new Browser(twoMiddlewares()).get(),
      ),
      shown('one session of a day; /admin sets ctx.session.maxAge = 15 min', '/admin', admin, {
        decode: 'site.sess',
      }),
      shown('the next ordinary page', '/', await told.get('/'), { decode: 'site.sess' }),
      shown(
        'one session of a day; /admin keeps ctx.session.adminUntil instead — the next ordinary page',
        '/',
        await fixed.get('/'),
        { decode: 'site.sess' },
      ),
    ]);
  });
});

// ---------------------------------------------------------------------------
describe('pitfall: servers whose clocks disagree', () => {
  /** Two servers behind one load balancer, same keys, 10-minute sessions. */
  const server = () => app({ maxAge: 10 * 60_000 }, { keys: ['k'] }, countViews);

  async function visit(skewMs: number) {
    const clock = freezeClock();
    const a = new Browser(server());
    await a.get();
    // One minute later the next request lands on server B, whose clock is `skewMs` ahead.
    const bApp = server();
    const expired: unknown[] = [];
    bApp.on('session:expired', (e) => expired.push(e));
    const b = new Browser(bApp);
    for (const [k, v] of a.jar) b.jar.set(k, v);
    clock.advance(60_000 + skewMs);
    const x = await b.get();
    await nextTurn();
    return { x, expired };
  }

  it('B’s clock is 15 minutes ahead: a one-minute-old session is expired there', async () => {
    const { x, expired } = await visit(15 * 60_000);
    expect(x.body).toBe('1 views');
    expect(expired).toHaveLength(1);
  });

  it('clocks in step: the same visit keeps the session', async () => {
    const { x, expired } = await visit(0);
    expect(x.body).toBe('2 views');
    expect(expired).toEqual([]);
  });

  it('records the transcript', async () => {
    const skewed = await visit(15 * 60_000);
    vi.restoreAllMocks();
    const synced = await visit(0);
    record('clock-skew', [
      shown('server B, clock 15 min ahead, one minute after server A saved', '/', skewed.x, {
        note: `session:expired emitted ${skewed.expired.length} time(s)`,
      }),
      shown('server B, clock in step', '/', synced.x),
    ]);
  });
});

// ---------------------------------------------------------------------------
describe('pitfall: a front end on another site loses the session', () => {
  const FRONT = 'https://app.example';
  const FROM_FRONT = { Origin: FRONT, 'X-Forwarded-Proto': 'https' };

  /**
   * What a credentialed cross-origin fetch needs from the API: its exact
   * origin echoed (never `*`) and `Access-Control-Allow-Credentials: true`.
   * koa-session sets neither; this is the few lines an app (or @koa/cors
   * with `credentials: true`) adds in front of it.
   */
  const cors: Middleware = async (ctx, next) => {
    if (ctx.get('Origin') === FRONT) {
      ctx.set('Access-Control-Allow-Origin', FRONT);
      ctx.set('Access-Control-Allow-Credentials', 'true');
      ctx.vary('Origin');
    }
    if (ctx.method === 'OPTIONS') {
      ctx.set('Access-Control-Allow-Methods', 'GET,POST');
      ctx.status = 204;
      return;
    }
    await next();
  };

  function api(options: SessionOptions, withCors: boolean): Koa {
    const koa = new Koa();
    koa.keys = ['k'];
    koa.proxy = true;
    koa.silent = true;
    if (withCors) koa.use(cors);
    koa.use(sessionUnderTest(options, koa));
    koa.use(countViews);
    return koa;
  }

  it('the default cookie carries no SameSite attribute: each browser applies its own default', async () => {
    const res = await new Browser(api({}, false)).get('/', FROM_FRONT);
    const cookie = cookieNamed(res, 'koa.sess')!;
    expect(cookie.attributes.samesite).toBeUndefined();
    expect(res.setCookie.join()).not.toMatch(/access-control/i);
  });

  it("sameSite: 'none' without a secure connection fails with a 500", async () => {
    const koa = api({ sameSite: 'none', secure: true }, true);
    koa.proxy = false;
    const errors = appErrors(koa);
    expect((await new Browser(koa).get('/', { Origin: FRONT })).status).toBe(500);
    expect(errors).toEqual(['Cannot send secure cookie over unencrypted connection']);
  });

  it("fixed: sameSite: 'none' + secure behind app.proxy, and CORS with credentials for that one origin", async () => {
    const browser = new Browser(api({ sameSite: 'none', secure: true }, true));
    const first = await browser.get('/', FROM_FRONT);
    const cookie = cookieNamed(first, 'koa.sess')!;
    expect(cookie.attributes).toMatchObject({ samesite: 'none', secure: true });
    expect((await browser.get('/', FROM_FRONT)).body).toBe('2 views');
    const res = await request(api({ sameSite: 'none', secure: true }, true).callback())
      .options('/')
      .set('Origin', FRONT);
    expect(res.headers['access-control-allow-origin']).toBe(FRONT);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    // Another origin gets no CORS grant at all.
    const other = await request(api({}, true).callback())
      .get('/')
      .set('Origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('records the transcript', async () => {
    freezeClock();
    const fixed = new Browser(api({ sameSite: 'none', secure: true }, true));
    const res = await request(api({ sameSite: 'none', secure: true }, true).callback())
      .options('/')
      .set('Origin', FRONT);
    const preflight = [
      '── preflight from https://app.example',
      '→ OPTIONS /',
      `← ${res.status}`,
      ...['access-control-allow-origin', 'access-control-allow-credentials'].map(
        (h) => `← ${h}: ${res.headers[h]}`,
      ),
    ].join('\n');
    record('cross-site', [
      shown(
        'defaults, request from https://app.example',
        '/',
        await new Browser(api({}, false)).get('/', FROM_FRONT),
      ),
      preflight,
      shown(
        "sameSite: 'none', secure: true, app.proxy, CORS",
        '/',
        await fixed.get('/', FROM_FRONT),
      ),
    ]);
  });
});

// ---------------------------------------------------------------------------
describe('pitfall: no maxAge, and the first cookie dies with the browser', () => {
  it('without maxAge the first cookie has no Expires (a browser-session cookie); later ones have one', async () => {
    freezeClock();
    const browser = new Browser(app({}, { keys: ['k'] }, countViews));
    const first = await browser.get();
    expect(cookieNamed(first, 'koa.sess')!.attributes.expires).toBeUndefined();
    const second = await browser.get();
    expect(cookieNamed(second, 'koa.sess')!.attributes.expires).toBe(
      'Thu, 02 Jan 2025 00:00:00 GMT',
    );
  });

  /** Log in once, then only read: what most pages of a site do. */
  const loginThenRead = (options: SessionOptions) =>
    app(options, { keys: ['k'] }, (ctx) => {
      const session = ctx.session!;
      if (ctx.path === '/login') session.user = 'ada';
      ctx.body = `user=${session.user ?? 'none'}`;
    });

  it('login, then pages that only read: no later response sets a cookie, so the browser never gets an Expires', async () => {
    freezeClock();
    const browser = new RestartingBrowser(loginThenRead({}));
    await browser.get('/login');
    for (let i = 0; i < 3; i++) {
      const page = await browser.get('/');
      expect(page.body).toBe('user=ada');
      expect(page.setCookie).toEqual([]);
    }
    expect(browser.lifetime('koa.sess')).toBe('browser-session');
    browser.restart();
    expect((await browser.get('/')).body).toBe('user=none');
  });

  it('the same site with maxAge: the login cookie carries Expires and survives a browser restart', async () => {
    freezeClock();
    const browser = new RestartingBrowser(loginThenRead({ maxAge: 86_400_000 }));
    await browser.get('/login');
    await browser.get('/');
    expect(browser.lifetime('koa.sess')).toBe('Thu, 02 Jan 2025 00:00:00 GMT');
    browser.restart();
    expect((await browser.get('/')).body).toBe('user=ada');
  });

  it('with maxAge set, the very first cookie carries Expires', async () => {
    freezeClock();
    const first = await new Browser(app({ maxAge: 86_400_000 }, { keys: ['k'] }, countViews)).get();
    expect(cookieNamed(first, 'koa.sess')!.attributes.expires).toBe(
      'Thu, 02 Jan 2025 00:00:00 GMT',
    );
  });

  it('records the transcript', async () => {
    freezeClock();
    const browser = new Browser(app({}, { keys: ['k'] }, countViews));
    record('no-max-age', [
      shown('session({}, app): first visit', '/', await browser.get()),
      shown('second visit', '/', await browser.get(), { decode: 'koa.sess' }),
      shown(
        'session({ maxAge: 86_400_000 }, app): first visit',
        '/',
        await new Browser(app({ maxAge: 86_400_000 }, { keys: ['k'] }, countViews)).get(),
      ),
    ]);
    const reader = new RestartingBrowser(loginThenRead({}));
    const login = await reader.get('/login');
    const page = await reader.get('/');
    const kept = reader.lifetime('koa.sess');
    reader.restart();
    record('no-max-age-read-only', [
      shown('session({}, app): log in', '/login', login),
      shown('a page that only reads', '/', page, {
        note: `the browser keeps koa.sess until: ${kept}`,
      }),
      shown('the browser is closed and reopened; next request', '/', await reader.get('/')),
    ]);
  });
});
