/**
 * Step lazy-session — chapters/03-architecture.md#lazy-ctx-session
 *
 * `ContextSession.get` is what `ctx.session` returns. Reading a cookie
 * (`initFromCookie`) is a later step, so the checks stand in for it and
 * count how often your getter calls it.
 */
import Koa from 'koa';
import type { SessionOptions } from '../../../src/index.js';
import { port } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { hit, KEYS, RecordingStore } from '../support/harness.js';
import { withSpy } from '../support/spy.js';

async function request(options: SessionOptions, handler: Koa.Middleware, middleware = true) {
  const app = new Koa();
  app.keys = KEYS;
  app.silent = true;
  const errors: unknown[] = [];
  app.on('error', (err) => errors.push(err));
  const mw = port.createSession({ autoCommit: false, ...options }, app);
  if (middleware) app.use(mw);
  app.use(handler);
  return withSpy(
    port.ContextSession.prototype,
    'initFromCookie',
    function (this: { create(): void }) {
      this.create();
    },
    async (calls) => {
      const res = await hit(app, '/', {});
      if (errors.length) throw errors[0];
      return { body: res.text ? JSON.parse(res.text) : undefined, decoded: calls.length };
    },
  );
}

describe('ContextSession.get (ctx.session)', () => {
  it('a request that never reads ctx.session never reads the cookie', async () => {
    const { decoded } = await request({}, (ctx) => {
      ctx.body = {};
    });
    expect(decoded, 'initFromCookie calls').toBe(0);
  });

  it('the first read loads the session; later reads return the same object', async () => {
    const { body, decoded } = await request({}, (ctx) => {
      const first = ctx.session;
      ctx.body = { same: first === ctx.session, isNew: first!.isNew };
    });
    expect(decoded, 'initFromCookie calls for two reads').toBe(1);
    expect(body, 'what the handler saw').toEqual({ same: true, isNew: true });
  });

  it('after ctx.session = null, ctx.session is null', async () => {
    const { body } = await request({}, (ctx) => {
      ctx.session = null;
      ctx.body = { session: ctx.session };
    });
    expect(body.session, 'ctx.session').toBe(null);
  });

  it('store mode, read before any loading: a new session with a fresh id, no cookie read', async () => {
    const { body, decoded } = await request(
      { store: new RecordingStore(), genid: () => 'fresh-id' },
      (ctx) => {
        ctx.body = { id: ctx.session!.externalKey, isNew: ctx.session!.isNew };
      },
      false,
    );
    expect(body, 'the session').toEqual({ id: 'fresh-id', isNew: true });
    expect(decoded, 'initFromCookie calls').toBe(0);
  });
});
