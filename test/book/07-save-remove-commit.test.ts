/**
 * Chapter 7 (chapters/07-save-remove-commit.md): what `save`, `remove`,
 * `commit` and `regenerate` write — to the cookie and to the store — byte
 * for byte. The transcripts the chapters quote are recorded here
 * (chapters/recorded/*.txt).
 */

import type { Context, Middleware } from 'koa';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Browser,
  bookApp,
  checkRecording,
  cookieNamed,
  countViews,
  DELETION_LINES,
  decodeCookie,
  describeTryIt,
  freezeClock,
  IdRedactor,
  IMPL_NAME,
  IMPLS,
  recordingStore,
  transcript,
  UNDER_TEST,
  UUID_V4,
} from './support.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const noop = async () => {};

/** `/logout` assigns null, `/login` regenerates, everything else counts views. */
const routes: Middleware = async (ctx) => {
  if (ctx.path === '/logout') {
    ctx.session = null;
    ctx.body = 'bye';
  } else if (ctx.path === '/login') {
    await ctx.session!.regenerate();
    ctx.session!.user = 'ada';
    ctx.body = 'welcome';
  } else {
    countViews(ctx, noop);
  }
};

describe.each(IMPLS)('save (%s)', (impl) => {
  it('second response has Expires one day ahead', async () => {
    const clock = freezeClock();
    const browser = new Browser(bookApp(impl, undefined, countViews));
    await browser.get();
    clock.advance(60_000);
    const x = await browser.get();
    const expires = new Date(clock.now() + 86_400_000).toUTCString();
    expect(x.cookies.map((c) => c.attributes.expires)).toEqual([expires, expires]);
  });

  it('with maxAge configured, the first response has Expires too', async () => {
    const clock = freezeClock();
    const x = await new Browser(bookApp(impl, { maxAge: 86_400_000 }, countViews)).get();
    expect(x.cookies[0]!.attributes.expires).toBe(new Date(clock.now() + 86_400_000).toUTCString());
  });

  it("maxAge 'session' stamps _session and never sends Expires", async () => {
    const browser = new Browser(bookApp(impl, { maxAge: 'session' }, countViews));
    const first = await browser.get();
    const second = await browser.get();
    for (const x of [first, second]) {
      for (const c of x.cookies) expect(c.attributes.expires).toBeUndefined();
    }
    expect(decodeCookie(cookieNamed(second, 'koa.sess')!.value)).toEqual({
      views: 2,
      _session: true,
    });
  });

  it('the store is given the lifetime plus ten seconds', async () => {
    const defaults = recordingStore();
    await new Browser(bookApp(impl, { store: defaults }, countViews)).get();
    const minute = recordingStore();
    await new Browser(bookApp(impl, { store: minute, maxAge: 60_000 }, countViews)).get();
    expect(defaults.calls[0]).toMatchObject({ op: 'set', maxAge: 86_410_000, changed: true });
    expect(minute.calls[0]).toMatchObject({ op: 'set', maxAge: 70_000, changed: true });
  });

  it("with maxAge 'session' the store receives the string 'session'", async () => {
    const store = recordingStore();
    await new Browser(bookApp(impl, { store, maxAge: 'session' }, countViews)).get();
    expect(store.calls[0]).toMatchObject({ op: 'set', maxAge: 'session' });
    expect(store.calls[0]!.data).toEqual({ views: 1, _session: true });
  });

  it('in store mode the cookie holds only the id, and follows the same Expires rule', async () => {
    const store = recordingStore();
    const browser = new Browser(bookApp(impl, { store }, countViews));
    const first = await browser.get();
    const second = await browser.get();
    expect(first.setCookie[0]).toMatch(/^koa\.sess=[0-9a-f-]{36}; path=\/; httponly$/);
    expect(second.setCookie[0]).toMatch(/^koa\.sess=[0-9a-f-]{36}; path=\/; expires=.+; httponly$/);
    expect(cookieNamed(second, 'koa.sess')!.value).toBe(cookieNamed(first, 'koa.sess')!.value);
  });
});

