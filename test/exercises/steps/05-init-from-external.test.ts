/**
 * Step init-from-external — chapters/05-init-from-external.md#where-the-id-comes-from
 *
 * Store mode: the cookie holds only an id, the data lives in a store. The
 * store here records every call, so the checks see exactly what your
 * `initFromExternal` asked for. `autoCommit: false` everywhere: writing the
 * session back is a later step.
 */

import type { SessionOptions } from '../../../src/index.js';
import { describe, expect, it } from '../kit.js';
import { fromNow, RecordingStore, sessionApp, signedCookie } from '../support/harness.js';

function reader(store: RecordingStore, options: SessionOptions = {}) {
  let ids = 0;
  return sessionApp(
    { autoCommit: false, store, genid: () => `new-id-${++ids}`, ...options },
    (ctx) => {
      const session = ctx.session!;
      ctx.body = { data: session.toJSON(), isNew: session.isNew, id: session.externalKey ?? null };
    },
  );
}

describe('initFromExternal', () => {
  it('no cookie: a new session with a freshly generated id, and no store lookup', async () => {
    const store = new RecordingStore();
    const { body } = await reader(store).get();
    expect(body.isNew, 'isNew').toBe(true);
    expect(body.id, 'the id comes from opts.genid').toBe('new-id-1');
    expect(store.callsTo('get'), 'nothing to look up without an id').toEqual([]);
  });

  it('a signed id cookie loads that record from the store, under the same id', async () => {
    const store = new RecordingStore();
    const id = store.seed({ user: 'alice', views: 2, _expire: fromNow(60_000), _maxAge: 60_000 });
    const { body } = await reader(store).get(signedCookie('koa.sess', id));
    expect(body.isNew, 'a loaded session is not new').toBe(false);
    expect(body.data, 'the stored data').toEqual({ user: 'alice', views: 2 });
    expect(body.id, 'ctx.session.externalKey keeps the id').toBe(id);
  });

  it('asks the store with (id, opts.maxAge, { ctx, rolling })', async () => {
    const store = new RecordingStore();
    const id = store.seed({ n: 1 });
    await reader(store, { maxAge: 5000, rolling: true }).get(signedCookie('koa.sess', id));
    const [call] = store.callsTo('get');
    expect(call?.key, 'the id from the cookie').toBe(id);
    expect(call?.maxAge, 'the configured maxAge').toBe(5000);
    expect(call?.options?.rolling, 'the rolling option').toBe(true);
    expect(call?.options?.ctx, 'the Koa context').toBeDefined();
  });

  it('passes maxAge as undefined when none is configured', async () => {
    const store = new RecordingStore();
    const id = store.seed({ n: 1 });
    await reader(store).get(signedCookie('koa.sess', id));
    const [call] = store.callsTo('get');
    expect(call, 'one store.get').toBeDefined();
    expect(call!.maxAge, 'no maxAge option: the store sees undefined').toBeUndefined();
  });

  it('an id the store does not know is NOT adopted: new session, new id, session:missed', async () => {
    const store = new RecordingStore();
    const app = reader(store);
    const { body } = await app.get(signedCookie('koa.sess', 'attacker-chosen-id'));
    expect(body.isNew).toBe(true);
    expect(body.id, 'a fresh id, never the one the visitor sent (session fixation)').toBe(
      'new-id-1',
    );
    expect(
      app.events.map((e) => [e.name, e.key]),
      'events',
    ).toEqual([['missed', 'attacker-chosen-id']]);
  });

  it('an expired record gives a new session and id, with session:expired', async () => {
    const store = new RecordingStore();
    const id = store.seed({ user: 'alice', _expire: fromNow(-1) });
    const app = reader(store);
    const { body } = await app.get(signedCookie('koa.sess', id));
    expect(body.data).toEqual({});
    expect(body.id).toBe('new-id-1');
    expect(app.events.map((e) => e.name)).toEqual(['expired']);
  });

  it('a record opts.valid refuses gives a new session and id, with session:invalid', async () => {
    const store = new RecordingStore();
    const id = store.seed({ user: 'mallory' });
    const app = reader(store, { valid: (_ctx, data) => data.user !== 'mallory' });
    const { body } = await app.get(signedCookie('koa.sess', id));
    expect(body.id).toBe('new-id-1');
    expect(app.events.map((e) => e.name)).toEqual(['invalid']);
  });

  it('an id cookie without a valid signature is treated as no id', async () => {
    const store = new RecordingStore();
    const id = store.seed({ user: 'alice' });
    const { body } = await reader(store).get(`koa.sess=${id}; koa.sess.sig=not-the-signature`);
    expect(body.data, 'nothing loaded').toEqual({});
    expect(store.callsTo('get'), 'an unverified id is never looked up').toEqual([]);
  });

  it('opts.externalKey.get supplies the id instead of the cookie', async () => {
    const store = new RecordingStore();
    const id = store.seed({ user: 'api-client' });
    const app = reader(store, {
      externalKey: { get: (ctx) => ctx.get('x-session-id') || undefined, set: () => {} },
    });
    const { body } = await app.get(undefined, { headers: { 'x-session-id': id } });
    expect(body.data, 'loaded by the id in the header').toEqual({ user: 'api-client' });
    expect(body.id).toBe(id);
  });
});
