/**
 * Mirrors koa-session 7.0.2 test/store.test.ts — 37 upstream cases; 37 here.
 *
 * Store mode: the data lives in an external store and the cookie carries
 * only the session id. Each test gets its own {@link MemoryStore}, which
 * also records what it was asked, so the tests check both sides: the
 * Set-Cookie lines the browser sees and the records/TTLs the store receives.
 * The clock is frozen at T0 for every test.
 */
import Koa from 'koa';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionOptions } from '../../src/index.js';
import { UUID_V4 as UUID } from '../support/ids.js';
import { makeApp } from './support/app.js';
import { type Clock, freezeClock, httpDate, ONE_DAY, T0 } from './support/clock.js';
import {
  cookieHeader,
  cookieNamed,
  EPOCH,
  setCookieLines,
  sign,
  signedLines,
} from './support/cookies.js';
import { nextEvent } from './support/events.js';
import {
  assigningObjects,
  contextSpyCase,
  downstreamErrorCase,
  emptySessionInBody,
  maxAgeFromHandler,
  type StoreMode,
  sessionObjectCases,
} from './support/external-cases.js';
import { session } from './support/session.js';
import { MemoryStore } from './support/stores.js';

/** koa-session gives the store ten seconds more than the cookie. */
const GRACE = 10_000;

const REMOVAL_LINES = [
  `koa.sess=; path=/; expires=${EPOCH}; httponly`,
  `koa.sess.sig=${sign('koa.sess', '')}; path=/; expires=${EPOCH}; httponly`,
];

