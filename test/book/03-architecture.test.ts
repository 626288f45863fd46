/**
 * Chapter 3 (chapters/03-architecture.md): one request end to end — the
 * options, the lazy `ctx.session`, the middleware's order of work, the
 * Session object and what of it gets saved.
 */
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Koa from 'koa';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionOptionError } from '../../src/index.js';
import { sessionOf } from '../support/impl.js';
import {
  Browser,
  bookApp,
  checkRecording,
  collectErrors,
  cookieNamed,
  countViews,
  decodeCookie,
  describePortOnly,
  describeTryIt,
  IMPLS,
  portOnly,
  recordingStore,
  session,
  traceApp,
  UNDER_TEST,
} from './support.js';

const run = promisify(execFile);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('options', () => {
  portOnly('a malformed option fails when the app starts, not on a request', () => {
    const app = new Koa();
    expect(() => session({ maxAge: 'forever' as never }, app)).toThrow(SessionOptionError);
    let error: Error | undefined;
    try {
      session({ maxAge: 'forever' as never }, app);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toBe(
      'koa-session: option `maxAge` must be a finite number of milliseconds or \'session\', got "forever"',
    );
    checkRecording('startup-error.txt', `${error?.name}: ${error?.message}\n`);
  });

  portOnly('your options object is never written to', async () => {
    const opts = { maxAge: 60_000 };
    await new Browser(bookApp('port', opts, countViews)).get();
    expect(opts).toEqual({ maxAge: 60_000 });
  });

  it('ctx.sessionOptions is a private copy for one request', async () => {
    const seen: unknown[] = [];
    const app = bookApp(UNDER_TEST, { maxAge: 60_000 }, (ctx) => {
      seen.push(ctx.sessionOptions!.maxAge);
      ctx.sessionOptions!.maxAge = 1;
      ctx.body = 'ok';
    });
    await new Browser(app).get();
    await new Browser(app).get();
    expect(seen).toEqual([60_000, 60_000]);
  });
});

describe.each(IMPLS)('one request end to end (%s)', (impl) => {
  it('a request that never reads ctx.session gets no cookie', async () => {
    const app = bookApp(impl, undefined, (ctx) => {
      ctx.body = 'hello';
    });
    const x = await new Browser(app).get();
    expect(x.setCookie).toEqual([]);
  });

  it('a request that carries the cookie but never reads ctx.session computes no HMAC in cookie mode, one in store mode', async () => {
    /** app.keys as a keygrip that counts its HMACs (cookies accepts any keygrip-like object). */
    const counting = () => {
      // keygrip's default: HMAC-SHA1, base64url without padding.
      const hmac = (data: string) => createHmac('sha1', 'k').update(data).digest('base64url');
      const keys = {
        hmacs: 0,
        sign: (data: string) => {
          keys.hmacs++;
          return hmac(data);
        },
        verify: (data: string, digest: string) => keys.sign(data) === digest,
        index: (data: string, digest: string) => (keys.sign(data) === digest ? 0 : -1),
      };
      return keys;
    };
    const hmacsFor = async (options: { store?: ReturnType<typeof recordingStore> }) => {
      const keys = counting();
      const app = bookApp(impl, options, (ctx) => {
        if (ctx.path === '/count') return countViews(ctx, async () => {});
        ctx.body = 'a stylesheet';
      });
      app.keys = keys as unknown as string[];
      const browser = new Browser(app);
      await browser.get('/count');
      keys.hmacs = 0;
      await browser.get('/style.css');
      return keys.hmacs;
    };
    expect(await hmacsFor({})).toBe(0);
    expect(await hmacsFor({ store: recordingStore() })).toBeGreaterThanOrEqual(1);
  });

  it('a store session is loaded before your handler runs', async () => {
    const store = recordingStore();
    let callsSeenByHandler = -1;
    const app = bookApp(impl, { store }, (ctx) => {
      callsSeenByHandler = store.calls.length;
      countViews(ctx, async () => {});
    });
    const browser = new Browser(app);
    await browser.get();
    store.calls.length = 0;
    await browser.get();
    expect(callsSeenByHandler).toBe(1);
    expect(store.calls.map((c) => c.op)).toEqual(['get', 'set']);
  });

  it('a second session() on the same app does not change ctx.session', async () => {
    const app = new Koa();
    app.keys = ['k'];
    type Make = (opts: { key: string }, app: Koa) => Koa.Middleware;
    const make = sessionOf(impl) as unknown as Make;
    app.use(make({ key: 'first' }, app));
    app.use(make({ key: 'second' }, app));
    app.use(countViews);
    const x = await new Browser(app).get();
    expect(x.cookies.map((c) => c.name)).toEqual(['first', 'first.sig']);
  });

  it('a sub-app mounted the koa-mount way gets no session of its own', async () => {
    type Make = (opts: { key: string }, app: Koa) => Koa.Middleware;
    const make = sessionOf(impl) as unknown as Make;
    const admin = new Koa();
    admin.keys = ['k'];
    admin.use(make({ key: 'admin.sess' }, admin));
    admin.use(countViews);
    // What koa-mount does: run the sub-app's middleware on the parent's ctx.
    const mounted: Koa.Middleware = (ctx, next) => {
      if (!ctx.path.startsWith('/admin')) return next();
      const chain = admin.middleware;
      const run = (i: number): Promise<unknown> =>
        i === chain.length ? next() : Promise.resolve(chain[i]!(ctx, () => run(i + 1)));
      return run(0);
    };
    // A parent without sessions: the sub-app's middleware finds no ctx.session machinery.
    const bare = new Koa();
    bare.silent = true;
    bare.use(mounted);
    expect((await new Browser(bare).get('/admin')).status).toBe(500);
    // A parent with its own session: the sub-app silently uses the parent's options.
    const parent = bookApp(impl, undefined);
    parent.use(mounted);
    const x = await new Browser(parent).get('/admin');
    expect(x.cookies.map((c) => c.name)).toEqual(['koa.sess', 'koa.sess.sig']);
  });

  it('two sessions side by side: two apps, one server, dispatched by path', async () => {
    type Make = (opts: { key: string }, app: Koa) => Koa.Middleware;
    const make = sessionOf(impl) as unknown as Make;
    const appWith = (key: string) => {
      const app = new Koa();
      app.keys = ['k'];
      app.use(make({ key }, app));
      app.use(countViews);
      return app;
    };
    const site = appWith('site.sess').callback();
    const admin = appWith('admin.sess').callback();
    // A plain Node handler (what you pass to http.createServer): each request
    // goes to exactly one app, and gets that app's ctx.
    const handler = (req: IncomingMessage, res: ServerResponse) =>
      (req.url ?? '/').startsWith('/admin') ? admin(req, res) : site(req, res);
    const browser = new Browser({ callback: () => handler } as unknown as Koa);
    const a = await browser.get('/');
    const b = await browser.get('/admin');
    const c = await browser.get('/admin');
    expect(a.cookies.map((x) => x.name)).toEqual(['site.sess', 'site.sess.sig']);
    expect(b.cookies.map((x) => x.name)).toEqual(['admin.sess', 'admin.sess.sig']);
    expect([a.body, b.body, c.body]).toEqual(['1 views', '1 views', '2 views']);
  });

  it('assigning something other than an object or null is an error', async () => {
    const app = bookApp(impl, undefined, (ctx) => {
      ctx.session = 'admin' as never;
    });
    const errors = collectErrors(app);
    const x = await new Browser(app).get();
    expect(x.status).toBe(500);
    expect(errors[0]?.message).toBe('this.session can only be set as null or an object.');
  });

  it('assigning an object replaces the whole session', async () => {
    const browser = new Browser(
      bookApp(impl, undefined, (ctx) => {
        if (ctx.path === '/replace') ctx.session = { theme: 'dark' };
        else countViews(ctx, async () => {});
        ctx.body ??= 'ok';
      }),
    );
    await browser.get('/');
    const x = await browser.get('/replace');
    const data = decodeCookie(cookieNamed(x, 'koa.sess')!.value);
    expect(Object.keys(data)).toEqual(['theme', '_expire', '_maxAge']);
  });

  it('names starting with _ are never saved, nor isNew or functions', async () => {
    const app = bookApp(impl, undefined, (ctx) => {
      const s = ctx.session!;
      s.user = 'ada';
      s._csrfScratch = 'x';
      s.helper = () => 1;
      ctx.body = String(s.isNew);
    });
    const x = await new Browser(app).get();
    expect(x.body).toBe('true');
    const data = decodeCookie(cookieNamed(x, 'koa.sess')!.value);
    expect(Object.keys(data)).toEqual(['user', '_expire', '_maxAge']);
  });

  it('a loaded session moves _maxAge back into the options and keeps _expire', async () => {
    const seen: unknown[] = [];
    const browser = new Browser(
      bookApp(impl, undefined, (ctx) => {
        const s = ctx.session!;
        seen.push([s.isNew, s._maxAge, typeof s._expire, ctx.sessionOptions!.maxAge]);
        countViews(ctx, async () => {});
      }),
    );
    await browser.get();
    await browser.get();
    expect(seen).toEqual([
      [true, undefined, 'undefined', undefined],
      [false, undefined, 'number', 86_400_000],
    ]);
  });

  it('length and populated count the saved properties', async () => {
    const app = bookApp(impl, undefined, (ctx) => {
      const s = ctx.session!;
      const before = [s.length, s.populated];
      s.views = 1;
      s._hidden = 1;
      ctx.body = JSON.stringify([before, [s.length, s.populated]]);
    });
    const x = await new Browser(app).get();
    expect(JSON.parse(x.body)).toEqual([
      [0, false],
      [1, true],
    ]);
  });

  it('with autoCommit: false nothing is written unless you commit', async () => {
    const app = bookApp(impl, { autoCommit: false }, async (ctx) => {
      countViews(ctx, async () => {});
      if (ctx.path === '/commit') await ctx.session!.manuallyCommit();
    });
    expect((await new Browser(app).get('/')).setCookie).toEqual([]);
    expect((await new Browser(app).get('/commit')).setCookie).toHaveLength(2);
  });

  it('when a handler throws, Koa drops the Set-Cookie the commit wrote', async () => {
    const app = bookApp(impl, undefined, (ctx) => {
      ctx.session!.views = 1;
      ctx.throw(418, 'no coffee');
    });
    const x = await new Browser(app).get();
    expect(x.status).toBe(418);
    expect(x.setCookie).toEqual([]);
  });

  it('when a handler throws, a store session is still written to the store', async () => {
    const store = recordingStore();
    const app = bookApp(impl, { store }, (ctx) => {
      ctx.session!.views = 1;
      ctx.throw(418, 'no coffee');
    });
    const x = await new Browser(app).get();
    expect(x.setCookie).toEqual([]);
    expect(store.calls.map((c) => c.op)).toEqual(['set']);
  });
});

describePortOnly('the lazy getter (port only: trace events)', () => {
  it('a request that never reads ctx.session does no session work at all', async () => {
    const app = bookApp('port', undefined, (ctx) => {
      ctx.body = 'hello';
    });
    const trace = traceApp(app);
    const browser = new Browser(app);
    browser.jar.set('koa.sess', 'whatever');
    await browser.get();
    trace.stop();
    expect(trace.events).toEqual([{ step: 'skip', reason: 'untouched' }]);
  });
});

describePortOnly('the Node version (zlib.crc32 arrived in 20.15; port only)', () => {
  const root = new URL('../../', import.meta.url);
  it('package.json and the README ask for Node 20.15 or newer', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
      engines: { node: string };
    };
    expect(pkg.engines.node).toBe('>=20.15');
    expect(readFileSync(new URL('README.md', root), 'utf8')).toContain('Node 20.15 or newer');
  });

  it('without zlib.crc32 the import fails at once, with a message that names the fix', async () => {
    // Pretend to be an older Node: remove crc32 from node:zlib before src/ loads.
    const script = [
      "const z = require('node:zlib');",
      'delete z.crc32;',
      "require('node:module').syncBuiltinESMExports();",
      `import(${JSON.stringify(fileURLToPath(new URL('src/index.ts', root)))})`,
      "  .then(() => console.log('loaded'), (e) => console.log(e.message));",
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: fileURLToPath(root),
    });
    expect(stdout.trim()).toMatch(/^koa-session-annotated needs Node\.js 20\.15 or newer/);
  });
});

describeTryIt('the lifecycle in trace mode', 'tryit-03.txt', {
  records: 'a counted visit and a favicon request that never reads the session',
  cookieMode: true,
  commands: [
    'curl -c /tmp/jar -b /tmp/jar http://localhost:3000/; echo',
    'curl -i -c /tmp/jar -b /tmp/jar http://localhost:3000/favicon.ico',
  ],
  check: (text) => {
    // The favicon answer carries no cookie: the session was never read.
    expect(text).toMatch(/404 Not Found\n\nNot Found\n/);
    expect(text).toContain('no save       session never accessed');
  },
});
