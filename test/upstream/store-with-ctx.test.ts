/**
 * Mirrors koa-session 7.0.2 test/store_with_ctx.test.ts — 4 upstream cases; 4 here.
 *
 * A store's methods receive the request's `ctx` in their options argument.
 * {@link ContextMarkingStore} writes which method ran onto `ctx.state.test`,
 * and an outermost middleware turns that mark into the response body.
 */
import Koa from 'koa';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { KEYS } from './support/app.js';
import { cookieHeader } from './support/cookies.js';
import { session } from './support/session.js';
import { ContextMarkingStore } from './support/stores.js';

let store: ContextMarkingStore;
beforeEach(() => {
  store = new ContextMarkingStore();
});

function markingApp(...handlers: Koa.Middleware[]): Koa {
  const app = new Koa();
  app.keys = KEYS;
  app.use(async (ctx, next) => {
    await next();
    ctx.body = ctx.state.test === undefined ? 'undefined' : ctx.state.test;
  });
  app.use(session({ store }, app));
  for (const handler of handlers) app.use(handler);
  return app;
}

/** Save `{ foo: 'bar' }` and return the browser's Cookie header for it. */
async function savedSession(): Promise<string> {
  const app = markingApp((ctx) => {
    ctx.session = { foo: 'bar' };
  });
  const res = await request(app.callback()).get('/set').expect(200, 'set');
  return cookieHeader(res);
}

describe('store methods see the Koa context', () => {
  it('no store method runs for a request without a session', async () => {
    const app = markingApp();
    const res = await request(app.callback()).get('/').expect(200, 'undefined');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('set() receives ctx when a new session is saved', async () => {
    const app = markingApp((ctx) => {
      if (ctx.path === '/set') ctx.session = { foo: 'bar' };
    });
    const res = await request(app.callback()).get('/set').expect(200, 'set');
    expect(store.records.size).toBe(1);
    expect(cookieHeader(res)).toMatch(/^koa\.sess=[^;]+; koa\.sess\.sig=/);
  });

  it('get() receives ctx when a saved session is loaded', async () => {
    const cookie = await savedSession();
    const app = markingApp();
    await request(app.callback()).get('/').set('Cookie', cookie).expect(200, 'get');
  });

  it('destroy() receives ctx when the session is set to null', async () => {
    const cookie = await savedSession();
    const app = markingApp((ctx) => {
      if (ctx.path === '/destroy') ctx.session = null;
    });
    await request(app.callback()).get('/destroy').set('Cookie', cookie).expect(200, 'destroyed');
    expect(store.records.size).toBe(0);
  });
});
