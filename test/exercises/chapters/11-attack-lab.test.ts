/**
 * Exercise `attack-lab` — chapters/11-security.md
 *
 * You are the attacker. Each attack you write is fired twice: at a
 * deliberately weakened app, where it must succeed (proof that it is a real
 * attack, not a typo), and at a correctly configured app, where the session
 * must refuse it. Replay and expiry need no code of yours: they show which
 * defences hold, and the one that does not.
 */
import Keygrip from 'keygrip';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionOptions } from '../../../src/index.js';
import { attacks } from '../impl.js';
import type { Jar } from '../reference/attacks.js';
import { KEYS, RecordingStore, sessionApp } from '../support/harness.js';

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
  const reply = await app.get(attacks.cookieHeader(jar) || undefined, { path });
  return { reply, jar: attacks.receive(jar, reply.setCookie), body: reply.body };
}

async function logIn(app: Site, user: string) {
  return (await visit(app, {}, `/login?user=${user}`)).jar;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the readable cookie', () => {
  it('readSession reads a real session cookie without any key', async () => {
    const jar = await logIn(site(), 'alice');
    const data = attacks.readSession(jar['koa.sess']!);
    expect(data.user, 'the user name is right there in the cookie').toBe('alice');
    expect(data.role).toBe('user');
    expect(typeof data._expire, 'and so is the expiry').toBe('number');
  });
});

describe('tampering: change the data, keep the old signature', () => {
  it('tamper changes the session inside the cookie and nothing else', async () => {
    const jar = await logIn(site(), 'alice');
    const copy = { ...jar };
    const tampered = attacks.tamper(jar, 'koa.sess', (d) => ({ ...d, role: 'admin' }));
    expect(attacks.readSession(tampered['koa.sess']!).role, 'the forged role').toBe('admin');
    expect(attacks.readSession(tampered['koa.sess']!).user, 'the rest is kept').toBe('alice');
    expect(tampered['koa.sess.sig'], 'the old signature is kept').toBe(jar['koa.sess.sig']);
    expect(jar, 'the original jar is not modified').toEqual(copy);
  });

  it('works against an app that does not sign its cookies', async () => {
    const unsigned = site({ signed: false });
    const jar = await logIn(unsigned, 'alice');
    const tampered = attacks.tamper(jar, 'koa.sess', (d) => ({ ...d, role: 'admin' }));
    const { body } = await visit(unsigned, tampered);
    expect(body.role, 'without signatures the server believes the cookie').toBe('admin');
  });

  it('is refused by a signing app: the visitor gets a new, empty session', async () => {
    const app = site();
    const jar = await logIn(app, 'alice');
    const tampered = attacks.tamper(jar, 'koa.sess', (d) => ({ ...d, role: 'admin' }));
    const { body } = await visit(app, tampered);
    expect(body.role, 'the tampered role is not accepted').toBeNull();
    expect(body.isNew, 'a brand-new session').toBe(true);
  });

  it('pushing _expire into the future is tampering too, and refused', async () => {
    const app = site({ maxAge: 1000 });
    const jar = await logIn(app, 'alice');
    const extended = attacks.tamper(jar, 'koa.sess', (d) => ({
      ...d,
      _expire: Date.now() + 3_600_000,
    }));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 5000);
    const { body } = await visit(app, extended);
    expect(body.user, 'the extended cookie is refused').toBeNull();
  });
});

describe('forgery: sign your own cookie with a guessed key', () => {
  const GUESS = 'password123';
  const admin = { user: 'mallory', role: 'admin' };

  it('forge builds the cookie and a keygrip-correct signature for the guessed key', () => {
    const jar = attacks.forge('koa.sess', admin, GUESS);
    expect(attacks.readSession(jar['koa.sess']!), 'the forged data').toEqual(admin);
    expect(jar['koa.sess.sig'], 'the signature a server with that key would compute').toBe(
      new Keygrip([GUESS]).sign(`koa.sess=${jar['koa.sess']}`),
    );
  });

  it('works against an app whose key really is the guessed one', async () => {
    const weak = site({}, [GUESS]);
    const { body } = await visit(weak, attacks.forge('koa.sess', admin, GUESS));
    expect(body.role, 'a guessable key is as good as no key').toBe('admin');
  });

  it('is refused by an app with a secret key', async () => {
    const { body } = await visit(site(), attacks.forge('koa.sess', admin, GUESS));
    expect(body.role).toBeNull();
    expect(body.isNew).toBe(true);
  });
});