describe('the deletion cookie (cookies 0.9)', () => {
  it('an empty value is dated 1970 whatever maxAge says: maxAge: false changes no byte', async () => {
    // What remove() writes, once with its maxAge: false and once with a lifetime.
    const lines = async (maxAge: number | false) => {
      const app = bookApp(UNDER_TEST, undefined, (ctx) => {
        ctx.cookies.set('koa.sess', '', {
          signed: true,
          httpOnly: true,
          overwrite: true,
          expires: new Date(0),
          maxAge: maxAge as number,
        });
        ctx.body = 'ok';
      });
      return (await new Browser(app).get('/')).setCookie;
    };
    expect(await lines(false)).toEqual(DELETION_LINES);
    expect(await lines(86_400_000)).toEqual(DELETION_LINES);
  });
});

describe.each(IMPLS)('callbacks (%s)', (impl) => {
  it('save and regenerate take a Node-style callback; manuallyCommit takes none', async () => {
    const seen: string[] = [];
    const app = bookApp(impl, { autoCommit: false }, async (ctx) => {
      const session = ctx.session!;
      session.views = 1;
      const returned = await new Promise<unknown>((done) => {
        const r = session.save((err?: unknown) => {
          seen.push(`save callback ${err ?? 'ok'}`);
          done(r);
        });
      });
      seen.push(`save returned ${returned}`);
      // A callback passed to manuallyCommit is ignored: it gets a promise back.
      const manual = (session.manuallyCommit as (cb: () => void) => unknown)(() =>
        seen.push('manuallyCommit callback'),
      );
      seen.push(`manuallyCommit returned a ${manual?.constructor.name}`);
      await manual;
      ctx.body = 'ok';
    });
    await new Browser(app).get('/');
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([
      'save callback ok',
      'save returned undefined',
      'manuallyCommit returned a Promise',
    ]);
  });
});

describe.each(IMPLS)('remove and regenerate (%s)', (impl) => {
  it('assigning null writes two deletion lines dated 1 January 1970', async () => {
    const browser = new Browser(bookApp(impl, undefined, routes));
    await browser.get('/');
    const x = await browser.get('/logout');
    expect(x.setCookie).toEqual(DELETION_LINES);
    expect(browser.jar.size).toBe(0);
  });

  it('in store mode remove destroys the record, then deletes the cookie', async () => {
    const store = recordingStore();
    // What the response already carried when the store was asked to destroy.
    const headersAtDestroy: unknown[] = [];
    const destroy = store.destroy.bind(store);
    store.destroy = async (key: string, options?: { ctx?: Context }) => {
      const ctx = options?.ctx;
      headersAtDestroy.push(ctx ? (ctx.response.get('Set-Cookie') ?? 'none') : 'no ctx');
      return destroy(key);
    };
    const browser = new Browser(bookApp(impl, { store }, routes));
    await browser.get('/');
    const id = browser.jar.get('koa.sess')!;
    store.calls.length = 0;
    const x = await browser.get('/logout');
    expect(store.calls.map((c) => [c.op, c.key])).toEqual([
      ['get', id],
      ['destroy', id],
    ]);
    expect(x.setCookie).toEqual(DELETION_LINES);
    expect(headersAtDestroy).toEqual(['none']);
  });

  it('regenerate in store mode destroys the old record and saves under a new id', async () => {
    const store = recordingStore();
    const browser = new Browser(bookApp(impl, { store }, routes));
    await browser.get('/');
    const before = browser.jar.get('koa.sess')!;
    store.calls.length = 0;
    await browser.get('/login');
    const after = browser.jar.get('koa.sess')!;
    expect(after).not.toBe(before);
    expect(after).toMatch(UUID_V4);
    expect(store.records.has(before)).toBe(false);
    expect(store.calls.map((c) => c.op)).toEqual(['get', 'destroy', 'set', 'set']);
    expect(store.records.get(after)).toMatchObject({ views: 1, user: 'ada' });
  });

  it('after regenerate, ctx.session.externalKey still reports the old id', async () => {
    const store = recordingStore();
    const seen: (string | undefined)[] = [];
    const app = bookApp(impl, { store }, async (ctx) => {
      if (ctx.path === '/login') {
        await ctx.session!.regenerate();
        seen.push(ctx.session!.externalKey);
      }
      countViews(ctx, noop);
    });
    const browser = new Browser(app);
    await browser.get('/');
    const before = browser.jar.get('koa.sess')!;
    await browser.get('/login');
    const after = browser.jar.get('koa.sess')!;
    expect(after).not.toBe(before);
    expect(seen).toEqual([before]);
  });

  it('regenerate in cookie mode leaves one line per cookie: the new one', async () => {
    const browser = new Browser(bookApp(impl, undefined, routes));
    await browser.get('/');
    const x = await browser.get('/login');
    expect(x.setCookie).toHaveLength(2);
    expect(decodeCookie(cookieNamed(x, 'koa.sess')!.value)).toMatchObject({
      views: 1,
      user: 'ada',
    });
  });

  it('beforeSave runs just before the session is written', async () => {
    const beforeSave = (_ctx: unknown, session: Record<string, unknown>) => {
      session.savedBy = 'beforeSave';
    };
    const x = await new Browser(bookApp(impl, { beforeSave }, countViews)).get();
    expect(decodeCookie(cookieNamed(x, 'koa.sess')!.value).savedBy).toBe('beforeSave');
  });

  it('beforeSave is not called when nothing is saved', async () => {
    let calls = 0;
    const app = bookApp(impl, { beforeSave: () => calls++ }, (ctx) => {
      ctx.body = String(ctx.session!.views);
    });
    await new Browser(app).get();
    expect(calls).toBe(0);
  });
});

