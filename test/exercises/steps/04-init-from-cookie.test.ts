/**
 * Step init-from-cookie — chapters/04-init-from-cookie.md#reading-the-cookie
 *
 * Read, verify, decode, check, load. Every app here uses
 * `autoCommit: false`: saving is a later step, and these checks only look
 * at what a request *reads*.
 */
import type { SessionOptions } from '../../../src/index.js';
import { describe, expect, it } from '../kit.js';
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
