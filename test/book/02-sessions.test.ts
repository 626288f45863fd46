/**
 * Chapter 2 (chapters/02-sessions.md): where the session lives, what the
 * cookie carries in each mode, and what that means for logging out and for
 * the cost of a request.
 */
import { existsSync } from 'node:fs';
import type { Middleware } from 'koa';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp as createPlayground } from '../../playground/memory.js';
import { tryIt } from '../support/tryit.js';
import {
  Browser,
  bookApp,
  checkRecording,
  cookieNamed,
  countViews,
  decodeCookie,
  describePortOnly,
  IMPLS,
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

describe.each(IMPLS)('where the session lives (%s)', (impl) => {
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

  it('store mode gives a first visitor an id at once, though nothing is asked or saved', async () => {
    const store = recordingStore();
    const ids: string[] = [];
    const genid = () => {
      const id = `id-${ids.length + 1}`;
      ids.push(id);
      return id;
    };
    const app = bookApp(impl, { store, genid }, (ctx) => {
      ctx.body = 'a page that never looks at the session';
    });
    const x = await new Browser(app).get();
    expect(ids).toEqual(['id-1']);
    expect(store.calls).toEqual([]);
    expect(x.setCookie).toEqual([]);
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

describePortOnly('Try it: the logout experiment, with the playground and curl (port only)', () => {
  // The chapter's line, as it prints it, run against the memory playground
  // in both modes; the chapter includes what it printed.
  const ONE_LINE = [
    'curl -s -c /tmp/jar http://localhost:3000/ && echo &&',
    '  cp /tmp/jar /tmp/copy &&',
    '  curl -s -b /tmp/jar -c /tmp/jar http://localhost:3000/logout &&',
    '  curl -s -b /tmp/copy http://localhost:3000/; echo',
  ].join('\n');
  it.runIf(existsSync('/usr/bin/curl'))(
    'records the copy surviving logout in cookie mode only (logout-experiment.txt)',
    async () => {
      const parts: string[] = [];
      for (const cookieMode of [true, false]) {
        const text = await tryIt((sink) => createPlayground({ cookieMode, ...sink }), [ONE_LINE], {
          trace: false,
        });
        const mode = cookieMode ? ' -- --cookie' : '';
        parts.push(`# the server: npm run playground:memory${mode}\n${text}`);
      }
      expect(parts[0]).toMatch(/\n1 views\nsession removed\n2 views\n$/);
      expect(parts[1]).toMatch(/\n1 views\nsession removed\n1 views\n$/);
      checkRecording('logout-experiment.txt', parts.join('\n'));
    },
  );
});
