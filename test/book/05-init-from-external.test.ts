import type { Context } from 'koa';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseSetCookie, setCookieLines } from '../../playground/shared/cookies.js';
import {
  Browser,
  bookApp,
  cookieNamed,
  countViews,
  describeTryIt,
  freezeClock,
  IMPLS,
  recordingStore,
  signature,
  UUID_V4,
} from './support.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(IMPLS)('initFromExternal (%s)', (impl) => {
  it('get receives the id, the configured maxAge (undefined by default) and rolling', async () => {
    const store = recordingStore();
    const browser = new Browser(bookApp(impl, { store }, countViews));
    await browser.get();
    const id = browser.jar.get('koa.sess')!;
    store.calls.length = 0;
    await browser.get();
    expect(store.calls[0]).toEqual({ op: 'get', key: id, maxAge: undefined, rolling: false });
  });

  it('an id the store does not know is never adopted', async () => {
    const store = recordingStore();
    const app = bookApp(impl, { store }, countViews);
    const missed: unknown[] = [];
    app.on('session:missed', (e: { key: string }) => missed.push(e.key));
    const browser = new Browser(app);
    // An attacker plants a validly signed cookie with an id of their choice.
    browser.jar.set('koa.sess', 'chosen-by-attacker');
    browser.jar.set('koa.sess.sig', signature('koa.sess', 'chosen-by-attacker'));
    const x = await browser.get();
    expect(x.body).toBe('1 views');
    const issued = cookieNamed(x, 'koa.sess')!.value;
    expect(issued).not.toBe('chosen-by-attacker');
    expect(issued).toMatch(UUID_V4);
    expect(store.records.has('chosen-by-attacker')).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(missed).toEqual(['chosen-by-attacker']);
  });

  it('an expired record is refused (session:expired) and replaced under a new id', async () => {
    const clock = freezeClock();
    const store = recordingStore();
    const app = bookApp(impl, { store, maxAge: 60_000 }, countViews);
    const expired: string[] = [];
    app.on('session:expired', (e: { key: string }) => expired.push(e.key));
    const browser = new Browser(app);
    await browser.get();
    const oldId = browser.jar.get('koa.sess')!;
    clock.advance(60_001);
    // The browser would have dropped the cookie by now; a copy is replayed.
    browser.jar.set('koa.sess', oldId);
    browser.jar.set('koa.sess.sig', signature('koa.sess', oldId));
    const x = await browser.get();
    expect(x.body).toBe('1 views');
    expect(cookieNamed(x, 'koa.sess')!.value).not.toBe(oldId);
    await new Promise((resolve) => setImmediate(resolve));
    expect(expired).toEqual([oldId]);
  });

  it('externalKey moves the id from the cookie to a header', async () => {
    const store = recordingStore();
    const externalKey = {
      get: (ctx: Context) => ctx.get('X-Session-Id') || undefined,
      set: (ctx: Context, id: string) => ctx.set('X-Session-Id', id),
    };
    const app = bookApp(impl, { store, externalKey }, countViews);
    const first = await request(app.callback()).get('/');
    expect(first.headers['set-cookie']).toBeUndefined();
    const id = first.headers['x-session-id'] as string;
    expect(id).toMatch(UUID_V4);
    const again = await request(app.callback()).get('/').set('X-Session-Id', id);
    expect(again.text).toBe('2 views');
    expect(again.headers['x-session-id']).toBe(id);
  });

  it('logout with externalKey still writes the koa.sess deletion cookies and never calls externalKey.set', async () => {
    const store = recordingStore();
    const setCalls: string[] = [];
    const externalKey = {
      get: (ctx: Context) => ctx.get('X-Session-Id') || undefined,
      set: (ctx: Context, id: string) => {
        setCalls.push(id);
        ctx.set('X-Session-Id', id);
      },
    };
    const app = bookApp(impl, { store, externalKey }, (ctx) => {
      if (ctx.path === '/logout') ctx.session = null;
      else countViews(ctx, async () => {});
    });
    const login = await request(app.callback()).get('/');
    const id = login.headers['x-session-id'] as string;
    expect(setCalls).toEqual([id]);
    const logout = await request(app.callback()).get('/logout').set('X-Session-Id', id);
    // The record is gone …
    expect(store.records.has(id)).toBe(false);
    // … but nothing tells the client: externalKey.set is not called, no header,
    expect(setCalls).toEqual([id]);
    expect(logout.headers['x-session-id']).toBeUndefined();
    // and the cookies it never had are "deleted" anyway.
    const names = setCookieLines(logout.headers['set-cookie']).map(
      (line) => parseSetCookie(line).name,
    );
    expect(names).toEqual(['koa.sess', 'koa.sess.sig']);
    // The client still holds the dead id and sends it: a fresh session, a new id.
    const after = await request(app.callback()).get('/').set('X-Session-Id', id);
    expect(after.text).toBe('1 views');
    expect(after.headers['x-session-id']).not.toBe(id);
  });

  it('the logout workaround: clear the client’s id yourself', async () => {
    const store = recordingStore();
    const externalKey = {
      get: (ctx: Context) => ctx.get('X-Session-Id') || undefined,
      set: (ctx: Context, id: string) => ctx.set('X-Session-Id', id),
    };
    const app = bookApp(impl, { store, externalKey }, (ctx) => {
      if (ctx.path === '/logout') {
        ctx.session = null;
        // What koa-session does not do on remove: tell the client to drop its id.
        ctx.set('X-Session-Id', '');
        ctx.body = 'bye';
      } else countViews(ctx, async () => {});
    });
    const login = await request(app.callback()).get('/');
    const id = login.headers['x-session-id'] as string;
    const logout = await request(app.callback()).get('/logout').set('X-Session-Id', id);
    expect(logout.headers['x-session-id']).toBe('');
    expect(store.records.has(id)).toBe(false);
  });

  it('ContextStore builds a fresh store object per request, with ctx', async () => {
    const records = new Map<string, string>();
    const seen: string[] = [];
    class PerRequestStore {
      constructor(readonly ctx: Context) {
        seen.push(ctx.path);
      }
      get(key: string) {
        const text = records.get(key);
        return text && JSON.parse(text);
      }
      set(key: string, data: unknown) {
        records.set(key, JSON.stringify(data));
      }
      destroy(key: string) {
        records.delete(key);
      }
    }
    const browser = new Browser(bookApp(impl, { ContextStore: PerRequestStore }, countViews));
    await browser.get('/a');
    const x = await browser.get('/b');
    expect(x.body).toBe('2 views');
    expect(seen).toEqual(['/a', '/b']);
  });
});

