/**
 * The one `Set-Cookie` parser and the one cookie jar
 * (playground/shared/cookies.ts) that the Session Lab, the scale-out walk,
 * the cluster load and every test use to play the browser. Each rule here
 * is RFC 6265's (section 5) or a browser's; a jar that broke one would
 * make every test built on it lie quietly.
 * Read with: chapters/01-cookies.md
 */
import { describe, expect, it } from 'vitest';
import {
  BROWSER_COOKIE_LIMIT,
  byteLength,
  CookieJar,
  cookiePair,
  defaultPath,
  parseSetCookie,
  pathMatches,
  setCookieLines,
} from '../../playground/shared/cookies.js';

const EPOCH = 'Thu, 01 Jan 1970 00:00:00 GMT';

describe('parseSetCookie', () => {
  it('splits name and value at the first =, attributes at ;', () => {
    const line = 'koa.sess=eyJhIjoxfQ==; path=/; expires=Wed, 01 Jan 2031 00:00:00 GMT; httponly';
    expect(parseSetCookie(line)).toEqual({
      name: 'koa.sess',
      value: 'eyJhIjoxfQ==',
      attributes: { path: '/', expires: 'Wed, 01 Jan 2031 00:00:00 GMT', httponly: true },
      tail: '; path=/; expires=Wed, 01 Jan 2031 00:00:00 GMT; httponly',
      raw: line,
    });
  });

  it('lower-cases attribute names, trims, keeps the last of a repeated attribute', () => {
    const c = parseSetCookie(' id = 42 ; Path = /a ; SameSite=Lax; PATH=/b; Secure;');
    expect(c.name).toBe('id');
    expect(c.value).toBe('42');
    expect(c.attributes).toEqual({ path: '/b', samesite: 'Lax', secure: true });
  });

  it('a pair without = is a value with an empty name (RFC 6265bis)', () => {
    expect(parseSetCookie('lonely; path=/')).toMatchObject({ name: '', value: 'lonely' });
    expect(cookiePair('lonely; path=/')).toBe('lonely');
  });

  it('cookiePair is what a browser sends back; setCookieLines normalises the header', () => {
    expect(cookiePair('a=b=c; path=/; httponly')).toBe('a=b=c');
    expect(setCookieLines(undefined)).toEqual([]);
    expect(setCookieLines('')).toEqual([]);
    expect(setCookieLines('a=1')).toEqual(['a=1']);
    expect(setCookieLines(['a=1', 'b=2'])).toEqual(['a=1', 'b=2']);
  });

  it('counts bytes as UTF-8, like browsers do', () => {
    expect(byteLength('é')).toBe(2);
    expect(byteLength('€')).toBe(3);
    expect(byteLength('abc')).toBe(3);
  });
});

describe('paths (RFC 6265 §5.1.4)', () => {
  it('a cookie path matches itself, what is below it, nothing beside it', () => {
    expect(pathMatches('/p', '/p')).toBe(true);
    expect(pathMatches('/p/x', '/p')).toBe(true);
    expect(pathMatches('/p/x', '/p/')).toBe(true);
    expect(pathMatches('/px', '/p')).toBe(false);
    expect(pathMatches('/q', '/p')).toBe(false);
    expect(pathMatches('/anything', '/')).toBe(true);
  });

  it('without a Path, a cookie lives in the request path\'s "directory"', () => {
    expect(defaultPath('/')).toBe('/');
    expect(defaultPath('/login')).toBe('/');
    expect(defaultPath('/a/b')).toBe('/a');
    expect(defaultPath('/a/b/?x=1')).toBe('/a/b');
    expect(defaultPath('odd')).toBe('/');
  });
});

