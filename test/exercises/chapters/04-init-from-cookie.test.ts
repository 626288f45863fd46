/**
 * Exercise `init-from-cookie` — chapters/04-init-from-cookie.md
 *
 * You write two methods of ContextSession: `valid` (the gate every loaded
 * session passes) and `initFromCookie` (read, verify, decode, check, load).
 * Every app here uses `autoCommit: false`: saving is a later exercise, and
 * these tests only look at what a request *reads*.
 */
import type Koa from 'koa';
import { describe, expect, it } from 'vitest';
import type { SessionOptions } from '../../../src/index.js';
import { port } from '../impl.js';
import { cookieValue, fromNow, sessionApp, signedCookie } from '../support/harness.js';

/** An app that reports what `ctx.session` holds. */
function reader(options: SessionOptions = {}) {
  return sessionApp({ autoCommit: false, ...options }, (ctx) => {
    const session = ctx.session!;
    ctx.body = {
      data: session.toJSON(),
      isNew: session.isNew,
      maxAge: ctx.sessionOptions!.maxAge ?? null,
    };
  });
}

const cookieFor = (data: unknown) => signedCookie('koa.sess', cookieValue(data));

describe('initFromCookie', () => {
  it('no cookie: a new, empty session', async () => {
    const { body } = await reader().get();
    expect(body.isNew, 'ctx.session.isNew').toBe(true);
    expect(body.data, 'no data').toEqual({});
  });

  it('a signed session cookie comes back as ctx.session', async () => {
    const { body } = await reader().get(cookieFor({ user: 'alice', views: 3 }));
    expect(body.isNew, 'a loaded session is not new').toBe(false);
    expect(body.data, 'the data that was in the cookie').toEqual({ user: 'alice', views: 3 });
  });

  it('the lifetime saved in the cookie (_maxAge) becomes this request’s maxAge', async () => {
    const { body } = await reader().get(
      cookieFor({ views: 1, _maxAge: 5000, _expire: fromNow(4000) }),
    );
    expect(body.maxAge, 'ctx.sessionOptions.maxAge').toBe(5000);
  });

  it('a cookie whose signature does not match is ignored', async () => {
    const genuine = cookieValue({ user: 'alice' });
    const signature = signedCookie('koa.sess', genuine).split('koa.sess.sig=')[1];
    const forged = `koa.sess=${cookieValue({ user: 'admin' })}; koa.sess.sig=${signature}`;
    const { body } = await reader().get(forged);
    expect(body.isNew, 'a tampered cookie must give a new session').toBe(true);
    expect(body.data, 'nothing from the tampered cookie').toEqual({});
  });

  it('a cookie without its .sig is ignored when signing is on', async () => {
    const { body } = await reader().get(`koa.sess=${cookieValue({ user: 'alice' })}`);
    expect(body.data).toEqual({});
  });

  it('with signed: false, a plain cookie is read', async () => {
    const { body } = await reader({ signed: false }).get(`koa.sess=${cookieValue({ n: 1 })}`);
    expect(body.data).toEqual({ n: 1 });
  });

  it('reads the cookie named by opts.key', async () => {
    const cookie = signedCookie('my.sid', cookieValue({ n: 7 }));
    const { body } = await reader({ key: 'my.sid' }).get(cookie);
    expect(body.data).toEqual({ n: 7 });
  });

  it('a value that is not base64 JSON gives a new session quietly (no error, no event)', async () => {
    const app = reader();
    const { body, status } = await app.get(signedCookie('koa.sess', 'not-a-session'));
    expect(status, 'the request still succeeds').toBe(200);
    expect(body.isNew).toBe(true);
    expect(app.events, 'a SyntaxError is not an event').toEqual([]);
  });

  it('a custom decode that fails with another error: the error propagates and the cookie is cleared', async () => {
    const app = reader({
      decode: () => {
        throw new TypeError('my decoder is broken');
      },
    });
    const reply = await app.get(cookieFor({ n: 1 }), { expectError: true });
    expect(reply.status, 'the error reaches Koa').toBe(500);
    const cleared = reply.setCookie.find((line) => line.startsWith('koa.sess=;'));
    expect(cleared, 'a Set-Cookie clearing koa.sess must travel with the error').toBeDefined();
    expect(cleared, 'dated 1970, so the browser drops it').toContain('1970');
  });

  it('uses opts.decode', async () => {
    const app = reader({ decode: (text) => ({ decodedFrom: text }) });
    const { body } = await app.get(signedCookie('koa.sess', 'hello'));
    expect(body.data).toEqual({ decodedFrom: 'hello' });
  });
});

