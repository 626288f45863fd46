/**
 * A cookie session that outgrows the cookie. Browsers keep at most about
 * 4096 bytes per cookie (name plus value); a bigger `Set-Cookie` is ignored
 * without any error, on either side. The server cannot tell: it sent the
 * header and never hears back. These tests show the bytes going out, then
 * replay them through a jar that behaves like a browser.
 *
 * Read with: chapters/11-security.md#cookie-size
 */
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import session, { onTrace, type TraceMessage } from '../../src/index.js';
import { CookieJar, type LabServer, NEW_KEY, parseSetCookie, serve } from './support.js';

/** Chrome's and Firefox's limit on name + value, and RFC 6265's minimum. */
const BROWSER_LIMIT = 4096;

/** `/login?user=` sets a user; `/notes?bytes=n` stores n bytes of notes; `/whoami` reads. */
function notesApp(signed: boolean) {
  const app = new Koa();
  app.keys = [NEW_KEY];
  app.use(session({ signed, maxAge: 86_400_000 }, app));
  app.use((ctx) => {
    const s = ctx.session!;
    if (ctx.path === '/login') s.user = ctx.query.user;
    if (ctx.path === '/notes') s.notes = 'n'.repeat(Number(ctx.query.bytes));
    ctx.body = { user: s.user ?? null, notes: typeof s.notes === 'string' ? s.notes.length : 0 };
  });
  return app;
}

const cookieBytes = (line: string) => {
  const { name, value } = parseSetCookie(line);
  return Buffer.byteLength(name + value);
};

describe('cookie size', () => {
  let signed: LabServer;
  let unsigned: LabServer;
  const traces: TraceMessage[] = [];
  let stopTrace: () => void;
  beforeAll(async () => {
    signed = await serve(notesApp(true));
    unsigned = await serve(notesApp(false));
    stopTrace = onTrace((m) => traces.push(m));
  });
  afterAll(async () => {
    stopTrace();
    await Promise.all([signed.close(), unsigned.close()]);
  });

  it('the server sends a cookie past 4096 bytes without complaint (base64 adds a third)', async () => {
    traces.length = 0;
    const reply = await signed.get('/notes?bytes=3100');
    expect(reply.status).toBe(200);
    const [value, sig] = reply.setCookie;
    const bytes = cookieBytes(value!);
    // 3100 bytes of notes plus the JSON around them, times 4/3 for base64.
    expect(bytes).toBeGreaterThan(BROWSER_LIMIT);
    expect(cookieBytes(sig!)).toBeLessThan(64);
    console.info(`[security] koa.sess cookie for 3100 bytes of notes: ${bytes} bytes`);
    // The trace reports the encoded size at save time: what a tool can flag.
    const save = traces.find((t) => t.step === 'save');
    expect(save).toMatchObject({ target: 'cookie' });
    expect((save as { bytes: number }).bytes).toBe(bytes - 'koa.sess'.length);
  });

  it('a browser drops it silently: the next request arrives with no session', async () => {
    const browser = new CookieJar({ limit: BROWSER_LIMIT });
    browser.take((await signed.get('/notes?bytes=3100')).setCookie);
    // The value was refused; the small signature cookie was kept.
    expect(browser.dropped.map((c) => c.name)).toEqual(['koa.sess']);
    expect([...browser].map(([name]) => name)).toEqual(['koa.sess.sig']);
    const next = await signed.get('/whoami', browser.header());
    expect(JSON.parse(next.body)).toEqual({ user: null, notes: 0 });
  });

  it('signed: an existing session is lost too — the kept new .sig no longer matches the old value', async () => {
    const browser = new CookieJar({ limit: BROWSER_LIMIT });
    browser.take((await signed.get('/login?user=alice')).setCookie);
    expect(JSON.parse((await signed.get('/whoami', browser.header())).body).user).toBe('alice');

    browser.take((await signed.get('/notes?bytes=3100', browser.header())).setCookie);
    expect(browser.dropped).toHaveLength(1);
    // Old value + new signature: the pair fails verification. Alice is logged out.
    const next = await signed.get('/whoami', browser.header());
    expect(JSON.parse(next.body)).toEqual({ user: null, notes: 0 });
    expect(next.setCookie).toEqual([
      'koa.sess.sig=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly',
    ]);
  });

  it('unsigned: the old cookie stays, so the user silently keeps the stale session', async () => {
    const browser = new CookieJar({ limit: BROWSER_LIMIT });
    browser.take((await unsigned.get('/login?user=alice')).setCookie);
    browser.take((await unsigned.get('/notes?bytes=3100', browser.header())).setCookie);
    expect(browser.dropped).toHaveLength(1);
    const next = await unsigned.get('/whoami', browser.header());
    // Still alice, but the notes she just saved are gone.
    expect(JSON.parse(next.body)).toEqual({ user: 'alice', notes: 0 });
  });

  it('just under the limit is kept; one byte of notes more, and it is not', async () => {
    // Find the largest notes size whose cookie still fits, by asking the server.
    const sizeFor = async (n: number) =>
      cookieBytes((await signed.get(`/notes?bytes=${n}`)).setCookie[0]!);
    let lo = 0;
    let hi = 4096;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if ((await sizeFor(mid)) <= BROWSER_LIMIT) lo = mid;
      else hi = mid - 1;
    }
    console.info(`[security] largest notes that fit in a 4096-byte cookie: ${lo} bytes`);
    const fits = new CookieJar({ limit: BROWSER_LIMIT });
    fits.take((await signed.get(`/notes?bytes=${lo}`)).setCookie);
    expect(fits.dropped).toEqual([]);
    // Base64 works in 3-byte groups, so "one more" means the next group.
    let more = lo + 1;
    while ((await sizeFor(more)) <= BROWSER_LIMIT) more++;
    const spills = new CookieJar({ limit: BROWSER_LIMIT });
    spills.take((await signed.get(`/notes?bytes=${more}`)).setCookie);
    expect(spills.dropped).toHaveLength(1);
  });

  it('a non-browser client that sends a huge cookie back is stopped by Node: 431', async () => {
    const huge = `koa.sess=${'A'.repeat(20_000)}`;
    const reply = await signed.get('/whoami', huge);
    expect(reply.status).toBe(431);
  });
});