describe(`recorded transcripts (${IMPL_NAME}, clock frozen at 2025-01-01T00:00:00Z)`, () => {
  it('records a cookie session over three visits', async () => {
    const clock = freezeClock();
    const browser = new Browser(bookApp(UNDER_TEST, undefined, countViews));
    const parts: string[] = [];
    parts.push(transcript('visit 1', '/', await browser.get(), 'koa.sess'));
    clock.advance(60_000);
    parts.push(transcript('visit 2, one minute later', '/', await browser.get(), 'koa.sess'));
    clock.advance(60_000);
    parts.push(transcript('visit 3, one minute later', '/', await browser.get(), 'koa.sess'));
    checkRecording('cookie-visits.txt', `${parts.join('\n\n')}\n`);
  });

  it('records a store session over two visits and a logout', async () => {
    const clock = freezeClock();
    const store = recordingStore();
    const browser = new Browser(bookApp(UNDER_TEST, { store }, routes));
    const parts: string[] = [];
    const storeLines = () => {
      const lines = store.calls.map((c) => {
        const args = [JSON.stringify(c.key)];
        if (c.op === 'get') args.push(String(c.maxAge), `{ rolling: ${c.rolling} }`);
        if (c.op === 'set')
          args.push(
            JSON.stringify(c.data),
            JSON.stringify(c.maxAge),
            `{ changed: ${c.changed}, rolling: ${c.rolling} }`,
          );
        return `   store.${c.op}(${args.join(', ')})`;
      });
      store.calls.length = 0;
      return lines.join('\n');
    };
    let x = await browser.get('/');
    parts.push(`${transcript('visit 1', '/', x)}\n${storeLines()}`);
    clock.advance(60_000);
    x = await browser.get('/');
    parts.push(`${transcript('visit 2, one minute later', '/', x)}\n${storeLines()}`);
    x = await browser.get('/logout');
    parts.push(`${transcript('logout', '/logout', x)}\n${storeLines()}`);
    const text = new IdRedactor().redact(parts.join('\n\n'));
    checkRecording('store-visits.txt', `${text}\n`);
    // The logout on its own, for chapter 7.
    checkRecording('store-logout.txt', `${text.split('\n\n').at(-1)}\n`);
  });

  it("records maxAge 'session' over two visits", async () => {
    freezeClock();
    const browser = new Browser(bookApp(UNDER_TEST, { maxAge: 'session' }, countViews));
    const parts = [
      transcript('visit 1', '/', await browser.get(), 'koa.sess'),
      transcript('visit 2', '/', await browser.get(), 'koa.sess'),
    ];
    checkRecording('session-cookie-visits.txt', `${parts.join('\n\n')}\n`);
  });
});

describeTryIt('save with a TTL, then remove', 'tryit-07.txt', {
  records: 'a save, the stored record and a logout',
  commands: [
    'curl -c /tmp/jar -b /tmp/jar http://localhost:3000/; echo',
    'curl -i -c /tmp/jar -b /tmp/jar http://localhost:3000/logout',
  ],
  check: (text) => expect(text).toContain('1970'),
});