let clock: Clock;
let store: MemoryStore;
beforeEach(() => {
  clock = freezeClock();
  store = new MemoryStore();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** An app backed by this test's store (unless the options bring their own). */
function storeApp(options: SessionOptions, ...handlers: Koa.Middleware[]): Koa {
  return makeApp({ store, ...options }, ...handlers);
}

/** The session id a response put in the cookie. */
function sessionId(res: request.Response): string {
  return cookieNamed(res, 'koa.sess').value;
}

/** This file's wiring for the cases it shares with context-store.test.ts. */
const STORE: StoreMode = {
  app: storeApp,
  wiring: () => ({ store }),
  id: UUID,
  record: (id) => store.records.get(id),
};

describe('store sessions: values that need escaping', () => {
  function semicolonHandler(ctx: Koa.Context) {
    if (ctx.method === 'POST') {
      ctx.session!.string = ';';
      ctx.status = 204;
    } else {
      ctx.body = (ctx.session!.string as string | undefined) ?? 'new session create';
    }
  }

  it('round-trips a value containing ";" through the store', async () => {
    const server = storeApp({}, semicolonHandler).callback();
    const saved = await request(server).post('/').expect(204);
    const id = sessionId(saved);
    expect(id).toMatch(UUID);
    expect(store.records.get(id)).toEqual({
      string: ';',
      _expire: T0 + ONE_DAY,
      _maxAge: ONE_DAY,
    });
    await request(server).get('/').set('Cookie', cookieHeader(saved)).expect(200, ';');
  });

  it('stops using the store once it is removed from the (live) options object', async () => {
    const options: SessionOptions = { store };
    const server = makeApp(options, semicolonHandler).callback();
    const saved = await request(server).post('/').expect(204);
    await request(server).get('/').set('Cookie', cookieHeader(saved)).expect(200, ';');

    options.store = undefined;
    // Now in cookie mode: the id is not decodable session data, so a fresh
    // session starts and the store is not consulted.
    const callsBefore = store.calls.length;
    await request(server)
      .get('/')
      .set('Cookie', cookieHeader(saved))
      .expect(200, 'new session create');
    expect(store.calls).toHaveLength(callsBefore);
  });
});

describe('store sessions: a new session', () => {
  it('sends no cookie and touches no store when the session is not used', async () => {
    const app = storeApp({}, (ctx) => {
      ctx.body = 'greetings';
    });
    const res = await request(app.callback()).get('/').expect(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(store.calls).toEqual([]);
  });

  it('sends no cookie when the session is read but left empty', async () => {
    const app = storeApp({}, (ctx) => {
      void ctx.session;
      ctx.body = 'greetings';
    });
    const res = await request(app.callback()).get('/').expect(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(store.calls).toEqual([]);
  });

  it('stores the data under a new id and puts only the id in the cookie', async () => {
    const app = storeApp({}, (ctx) => {
      ctx.session!.message = 'hello';
      ctx.body = '';
    });
    const res = await request(app.callback()).get('/').expect(200);
    const id = sessionId(res);
    expect(id).toMatch(UUID);
    expect(setCookieLines(res)).toEqual(signedLines('koa.sess', id));
    expect(store.calls).toEqual([
      {
        op: 'set',
        key: id,
        data: { message: 'hello', _expire: T0 + ONE_DAY, _maxAge: ONE_DAY },
        maxAge: ONE_DAY + GRACE,
        changed: true,
      },
    ]);
  });

  emptySessionInBody(STORE);
});

describe('store sessions: a saved session', () => {
  /** Save `{ message: 'hello' }` and return the browser's Cookie header and the id. */
  async function savedHello() {
    const app = storeApp({}, (ctx) => {
      ctx.session!.message = 'hello';
      ctx.body = '';
    });
    const res = await request(app.callback()).get('/').expect(200);
    store.calls.length = 0;
    return { cookie: cookieHeader(res), id: sessionId(res) };
  }

  it('sends no cookie when the request does not touch it', async () => {
    const { cookie, id } = await savedHello();
    const app = storeApp({}, (ctx) => {
      ctx.body = 'untouched';
    });
    const res = await request(app.callback()).get('/').set('Cookie', cookie).expect(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    // The middleware still loads it up front: store I/O cannot wait for a getter.
    expect(store.calls).toEqual([{ op: 'get', key: id, maxAge: undefined, rolling: false }]);
  });

  it('reads back the same data', async () => {
    const { cookie } = await savedHello();
    const app = storeApp({}, (ctx) => {
      ctx.body = { message: ctx.session!.message, isNew: ctx.session!.isNew };
    });
    const res = await request(app.callback()).get('/').set('Cookie', cookie).expect(200);
    expect(res.body).toEqual({ message: 'hello', isNew: false });
  });

  it('sends no cookie and writes nothing when the data is read but not changed', async () => {
    const { cookie } = await savedHello();
    const app = storeApp({}, (ctx) => {
      ctx.body = ctx.session!.message;
    });
    const res = await request(app.callback()).get('/').set('Cookie', cookie).expect(200, 'hello');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(store.ops()).toEqual(['get']);
  });

  it('writes the change under the same id and re-sends the cookie', async () => {
    const { cookie, id } = await savedHello();
    clock.advance(5000);
    const app = storeApp({}, (ctx) => {
      ctx.session!.money = '$$$';
      ctx.body = 'changed';
    });
    const res = await request(app.callback()).get('/').set('Cookie', cookie).expect(200);
    const now = clock.now();
    expect(setCookieLines(res)).toEqual(
      signedLines('koa.sess', id, `path=/; expires=${httpDate(now + ONE_DAY)}; httponly`),
    );
    expect(store.records.get(id)).toEqual({
      message: 'hello',
      money: '$$$',
      _expire: now + ONE_DAY,
      _maxAge: ONE_DAY,
    });
  });
});

describe('store sessions: assigning to ctx.session', () => {
  it('null destroys the record and expires the cookie', async () => {
    const app = storeApp({}, (ctx) => {
      ctx.session = null;
      ctx.body = 'asdf';
    });
    const res = await request(app.callback()).get('/').expect(200);
    expect(setCookieLines(res)).toEqual(REMOVAL_LINES);
    // Even a brand-new session has an id by now, and that id is destroyed.
    expect(store.calls).toEqual([{ op: 'destroy', key: expect.stringMatching(UUID) }]);
  });

  it('an empty object sends no cookie and stores nothing', async () => {
    const app = storeApp({}, (ctx) => {
      ctx.session = {};
      ctx.body = 'asdf';
    });
    const res = await request(app.callback()).get('/').expect(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(store.calls).toEqual([]);
  });

  assigningObjects(STORE);
});

describe('store sessions: the Session object', () => {
  sessionObjectCases(STORE);
});

describe('store sessions: errors thrown downstream', () => {
  downstreamErrorCase(STORE);
});

describe('store sessions: maxAge', () => {
  function messageApp(maxAge: SessionOptions['maxAge']) {
    return storeApp({ maxAge }, (ctx) => {
      if (ctx.method === 'POST') {
        ctx.session!.message = 'hi';
        ctx.status = 200;
        return;
      }
      ctx.body = (ctx.session!.message as string | undefined) ?? '';
    });
  }

  it("'session' makes a browser-session cookie and hands 'session' to the store", async () => {
    const server = messageApp('session').callback();
    const saved = await request(server).post('/').expect(200);
    const id = sessionId(saved);
    expect(setCookieLines(saved)).toEqual(signedLines('koa.sess', id));
    expect(store.calls).toEqual([
      {
        op: 'set',
        key: id,
        data: { message: 'hi', _session: true },
        maxAge: 'session',
        changed: true,
      },
    ]);

    clock.advance(ONE_DAY * 30);
    await request(server).get('/').set('Cookie', cookieHeader(saved)).expect(200, 'hi');
  });

  it('keeps the session up to the last millisecond of its lifetime', async () => {
    const server = messageApp(100).callback();
    const saved = await request(server).post('/').expect(200);
    expect(store.calls[0]).toMatchObject({ op: 'set', maxAge: 100 + GRACE });
    expect(cookieNamed(saved, 'koa.sess').attributes.expires).toBe(httpDate(T0 + 100));

    clock.advance(100);
    await request(server).get('/').set('Cookie', cookieHeader(saved)).expect(200, 'hi');
  });

  it('drops an expired record, announcing session:expired with the id', async () => {
    const app = messageApp(100);
    const server = app.callback();
    const saved = await request(server).post('/').expect(200);

    clock.advance(101);
    const expired = nextEvent(app, 'session:expired');
    await request(server).get('/').set('Cookie', cookieHeader(saved)).expect(200, '');
    const event = await expired;
    expect(event.key).toBe(sessionId(saved));
    expect(event.value).toEqual({ message: 'hi', _expire: T0 + 100, _maxAge: 100 });
    expect(event.ctx.app).toBe(app);
  });

  it('assigning ctx.session.maxAge changes this response’s lifetime', async () => {
    const app = storeApp({}, (ctx) => {
      ctx.session!.foo = 'bar';
      ctx.session!.maxAge = 100;
      ctx.body = ctx.session!.foo;
    });
    const res = await request(app.callback()).get('/').expect(200, 'bar');
    expect(cookieNamed(res, 'koa.sess').attributes.expires).toBe(httpDate(T0 + 100));
    expect(store.calls).toMatchObject([{ op: 'set', maxAge: 100 + GRACE }]);
  });

  maxAgeFromHandler(STORE);
});

describe('store sessions: regenerate()', () => {
  it('moves the same content to a new id and destroys the old record', async () => {
    const app = storeApp(
      {},
      async (ctx, next) => {
        ctx.session = { message: 'hi' };
        await next();
      },
      async (ctx, next) => {
        if (ctx.cookies.get('koa.sess')) await ctx.session!.regenerate();
        await next();
      },
      (ctx) => {
        ctx.body = ctx.session!.message;
      },
    );
    const server = app.callback();

    const first = await request(server).get('/').expect(200, 'hi');
    const oldId = sessionId(first);

    const second = await request(server).get('/').set('Cookie', cookieHeader(first)).expect(200);
    expect(second.text).toBe('hi');
    const newId = sessionId(second);
    expect(newId).toMatch(UUID);
    expect(newId).not.toBe(oldId);
    expect(store.records.has(oldId)).toBe(false);
    expect(store.records.get(newId)).toMatchObject({ message: 'hi' });
    // One cookie pair for the new id: the removal was overwritten.
    expect(setCookieLines(second)).toEqual(
      signedLines('koa.sess', newId, `path=/; expires=${httpDate(T0 + ONE_DAY)}; httponly`),
    );
  });
});

describe('store sessions: unknown ids', () => {
  it('starts a new session when the store has nothing, announcing session:missed', async () => {
    const app = storeApp({ signed: false }, (ctx) => {
      ctx.body = String(ctx.session!.isNew);
    });
    const missed = nextEvent(app, 'session:missed');
    await request(app.callback())
      .get('/')
      .set('Cookie', 'koa.sess=invalid-key')
      .expect(200, 'true');
    const event = await missed;
    expect(event.key).toBe('invalid-key');
    expect(event.value).toBeUndefined();
    expect(event.ctx.app).toBe(app);
    expect(store.calls).toEqual([
      { op: 'get', key: 'invalid-key', maxAge: undefined, rolling: false },
    ]);
  });
});

describe('store sessions: valid() and beforeSave()', () => {
  it('discards a session whose owner changed, announcing session:invalid', async () => {
    let issued = 0;
    const app = new Koa();
    app.keys = ['a', 'b'];
    app.use(
      session(
        {
          valid: (ctx, data) => ctx.cookies.get('uid') === data.uid,
          beforeSave: (ctx, sess) => {
            sess.uid = ctx.cookies.get('uid');
          },
          store,
        },
        app,
      ),
    );
    app.use((ctx) => {
      ctx.session!.foo ??= `token-${++issued}`;
      ctx.body = { foo: ctx.session!.foo, uid: ctx.cookies.get('uid') };
    });
    const server = app.callback();

    const first = await request(server).get('/').set('Cookie', 'uid=123').expect(200);
    expect(first.body).toEqual({ foo: 'token-1', uid: '123' });
    const saved = cookieHeader(first);
    const id = sessionId(first);

    const same = await request(server).get('/').set('Cookie', `${saved}; uid=123`).expect(200);
    expect(same.body).toEqual(first.body);

    const invalid = nextEvent(app, 'session:invalid');
    const other = await request(server).get('/').set('Cookie', `${saved}; uid=456`).expect(200);
    expect(other.body).toEqual({ foo: 'token-2', uid: '456' });
    const event = await invalid;
    expect(event.key).toBe(id);
    expect(event.value).toMatchObject({ foo: 'token-1', uid: '123' });
    expect(event.ctx.app).toBe(app);
    // The rejected id is not reused: the new session got its own.
    expect(sessionId(other)).not.toBe(id);
  });
});

describe('store sessions: ctx.session in application tests', () => {
  contextSpyCase(STORE);
});

describe('store sessions: rolling', () => {
  function rollingApp() {
    return storeApp({ rolling: true }, (ctx) => {
      if (ctx.path === '/set') ctx.session = { foo: 'bar' };
      ctx.body = ctx.session;
    });
  }

  it('sends no cookie while there is no session', async () => {
    const res = await request(rollingApp().callback()).get('/').expect(200);
    expect(res.body).toEqual({});
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(store.calls).toEqual([]);
  });

  it('re-sends the cookie and re-stores an unchanged session on every response', async () => {
    const server = rollingApp().callback();
    const first = await request(server).get('/set').expect(200);
    expect(first.body).toEqual({ foo: 'bar' });
    expect(setCookieLines(first)).toHaveLength(2);
    const id = sessionId(first);

    clock.advance(1000);
    store.calls.length = 0;
    const second = await request(server).get('/').set('Cookie', cookieHeader(first)).expect(200);
    expect(second.body).toEqual({ foo: 'bar' });
    expect(setCookieLines(second)).toHaveLength(2);
    expect(sessionId(second)).toBe(id);
    // The store hears that this write is a refresh, not a change.
    expect(store.calls).toEqual([
      { op: 'get', key: id, maxAge: undefined, rolling: true },
      {
        op: 'set',
        key: id,
        data: { foo: 'bar', _expire: T0 + 1000 + ONE_DAY, _maxAge: ONE_DAY },
        maxAge: ONE_DAY + GRACE,
        changed: false,
      },
    ]);
  });
});

describe('store sessions: prefix', () => {
  it('puts the prefix in front of generated ids', async () => {
    const server = storeApp({ prefix: 'sess:' }, (ctx) => {
      if (ctx.method === 'POST') {
        ctx.session!.string = ';';
        ctx.status = 204;
      } else {
        ctx.body = ctx.session!.string;
      }
    }).callback();

    const saved = await request(server).post('/').expect(204);
    const id = sessionId(saved);
    expect(id.startsWith('sess:')).toBe(true);
    expect(id.slice('sess:'.length)).toMatch(UUID);
    expect([...store.records.keys()]).toEqual([id]);
    await request(server).get('/').set('Cookie', cookieHeader(saved)).expect(200, ';');
  });
});

describe('store sessions: renew', () => {
  function renewApp() {
    return storeApp({ renew: true, maxAge: 2000 }, (ctx) => {
      if (ctx.path === '/set') ctx.session = { foo: 'bar' };
      ctx.body = ctx.session;
    });
  }

  it('sends no cookie while there is no session', async () => {
    const res = await request(renewApp().callback()).get('/').expect(200);
    expect(res.body).toEqual({});
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('renews an unchanged session once less than half its lifetime is left', async () => {
    const server = renewApp().callback();
    const first = await request(server).get('/set').expect(200);
    expect(setCookieLines(first)).toHaveLength(2);

    clock.advance(1200);
    store.calls.length = 0;
    const second = await request(server).get('/').set('Cookie', cookieHeader(first)).expect(200);
    expect(second.body).toEqual({ foo: 'bar' });
    expect(setCookieLines(second)).toEqual(
      signedLines(
        'koa.sess',
        sessionId(first),
        `path=/; expires=${httpDate(T0 + 1200 + 2000)}; httponly`,
      ),
    );
    expect(store.calls[1]).toMatchObject({ op: 'set', changed: false, maxAge: 2000 + GRACE });
  });

  it('leaves an unchanged session alone while more than half its lifetime is left', async () => {
    const server = renewApp().callback();
    const first = await request(server).get('/set').expect(200);
    expect(setCookieLines(first)).toHaveLength(2);

    clock.advance(500);
    store.calls.length = 0;
    const second = await request(server).get('/').set('Cookie', cookieHeader(first)).expect(200);
    expect(second.body).toEqual({ foo: 'bar' });
    expect(second.headers['set-cookie']).toBeUndefined();
    expect(store.ops()).toEqual(['get']);
  });
});

describe('store sessions: reading ctx.session before the middleware', () => {
  it('gives an early reader a throwaway session; the middleware then loads the real one', async () => {
    const app = new Koa();
    app.keys = ['a', 'b'];
    app.use(async (ctx, next) => {
      expect(ctx.session).toBeTruthy();
      ctx.session!.foo = '123';
      await next();
    });
    app.use(session({ store }, app));
    app.use((ctx) => {
      if (ctx.path === '/set') ctx.session = { foo: 'bar' };
      ctx.body = ctx.session;
    });
    const server = app.callback();

    const empty = await request(server).get('/').expect(200);
    expect(empty.body).toEqual({});
    expect(empty.headers['set-cookie']).toBeUndefined();

    const set = await request(server).get('/set').expect(200);
    expect(set.body).toEqual({ foo: 'bar' });

    const loaded = await request(server).get('/').set('Cookie', cookieHeader(set)).expect(200);
    expect(loaded.body).toEqual({ foo: 'bar' });
  });
});
