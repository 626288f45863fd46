/**
 * Step commit — chapters/07-save-remove-commit.md#commit
 *
 * Now the whole middleware runs: your `commit` decides at the end of every
 * request what to do. From here on `autoCommit` is on, as in a real app.
 */

import type { SessionOptions } from '../../../src/index.js';
import { describe, expect, it } from '../kit.js';
import {
  cookieFrom,
  cookiesAfter,
  cookieValue,
  fromNow,
  RecordingStore,
  type Reply,
  readCookieValue,
  sessionApp,
  setCookieFor,
  signedCookie,
} from '../support/harness.js';

/** An app with a few routes that do the things commit must handle. */
function app(options: SessionOptions = {}) {
  let ids = 0;
  return sessionApp({ genid: () => `id-${++ids}`, ...options }, async (ctx) => {
    const session = () => ctx.session!;
    switch (ctx.path) {
      case '/nothing':
        break;
      case '/read':
        void session().views;
        break;
      case '/count':
        session().views = ((session().views as number) ?? 0) + 1;
        break;
      case '/login':
        session().user = 'alice';
        await session().regenerate();
        break;
      case '/logout':
        ctx.session = null;
        break;
      case '/save':
        await session().save();
        break;
      case '/lifetime':
        session().maxAge = 5000;
        break;
      case '/manual':
        session().views = 1;
        if (ctx.query.commit) await session().manuallyCommit();
        break;
    }
    ctx.body = { id: ctx.session?.externalKey ?? null };
  });
}

const cleared = (reply: Reply) => {
  const line = setCookieFor(reply, 'koa.sess') ?? '';
  return line.startsWith('koa.sess=;') && line.includes('1970');
};

const withViews = (views: number) =>
  signedCookie('koa.sess', cookieValue({ views, _expire: fromNow(60_000), _maxAge: 60_000 }));

describe('commit, cookie mode', () => {
  it('a request that never touched the session sends no Set-Cookie at all', async () => {
    const reply = await app().get(withViews(1), { path: '/nothing' });
    expect(reply.setCookie, 'no cookie header').toEqual([]);
  });

  it('a session that was read but not changed is not re-sent', async () => {
    const reply = await app().get(withViews(1), { path: '/read' });
    expect(reply.setCookie).toEqual([]);
  });

  it('a changed session is saved', async () => {
    const reply = await app().get(withViews(1), { path: '/count' });
    expect(readCookieValue(cookieFrom(reply, 'koa.sess')!).views, 'views went from 1 to 2').toBe(2);
  });

  it('three requests in a row count to three', async () => {
    const counter = app();
    let cookie: string | undefined;
    let reply: Reply | undefined;
    for (let i = 0; i < 3; i++) {
      reply = await counter.get(cookie, { path: '/count' });
      cookie = cookiesAfter(reply);
    }
    expect(readCookieValue(cookieFrom(reply!, 'koa.sess')!).views).toBe(3);
  });

  it('ctx.session = null removes the session: the cookie is cleared (expires 1970)', async () => {
    const reply = await app().get(withViews(1), { path: '/logout' });
    expect(cleared(reply), `Set-Cookie should clear koa.sess, got ${reply.setCookie}`).toBe(true);
  });

  it('session.save() forces a save even when nothing changed', async () => {
    const reply = await app().get(withViews(1), { path: '/save' });
    expect(readCookieValue(cookieFrom(reply, 'koa.sess')!).views).toBe(1);
  });

  it('changing session.maxAge forces a save with the new lifetime', async () => {
    const reply = await app().get(withViews(1), { path: '/lifetime' });
    expect(readCookieValue(cookieFrom(reply, 'koa.sess')!)._maxAge).toBe(5000);
  });

  it('rolling re-sends an unchanged session', async () => {
    const reply = await app({ rolling: true }).get(withViews(1), { path: '/read' });
    expect(cookieFrom(reply, 'koa.sess'), 'a fresh cookie').toBeTruthy();
  });

  it('beforeSave runs before the session is written, and can change it', async () => {
    const calls: string[] = [];
    const t = app({
      beforeSave: (ctx, session) => {
        calls.push(ctx.path);
        session.stamp = 'added by beforeSave';
      },
    });
    const reply = await t.get(undefined, { path: '/count' });
    expect(calls, 'beforeSave was called once').toEqual(['/count']);
    expect(readCookieValue(cookieFrom(reply, 'koa.sess')!).stamp).toBe('added by beforeSave');
    await t.get(withViews(1), { path: '/read' });
    expect(calls, 'and not when nothing is saved').toEqual(['/count']);
  });

  it('autoCommit: false writes nothing until the handler commits by hand', async () => {
    const t = app({ autoCommit: false });
    expect((await t.get(undefined, { path: '/manual' })).setCookie, 'no commit').toEqual([]);
    const reply = await t.get(undefined, { path: '/manual?commit=1' });
    expect(cookieFrom(reply, 'koa.sess'), 'manuallyCommit() wrote it').toBeTruthy();
  });
});

describe('commit and remove, store mode', () => {
  it('a changed session is saved under its id, with changed: true', async () => {
    const store = new RecordingStore();
    const reply = await app({ store }).get(undefined, { path: '/count' });
    const [set] = store.callsTo('set');
    expect(set?.key, 'saved under the new id').toBe('id-1');
    expect(set?.options?.changed, 'changed').toBe(true);
    expect(cookieFrom(reply, 'koa.sess'), 'the cookie carries the id').toBe('id-1');
  });

  it('rolling re-saves an unchanged session with changed: false', async () => {
    const store = new RecordingStore();
    const id = store.seed({ views: 1 }, 'known-id');
    await app({ store, rolling: true }).get(signedCookie('koa.sess', id), { path: '/read' });
    const [set] = store.callsTo('set');
    expect(set?.options?.changed, 'nothing changed, it is only rolling').toBe(false);
  });

  it('logout destroys the stored record and clears the cookie', async () => {
    const store = new RecordingStore();
    const id = store.seed({ user: 'alice' }, 'alice-id');
    const reply = await app({ store }).get(signedCookie('koa.sess', id), { path: '/logout' });
    expect(
      store.callsTo('destroy').map((c) => c.key),
      'store.destroy(id)',
    ).toEqual(['alice-id']);
    expect(store.records.has('alice-id'), 'the record is gone').toBe(false);
    expect(cleared(reply), 'the cookie is cleared').toBe(true);
  });

  it('regenerate: the old record is destroyed and the session moves to a new id', async () => {
    const store = new RecordingStore();
    const oldId = store.seed({ views: 3 }, 'before-login');
    const reply = await app({ store }).get(signedCookie('koa.sess', oldId), { path: '/login' });
    expect(store.records.has('before-login'), 'the old id is forgotten').toBe(false);
    const newId = cookieFrom(reply, 'koa.sess');
    expect(newId, 'a new id in the cookie').toBe('id-1');
    expect(JSON.parse(store.records.get('id-1')!), 'the data moved to the new id').toMatchObject({
      views: 3,
      user: 'alice',
    });
  });

  it('the id from before regenerate no longer works', async () => {
    const store = new RecordingStore();
    const t = app({ store });
    const oldId = store.seed({ views: 3 }, 'before-login');
    await t.get(signedCookie('koa.sess', oldId), { path: '/login' });
    const replay = await t.get(signedCookie('koa.sess', oldId), { path: '/read' });
    expect(replay.body.id, 'the replayed old id gets a brand-new session').not.toBe('before-login');
    expect(t.events.map((e) => e.name)).toEqual(['missed']);
  });
});
