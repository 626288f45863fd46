/**
 * Step forge — chapters/11-security.md#tampering
 *
 * The attack lab: sign a cookie of your own with a key you guessed. The
 * attack is fired at a site whose key really is the guess (it must work)
 * and at one with a real secret (it must be refused).
 */
import Keygrip from 'keygrip';
import type { SessionOptions } from '../../../src/index.js';
import { attacks } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import type { Jar } from '../reference/attacks.js';
import { KEYS, sessionApp } from '../support/harness.js';

const lab = await attacks();

/** A small site: log in, see who you are, log out. */
function site(options: SessionOptions = {}, keys = KEYS) {
  let ids = 0;
  return sessionApp(
    { genid: () => `sid-${++ids}-${Math.random().toString(36).slice(2)}`, ...options },
    async (ctx) => {
      if (ctx.path === '/login') {
        ctx.session!.user = String(ctx.query.user);
        ctx.session!.role = 'user';
        if (options.store) await ctx.session!.regenerate();
      } else if (ctx.path === '/cart') {
        ctx.session!.cart = 'book';
      } else if (ctx.path === '/logout') {
        ctx.session = null;
      }
      const session = ctx.session;
      ctx.body = {
        user: session?.user ?? null,
        role: session?.role ?? null,
        cart: session?.cart ?? null,
        isNew: session?.isNew ?? null,
        id: session?.externalKey ?? null,
      };
    },
    { keys },
  );
}

type Site = ReturnType<typeof site>;

/** Send `jar`, and return the reply and the jar a browser would hold afterwards. */
async function visit(app: Site, jar: Jar, path = '/') {
  const reply = await app.get(lab.cookieHeader(jar) || undefined, { path });
  return { reply, jar: lab.receive(jar, reply.setCookie), body: reply.body };
}

describe('forgery: sign your own cookie with a guessed key', () => {
  const GUESS = 'password123';
  const admin = { user: 'mallory', role: 'admin' };

  it('forge builds the cookie and a keygrip-correct signature for the guessed key', () => {
    const jar = lab.forge('koa.sess', admin, GUESS);
    expect(lab.readSession(jar['koa.sess']!), 'the forged data').toEqual(admin);
    expect(jar['koa.sess.sig'], 'the signature a server with that key would compute').toBe(
      new Keygrip([GUESS]).sign(`koa.sess=${jar['koa.sess']}`),
    );
  });

  it('works against an app whose key really is the guessed one', async () => {
    const weak = site({}, [GUESS]);
    const { body } = await visit(weak, lab.forge('koa.sess', admin, GUESS));
    expect(body.role, 'a guessable key is as good as no key').toBe('admin');
  });

  it('is refused by an app with a secret key', async () => {
    const { body } = await visit(site(), lab.forge('koa.sess', admin, GUESS));
    expect(body.role).toBeNull();
    expect(body.isNew).toBe(true);
  });
});
