/**
 * Step should-save — chapters/06-should-save-session.md#truth-table
 *
 * Each check loads (or creates) a session inside a real request, lets the
 * handler do something to it, then asks your `_shouldSaveSession` for its
 * verdict. Nothing is written: saving is the next step.
 */
import type Koa from 'koa';
import type { Session, SessionOptions } from '../../../src/index.js';
import { describe, expect, it } from '../kit.js';
import {
  contextSessionFor,
  cookieValue,
  fromNow,
  sessionApp,
  signedCookie,
} from '../support/harness.js';

/** Run `act` on this request's session, then report `_shouldSaveSession()`. */
async function verdict(
  options: SessionOptions,
  cookieData: Record<string, unknown> | undefined,
  act: (session: Session, ctx: Koa.Context) => void = () => {},
): Promise<string> {
  const app = sessionApp({ autoCommit: false, ...options }, (ctx) => {
    const probe = contextSessionFor(ctx);
    act(probe.get()!, ctx);
    ctx.body = { reason: probe._shouldSaveSession() };
  });
  const cookie = cookieData && signedCookie('koa.sess', cookieValue(cookieData));
  const { body } = await app.get(cookie);
  return body.reason;
}

const saved = (data: Record<string, unknown>, lifetime = 60_000) => ({
  ...data,
  _expire: fromNow(lifetime),
  _maxAge: lifetime,
});

describe('_shouldSaveSession', () => {
  it('a new session nobody put anything in: "" (never send empty sessions)', async () => {
    expect(await verdict({}, undefined)).toBe('');
  });

  it('a new session with data in it: "changed"', async () => {
    expect(await verdict({}, undefined, (s) => (s.views = 1))).toBe('changed');
  });

  it('a loaded session nobody changed: ""', async () => {
    expect(await verdict({}, saved({ views: 1 }))).toBe('');
  });

  it('a loaded session whose data changed: "changed"', async () => {
    expect(await verdict({}, saved({ views: 1 }), (s) => (s.views = 2))).toBe('changed');
  });

  it('a loaded session that gained or lost a key: "changed"', async () => {
    expect(await verdict({}, saved({ views: 1 }), (s) => (s.user = 'alice')), 'gained').toBe(
      'changed',
    );
    expect(await verdict({}, saved({ views: 1, user: 'a' }), (s) => delete s.user), 'lost').toBe(
      'changed',
    );
  });

  it('changing a value and changing it back is no change', async () => {
    const reason = await verdict({}, saved({ views: 1 }), (s) => {
      s.views = 5;
      s.views = 1;
    });
    expect(reason).toBe('');
  });

  it('rolling: an unchanged session is re-sent anyway: "rolling"', async () => {
    expect(await verdict({ rolling: true }, saved({ views: 1 }))).toBe('rolling');
  });

  it('"changed" wins over "rolling"', async () => {
    expect(await verdict({ rolling: true }, saved({ views: 1 }), (s) => (s.views = 2))).toBe(
      'changed',
    );
  });

  it('rolling still does not send a new empty session', async () => {
    expect(await verdict({ rolling: true }, undefined)).toBe('');
  });

  it('renew: less than half the lifetime left: "renew"', async () => {
    // Saved with a 60 s lifetime, 20 s left.
    const data = { views: 1, _expire: fromNow(20_000), _maxAge: 60_000 };
    expect(await verdict({ renew: true }, data)).toBe('renew');
  });

  it('renew: more than half the lifetime left: ""', async () => {
    const data = { views: 1, _expire: fromNow(50_000), _maxAge: 60_000 };
    expect(await verdict({ renew: true }, data)).toBe('');
  });

  it('without renew, a nearly expired session is not re-sent', async () => {
    const data = { views: 1, _expire: fromNow(1_000), _maxAge: 60_000 };
    expect(await verdict({}, data)).toBe('');
  });
});
