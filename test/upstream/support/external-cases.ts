/**
 * Cases upstream writes twice, word for word, in test/store.test.ts and
 * test/contextstore.test.ts: a store object and a `ContextStore` class must
 * behave the same. Each case is written once here; store.test.ts and
 * context-store.test.ts run it against their own wiring, inside the same
 * `describe` as upstream, so each file still holds every case of its
 * upstream counterpart.
 */
import Koa from 'koa';
import request from 'supertest';
import { expect, it, vi } from 'vitest';
import type { Session, SessionData, SessionOptions } from '../../../src/index.js';
import { captureErrors } from './app.js';
import { httpDate, ONE_DAY, T0 } from './clock.js';
import { cookieNamed } from './cookies.js';
import { session } from './session.js';

/** How one file wires its store, and how a case looks inside it. */
export interface StoreMode {
  /** An app with `app.keys`, the store wiring and `options`, then `handlers`. */
  app(options: SessionOptions, ...handlers: Koa.Middleware[]): Koa;
  /** The store wiring alone, for a case that assembles its own app. */
  wiring(): SessionOptions;
  /** The shape of the ids this wiring generates. */
  id: RegExp;
  /** The record stored under `id`. */
  record(id: string): SessionData | undefined;
}

function sessionId(res: request.Response): string {
  return cookieNamed(res, 'koa.sess').value;
}

/** A new session: serialising an empty session into the body saves nothing. */
export function emptySessionInBody(mode: StoreMode): void {
  it('sends no cookie when an empty session is only serialised into the body', async () => {
    const app = mode.app({}, (ctx) => {
      ctx.body = ctx.session;
    });
    const res = await request(app.callback()).get('/').expect(200);
    expect(res.body).toEqual({});
    expect(res.headers['set-cookie']).toBeUndefined();
  });
}

/** Assigning to ctx.session: an object is stored, anything but null or an object throws. */
export function assigningObjects(mode: StoreMode): void {
  it('an object becomes the stored session', async () => {
    const app = mode.app({}, (ctx) => {
      ctx.session = { message: 'hello' };
      ctx.body = 'asdf';
    });
    const res = await request(app.callback()).get('/').expect(200);
    expect(mode.record(sessionId(res))).toMatchObject({ message: 'hello' });
  });

  it('anything else throws, answering 500', async () => {
    const app = mode.app({}, (ctx) => {
      (ctx as unknown as { session: unknown }).session = 'asdf';
    });
    const errors = captureErrors(app);
    await request(app.callback()).get('/').expect(500);
    expect(errors.map((e) => e.message)).toEqual([
      'this.session can only be set as null or an object.',
    ]);
  });
}

/** The Session object: inspect, length, populated, save(). */
export function sessionObjectCases(mode: StoreMode): void {
  it('inspects as its plain data', async () => {
    const app = mode.app({}, (ctx) => {
      ctx.session!.foo = 'bar';
      const custom = Symbol.for('nodejs.util.inspect.custom');
      ctx.body = (ctx.session as unknown as Record<symbol, () => unknown>)[custom]!();
    });
    const res = await request(app.callback()).get('/').expect(200);
    expect(res.body).toEqual({ foo: 'bar' });
    expect(sessionId(res)).toMatch(mode.id);
  });

  it('reports its length as the number of saved properties', async () => {
    const app = mode.app({}, (ctx) => {
      ctx.session!.foo = 'bar';
      ctx.body = String(ctx.session!.length);
    });
    const res = await request(app.callback()).get('/').expect(200, '1');
    expect(sessionId(res)).toMatch(mode.id);
  });

  it('reports populated once it holds data', async () => {
    const app = mode.app({}, (ctx) => {
      ctx.session!.foo = 'bar';
      ctx.body = String(ctx.session!.populated);
    });
    const res = await request(app.callback()).get('/').expect(200, 'true');
    expect(sessionId(res)).toMatch(mode.id);
  });

  it('save() stores even an empty new session', async () => {
    const app = mode.app({}, (ctx) => {
      void ctx.session!.save();
      ctx.body = 'hello';
    });
    const res = await request(app.callback()).get('/').expect(200, 'hello');
    expect(mode.record(sessionId(res))).toEqual({ _expire: T0 + ONE_DAY, _maxAge: ONE_DAY });
  });
}

/** Errors thrown downstream: the session is still committed when an outer middleware handles them. */
export function downstreamErrorCase(mode: StoreMode): void {
  it('still commits the session when an outer middleware handles the error', async () => {
    const app = new Koa();
    app.keys = ['a', 'b'];
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (err) {
        ctx.status = (err as { status: number }).status;
        ctx.body = (err as Error).message;
      }
    });
    app.use(session(mode.wiring(), app));
    app.use(async (ctx, next) => {
      ctx.session!.name = 'funny';
      await next();
    });
    app.use((ctx) => {
      ctx.throw(401);
    });

    const res = await request(app.callback()).get('/').expect(401);
    expect(mode.record(sessionId(res))).toMatchObject({ name: 'funny' });
  });
}

/** maxAge from the handler: read it, set it on an empty session, or assign `{ maxAge }`. */
export function maxAgeFromHandler(mode: StoreMode): void {
  it('exposes the configured lifetime as ctx.session.maxAge', async () => {
    const app = mode.app({ maxAge: 100 }, (ctx) => {
      ctx.body = ctx.session!.maxAge;
    });
    await request(app.callback()).get('/').expect(200, '100');
  });

  it('assigning ctx.session.maxAge saves even an unchanged, empty session', async () => {
    const app = mode.app({}, (ctx) => {
      ctx.session!.maxAge = 100;
      ctx.body = ctx.session;
    });
    const res = await request(app.callback()).get('/').expect(200);
    expect(cookieNamed(res, 'koa.sess').attributes.expires).toBe(httpDate(T0 + 100));
    expect(mode.record(sessionId(res))).toEqual({ _expire: T0 + 100, _maxAge: 100 });
  });

  it('assigning { maxAge } as the whole session sets the lifetime and saves', async () => {
    const app = mode.app({}, (ctx) => {
      ctx.session = { maxAge: 100 };
      ctx.body = ctx.session;
    });
    const res = await request(app.callback()).get('/').expect(200);
    expect(res.body).toEqual({});
    expect(cookieNamed(res, 'koa.sess').attributes.expires).toBe(httpDate(T0 + 100));
  });
}

/** ctx.session in application tests: a test can replace it on app.context with a spy. */
export function contextSpyCase(mode: StoreMode): void {
  it('can be replaced on app.context with a spy', async () => {
    const app = mode.app({}, (ctx) => {
      ctx.body = ctx.session;
    });
    vi.spyOn(app.context, 'session', 'get').mockReturnValue({ foo: 'bar' } as unknown as Session);
    const res = await request(app.callback()).get('/').expect(200);
    expect(res.body).toEqual({ foo: 'bar' });
  });
}
