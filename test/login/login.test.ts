/**
 * The login starter (playground/login), driven as a browser drives it, on
 * real Redis. Each test names the behaviour chapter 17 teaches.
 *
 * Read with: chapters/17-login.md
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hashId, userTag } from '../../playground/login/session-store.js';
import { parseSetCookie } from '../../playground/shared/cookies.js';
import { hasRedis } from '../support/services.js';
import { Browser, DEMO_USERS, type Started, startApp } from './support.js';

let app: Started;
afterEach(async () => {
  await app?.close();
  // Closed: a test that starts no app must not close this one again.
  app = undefined as unknown as Started;
});

/** The `_csrf` value of the first form on a page. */
const tokenOn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

describe.runIf(hasRedis)('login starter: signing in and out', () => {
  it("signing in gives a new session id in the user's slot; the visitor's id and record are gone", async () => {
    app = await startApp();
    const browser = new Browser(app.url);
    await browser.get('/login');
    const before = browser.sid as string;
    expect(await app.keys()).toHaveLength(1); // the visitor's session (it holds the CSRF token)
    const res = await browser.signIn();
    expect(res).toMatchObject({ status: 302, location: '/' });
    const after = browser.sid as string;
    expect(after).not.toBe(before);
    expect(after.startsWith(`${userTag('1')}.`)).toBe(true);
    // 16 hex digits of tag, then 32 random bytes (256 bits) in base64url.
    expect(after).toMatch(/^[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    // A copy of the visitor's cookie leads nowhere: its record was destroyed.
    expect((await app.keys()).some((k) => k.endsWith(hashId(before)))).toBe(false);
    expect((await browser.get('/')).body).toContain('Hello, alice');
  });

  it("the store holds only sha256 of the id: no key, index entry or record contains the cookie's id", async () => {
    app = await startApp();
    const browser = new Browser(app.url);
    await browser.signIn();
    const id = browser.sid as string;
    const secret = id.split('.')[1] as string;
    const keys = await app.keys();
    expect(keys.sort()).toEqual(
      [
        `${app.config.prefix}{${userTag('1')}}:s:${hashId(id)}`,
        `${app.config.prefix}{${userTag('1')}}:sessions`,
      ].sort(),
    );
    const dump = JSON.stringify(
      await Promise.all(
        keys.map((k) =>
          k.endsWith(':sessions') ? app.redis.zrange(k, '0', '-1') : app.redis.get(k),
        ),
      ),
    );
    expect(keys.join(' ')).not.toContain(secret);
    expect(dump).not.toContain(secret);
    expect(dump).toContain(hashId(id));
  });

  it('every page is sent with Cache-Control: no-store, and the cookie is HttpOnly and SameSite=Lax', async () => {
    app = await startApp();
    const browser = new Browser(app.url);
    await browser.signIn();
    const res = await fetch(`${app.url}/devices`, {
      headers: { Cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
    const login = await fetch(`${app.url}/login`);
    for (const line of login.headers.getSetCookie()) {
      expect(line).toMatch(/^sid(\.sig)?=/);
      expect(line).toContain('samesite=lax; httponly');
    }
  });

  it('a wrong password: 401 and the form again, still signed out', async () => {
    app = await startApp();
    const browser = new Browser(app.url);
    const res = await browser.signIn('alice', 'not the password');
    expect(res.status).toBe(401);
    expect(res.body).toContain('That name and password do not match.');
    expect((await browser.get('/')).location).toBe('/login?next=%2F');
  });

  it('logout destroys the record: a copy of the cookie taken before is worthless', async () => {
    app = await startApp();
    const browser = new Browser(app.url);
    await browser.signIn();
    const thief = new Browser(app.url);
    for (const [k, v] of browser.cookies) thief.cookies.set(k, v);
    const home = await browser.get('/');
    await browser.request('POST', '/logout', { _csrf: tokenOn(home.body) });
    expect(browser.sid).toBeUndefined();
    expect((await thief.get('/')).location).toBe('/login?next=%2F');
    expect(await app.keys()).toEqual([]);
  });

  it('next= only ever redirects to a path of this site', async () => {
    app = await startApp();
    const browser = new Browser(app.url);
    for (const next of ['https://evil.example/', '//evil.example/', '/\\evil.example']) {
      await browser.get('/login');
      const res = await browser.submit('/login', '/login', {
        name: 'alice',
        password: DEMO_USERS.alice,
        next,
      });
      expect(res.location, next).toBe('/');
      await browser.request('POST', '/logout', { _csrf: tokenOn((await browser.get('/')).body) });
    }
  });
});

describe.runIf(hasRedis)('login starter: CSRF', () => {
  it("a form post without the session's token is refused (403), signed in or not", async () => {
    app = await startApp();
    const browser = new Browser(app.url);
    await browser.get('/login');
    const res = await browser.request('POST', '/login', {
      name: 'alice',
      password: DEMO_USERS.alice,
    });
    expect(res.status).toBe(403);
    await browser.signIn();
    const forged = await browser.request('POST', '/devices/revoke-all', {});
    expect(forged.status).toBe(403);
    expect((await browser.get('/')).status).toBe(200); // still signed in
  });

  it('a post the browser reports as cross-site is refused even with the right token (login CSRF too)', async () => {
    app = await startApp();
    const browser = new Browser(app.url);
    const form = await browser.get('/login');
    const res = await browser.request(
      'POST',
      '/login',
      { _csrf: tokenOn(form.body), name: 'alice', password: DEMO_USERS.alice },
      'cross-site',
    );
    expect(res.status).toBe(403);
    expect(res.body).toContain('cross-site');
  });

  it('the token a visitor had before signing in is not the one of the signed-in session', async () => {
    app = await startApp();
    const browser = new Browser(app.url);
    const before = tokenOn((await browser.get('/login')).body);
    await browser.signIn();
    const after = tokenOn((await browser.get('/')).body);
    expect(after).not.toBe('');
    expect(after).not.toBe(before);
  });
});

describe.runIf(hasRedis)('login starter: timeouts and re-authentication', () => {
  it('idle timeout: a session unused for longer than IDLE_MINUTES is gone (cookie, _expire and Redis TTL)', async () => {
    // 2.4 s. The cookie's Expires is written in whole seconds, so the
    // browser may let it go up to a second before the session's own 2.4 s.
    app = await startApp({ IDLE_MINUTES: String(2.4 / 60) });
    const browser = new Browser(app.url);
    await browser.signIn();
    const key = `${app.config.prefix}{${userTag('1')}}:s:${hashId(browser.sid as string)}`;
    const ttl = await app.redis.pttl(key);
    expect(ttl).toBeGreaterThan(2200);
    expect(ttl).toBeLessThanOrEqual(2400 + 10_000); // koa-session adds 10 s for the store
    await new Promise((r) => setTimeout(r, 1200));
    expect((await browser.get('/')).status).toBe(200); // activity moves the expiry (rolling)
    await new Promise((r) => setTimeout(r, 1200));
    expect((await browser.get('/')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2800));
    expect((await browser.get('/')).location).toBe('/login?next=%2F');
  });

  it('absolute timeout: ABSOLUTE_MINUTES after signing in, even an active session ends', async () => {
    app = await startApp({ ABSOLUTE_MINUTES: '60' });
    const browser = new Browser(app.url);
    await browser.signIn();
    app.clock.advance(59 * 60_000);
    expect((await browser.get('/')).status).toBe(200);
    app.clock.advance(2 * 60_000);
    const res = await browser.get('/');
    expect(res.location).toBe('/login?expired=1');
    expect(browser.sid).toBeUndefined();
    expect(await app.keys()).toEqual([]);
  });

  it('re-authentication: after REAUTH_MINUTES a sensitive page asks for the password, and the right one gives a new id', async () => {
    app = await startApp({ REAUTH_MINUTES: '5' });
    const browser = new Browser(app.url);
    await browser.signIn();
    expect((await browser.get('/account')).status).toBe(200);
    app.clock.advance(6 * 60_000);
    expect((await browser.get('/account')).location).toBe('/reauth?next=%2Faccount');
    const wrong = await browser.submit('/reauth?next=%2Faccount', '/reauth', {
      password: 'nope',
      next: '/account',
    });
    expect(wrong.status).toBe(401);
    const before = browser.sid;
    const ok = await browser.submit('/reauth?next=%2Faccount', '/reauth', {
      password: DEMO_USERS.alice,
      next: '/account',
    });
    expect(ok.location).toBe('/account');
    expect(browser.sid).not.toBe(before);
    expect((await browser.get('/account')).status).toBe(200);
  });
});

describe.runIf(hasRedis)('login starter: your devices', () => {
  it("lists every session of the user, marks this one, and not another user's", async () => {
    app = await startApp();
    const laptop = new Browser(app.url, 'Laptop/1.0');
    const phone = new Browser(app.url, 'Phone/2.0');
    const bob = new Browser(app.url, 'Bob/3.0');
    await laptop.signIn();
    await phone.signIn();
    await bob.signIn('bob');
    const page = (await laptop.get('/devices')).body;
    expect(page).toContain('Laptop/1.0');
    expect(page).toContain('Phone/2.0');
    expect(page).not.toContain('Bob/3.0');
    expect(page.match(/this device/g)).toHaveLength(1);
    expect(page.indexOf('Laptop/1.0')).toBeLessThan(page.indexOf('this device'));
  });

  it('signing out one device ends that session on its next request; the others live on', async () => {
    app = await startApp();
    const laptop = new Browser(app.url, 'Laptop/1.0');
    const phone = new Browser(app.url, 'Phone/2.0');
    await laptop.signIn();
    await phone.signIn();
    const page = await laptop.get('/devices');
    const res = await laptop.request('POST', '/devices/revoke', {
      _csrf: tokenOn(page.body),
      session: hashId(phone.sid as string),
    });
    expect(res.location).toBe('/devices?done=one');
    expect((await phone.get('/')).location).toBe('/login?next=%2F');
    expect((await laptop.get('/')).status).toBe(200);
  });

  it("sign out everywhere: every session of the user ends, this one too; another user's lives on", async () => {
    app = await startApp();
    const laptop = new Browser(app.url);
    const phone = new Browser(app.url);
    const bob = new Browser(app.url);
    await laptop.signIn();
    await phone.signIn();
    await bob.signIn('bob');
    const res = await laptop.submit('/devices', '/devices/revoke-all', {});
    expect(res.location).toBe('/login');
    expect((await laptop.get('/')).location).toBe('/login?next=%2F');
    expect((await phone.get('/')).location).toBe('/login?next=%2F');
    expect((await bob.get('/')).status).toBe(200);
  });

  it('changing the password signs out every other session; this browser goes on under a new id', async () => {
    app = await startApp();
    const laptop = new Browser(app.url);
    const phone = new Browser(app.url);
    await laptop.signIn();
    await phone.signIn();
    const before = laptop.sid;
    const res = await laptop.submit('/account', '/account', { password: 'a brand new password' });
    expect(res.location).toBe('/devices');
    expect(laptop.sid).not.toBe(before);
    expect((await phone.get('/')).location).toBe('/login?next=%2F');
    const devices = (await laptop.get('/devices')).body;
    expect(devices.match(/<li>/g)).toHaveLength(1);
    // The new password works, the old one does not.
    const fresh = new Browser(app.url);
    expect((await fresh.signIn('alice', 'a brand new password')).location).toBe('/');
    expect((await new Browser(app.url).signIn()).status).toBe(401);
  });
});

describe.runIf(hasRedis)(
  'login starter: the store refuses a signed-in session without a new id',
  () => {
    it("set() with a user but a visitor's id throws, naming regenerate()", async () => {
      app = await startApp();
      const browser = new Browser(app.url);
      await browser.get('/login');
      await expect(
        app.store.set(browser.sid as string, { passport: { user: '1' } }, 60_000),
      ).rejects.toThrow('must get a new id at sign-in (call regenerate()');
    });
  },
);

describe.runIf(hasRedis)('login starter: production settings and start-up errors', () => {
  it('in production the cookie is __Host-sid, Secure, host-only, for the whole path', async () => {
    app = await startApp({ NODE_ENV: 'production', SESSION_KEYS: 'k'.repeat(32) });
    // Behind a TLS proxy: app.proxy is on in production, so this header counts.
    const res = await fetch(`${app.url}/login`, { headers: { 'X-Forwarded-Proto': 'https' } });
    const lines = res.headers.getSetCookie();
    expect(lines.map((l) => parseSetCookie(l).name)).toEqual(['__Host-sid', '__Host-sid.sig']);
    for (const line of lines) {
      expect(line).toContain('; path=/;');
      expect(line).toContain('; secure');
      expect(line).not.toContain('domain=');
    }
  });

  it('a bad setting stops start-up with one line naming it; production demands SESSION_KEYS', async () => {
    const { execFile } = await import('node:child_process');
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          ['--import', 'tsx', 'playground/login/main.ts'],
          { env: { ...process.env, PORT: '0', ...env }, timeout: 20_000 },
          (error, _out, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }),
        );
        child.stdin?.end();
      });
    const idle = await run({ IDLE_MINUTES: 'soon' });
    expect(idle.code).toBe(1);
    expect(idle.stderr).toBe('✗ IDLE_MINUTES must be a positive number of minutes, got "soon"\n');
    const prod = await run({ NODE_ENV: 'production', SESSION_KEYS: '' });
    expect(prod.code).toBe(1);
    expect(prod.stderr).toBe(
      '✗ SESSION_KEYS is required in production (comma-separated, newest first)\n',
    );
    const redis = await run({ REDIS_URL: 'redis://127.0.0.1:1' });
    expect(redis.code).toBe(1);
    expect(redis.stderr).toMatch(
      /^✗ cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/,
    );
  }, 60_000);
});