describeTryIt('the id, the stored record, and ids the store does not know', 'tryit-05.txt', {
  records: 'a visit and what /__session says about it',
  // The server's clock stands still (at the real time, or curl would drop
  // the cookie as expired), so the TTLs read the same on every run.
  stillClock: true,
  commands: [
    'curl -c /tmp/jar -b /tmp/jar http://localhost:3000/; echo',
    'curl -b /tmp/jar http://localhost:3000/__session',
  ],
  check: (text) => {
    expect(text).toContain('"ttlMs": 14000');
    expect(text).toContain('expires in 4.0 s');
  },
});

describeTryIt(
  'the id, the stored record, and ids the store does not know',
  'tryit-05-fixation.txt',
  {
    records: 'a made-up id refused by the signature and a signed id the store lost',
    commands: [
      'curl -c /tmp/jar -b /tmp/jar http://localhost:3000/; echo',
      "sed -i 's/koa:sess\\t.*/koa:sess\\tmy-own-id/' /tmp/jar",
      'curl -c /tmp/jar -b /tmp/jar http://localhost:3000/; echo',
      'cp /tmp/jar /tmp/old',
      'curl -c /tmp/jar -b /tmp/jar http://localhost:3000/logout',
      'curl -b /tmp/old http://localhost:3000/; echo',
    ],
    check: (text) => {
      expect(text).toContain('koa:sess=my-own-id: signature invalid');
      expect(text).toContain('nothing there');
      expect(text).toContain('valid         no: missed → new session');
    },
  },
);
