import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Context } from 'koa';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp as createPlayground } from '../../playground/memory.js';
import { parseSetCookie, setCookieLines } from '../../playground/shared/cookies.js';
import { tryIt } from '../support/tryit.js';
import {
  Browser,
  bookApp,
  cookieNamed,
  countViews,
  describePortOnly,
  describeTryIt,
  freezeClock,
  IMPLS,
  recordingStore,
  signature,
  UUID_V4,
} from './support.js';

const run = promisify(execFile);

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
    // The store has not deleted it: only _expire can refuse it.
    expect(store.records.has(oldId)).toBe(true);
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
    // The same id in a validly signed cookie is not even looked at.
    const cookie = `koa.sess=${id}; koa.sess.sig=${signature('koa.sess', id)}`;
    const byCookie = await request(app.callback()).get('/').set('Cookie', cookie);
    expect(byCookie.text).toBe('1 views');
    expect(byCookie.headers['set-cookie']).toBeUndefined();
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

  it('a first visit: an id from genid at once, no store call, nothing written while the session stays empty', async () => {
    const store = recordingStore();
    let made = 0;
    const genid = () => `id-${++made}`;
    const seenBeforeReading: number[] = [];
    const app = bookApp(impl, { store, genid }, (ctx) => {
      seenBeforeReading.push(made);
      if (ctx.path === '/fill') return countViews(ctx, async () => {});
      ctx.body = `empty: ${ctx.session!.length}`;
    });
    const x = await new Browser(app).get('/look');
    expect(seenBeforeReading).toEqual([1]);
    expect(x.body).toBe('empty: 0');
    expect(store.calls).toEqual([]);
    expect(x.setCookie).toEqual([]);
    // The same first visit, once the handler puts something in: one write.
    const filled = await new Browser(app).get('/fill');
    expect(store.ops()).toEqual(['set']);
    expect(cookieNamed(filled, 'koa.sess')!.value).toBe('id-2');
  });

  it('a cookie id whose signature fails never reaches the store', async () => {
    const store = recordingStore();
    const app = bookApp(impl, { store }, countViews);
    for (const sig of [signature('koa.sess', 'something else'), undefined]) {
      const browser = new Browser(app);
      browser.jar.set('koa.sess', 'made-up-id');
      if (sig) browser.jar.set('koa.sess.sig', sig);
      store.calls.length = 0;
      const x = await browser.get();
      expect(x.body).toBe('1 views');
      expect(store.ops()).toEqual(['set']);
      expect(cookieNamed(x, 'koa.sess')!.value).toMatch(UUID_V4);
    }
  });

  it('get receives the configured maxAge, not the lifetime the record carries', async () => {
    const store = recordingStore();
    const app = bookApp(impl, { store, maxAge: 60_000 }, (ctx) => {
      if (ctx.path === '/remember-me') ctx.session!.maxAge = 30 * 86_400_000;
      countViews(ctx, async () => {});
    });
    const browser = new Browser(app);
    await browser.get('/remember-me');
    const id = browser.jar.get('koa.sess')!;
    expect(store.records.get(id)!._maxAge).toBe(30 * 86_400_000);
    store.calls.length = 0;
    await browser.get('/');
    expect(store.calls[0]).toEqual({ op: 'get', key: id, maxAge: 60_000, rolling: false });
  });

  it('get is told rolling: true when the app re-saves on every request, and a save follows', async () => {
    const store = recordingStore();
    const app = bookApp(impl, { store, rolling: true }, (ctx) => {
      if (ctx.path === '/count') return countViews(ctx, async () => {});
      ctx.body = `views: ${ctx.session!.views}`;
    });
    const browser = new Browser(app);
    await browser.get('/count');
    store.calls.length = 0;
    await browser.get('/read');
    expect(store.calls.map((c) => [c.op, c.rolling])).toEqual([
      ['get', true],
      ['set', true],
    ]);
  });

  it('a record the valid option rejects is replaced under a new id', async () => {
    const store = recordingStore();
    const valid = (_ctx: unknown, data: Record<string, unknown>) => data.views !== 1;
    const app = bookApp(impl, { store, valid }, countViews);
    const invalid: string[] = [];
    app.on('session:invalid', (e: { key: string }) => invalid.push(e.key));
    const browser = new Browser(app);
    await browser.get();
    const oldId = browser.jar.get('koa.sess')!;
    const x = await browser.get();
    expect(x.body).toBe('1 views');
    expect(cookieNamed(x, 'koa.sess')!.value).not.toBe(oldId);
    await new Promise((resolve) => setImmediate(resolve));
    expect(invalid).toEqual([oldId]);
  });

  it('in store mode decode is never called: the store hands back an object', async () => {
    const store = recordingStore();
    let decodes = 0;
    const decode = () => {
      decodes++;
      throw new TypeError('decode is for cookie sessions');
    };
    const browser = new Browser(bookApp(impl, { store, decode }, countViews));
    await browser.get();
    expect((await browser.get()).body).toBe('2 views');
    expect(decodes).toBe(0);
  });

  it('a made-up id reaches the store when cookies are unsigned or the id is in a header, and is still not adopted', async () => {
    const asked: string[] = [];
    const unsignedStore = recordingStore();
    const unsigned = bookApp(impl, { store: unsignedStore, signed: false }, countViews);
    const x = await request(unsigned.callback()).get('/').set('Cookie', 'koa.sess=made-up-1');
    asked.push(...unsignedStore.calls.filter((c) => c.op === 'get').map((c) => c.key));
    expect(x.text).toBe('1 views');
    expect(setCookieLines(x.headers['set-cookie'])[0]).toMatch(/^koa\.sess=[0-9a-f-]{36};/);
    const headerStore = recordingStore();
    const externalKey = {
      get: (ctx: Context) => ctx.get('X-Session-Id') || undefined,
      set: (ctx: Context, id: string) => ctx.set('X-Session-Id', id),
    };
    const header = bookApp(impl, { store: headerStore, externalKey }, countViews);
    const y = await request(header.callback()).get('/').set('X-Session-Id', 'made-up-2');
    asked.push(...headerStore.calls.filter((c) => c.op === 'get').map((c) => c.key));
    expect(y.text).toBe('1 views');
    expect(y.headers['x-session-id']).toMatch(UUID_V4);
    // Both reached the store as sent, and neither was kept.
    expect(asked).toEqual(['made-up-1', 'made-up-2']);
    expect(unsignedStore.records.has('made-up-1')).toBe(false);
    expect(headerStore.records.has('made-up-2')).toBe(false);
  });

  it('a genuine id planted before login is handed to the attacker, unless login regenerates', async () => {
    for (const regenerate of [false, true]) {
      const store = recordingStore();
      const app = bookApp(impl, { store }, async (ctx) => {
        if (ctx.path === '/login') {
          if (regenerate) await ctx.session!.regenerate();
          ctx.session!.user = 'victim';
        } else if (ctx.path === '/visit') ctx.session!.visited = true;
        ctx.body = `user: ${ctx.session!.user ?? 'nobody'}`;
      });
      // The attacker visits and puts something in a session: a signed id the store knows.
      const attacker = new Browser(app);
      await attacker.get('/visit');
      const planted = attacker.jar.get('koa.sess')!;
      expect(store.records.has(planted)).toBe(true);
      // Both cookies are planted in the victim's browser, who then logs in.
      const victim = new Browser(app);
      for (const [k, v] of attacker.jar) victim.jar.set(k, v);
      await victim.get('/login');
      const seen = (await attacker.get('/me')).body;
      if (regenerate) {
        expect(victim.jar.get('koa.sess')).not.toBe(planted);
        expect(store.records.has(planted)).toBe(false);
        expect(seen).toBe('user: nobody');
      } else {
        expect(victim.jar.get('koa.sess')).toBe(planted);
        expect(seen).toBe('user: victim');
      }
    }
  });

  it('every store method receives ctx in its options argument', async () => {
    const seen: string[] = [];
    const records = new Map<string, unknown>();
    const store = {
      get: async (key: string, _maxAge: unknown, o: { ctx: Context }) => {
        seen.push(`get ${o.ctx.path}`);
        return records.get(key);
      },
      set: async (key: string, data: unknown, _maxAge: unknown, o: { ctx: Context }) => {
        seen.push(`set ${o.ctx.path}`);
        records.set(key, data);
      },
      destroy: async (key: string, o: { ctx: Context }) => {
        seen.push(`destroy ${o.ctx.path}`);
        records.delete(key);
      },
    };
    const app = bookApp(impl, { store }, (ctx) => {
      if (ctx.path === '/logout') ctx.session = null;
      else countViews(ctx, async () => {});
      ctx.body ??= 'bye';
    });
    const browser = new Browser(app);
    await browser.get('/count');
    await browser.get('/logout');
    expect(seen).toEqual(['set /count', 'get /logout', 'destroy /logout']);
  });

  it('a plain store is one object, shared by every request', async () => {
    const thisSeen: unknown[] = [];
    const records = new Map<string, unknown>();
    class Shared {
      async get(key: string) {
        thisSeen.push(this);
        return records.get(key);
      }
      async set(key: string, data: unknown) {
        thisSeen.push(this);
        records.set(key, data);
      }
      async destroy(key: string) {
        records.delete(key);
      }
    }
    const store = new Shared();
    const a = new Browser(bookApp(impl, { store }, countViews));
    await a.get();
    await a.get();
    const b = new Browser(a.app);
    await b.get();
    expect(thisSeen).toHaveLength(4);
    for (const self of thisSeen) expect(self).toBe(store);
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
  name: 'records a visit and what /__session says about it (tryit-05.txt)',
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
    name: 'records a made-up id refused by the signature and a signed id the store lost (tryit-05-fixation.txt)',
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

describePortOnly('Try it: the cookie in curl’s jar (port only: the playground)', () => {
  it.runIf(existsSync('/usr/bin/curl'))(
    'with the .sig line deleted too, the trace says signature missing and the store is not asked',
    async () => {
      const text = await tryIt(
        (sink) => createPlayground({ cookieMode: false, ...sink }),
        [
          'curl -c /tmp/jar -b /tmp/jar http://localhost:3000/; echo',
          "sed -i 's/koa:sess\\t.*/koa:sess\\tmy-own-id/; /sess.sig/d' /tmp/jar",
          'curl -c /tmp/jar -b /tmp/jar http://localhost:3000/; echo',
        ],
      );
      const second = text.slice(text.lastIndexOf('── GET /'));
      expect(second).toContain('koa:sess=my-own-id: signature missing');
      expect(second).not.toContain('store.get');
      expect(second).toContain('created       new session, id <id-2>');
    },
  );

  it.runIf(existsSync('/usr/bin/curl'))(
    'curl keeps the playground’s cookie 4 s after its Set-Cookie, and sends none once that has passed',
    async () => {
      const { app } = createPlayground({ cookieMode: false, trace: false });
      const server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const dir = mkdtempSync(join(tmpdir(), 'ch5-jar-'));
      const jar = join(dir, 'jar');
      const curl = async (...args: string[]) =>
        (await run('curl', ['-s', ...args, url])).stdout.toString();
      try {
        const before = Math.floor(Date.now() / 1000);
        expect(await curl('-c', jar, '-b', jar)).toBe('1 views');
        const after = Math.ceil(Date.now() / 1000);
        // Netscape jar lines: domain, subdomains, path, secure, expiry (s), name, value.
        const lines = readFileSync(jar, 'utf8')
          .split('\n')
          .filter((l) => l.includes('\tkoa:sess'));
        expect(lines).toHaveLength(2);
        for (const line of lines) {
          const expiry = Number(line.split('\t')[4]);
          expect(expiry).toBeGreaterThanOrEqual(before + 3);
          expect(expiry).toBeLessThanOrEqual(after + 4);
        }
        expect(await curl('-c', jar, '-b', jar)).toBe('2 views');
        // The same jar with the expiry put one second in the past: nothing is sent.
        const past = String(Math.floor(Date.now() / 1000) - 1);
        writeFileSync(
          jar,
          readFileSync(jar, 'utf8').replace(
            /^(#HttpOnly_[^\t]*\t[^\t]*\t[^\t]*\t[^\t]*\t)\d+(\tkoa:sess)/gm,
            `$1${past}$2`,
          ),
        );
        expect(await curl('-b', jar)).toBe('1 views');
      } finally {
        rmSync(dir, { recursive: true, force: true });
        server.close();
      }
    },
  );
});
