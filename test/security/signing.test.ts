/**
 * What signing does and does not do, observed on the wire.
 *
 * A signed session is two cookies: `koa.sess` (the base64 JSON) and
 * `koa.sess.sig` (an HMAC of `koa.sess=<value>` under the first of
 * `app.keys`). The `cookies` library checks the pair before koa-session
 * ever sees the value. These tests pin down every case: honest, tampered,
 * missing signature, rotated key, unsigned mode — with the exact
 * `Set-Cookie` lines each produces.
 *
 * Read with: chapters/11-security.md#signing
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityApp } from './apps.js';
import { asParsed, cookieValue } from './arbitraries.js';
import {
  CookieJar,
  collectErrors,
  fromCookieValue,
  type LabServer,
  NEW_KEY,
  OLD_KEY,
  parseSetCookie,
  serve,
  sign,
  toCookieValue,
} from './support.js';

const EXPIRED = 'expires=Thu, 01 Jan 1970 00:00:00 GMT';

/** Log in as `user` against `server` and return the two cookie values. */
async function loginAs(server: LabServer, user: string) {
  const reply = await server.get(`/login?user=${user}`);
  const [value, sig] = reply.setCookie.map(parseSetCookie);
  return { reply, value: value!.value, sig: sig!.value };
}

describe('signed cookies (the default)', () => {
  let server: LabServer;
  let errors: Error[];
  beforeAll(async () => {
    const app = identityApp([NEW_KEY]);
    errors = collectErrors(app);
    server = await serve(app);
  });
  afterAll(() => server.close());

  it('a signed session is two cookies; the signature is HMAC-SHA1 of koa.sess=<value> under app.keys[0]', async () => {
    const { reply, value, sig } = await loginAs(server, 'alice');
    expect(reply.setCookie).toHaveLength(2);
    expect(reply.setCookie[0]).toMatch(
      /^koa\.sess=[A-Za-z0-9+/=]+; path=\/; expires=.+; httponly$/,
    );
    expect(reply.setCookie[1]).toMatch(/^koa\.sess\.sig=[\w-]+; path=\/; expires=.+; httponly$/);
    expect(sig).toBe(sign('koa.sess', value, NEW_KEY));
    // Print one real exchange; chapters/11-security.md#the-readable-cookie quotes it.
    console.info('[security] Set-Cookie after /login?user=alice:\n ', reply.setCookie.join('\n  '));
  });

  it('the value is readable by anyone: base64 is an encoding, not encryption', async () => {
    const { value } = await loginAs(server, 'alice');
    const data = fromCookieValue(value) as Record<string, unknown>;
    expect(data).toEqual({ user: 'alice', _expire: expect.any(Number), _maxAge: 86_400_000 });
    console.info('[security] decoded koa.sess:', JSON.stringify(data));
  });

  it('an honest cookie pair is accepted', async () => {
    const { value, sig } = await loginAs(server, 'alice');
    const reply = await server.get('/whoami', `koa.sess=${value}; koa.sess.sig=${sig}`);
    expect(JSON.parse(reply.body)).toEqual({ user: 'alice', hits: null, isNew: false });
    // Reading an unchanged session sends nothing back.
    expect(reply.setCookie).toEqual([]);
  });

  it('a tampered value is rejected: fresh session, and cookies expires the .sig cookie', async () => {
    const { value, sig } = await loginAs(server, 'alice');
    const forged = toCookieValue({ ...(fromCookieValue(value) as object), user: 'admin' });
    const reply = await server.get('/whoami', `koa.sess=${forged}; koa.sess.sig=${sig}`);
    expect(JSON.parse(reply.body)).toEqual({ user: null, hits: null, isNew: true });
    // The only header: `cookies` deleting the signature it could not verify.
    // The forged koa.sess cookie itself is left in the browser, ignored.
    expect(reply.setCookie).toEqual([`koa.sess.sig=; path=/; ${EXPIRED}; httponly`]);
    expect(errors).toEqual([]);
  });

  it('a tampered signature is rejected the same way', async () => {
    const { value, sig } = await loginAs(server, 'alice');
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    const reply = await server.get('/whoami', `koa.sess=${value}; koa.sess.sig=${flipped}`);
    expect(JSON.parse(reply.body)).toMatchObject({ user: null, isNew: true });
    expect(reply.setCookie).toEqual([`koa.sess.sig=; path=/; ${EXPIRED}; httponly`]);
  });

  it('when the rejected request writes a new session, the new pair replaces the deleting header', async () => {
    const { value } = await loginAs(server, 'alice');
    const reply = await server.get('/visit', `koa.sess=${value}; koa.sess.sig=wrong`);
    expect(JSON.parse(reply.body)).toEqual({ user: null, hits: 1, isNew: true });
    const names = reply.setCookie.map((line) => parseSetCookie(line).name);
    // `overwrite: true` (the default) removed the earlier `koa.sess.sig=` line.
    expect(names).toEqual(['koa.sess', 'koa.sess.sig']);
    expect(reply.setCookie.join('\n')).not.toContain(EXPIRED);
  });

  it('a value without any signature is ignored, silently (no header at all)', async () => {
    const { value } = await loginAs(server, 'alice');
    const reply = await server.get('/whoami', `koa.sess=${value}`);
    expect(JSON.parse(reply.body)).toMatchObject({ user: null, isNew: true });
    expect(reply.setCookie).toEqual([]);
  });

  it('a signature is bound to the cookie name: a valid signature for another name does not transfer', async () => {
    const value = toCookieValue({ user: 'admin' });
    // Suppose the app signs some other cookie, `prefs`, with the same key and
    // an attacker can make it sign a value of their choosing.
    const borrowed = sign('prefs', value, NEW_KEY);
    const reply = await server.get('/whoami', `koa.sess=${value}; koa.sess.sig=${borrowed}`);
    expect(JSON.parse(reply.body)).toMatchObject({ user: null, isNew: true });
  });

  it('property: any value with any signature but the right one starts a fresh session', async () => {
    await fc.assert(
      fc.asyncProperty(cookieValue, fc.stringMatching(/^[\w-]{1,40}$/), async (value, forged) => {
        fc.pre(forged !== sign('koa.sess', asParsed(value), NEW_KEY));
        const reply = await server.get('/whoami', `koa.sess=${value}; koa.sess.sig=${forged}`);
        expect(reply.status).toBe(200);
        expect(JSON.parse(reply.body)).toEqual({ user: null, hits: null, isNew: true });
      }),
      { numRuns: 500 },
    );
    expect(errors).toEqual([]);
  });

  it('signing needs app.keys: without them, saving a session fails loudly (500), never silently unsigned', async () => {
    const app = identityApp(undefined);
    const keyless = collectErrors(app);
    const bare = await serve(app);
    try {
      const reply = await bare.get('/login?user=alice');
      expect(reply.status).toBe(500);
      expect(reply.setCookie).toEqual([]);
      expect(keyless.map((e) => e.message)).toEqual(['.keys required for signed cookies']);
    } finally {
      await bare.close();
    }
  });
});

