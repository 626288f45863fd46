/**
 * Step remove — chapters/07-save-remove-commit.md#remove
 *
 * Each check loads a session inside a real request and calls your
 * `remove` directly; deciding *when* to remove is commit's job, next.
 */
import type { SessionOptions } from '../../../src/index.js';
import { describe, expect, it } from '../kit.js';
import {
  contextSessionFor,
  cookiePair,
  expiresOf,
  RecordingStore,
  sessionApp,
  setCookieFor,
  signedCookie,
} from '../support/harness.js';

function remover(options: SessionOptions) {
  return sessionApp({ autoCommit: false, ...options }, async (ctx) => {
    const probe = contextSessionFor(ctx);
    if (probe.store) await probe.initFromExternal();
    await probe.remove();
    ctx.body = { ok: true };
  });
}

describe('remove', () => {
  it('overwrites the session cookie with an empty value', async () => {
    const reply = await remover({}).get();
    const line = setCookieFor(reply, 'koa.sess');
    expect(line && cookiePair(line), 'the koa.sess cookie sent').toBe('koa.sess=');
  });

  it('dates it 1 January 1970, so the browser deletes it at once', async () => {
    const reply = await remover({}).get();
    expect(expiresOf(reply, 'koa.sess'), 'Expires of koa.sess').toBe(0);
  });

  it('keeps the cookie’s attributes (path, httpOnly) so it replaces the right cookie', async () => {
    const reply = await remover({ path: '/app' }).get(undefined, { path: '/app' });
    const line = setCookieFor(reply, 'koa.sess') ?? '';
    expect(line, 'the Set-Cookie line').toContain('path=/app');
    expect(line, 'the Set-Cookie line').toContain('httponly');
  });

  it('a configured maxAge does not put a new expiry on the deletion', async () => {
    const reply = await remover({ maxAge: 60_000 }).get();
    expect(expiresOf(reply, 'koa.sess'), 'Expires of koa.sess').toBe(0);
  });

  it('store mode: the record is destroyed, by its id', async () => {
    const store = new RecordingStore();
    const id = store.seed({ user: 'alice' }, 'alice-id');
    await remover({ store }).get(signedCookie('koa.sess', id));
    expect(
      store.callsTo('destroy').map((c) => c.key),
      'store.destroy calls',
    ).toEqual(['alice-id']);
    expect(store.records.has('alice-id'), 'the record is still there').toBe(false);
  });

  it('store mode without a session id destroys nothing', async () => {
    const store = new RecordingStore();
    const t = sessionApp({ autoCommit: false, store }, async (ctx) => {
      const probe = contextSessionFor(ctx);
      await probe.remove();
      ctx.body = { ok: true };
    });
    await t.get();
    expect(store.callsTo('destroy'), 'store.destroy calls').toEqual([]);
  });
});