describe('CookieJar', () => {
  const at = (ms: number) => () => ms;

  it('keeps what Set-Cookie gives and sends it back', () => {
    const jar = new CookieJar();
    jar.take(['koa.sess=abc; path=/; httponly', 'koa.sess.sig=xyz; path=/; httponly']);
    expect(jar.header()).toBe('koa.sess=abc; koa.sess.sig=xyz');
    expect(jar.get('koa.sess')).toBe('abc');
    expect(jar.size).toBe(2);
    expect([...jar]).toEqual([
      ['koa.sess', 'abc'],
      ['koa.sess.sig', 'xyz'],
    ]);
  });

  it('is empty until told otherwise: no header at all', () => {
    expect(new CookieJar().header()).toBeUndefined();
  });

  it('a replaced cookie keeps its place in the header', () => {
    const jar = new CookieJar();
    jar.take(['a=1; path=/', 'b=2; path=/']);
    jar.take('a=3; path=/');
    expect(jar.header()).toBe('a=3; b=2');
  });

  it('an Expires in the past deletes; the cookie is gone from the header', () => {
    const jar = new CookieJar();
    jar.take('koa.sess=abc; path=/');
    jar.take(`koa.sess=; path=/; expires=${EPOCH}; httponly`);
    expect(jar.has('koa.sess')).toBe(false);
    expect(jar.header()).toBeUndefined();
  });

  it('an empty value is a cookie like any other (only expiry deletes)', () => {
    const jar = new CookieJar();
    jar.take('flag=; path=/');
    expect(jar.header()).toBe('flag=');
  });

  it('a cookie stops being sent once its Expires passes on the jar clock', () => {
    let now = Date.UTC(2030, 0, 1);
    const jar = new CookieJar({ now: () => now });
    jar.take('s=1; path=/; expires=Tue, 01 Jan 2030 00:01:00 GMT');
    expect(jar.header()).toBe('s=1');
    now += 60_000;
    expect(jar.header()).toBeUndefined();
    expect(jar.size).toBe(0);
  });

  it('Max-Age wins over Expires; zero or less deletes', () => {
    const t0 = Date.UTC(2030, 0, 1);
    const jar = new CookieJar({ now: at(t0) });
    jar.take(`s=1; path=/; max-age=60; expires=${EPOCH}`);
    expect(jar.cookie('s')?.expires).toBe(t0 + 60_000);
    jar.take('s=1; path=/; max-age=0');
    expect(jar.has('s')).toBe(false);
    jar.take('t=1; path=/; max-age=soon');
    expect(jar.cookie('t')?.expires).toBeUndefined();
  });

  it('the same name on two paths is two cookies; the longer path is sent first', () => {
    const jar = new CookieJar();
    jar.take('sid=root; path=/');
    jar.take('sid=app; path=/app');
    expect(jar.header('/app/page')).toBe('sid=app; sid=root');
    expect(jar.header('/')).toBe('sid=root');
    expect(jar.header('/apple')).toBe('sid=root');
    // Deleting on one path leaves the other.
    jar.take(`sid=; path=/app; expires=${EPOCH}`);
    expect(jar.header('/app/page')).toBe('sid=root');
  });

  it('a cookie without Path gets the default path of the request it came with', () => {
    const jar = new CookieJar();
    jar.take('n=1', '/account/login');
    expect(jar.cookie('n')?.path).toBe('/account');
    expect(jar.header('/')).toBeUndefined();
    expect(jar.header('/account/profile')).toBe('n=1');
  });

  it(`ignores a cookie past ${BROWSER_COOKIE_LIMIT} bytes and keeps the one it had`, () => {
    const jar = new CookieJar();
    jar.take('big=small; path=/');
    const fits = `big=${'x'.repeat(BROWSER_COOKIE_LIMIT - 3)}; path=/`;
    const spills = `big=${'x'.repeat(BROWSER_COOKIE_LIMIT - 2)}; path=/`;
    jar.take(spills);
    expect(jar.get('big')).toBe('small');
    expect(jar.dropped.map((c) => c.name)).toEqual(['big']);
    jar.take(fits);
    expect(jar.get('big')).toHaveLength(BROWSER_COOKIE_LIMIT - 3);
    const unlimited = new CookieJar({ limit: Number.POSITIVE_INFINITY });
    unlimited.take(spills);
    expect(unlimited.dropped).toEqual([]);
  });

  it('plants, edits and deletes by hand, like the developer tools', () => {
    const jar = new CookieJar();
    jar.take('koa.sess=abc; path=/; expires=Wed, 01 Jan 2031 00:00:00 GMT');
    jar.set('koa.sess.sig', 'forged');
    expect(jar.cookie('koa.sess.sig')).toEqual({
      name: 'koa.sess.sig',
      value: 'forged',
      path: '/',
      expires: undefined,
    });
    const before = jar.cookie('koa.sess')!;
    jar.set('koa.sess', 'edited', before);
    expect(jar.cookie('koa.sess')).toEqual({ ...before, value: 'edited' });
    expect(jar.header()).toBe('koa.sess=edited; koa.sess.sig=forged');
    expect(jar.delete('koa.sess.sig')).toBe(true);
    expect(jar.delete('koa.sess.sig')).toBe(false);
    jar.clear();
    expect(jar.size).toBe(0);
  });

  it('copy() is another profile: changes to one leave the other alone', () => {
    const jar = new CookieJar();
    jar.take('a=1; path=/');
    const twin = jar.copy();
    twin.set('a', '2');
    jar.take('b=1; path=/');
    expect(jar.header()).toBe('a=1; b=1');
    expect(twin.header()).toBe('a=2');
  });
});