describe('key rotation: app.keys = [newKey, oldKey]', () => {
  let before: LabServer;
  let after: LabServer;
  let retired: LabServer;
  beforeAll(async () => {
    before = await serve(identityApp([OLD_KEY]));
    after = await serve(identityApp([NEW_KEY, OLD_KEY]));
    retired = await serve(identityApp([NEW_KEY]));
  });
  afterAll(() => Promise.all([before.close(), after.close(), retired.close()]));

  it('a cookie signed with the old key is accepted, and only its .sig is re-signed with the new key', async () => {
    const { value, sig } = await loginAs(before, 'alice');
    expect(sig).toBe(sign('koa.sess', value, OLD_KEY));

    const reply = await after.get('/whoami', `koa.sess=${value}; koa.sess.sig=${sig}`);
    expect(JSON.parse(reply.body)).toEqual({ user: 'alice', hits: null, isNew: false });
    // Exactly one header, written by `cookies` while *verifying*: the new
    // signature, with default attributes only — no expires, so a browser
    // keeps it only until it closes (the value cookie keeps its date).
    expect(reply.setCookie).toEqual([
      `koa.sess.sig=${sign('koa.sess', value, NEW_KEY)}; path=/; httponly`,
    ]);
  });

  it('a request that also changes the session re-sends both cookies, signed with the new key and dated', async () => {
    const { value, sig } = await loginAs(before, 'alice');
    const reply = await after.get('/visit', `koa.sess=${value}; koa.sess.sig=${sig}`);
    expect(JSON.parse(reply.body)).toEqual({ user: 'alice', hits: 1, isNew: false });
    const [newValue, newSig] = reply.setCookie.map(parseSetCookie);
    expect(reply.setCookie).toHaveLength(2);
    expect(newSig!.value).toBe(sign('koa.sess', newValue!.value, NEW_KEY));
    expect(newSig!.attributes.expires).toEqual(expect.any(String));
  });

  it('with rolling: true even a request that changes nothing re-sends both cookies under the new key', async () => {
    const rolling = await serve(identityApp([NEW_KEY, OLD_KEY], { rolling: true }));
    try {
      const { value, sig } = await loginAs(before, 'alice');
      const reply = await rolling.get('/whoami', `koa.sess=${value}; koa.sess.sig=${sig}`);
      expect(JSON.parse(reply.body)).toMatchObject({ user: 'alice', isNew: false });
      const [newValue, newSig] = reply.setCookie.map(parseSetCookie);
      expect(reply.setCookie).toHaveLength(2);
      expect(newSig!.value).toBe(sign('koa.sess', newValue!.value, NEW_KEY));
      expect(newValue!.attributes.expires).toEqual(expect.any(String));
      expect(newSig!.attributes.expires).toEqual(expect.any(String));
    } finally {
      await rolling.close();
    }
  });

  it('after the re-signed cookie, the client is fully on the new key', async () => {
    const jar = new CookieJar();
    jar.take((await before.get('/login?user=alice')).setCookie);
    jar.take((await after.get('/whoami', jar.header())).setCookie);
    // Once the old key is dropped from app.keys, this client still gets in.
    const reply = await retired.get('/whoami', jar.header());
    expect(JSON.parse(reply.body)).toMatchObject({ user: 'alice', isNew: false });
  });

  it('once the old key is removed, cookies that were never re-signed are refused', async () => {
    const { value, sig } = await loginAs(before, 'alice');
    const reply = await retired.get('/whoami', `koa.sess=${value}; koa.sess.sig=${sig}`);
    expect(JSON.parse(reply.body)).toMatchObject({ user: null, isNew: true });
  });
});

