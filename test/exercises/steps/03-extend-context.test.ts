/**
 * Step extend-context — chapters/03-architecture.md#extendcontext
 *
 * `createSession(opts, app)` calls your `extendContext` to install
 * `ctx.session` and `ctx.sessionOptions` on the app's context. These
 * checks never run the middleware (a later step): they install the
 * accessors and look at them from plain Koa handlers.
 */
import Koa from 'koa';
import type { SessionOptions } from '../../../src/index.js';
import { port } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { hit, KEYS } from '../support/harness.js';

/** An app with the session accessors installed, and `handler` as its only middleware. */
async function request(options: SessionOptions[], handler: Koa.Middleware) {
  const app = new Koa();
  app.keys = KEYS;
  app.silent = true;
  const errors: unknown[] = [];
  app.on('error', (err) => errors.push(err));
  for (const o of options) port.createSession(o, app);
  app.use(handler);
  const res = await hit(app, '/', {});
  if (errors.length) throw errors[0];
  return { app, body: res.text ? JSON.parse(res.text) : undefined };
}

describe('extendContext', () => {
  it('puts ctx.session (get and set) and ctx.sessionOptions (get) on app.context', async () => {
    const { app } = await request([{}], (ctx) => {
      ctx.body = {};
    });
    const session = Object.getOwnPropertyDescriptor(app.context, 'session');
    const options = Object.getOwnPropertyDescriptor(app.context, 'sessionOptions');
    expect(typeof session?.get, 'a getter for session').toBe('function');
    expect(typeof session?.set, 'a setter for session').toBe('function');
    expect(typeof options?.get, 'a getter for sessionOptions').toBe('function');
  });

  it('ctx.sessionOptions is this request’s options, defaults filled in', async () => {
    const { body } = await request([{ key: 'my.sid' }], (ctx) => {
      ctx.body = { key: ctx.sessionOptions!.key, httpOnly: ctx.sessionOptions!.httpOnly };
    });
    expect(body, 'ctx.sessionOptions').toEqual({ key: 'my.sid', httpOnly: true });
  });

  it('one request, one ContextSession: ctx.sessionOptions is the same object every time', async () => {
    const { body } = await request([{}], (ctx) => {
      const first = ctx.sessionOptions;
      const second = ctx.sessionOptions;
      ctx.body = { same: first === second };
    });
    expect(body.same, 'two reads, one object').toBe(true);
  });

  it('each request gets its own copy: a change does not leak into the next request', async () => {
    const app = new Koa();
    app.keys = KEYS;
    port.createSession({ key: 'a' }, app);
    const seen: string[] = [];
    app.use((ctx) => {
      seen.push(ctx.sessionOptions!.key);
      ctx.sessionOptions!.key = 'changed';
      ctx.body = 'ok';
    });
    await hit(app, '/', {});
    await hit(app, '/', {});
    expect(seen, 'the key each request saw').toEqual(['a', 'a']);
  });

  it('installed once per app: a second createSession on the same app keeps the first one’s options', async () => {
    const { body } = await request([{ key: 'first' }, { key: 'second' }], (ctx) => {
      ctx.body = { key: ctx.sessionOptions!.key };
    });
    expect(body.key, 'ctx.sessionOptions.key').toBe('first');
  });
});
