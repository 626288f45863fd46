/**
 * Mirrors koa-session 7.0.2 test/contextstore.test.ts — 33 upstream cases; 33 here.
 *
 * `ContextStore`: instead of one store object, a class that koa-session
 * instantiates per request with that request's `ctx`. The apps here also
 * bring their own `genid`, which leaves the id it generated on
 * `ctx.state.sid` — proving that a custom generator sees the context and
 * that its ids, not UUIDs, end up in the cookie.
 */
import Koa from 'koa';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionData, SessionOptions } from '../../src/index.js';
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
import { contextStoreClass } from './support/stores.js';

/** Ids from the custom generator: the time, a sequence number, then `_suffix`. */
const SID = /^\d+_suffix$/;

let clock: Clock;
let records: Map<string, SessionData>;
let Store: ReturnType<typeof contextStoreClass>['Store'];
let contexts: Koa.Context[];
let sequence = 0;

beforeEach(() => {
  clock = freezeClock();
  ({ Store, records, contexts } = contextStoreClass());
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Time plus a counter, so two sessions made in the same millisecond never share an id. */
function genid(ctx: Koa.Context): string {
  const sid = `${Date.now()}${String(++sequence).padStart(6, '0')}_suffix`;
  ctx.state.sid = sid;
  return sid;
}

function contextApp(options: SessionOptions = {}, ...handlers: Koa.Middleware[]): Koa {
  return makeApp({ ContextStore: Store, genid, ...options }, ...handlers);
}

function sessionId(res: request.Response): string {
  return cookieNamed(res, 'koa.sess').value;
}

/** This file's wiring for the cases it shares with store.test.ts. */
const CONTEXT_STORE: StoreMode = {
  app: contextApp,
  // No custom genid here: the default UUID generator serves ContextStore too.
  wiring: () => ({ ContextStore: Store }),
  id: SID,
  record: (id) => records.get(id),
};

describe('context store: values that need escaping', () => {
  it('round-trips a value containing ";"', async () => {
    const server = contextApp({}, (ctx) => {
      if (ctx.method === 'POST') {
        ctx.session!.string = ';';
        ctx.status = 204;
      } else {
        ctx.body = ctx.session!.string;
      }
    }).callback();

    const saved = await request(server).post('/').expect(204);
    expect(sessionId(saved)).toMatch(SID);
    await request(server).get('/').set('Cookie', cookieHeader(saved)).expect(200, ';');
    // One store instance per request, each built with that request's context.
    expect(contexts).toHaveLength(2);
    expect(contexts[0]).not.toBe(contexts[1]);
  });
});

describe('context store: a new session', () => {
  it('sends no cookie when the session is not used', async () => {
    const app = contextApp({}, (ctx) => {
      ctx.body = 'greetings';
    });
    const res = await request(app.callback()).get('/').expect(200);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('sends no cookie when the session is read but left empty', async () => {
    const app = contextApp({}, (ctx) => {
      void ctx.session;
      ctx.body = 'greetings';
    });
    const res = await request(app.callback()).get('/').expect(200);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('stores the data under an id from the custom genid', async () => {
    const app = contextApp({}, (ctx) => {
      ctx.session!.message = 'hello';
      ctx.body = '';
    });
    const res = await request(app.callback()).get('/').expect(200);
    const id = sessionId(res);
    expect(id).toMatch(SID);
    expect(setCookieLines(res)).toEqual(signedLines('koa.sess', id));
    expect(records.get(id)).toEqual({ message: 'hello', _expire: T0 + ONE_DAY, _maxAge: ONE_DAY });
  });

  it('lets genid share the id with later middleware through ctx', async () => {
    const app = contextApp({}, (ctx) => {
      ctx.session!.message = 'hello';
      ctx.body = ctx.state.sid;
    });
    const res = await request(app.callback()).get('/').expect(200);
    expect(res.text).toMatch(SID);
    expect(sessionId(res)).toBe(res.text);
    expect(records.has(res.text)).toBe(true);
  });

  emptySessionInBody(CONTEXT_STORE);
});

describe('context store: a saved session', () => {
  async function savedHello() {
    const app = contextApp({}, (ctx) => {
      ctx.session!.message = 'hello';
      ctx.body = '';
    });
    const res = await request(app.callback()).get('/').expect(200);
    return { cookie: cookieHeader(res), id: sessionId(res) };
  }

  it('sends no cookie when the request does not touch it', async () => {
    const { cookie } = await savedHello();
    const app = contextApp({}, (ctx) => {
      ctx.body = 'untouched';
    });
    const res = await request(app.callback()).get('/').set('Cookie', cookie).expect(200);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('reads back the same data under the same id', async () => {
    const { cookie, id } = await savedHello();
    const app = contextApp({}, (ctx) => {
      ctx.body = { message: ctx.session!.message, id: ctx.session!.externalKey };
    });
    const res = await request(app.callback()).get('/').set('Cookie', cookie).expect(200);
    expect(res.body).toEqual({ message: 'hello', id });
  });

  it('sends no cookie when the data is read but not changed', async () => {
    const { cookie } = await savedHello();
    const app = contextApp({}, (ctx) => {
      ctx.body = ctx.session!.message;
    });
    const res = await request(app.callback()).get('/').set('Cookie', cookie).expect(200, 'hello');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('writes the change under the same id and re-sends the cookie', async () => {
    const { cookie, id } = await savedHello();
    const app = contextApp({}, (ctx) => {
      ctx.session!.money = '$$$';
      ctx.body = 'changed';
    });
    const res = await request(app.callback()).get('/').set('Cookie', cookie).expect(200);
    expect(sessionId(res)).toBe(id);
    expect(records.get(id)).toMatchObject({ message: 'hello', money: '$$$' });
  });
});

describe('context store: assigning to ctx.session', () => {
  it('null destroys the record and expires the cookie', async () => {
    const app = contextApp({}, (ctx) => {
      ctx.session = null;
      ctx.body = 'asdf';
    });
    const res = await request(app.callback()).get('/').expect(200);
    expect(setCookieLines(res)).toEqual([
      `koa.sess=; path=/; expires=${EPOCH}; httponly`,
      `koa.sess.sig=${sign('koa.sess', '')}; path=/; expires=${EPOCH}; httponly`,
    ]);
  });

  it('an empty object sends no cookie', async () => {
    const app = contextApp({}, (ctx) => {
      ctx.session = {};
      ctx.body = 'asdf';
    });
    const res = await request(app.callback()).get('/').expect(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(records.size).toBe(0);
  });

  assigningObjects(CONTEXT_STORE);
});

describe('context store: the Session object', () => {
  sessionObjectCases(CONTEXT_STORE);
});

describe('context store: errors thrown downstream', () => {
  downstreamErrorCase(CONTEXT_STORE);
});

describe('context store: autoCommit false', () => {
  it('writes nothing unless manuallyCommit() is called', async () => {
    const app = contextApp({ autoCommit: false }, (ctx) => {
      ctx.session!.message = 'hi';
      ctx.body = 200;
    });
    const res = await request(app.callback()).post('/').expect(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(records.size).toBe(0);
  });

  it('writes the cookie and the record when manuallyCommit() is called', async () => {
    const app = contextApp(
      { autoCommit: false },
      async (ctx, next) => {
        if (ctx.method === 'POST') ctx.session!.message = 'dummy';
        await next();
      },
      async (ctx) => {
        ctx.body = 200;
        await ctx.session!.manuallyCommit();
      },
    );
    const res = await request(app.callback()).post('/').expect(200);
    const id = sessionId(res);
    expect(setCookieLines(res)).toEqual(signedLines('koa.sess', id));
    expect(records.get(id)).toMatchObject({ message: 'dummy' });
  });
});

describe('context store: maxAge', () => {
  function messageApp(maxAge: SessionOptions['maxAge']) {
    return contextApp({ maxAge }, (ctx) => {
      if (ctx.method === 'POST') {
        ctx.session!.message = 'hi';
        ctx.status = 200;
        return;
      }
      ctx.body = (ctx.session!.message as string | undefined) ?? '';
    });
  }

  it("'session' makes a cookie without Expires that still reads back", async () => {
    const server = messageApp('session').callback();
    const saved = await request(server).post('/').expect(200);
    expect(setCookieLines(saved)).toEqual(signedLines('koa.sess', sessionId(saved)));
    await request(server).get('/').set('Cookie', cookieHeader(saved)).expect(200, 'hi');
  });

  it("'session' survives several changes without ever gaining an Expires", async () => {
    const server = contextApp({ maxAge: 'session' }, (ctx) => {
      ctx.session!.count = ((ctx.session!.count as number | undefined) ?? 0) + 1;
      ctx.body = `hi ${ctx.session!.count}`;
    }).callback();

    let cookie = '';
    let id = '';
    for (const n of [1, 2, 3]) {
      const req = request(server).get('/');
      if (cookie) req.set('Cookie', cookie);
      const res = await req.expect(200, `hi ${n}`);
      expect(setCookieLines(res)).toHaveLength(2);
      expect(setCookieLines(res).join('\n')).not.toMatch(/expires=/);
      if (id) expect(sessionId(res)).toBe(id);
      id = sessionId(res);
      cookie = cookieHeader(res);
      expect(records.get(id)).toEqual({ count: n, _session: true });
    }
  });

  it('rejects a maxAge string other than "session" when the middleware is built', () => {
    expect(() => contextApp({ maxAge: 'not the right string' as 'session' })).toThrow(/maxAge/);
  });

  it('keeps the session up to the last millisecond of its lifetime', async () => {
    const server = messageApp(100).callback();
    const saved = await request(server).post('/').expect(200);
    expect(cookieNamed(saved, 'koa.sess').attributes.expires).toBe(httpDate(T0 + 100));
    clock.advance(100);
    await request(server).get('/').set('Cookie', cookieHeader(saved)).expect(200, 'hi');
  });

  it('drops the session once its lifetime has passed', async () => {
    const server = messageApp(100).callback();
    const saved = await request(server).post('/').expect(200);
    clock.advance(101);
    await request(server).get('/').set('Cookie', cookieHeader(saved)).expect(200, '');
  });

  it('assigning ctx.session.maxAge changes this response’s lifetime', async () => {
    const app = contextApp({}, (ctx) => {
      ctx.session!.foo = 'bar';
      ctx.session!.maxAge = 100;
      ctx.body = ctx.session!.foo;
    });
    const res = await request(app.callback()).get('/').expect(200, 'bar');
    expect(cookieNamed(res, 'koa.sess').attributes.expires).toBe(httpDate(T0 + 100));
  });

  maxAgeFromHandler(CONTEXT_STORE);
});

describe('context store: unknown ids', () => {
  it('starts a new session when the store has nothing under the id', async () => {
    const app = contextApp({ signed: false }, (ctx) => {
      ctx.body = String(ctx.session!.isNew);
    });
    const res = await request(app.callback())
      .get('/')
      .set('Cookie', 'koa.sess=invalid-key')
      .expect(200, 'true');
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

describe('context store: valid() and beforeSave()', () => {
  it('discards a session whose owner changed and starts a new one', async () => {
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
          ContextStore: Store,
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

    const same = await request(server).get('/').set('Cookie', `${saved}; uid=123`).expect(200);
    expect(same.body).toEqual(first.body);

    const other = await request(server).get('/').set('Cookie', `${saved}; uid=456`).expect(200);
    expect(other.body).toEqual({ foo: 'token-2', uid: '456' });
  });
});

describe('context store: ctx.session in application tests', () => {
  contextSpyCase(CONTEXT_STORE);
});
