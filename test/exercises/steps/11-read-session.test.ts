/**
 * Step read-session — chapters/11-security.md#the-readable-cookie
 *
 * The attack lab: here you are the attacker. A real site logs Alice in;
 * you read her session cookie without any key.
 */
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

async function logIn(app: Site, user: string) {
  return (await visit(app, {}, `/login?user=${user}`)).jar;
}

describe('the readable cookie', () => {
  it('readSession reads a real session cookie without any key', async () => {
    const jar = await logIn(site(), 'alice');
    const data = lab.readSession(jar['koa.sess']!);
    expect(data.user, 'the user name is right there in the cookie').toBe('alice');
    expect(data.role).toBe('user');
    expect(typeof data._expire, 'and so is the expiry').toBe('number');
  });
});
