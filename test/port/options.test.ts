/**
 * Options at the entry point: argument order, construction-time checks,
 * never writing to the caller's object, and reading it live per request.
 * See chapters/03-architecture.md#options.
 */
import Koa from 'koa';
import upstream from 'koa-session';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import session, {
  createSession,
  SessionOptionError,
  type SessionOptions,
} from '../../src/index.js';
import { freezeClock } from '../support/clock.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function appWith(opts: SessionOptions) {
  const app = new Koa();
  app.keys = ['options'];
  app.use(session(opts, app));
  app.use((ctx) => {
    ctx.session!.seen = true;
    ctx.body = 'ok';
  });
  return app;
}

describe('argument order', () => {
  it('accepts (opts, app), (app, opts) and (app)', async () => {
    for (const make of [
      (app: Koa) => session({ key: 'k1' }, app),
      (app: Koa) => session(app, { key: 'k1' }),
      (app: Koa) => createSession(app),
    ]) {
      const app = new Koa();
      app.keys = ['a'];
      app.use(make(app));
      app.use((ctx) => {
        ctx.session!.x = 1;
        ctx.body = '';
      });
      const res = await request(app.callback()).get('/');
      expect(res.headers['set-cookie']?.[0]).toMatch(/^(k1|koa\.sess)=/);
    }
  });

  it('requires the app, with the same message as koa-session', () => {
    expect(() => session({} as SessionOptions, undefined as unknown as Koa)).toThrow(
      'app instance required: `session(opts, app)`',
    );
    expect(() => upstream({}, undefined as never)).toThrow('app instance required');
  });

  it('rejects options that are not an object', () => {
    expect(() => session('nope' as never, new Koa())).toThrow(/options must be an object/);
  });
});

describe('construction-time checks name the option', () => {
  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['key', { key: 42 }, 'key'],
    ['maxAge string', { maxAge: 'forever' }, 'maxAge'],
    ['maxAge NaN', { maxAge: Number.NaN }, 'maxAge'],
    ['maxAge Infinity', { maxAge: Number.POSITIVE_INFINITY }, 'maxAge'],
    ['maxage alias', { maxage: 'soon' }, 'maxAge'],
    ['httpOnly', { httpOnly: 'yes' }, 'httpOnly'],
    ['signed null', { signed: null }, 'signed'],
    ['rolling', { rolling: 1 }, 'rolling'],
    ['secure', { secure: 'true' }, 'secure'],
    ['sameSite bool', { sameSite: true }, 'sameSite'],
    ['sameSite value', { sameSite: 'sometimes' }, 'sameSite'],
    ['encode', { encode: 'base64' }, 'encode'],
    ['genid', { genid: 7 }, 'genid'],
    ['valid', { valid: {} }, 'valid'],
    ['beforeSave', { beforeSave: [] }, 'beforeSave'],
    ['prefix', { prefix: 1 }, 'prefix'],
    ['store', { store: 'redis' }, 'store'],
    ['store.get', { store: { set() {}, destroy() {} } }, 'store.get'],
    ['store.destroy', { store: { get() {}, set() {} } }, 'store.destroy'],
    ['externalKey.set', { externalKey: { get() {} } }, 'externalKey.set'],
    ['ContextStore not a class', { ContextStore: () => ({}) }, 'ContextStore'],
    [
      'ContextStore without destroy',
      {
        ContextStore: class {
          get() {}
          set() {}
        },
      },
      'ContextStore.prototype.destroy',
    ],
  ];

  for (const [label, opts, option] of bad) {
    it(`${label} → SessionOptionError naming \`${option}\``, () => {
      vi.spyOn(console, 'warn').mockImplementation(() => {});
      let error: unknown;
      try {
        session(opts as SessionOptions, new Koa());
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(SessionOptionError);
      expect((error as SessionOptionError).option).toBe(option);
      expect((error as Error).message).toContain(`\`${option}\``);
    });
  }

  it('accepts every documented option with a valid value', () => {
    const store = { get() {}, set() {}, destroy() {} };
    expect(() =>
      session(
        {
          key: 'k',
          maxAge: 'session',
          autoCommit: false,
          overwrite: false,
          httpOnly: false,
          signed: false,
          rolling: true,
          renew: true,
          secure: false,
          sameSite: 'Lax',
          externalKey: { get: () => undefined, set() {} },
          store,
          encode: (d) => JSON.stringify(d),
          decode: (s) => JSON.parse(s),
          genid: () => 'id',
          prefix: 'p:',
          valid: () => true,
          beforeSave() {},
          path: '/app',
          domain: 'example.com',
        },
        new Koa(),
      ),
    ).not.toThrow();
  });
});

describe("the caller's options object", () => {
  it('is never written to (koa-session fills its defaults into it)', () => {
    const theirs: Record<string, unknown> = { maxage: 1000 };
    const ours: Record<string, unknown> = { maxage: 1000 };
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    upstream(theirs, new Koa());
    session(ours, new Koa());
    expect(Object.keys(theirs)).toEqual(expect.arrayContaining(['maxAge', 'key', 'genid']));
    expect(ours).toEqual({ maxage: 1000 });
  });

  it('is read live: later changes reach later requests, as in koa-session', async () => {
    const opts: SessionOptions = { key: 'first' };
    const app = appWith(opts);
    const before = await request(app.callback()).get('/');
    opts.key = 'second';
    const after = await request(app.callback()).get('/');
    expect(before.headers['set-cookie']?.[0]).toMatch(/^first=/);
    expect(after.headers['set-cookie']?.[0]).toMatch(/^second=/);
  });

  it('per-request changes to ctx.sessionOptions stay in that request', async () => {
    const app = new Koa();
    app.keys = ['a'];
    app.use(session({ maxAge: 1000 }, app));
    app.use((ctx) => {
      const before = ctx.sessionOptions!.maxAge;
      ctx.sessionOptions!.maxAge = 5;
      ctx.body = { before };
    });
    const first = await request(app.callback()).get('/');
    const second = await request(app.callback()).get('/');
    expect(first.body).toEqual({ before: 1000 });
    expect(second.body).toEqual({ before: 1000 });
  });
});

describe('the deprecated `maxage` spelling', () => {
  it('still works and warns once at construction outside production', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    freezeClock(Date.UTC(2030, 0, 1));
    const app = appWith({ maxage: 60_000 });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toContain('`maxage` option has been renamed to `maxAge`');
    const res = await request(app.callback()).get('/');
    expect(res.headers['set-cookie']?.[0]).toContain('expires=Tue, 01 Jan 2030 00:01:00 GMT');
  });

  it('with both spellings, behaves exactly like koa-session (the cookies library honours `maxage` too)', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    freezeClock(Date.UTC(2030, 0, 1));
    const theirApp = new Koa();
    theirApp.keys = ['options'];
    theirApp.use(upstream({ maxAge: 1000, maxage: 60_000 } as never, theirApp));
    theirApp.use((ctx) => {
      ctx.session!.seen = true;
      ctx.body = 'ok';
    });
    const ours = await request(appWith({ maxAge: 1000, maxage: 60_000 }).callback()).get('/');
    const theirs = await request(theirApp.callback()).get('/');
    expect(ours.headers['set-cookie']).toEqual(theirs.headers['set-cookie']);
    // The JSON keeps `maxAge`; the cookie's Expires follows the deprecated alias.
    expect(ours.headers['set-cookie']?.[0]).toContain('expires=Tue, 01 Jan 2030 00:01:00 GMT');
  });
});