describe('unsigned mode (signed: false), shown for what it is', () => {
  let server: LabServer;
  beforeAll(async () => {
    server = await serve(identityApp([NEW_KEY], { signed: false }));
  });
  afterAll(() => server.close());

  it('the server sends one cookie, no signature', async () => {
    const reply = await server.get('/login?user=alice');
    expect(reply.setCookie.map((line) => parseSetCookie(line).name)).toEqual(['koa.sess']);
  });

  it('a client can write its own session: base64 of a forged user is believed', async () => {
    const forged = toCookieValue({ user: 'admin' });
    const reply = await server.get('/whoami', `koa.sess=${forged}`);
    expect(JSON.parse(reply.body)).toEqual({ user: 'admin', hits: null, isNew: false });
  });

  it('and can reset any counter or limit the server keeps in it', async () => {
    const jar = new CookieJar();
    for (let i = 0; i < 3; i++) jar.take((await server.get('/visit', jar.header())).setCookie);
    expect(fromCookieValue(jar.get('koa.sess')!)).toMatchObject({ hits: 3 });
    const reset = toCookieValue({ hits: 0 });
    const reply = await server.get('/visit', `koa.sess=${reset}`);
    expect(JSON.parse(reply.body)).toMatchObject({ hits: 1, isNew: false });
  });
});
