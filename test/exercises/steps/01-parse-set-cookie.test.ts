/**
 * Step parse-set-cookie — chapters/01-cookies.md#attributes
 *
 * The headers come from a real Koa app (the same `cookies` package
 * koa-session writes through) and from the examples in RFC 6265, so your
 * parser reads exactly what a browser would receive.
 */
import Koa from 'koa';
import { cookies } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { hit } from '../support/harness.js';

const { parseSetCookie } = await cookies();

/** The Set-Cookie lines a Koa handler produces. */
async function setCookieLines(handler: (ctx: Koa.Context) => void): Promise<string[]> {
  const app = new Koa();
  app.silent = true; // a failure shows up in the test, not in Koa's log
  app.keys = ['k'];
  app.use((ctx) => {
    handler(ctx);
    ctx.body = 'ok';
  });
  const res = await hit(app, '/', {});
  return res.headers['set-cookie'] ?? [];
}

describe('parseSetCookie', () => {
  it('reads name, value and every attribute of a session cookie Koa sent', async () => {
    const before = Date.now();
    const [line] = await setCookieLines((ctx) =>
      ctx.cookies.set('koa.sess', 'eyJ2aWV3cyI6MX0=', {
        maxAge: 60_000,
        sameSite: 'lax',
        signed: false,
      }),
    );
    const cookie = parseSetCookie(line!);
    expect(cookie.name, 'name').toBe('koa.sess');
    expect(cookie.value, 'the value keeps its trailing "=" (split at the FIRST "=")').toBe(
      'eyJ2aWV3cyI6MX0=',
    );
    expect(cookie.path, 'path').toBe('/');
    expect(cookie.httpOnly, 'httponly is present, so httpOnly is true').toBe(true);
    expect(cookie.secure, 'no secure attribute, so secure is false').toBe(false);
    expect(cookie.sameSite, 'samesite, lower-cased').toBe('lax');
    expect(cookie.expires, 'expires should be read as a Date').toBeInstanceOf(Date);
    const expires = cookie.expires!.getTime();
    // Expires has whole-second precision.
    expect(expires, 'about one minute from now').toBeGreaterThan(before + 58_000);
    expect(expires, 'about one minute from now').toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it('reads a deletion: empty value, expiry at the Unix epoch', async () => {
    const [line] = await setCookieLines((ctx) =>
      ctx.cookies.set('koa.sess', '', { signed: false }),
    );
    const cookie = parseSetCookie(line!);
    expect(cookie.name).toBe('koa.sess');
    expect(cookie.value, 'a deletion has an empty value').toBe('');
    expect(cookie.expires?.getTime(), 'expires=Thu, 01 Jan 1970 00:00:00 GMT').toBe(0);
  });

  it('reads the .sig cookie of a signed cookie as a cookie of its own', async () => {
    const lines = await setCookieLines((ctx) => ctx.cookies.set('user', 'alice', { signed: true }));
    const parsed = lines.map((l) => parseSetCookie(l));
    expect(parsed.map((c) => c.name)).toEqual(['user', 'user.sig']);
    expect(parsed[1]!.value, 'a 27-character signature').toMatch(/^[A-Za-z0-9_-]{27}$/);
  });

  it('treats attribute names case-insensitively (RFC 6265 example)', () => {
    const cookie = parseSetCookie(
      'SID=31d4d96e407aad42; Path=/docs; Domain=example.com; Max-Age=3600; Secure; HttpOnly; SameSite=Strict',
    );
    expect(cookie).toEqual({
      name: 'SID',
      value: '31d4d96e407aad42',
      path: '/docs',
      domain: 'example.com',
      maxAge: 3600,
      secure: true,
      httpOnly: true,
      sameSite: 'strict',
    });
  });

  it('sets httpOnly and secure to false when the flags are absent', () => {
    const cookie = parseSetCookie('lang=en-US; Path=/');
    expect(cookie.httpOnly, 'httpOnly').toBe(false);
    expect(cookie.secure, 'secure').toBe(false);
    expect(cookie.expires, 'no Expires attribute').toBeUndefined();
  });

  it('keeps every "=" after the first one in the value', () => {
    expect(parseSetCookie('token=a=b==; path=/').value).toBe('a=b==');
  });

  it('tolerates extra spaces and ignores attributes it does not know', () => {
    const cookie = parseSetCookie('  id = 42 ;  priority=high ; Partitioned ;  PATH = /app ');
    expect(cookie.name, 'name, trimmed').toBe('id');
    expect(cookie.value, 'value, trimmed').toBe('42');
    expect(cookie.path, 'path, trimmed').toBe('/app');
    const reported = Object.entries(cookie).filter(([, value]) => value !== undefined);
    expect(reported.map(([key]) => key).sort(), 'only known attributes are reported').toEqual(
      ['httpOnly', 'name', 'path', 'secure', 'value'].sort(),
    );
  });

  it('leaves out an Expires or Max-Age it cannot read', () => {
    const cookie = parseSetCookie('a=1; Expires=not a date; Max-Age=soon');
    expect(cookie.expires, 'unreadable Expires').toBeUndefined();
    expect(cookie.maxAge, 'unreadable Max-Age').toBeUndefined();
  });
});