describe('valid', () => {
  it('an expired session (_expire in the past) is refused, with session:expired', async () => {
    const app = reader();
    const data = { user: 'alice', _expire: fromNow(-1000), _maxAge: 5000 };
    const { body } = await app.get(cookieFor(data));
    expect(body.isNew, 'expired data must not be loaded').toBe(true);
    expect(body.data).toEqual({});
    expect(
      app.events.map((e) => e.name),
      'events emitted',
    ).toEqual(['expired']);
    expect(app.events[0]!.value, 'the event carries the refused data').toEqual(data);
  });

  it('a session that has not expired yet is accepted', async () => {
    const { body } = await reader().get(cookieFor({ user: 'alice', _expire: fromNow(60_000) }));
    expect(body.data.user).toBe('alice');
  });

  it('opts.valid can veto loaded data, with session:invalid', async () => {
    const seen: unknown[] = [];
    const app = reader({
      valid: (_ctx, data) => {
        seen.push(data);
        return data.user !== 'mallory';
      },
    });
    const refused = await app.get(cookieFor({ user: 'mallory' }));
    expect(refused.body.data, 'vetoed data is not loaded').toEqual({});
    expect(app.events.map((e) => e.name)).toEqual(['invalid']);
    const accepted = await app.get(cookieFor({ user: 'alice' }));
    expect(accepted.body.data).toEqual({ user: 'alice' });
    expect(seen, 'opts.valid is called with the decoded data').toEqual([
      { user: 'mallory' },
      { user: 'alice' },
    ]);
  });

  it('hostile data (a reserved key such as "save" or "__proto__") is refused as invalid', async () => {
    const app = reader();
    for (const json of ['{"save":"oops"}', '{"__proto__":{"admin":true}}', '{"_maxAge":"soon"}']) {
      const value = Buffer.from(json).toString('base64');
      const { body } = await app.get(signedCookie('koa.sess', value));
      expect(body.isNew, `${json} must not be loaded`).toBe(true);
    }
    expect(app.events.map((e) => e.name)).toEqual(['invalid', 'invalid', 'invalid']);
  });

  it('no data at all is refused as missed', async () => {
    // `valid` is protected; a subclass may call it. Missing data only happens
    // in store mode (chapter 5, not written yet), so ask the gate directly.
    class Gate extends port.ContextSession {
      check(data: unknown) {
        return this.valid(data, 'some-id');
      }
    }
    const events: string[] = [];
    const app = sessionApp({ autoCommit: false }, (ctx: Koa.Context) => {
      const gate = new Gate(ctx, { ...ctx.sessionOptions! });
      ctx.body = { missing: gate.check(undefined), present: gate.check({ n: 1 }) };
    });
    app.app.on('session:missed', ({ key }: { key: string }) => events.push(key));
    const { body } = await app.get();
    expect(body.missing, 'valid(undefined)').toBe(false);
    expect(body.present, 'valid({ n: 1 })').toBe(true);
    expect(events, 'session:missed with the key that was looked up').toEqual(['some-id']);
  });
});

describe('the cookie is decoded lazily', () => {
  it('a request that never reads ctx.session never decodes the cookie', async () => {
    let decoded = 0;
    const app = sessionApp(
      {
        autoCommit: false,
        decode: (text) => {
          decoded++;
          return JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
        },
      },
      (ctx) => {
        if (ctx.path === '/read') ctx.body = ctx.session!.toJSON();
        else ctx.body = 'did not look';
      },
    );
    await app.get(signedCookie('koa.sess', cookieValue({ n: 1 })));
    expect(decoded, 'no read, no decode').toBe(0);
    await app.get(signedCookie('koa.sess', cookieValue({ n: 1 })), { path: '/read' });
    expect(decoded, 'one read, one decode').toBe(1);
  });
});
