/**
 * The small site every attack-lab step fires at: log in, see who you are,
 * log out. One copy for the four chapter 11 steps; `lab` is the learner's
 * attack kit (or the reference), so the helpers use whichever is loaded.
 */
import type { SessionOptions } from '../../../src/index.js';
import type { attacks } from '../impl.js';
import type { Jar } from '../reference/attacks.js';
import { KEYS, sessionApp } from './harness.js';

type Lab = Awaited<ReturnType<typeof attacks>>;

export function attackSite(lab: Lab) {
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

  return { site, visit, logIn };
}
