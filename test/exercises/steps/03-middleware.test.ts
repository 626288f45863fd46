/**
 * Step middleware — chapters/03-architecture.md#the-middleware
 *
 * Loading from a store and committing are later steps, so here the
 * checks stand in for `initFromExternal` and `commit` and write down when
 * your middleware calls them.
 */
import Koa from 'koa';
import type { SessionOptions } from '../../../src/index.js';
import { port } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { hit, KEYS, RecordingStore } from '../support/harness.js';
import { withSpy } from '../support/spy.js';

const proto = port.ContextSession.prototype;

/** Run one request; `log` records the order of load, handler and commit. */
async function request(options: SessionOptions, handler?: Koa.Middleware) {
  const log: string[] = [];
  const app = new Koa();
  app.keys = KEYS;
  app.silent = true;
  app.use(port.createSession(options, app));
  app.use(async (ctx, next) => {
    log.push('handler');
    if (handler) await handler(ctx, next);
    ctx.body ??= 'ok';
  });
  const res = await withSpy(
    proto,
    'initFromExternal',
    async () => {
      log.push('load');
    },
    () =>
      withSpy(
        proto,
        'commit',
        async () => {
          log.push('commit');
        },
        () => hit(app, '/', {}),
      ),
  );
  return { log, status: res.status };
}

describe('the session middleware', () => {
  it('cookie mode: your handler runs, then the session is committed', async () => {
    const { log, status } = await request({});
    expect(status, 'status').toBe(200);
    expect(log, 'what happened, in order').toEqual(['handler', 'commit']);
  });

  it('store mode: the session is loaded before your handler runs', async () => {
    const { log } = await request({ store: new RecordingStore() });
    expect(log, 'what happened, in order').toEqual(['load', 'handler', 'commit']);
  });

  it('a handler that throws still gets its session committed, and the error still reaches Koa', async () => {
    const { log, status } = await request({}, () => {
      throw new Error('the handler failed');
    });
    expect(log, 'what happened, in order').toEqual(['handler', 'commit']);
    expect(status, 'status').toBe(500);
  });

  it('autoCommit: false: nothing is committed unless the handler does it', async () => {
    const { log } = await request({ autoCommit: false });
    expect(log, 'what happened, in order').toEqual(['handler']);
  });

  it('autoCommit is read from your options, not from ctx.sessionOptions: a handler cannot turn it off', async () => {
    const { log } = await request({}, (ctx) => {
      ctx.sessionOptions!.autoCommit = false;
    });
    expect(log, 'what happened, in order').toEqual(['handler', 'commit']);
  });
});
