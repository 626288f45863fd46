/**
 * Chapter 2 (chapters/02-sessions.md): where the session lives, what the
 * cookie carries in each mode, and what that means for logging out and for
 * the cost of a request.
 */
import type { Middleware } from 'koa';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Browser,
  bookApp,
  cookieNamed,
  countViews,
  decodeCookie,
  type Impl,
  recordingStore,
  UUID_V4,
} from './support.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** `/login` stores a user, `/logout` assigns null, anything else reports who is logged in. */
const accountRoutes: Middleware = (ctx) => {
  if (ctx.path === '/login') {
    ctx.session!.user = 'ada';
    ctx.body = 'welcome';
  } else if (ctx.path === '/logout') {
    ctx.session = null;
    ctx.body = 'bye';
  } else {
    ctx.body = String(ctx.session!.user ?? 'nobody');
  }
};

describe.each<Impl>(['port', 'upstream'])('where the session lives (%s)', (impl) => {
  it('in cookie mode the cookie carries the data itself', async () => {
    const x = await new Browser(bookApp(impl, undefined, countViews)).get();
    const data = decodeCookie(cookieNamed(x, 'koa.sess')!.value);
    expect(data.views).toBe(1);
  });

  it('in store mode the cookie carries only a random id', async () => {
    const store = recordingStore();
    const x = await new Browser(bookApp(impl, { store }, countViews)).get();
    const id = cookieNamed(x, 'koa.sess')!.value;
    expect(id).toMatch(UUID_V4);
    expect(store.records.get(id)!.views).toBe(1);
  });

  it('prefix goes in front of every generated id', async () => {
    const store = recordingStore();
    const x = await new Browser(bookApp(impl, { store, prefix: 'shop-' }, countViews)).get();
    const id = cookieNamed(x, 'koa.sess')!.value;
    expect(id.startsWith('shop-')).toBe(true);
    expect(id.slice('shop-'.length)).toMatch(UUID_V4);
  });

  it('a copied cookie session outlives logout', async () => {
    const browser = new Browser(bookApp(impl, undefined, accountRoutes));
    await browser.get('/login');
    const copy = new Map(browser.jar);
    await browser.get('/logout');
    expect((await browser.get('/me')).body).toBe('nobody');
    // Someone who kept a copy of the cookies is still Ada.
    const thief = new Browser(browser.app);
    for (const [k, v] of copy) thief.jar.set(k, v);
    expect((await thief.get('/me')).body).toBe('ada');
  });

  it('logout ends a store session for every copy of the cookie', async () => {
    const store = recordingStore();
    const browser = new Browser(bookApp(impl, { store }, accountRoutes));
    await browser.get('/login');
    const copy = new Map(browser.jar);
    await browser.get('/logout');
    const thief = new Browser(browser.app);
    for (const [k, v] of copy) thief.jar.set(k, v);
    expect((await thief.get('/me')).body).toBe('nobody');
  });

  it('store mode asks the store on every request that carries a cookie, used or not', async () => {
    const store = recordingStore();
    const app = bookApp(impl, { store }, (ctx) => {
      if (ctx.path === '/count') return countViews(ctx, async () => {});
      ctx.body = 'a page that never looks at the session';
    });
    const browser = new Browser(app);
    await browser.get('/count');
    store.calls.length = 0;
    await browser.get('/about');
    expect(store.calls.map((c) => c.op)).toEqual(['get']);
  });

  it('store mode without a cookie asks the store nothing', async () => {
    const store = recordingStore();
    const app = bookApp(impl, { store }, (ctx) => {
      ctx.body = 'a page that never looks at the session';
    });
    const x = await new Browser(app).get();
    expect(store.calls).toEqual([]);
    expect(x.setCookie).toEqual([]);
  });
});