describe('swapped ids: take over another user’s stored session', () => {
  it('swapId puts the victim’s id in your jar and keeps your own signature', () => {
    const mine = { 'koa.sess': 'my-id', 'koa.sess.sig': 'my-signature' };
    const swapped = attacks.swapId(mine, 'koa.sess', 'victim-id');
    expect(swapped).toEqual({ 'koa.sess': 'victim-id', 'koa.sess.sig': 'my-signature' });
    expect(mine['koa.sess'], 'your jar is not modified').toBe('my-id');
  });

  it('works against a store app that does not sign its id cookie', async () => {
    const app = site({ store: new RecordingStore(), signed: false });
    const victim = await logIn(app, 'victim');
    const mallory = await logIn(app, 'mallory');
    const { body } = await visit(app, attacks.swapId(mallory, 'koa.sess', victim['koa.sess']!));
    expect(body.user, 'an unsigned id is a bearer token: whoever has it is logged in').toBe(
      'victim',
    );
  });

  it('is refused when the id cookie is signed: the signature covers the id', async () => {
    const store = new RecordingStore();
    const app = site({ store });
    const victim = await logIn(app, 'victim');
    const mallory = await logIn(app, 'mallory');
    const victimId = victim['koa.sess']!;
    const { body } = await visit(app, attacks.swapId(mallory, 'koa.sess', victimId));
    expect(body.user, 'not the victim').toBeNull();
    expect(body.id, 'and not the victim’s id').not.toBe(victimId);
    expect(JSON.parse(store.records.get(victimId)!).user, 'the victim is untouched').toBe('victim');
  });

  it('a signed cookie moved to another cookie name is refused: the name is signed too', async () => {
    const shop = site({ store: new RecordingStore(), key: 'shop.sid' });
    const shopJar = await logIn(shop, 'alice');
    const bank = site({ store: new RecordingStore(), key: 'bank.sid' });
    const moved = { 'bank.sid': shopJar['shop.sid']!, 'bank.sid.sig': shopJar['shop.sid.sig']! };
    const { body } = await visit(bank, moved);
    expect(body.id, 'the shop’s id is not accepted as a bank id').not.toBe(shopJar['shop.sid']);
  });

  it('an id the store never issued is not adopted (session fixation)', async () => {
    const store = new RecordingStore();
    const app = site({
      store,
      externalKey: {
        get: (ctx) => ctx.get('x-session-id') || undefined,
        set: (ctx, id) => ctx.set('x-session-id', id),
      },
    });
    const planted = 'id-chosen-by-the-attacker';
    const reply = await app.get(undefined, {
      path: '/login?user=victim',
      headers: { 'x-session-id': planted },
    });
    expect(reply.headers['x-session-id'], 'the victim gets a fresh id').not.toBe(planted);
    expect(store.records.has(planted), 'nothing is ever stored under the planted id').toBe(false);
    expect(app.events.map((e) => [e.name, e.key])).toEqual([['missed', planted]]);
  });
});

describe('replay: send an old cookie again', () => {
  it('store mode: after logout, the old cookie is refused (the record is gone)', async () => {
    const app = site({ store: new RecordingStore() });
    const jar = await logIn(app, 'alice');
    expect((await visit(app, jar)).body.user, 'before logout the cookie works').toBe('alice');
    await visit(app, jar, '/logout');
    const { body } = await visit(app, jar);
    expect(body.user, 'the replayed cookie is refused').toBeNull();
    expect(app.events.at(-1)?.name, 'reported as missed').toBe('missed');
  });

  it('store mode: the id from before login is dead after regenerate', async () => {
    const app = site({ store: new RecordingStore() });
    // An anonymous visitor fills a cart: that session is stored under an id.
    const { jar: anonymous } = await visit(app, {}, '/cart');
    const { jar: loggedIn } = await visit(app, anonymous, '/login?user=alice');
    expect(loggedIn['koa.sess'], 'login moved the session to a new id').not.toBe(
      anonymous['koa.sess'],
    );
    expect((await visit(app, loggedIn)).body.user, 'the new id works').toBe('alice');
    const { body } = await visit(app, anonymous);
    expect(body.user, 'the pre-login cookie (someone may have planted it) is refused').toBeNull();
    expect(body.cart, 'and carries nothing').toBeNull();
  });

  it('cookie mode: a copied cookie keeps working after logout, until it expires', async () => {
    // The honest limit of cookie sessions: the server keeps nothing, so it
    // cannot revoke anything. Logout only asks *this* browser to forget.
    const app = site({ maxAge: 60_000 });
    const jar = await logIn(app, 'alice');
    const logout = await visit(app, jar, '/logout');
    expect(logout.jar['koa.sess'], 'the browser forgot the cookie').toBeUndefined();
    const { body } = await visit(app, jar);
    expect(body.user, 'but a copy still logs in').toBe('alice');
  });

  it('an expired cookie is refused, with session:expired, even though its signature is fine', async () => {
    const app = site({ maxAge: 1000 });
    const jar = await logIn(app, 'alice');
    const expire = attacks.readSession(jar['koa.sess']!)._expire as number;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(expire - 10);
    expect((await visit(app, jar)).body.user, 'just before _expire').toBe('alice');
    vi.setSystemTime(expire + 1);
    const { body } = await visit(app, jar);
    expect(body.user, 'just after _expire').toBeNull();
    expect(app.events.map((e) => e.name)).toContain('expired');
  });
});
