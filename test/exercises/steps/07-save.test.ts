/**
 * Step save — chapters/07-save-remove-commit.md#save
 *
 * Each check builds a session inside a real request and calls your `save`
 * directly, then reads what reached the browser (Set-Cookie) and the store.
 * Deciding *whether* to save (commit) is a later step.
 */

import type { SessionOptions } from '../../../src/index.js';
import { describe, expect, it } from '../kit.js';
import {
  contextSessionFor,
  cookieFrom,
  cookiesAfter,
  expiresOf,
  RecordingStore,
  readCookieValue,
  sessionApp,
  setCookieFor,
} from '../support/harness.js';

const ONE_DAY = 24 * 60 * 60 * 1000;

/** A request that puts `data` in a session and calls save(changed). */
function saver(
  options: SessionOptions,
  data: Record<string, unknown>,
  { changed = true }: { changed?: boolean } = {},
) {
  return sessionApp({ autoCommit: false, ...options }, async (ctx) => {
    const probe = contextSessionFor(ctx);
    Object.assign(probe.get()!, data);
    await probe.save(changed);
    ctx.body = { id: probe.externalKey ?? null };
  });
}

describe('save, cookie mode', () => {
  it('writes the data, signed, into the session cookie', async () => {
    const reply = await saver({}, { user: 'alice' }).get();
    const value = cookieFrom(reply, 'koa.sess');
    expect(value, 'a koa.sess cookie').toBeTruthy();
    expect(readCookieValue(value!).user, 'the data inside the cookie').toBe('alice');
    expect(cookieFrom(reply, 'koa.sess.sig'), 'and its signature, koa.sess.sig').toBeTruthy();
    expect(setCookieFor(reply, 'koa.sess'), 'with the cookie options (httponly)').toContain(
      'httponly',
    );
  });

  it('stamps _expire and _maxAge into the data, and Expires on the cookie', async () => {
    const before = Date.now();
    const reply = await saver({ maxAge: 60_000 }, { views: 1 }).get();
    const data = readCookieValue(cookieFrom(reply, 'koa.sess')!);
    expect(data._maxAge, '_maxAge is the lifetime').toBe(60_000);
    expect(data._expire, '_expire is now + maxAge').toBeGreaterThanOrEqual(before + 60_000);
    expect(data._expire, '_expire is now + maxAge').toBeLessThanOrEqual(Date.now() + 60_000);
    const expires = expiresOf(reply, 'koa.sess');
    expect(expires, 'the cookie’s Expires, about a minute away').toBeGreaterThan(before + 58_000);
  });

  it('with no maxAge configured, the lifetime is one day', async () => {
    const reply = await saver({}, { views: 1 }).get();
    expect(readCookieValue(cookieFrom(reply, 'koa.sess')!)._maxAge).toBe(ONE_DAY);
  });

  it('maxAge "session": _session in the data, no _expire, and no Expires on the cookie', async () => {
    const reply = await saver({ maxAge: 'session' }, { views: 1 }).get();
    const data = readCookieValue(cookieFrom(reply, 'koa.sess')!);
    expect(data._session, '_session marks a browser-session cookie').toBe(true);
    expect(data._expire, 'no absolute expiry').toBeUndefined();
    expect(
      expiresOf(reply, 'koa.sess'),
      'no Expires: the browser drops it on close',
    ).toBeUndefined();
  });

  it('encodes with opts.encode', async () => {
    const reply = await saver({ encode: (d) => `custom-${Object.keys(d).length}` }, { a: 1 }).get();
    // { a, _expire, _maxAge }
    expect(cookieFrom(reply, 'koa.sess')).toBe('custom-3');
  });

  it('the cookie it writes loads back on the next request, lifetime included', async () => {
    const first = await saver({ maxAge: 90_000 }, { user: 'alice', cart: [1, 2] }).get();
    const reader = sessionApp({ autoCommit: false }, (ctx) => {
      ctx.body = { data: ctx.session!.toJSON(), maxAge: ctx.sessionOptions!.maxAge };
    });
    const { body } = await reader.get(cookiesAfter(first));
    expect(body.data, 'the data came back').toEqual({ user: 'alice', cart: [1, 2] });
    expect(body.maxAge, 'and so did the lifetime').toBe(90_000);
  });
});

describe('save, store mode', () => {
  const storeOptions = (store: RecordingStore): SessionOptions => ({
    store,
    genid: () => 'the-id',
  });

  it('gives the data to store.set and puts only the id in the cookie', async () => {
    const store = new RecordingStore();
    const reply = await saver(storeOptions(store), { user: 'alice' }).get();
    const [call] = store.callsTo('set');
    expect(call, 'one store.set').toBeDefined();
    expect(call!.key, 'under the session id').toBe('the-id');
    expect(call!.data!.user, 'the data').toBe('alice');
    expect(cookieFrom(reply, 'koa.sess'), 'the cookie holds the id, not the data').toBe('the-id');
    expect(cookieFrom(reply, 'koa.sess.sig'), 'signed').toBeTruthy();
  });

  it('gives the store ten seconds more than the cookie, and stamps the data', async () => {
    const store = new RecordingStore();
    const before = Date.now();
    await saver({ ...storeOptions(store), maxAge: 60_000 }, { n: 1 }).get();
    const [call] = store.callsTo('set');
    expect(call!.maxAge, 'store TTL = maxAge + 10 s').toBe(70_000);
    expect(call!.data!._maxAge, '_maxAge').toBe(60_000);
    expect(call!.data!._expire, '_expire').toBeGreaterThanOrEqual(before + 60_000);
  });

  it('passes { changed, rolling, ctx } to store.set', async () => {
    const store = new RecordingStore();
    await saver({ ...storeOptions(store), rolling: true }, { n: 1 }, { changed: false }).get();
    const options = store.callsTo('set')[0]!.options!;
    expect(options.changed, 'changed: what save was called with').toBe(false);
    expect(options.rolling, 'rolling: the option').toBe(true);
    expect(options.ctx, 'ctx').toBeDefined();
  });

  it('maxAge "session": the store receives the string "session"', async () => {
    const store = new RecordingStore();
    await saver({ ...storeOptions(store), maxAge: 'session' }, { n: 1 }).get();
    const [call] = store.callsTo('set');
    expect(call!.maxAge).toBe('session');
    expect(call!.data!._session).toBe(true);
  });

  it('with opts.externalKey, the id goes to externalKey.set and no cookie is sent', async () => {
    const store = new RecordingStore();
    const given: string[] = [];
    const reply = await saver(
      {
        ...storeOptions(store),
        externalKey: {
          get: () => undefined,
          set: (ctx, id) => {
            given.push(id);
            ctx.set('x-session-id', id);
          },
        },
      },
      { n: 1 },
    ).get();
    expect(given, 'externalKey.set received the id').toEqual(['the-id']);
    expect(reply.headers['x-session-id']).toBe('the-id');
    expect(setCookieFor(reply, 'koa.sess'), 'no session cookie').toBeUndefined();
  });
});
