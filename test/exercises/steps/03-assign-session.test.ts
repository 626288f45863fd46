/**
 * Step assign-session — chapters/03-architecture.md#assigning-ctx-session
 *
 * A fix step: `ContextSession.set` (what `ctx.session = value` does) has
 * one planted bug.
 */
import Koa from 'koa';
import { port } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { hit, KEYS, RecordingStore } from '../support/harness.js';

async function request(handler: Koa.Middleware) {
  const app = new Koa();
  app.keys = KEYS;
  app.silent = true;
  let n = 0;
  port.createSession({ store: new RecordingStore(), genid: () => `id-${++n}` }, app);
  app.use(handler);
  const res = await hit(app, '/', {});
  return { status: res.status, body: res.text ? JSON.parse(res.text) : undefined, ids: n };
}

describe('ctx.session = value', () => {
  it('an object replaces the data', async () => {
    const { body } = await request((ctx) => {
      ctx.session!.views = 1;
      ctx.session = { user: 'bob' };
      ctx.body = { views: ctx.session!.views ?? null, user: ctx.session!.user };
    });
    expect(body, 'the session after the assignment').toEqual({ views: null, user: 'bob' });
  });

  it('store mode: the session keeps its id, so the store will overwrite one record, not leave an orphan', async () => {
    const { body, ids } = await request((ctx) => {
      const before = ctx.session!.externalKey;
      ctx.session = { user: 'bob' };
      ctx.body = { before, after: ctx.session!.externalKey };
    });
    expect(body.after, 'the id after ctx.session = {…}').toBe(body.before);
    expect(ids, 'ids generated in this request').toBe(1);
  });

  it('null marks the session for removal; anything else is an error', async () => {
    const { body } = await request((ctx) => {
      ctx.session = null;
      let error = '';
      try {
        ctx.session = 'admin' as never;
      } catch (err) {
        error = (err as Error).message;
      }
      ctx.body = { session: ctx.session, error };
    });
    expect(body.session, 'after ctx.session = null').toBe(null);
    expect(body.error, 'ctx.session = "admin"').toBe(
      'this.session can only be set as null or an object.',
    );
  });
});
