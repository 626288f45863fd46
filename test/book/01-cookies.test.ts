/**
 * Chapter 1 (chapters/01-cookies.md): every statement the chapter makes about
 * cookies on the wire, checked against the port and, where the statement is
 * about koa-session's behaviour, against koa-session 7.0.2 as well.
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startScript } from '../../playground/processes.js';
import { launchChromium, requireChromium } from '../support/chromium.js';
import {
  BOOK_KEYS,
  Browser,
  bookApp,
  checkRecording,
  collectErrors,
  cookieNamed,
  countViews,
  decodeCookie,
  describeTryIt,
  freezeClock,
  IMPL_NAME,
  IMPLS,
  type SetCookie,
  signature,
  transcript,
  UNDER_TEST,
} from './support.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Options that put every attribute `cookies` knows on the line (a fresh
 * object each time: koa-session writes its defaults into the one it gets).
 */
const everyAttribute = () => ({
  maxAge: 60_000,
  path: '/shop',
  domain: 'example.com',
  sameSite: 'Lax',
  priority: 'high' as const,
  partitioned: true,
  signed: false,
});

describe.each(IMPLS)('cookies on the wire (%s)', (impl) => {
  it('first response sets two cookies: the session and its signature', async () => {
    freezeClock();
    const x = await new Browser(bookApp(impl, undefined, countViews)).get();
    expect(x.setCookie).toEqual([
      'koa.sess=eyJ2aWV3cyI6MSwiX2V4cGlyZSI6MTczNTc3NjAwMDAwMCwiX21heEFnZSI6ODY0MDAwMDB9; path=/; httponly',
      'koa.sess.sig=yJZU6fmYz8svWj08PX_7UDWKrtI; path=/; httponly',
    ]);
  });

  it('the browser sends name=value pairs back, without any attribute', async () => {
    const browser = new Browser(bookApp(impl, undefined, countViews));
    await browser.get();
    const second = await browser.get();
    expect(second.sent).toMatch(/^koa\.sess=[A-Za-z0-9+/=]+; koa\.sess\.sig=[\w-]+$/);
    expect(second.body).toBe('2 views');
  });

  it('first response has no Expires', async () => {
    const x = await new Browser(bookApp(impl, undefined, countViews)).get();
    for (const c of x.cookies) expect(c.attributes.expires).toBeUndefined();
    // …although the data inside already says "one day".
    const data = decodeCookie(cookieNamed(x, 'koa.sess')!.value);
    expect(data._maxAge).toBe(86_400_000);
  });

  it('the expiry is written as Expires, never as Max-Age', async () => {
    const clock = freezeClock();
    const x = await new Browser(bookApp(impl, { maxAge: 60_000 }, countViews)).get();
    for (const c of x.cookies) {
      expect(c.attributes['max-age']).toBeUndefined();
      expect(c.attributes.expires).toBe(new Date(clock.now() + 60_000).toUTCString());
    }
  });

  it('attributes are written in a fixed order, in lower case', async () => {
    freezeClock();
    const x = await new Browser(bookApp(impl, everyAttribute(), countViews)).get('/shop');
    expect(x.setCookie).toEqual([
      'koa.sess=eyJ2aWV3cyI6MSwiX2V4cGlyZSI6MTczNTY4OTY2MDAwMCwiX21heEFnZSI6NjAwMDB9; path=/shop; expires=Wed, 01 Jan 2025 00:01:00 GMT; domain=example.com; priority=high; samesite=lax; httponly; partitioned',
    ]);
  });

  it('httpOnly: false drops the attribute', async () => {
    const x = await new Browser(bookApp(impl, { httpOnly: false }, countViews)).get();
    for (const c of x.cookies) expect(c.attributes.httponly).toBeUndefined();
  });

  it('secure follows the connection: behind a trusted HTTPS proxy the cookie is Secure', async () => {
    const app = bookApp(impl, undefined, countViews);
    app.proxy = true;
    const plain = await new Browser(app).get();
    const https = await new Browser(app).get('/', { 'X-Forwarded-Proto': 'https' });
    for (const c of plain.cookies) expect(c.attributes.secure).toBeUndefined();
    for (const c of https.cookies) expect(c.attributes.secure).toBe(true);
  });

  it('secure: true over plain HTTP fails the request instead of sending a cookie', async () => {
    const app = bookApp(impl, { secure: true }, countViews);
    const errors = collectErrors(app);
    const x = await new Browser(app).get();
    expect(x.status).toBe(500);
    expect(x.setCookie).toEqual([]);
    expect(errors[0]?.message).toBe('Cannot send secure cookie over unencrypted connection');
  });

  it('the old name koa:sess still works: the colon is legal to this cookie library', async () => {
    const x = await new Browser(bookApp(impl, { key: 'koa:sess' }, countViews)).get();
    expect(x.cookies.map((c) => c.name)).toEqual(['koa:sess', 'koa:sess.sig']);
  });

  it('a name containing = or ; fails at the first save', async () => {
    const app = bookApp(impl, { key: 'koa=sess' }, countViews);
    const errors = collectErrors(app);
    const x = await new Browser(app).get();
    expect(x.status).toBe(500);
    expect(errors[0]?.message).toBe('argument name is invalid');
  });

  it('the signature is HMAC-SHA1 of name=value under the first key, base64url without padding', async () => {
    const x = await new Browser(bookApp(impl, undefined, countViews)).get();
    const value = cookieNamed(x, 'koa.sess')!.value;
    // Computed with node:crypto (test/support/cookies.ts), independently of keygrip.
    const expected = signature('koa.sess', value, BOOK_KEYS[0]);
    expect(cookieNamed(x, 'koa.sess.sig')!.value).toBe(expected);
    expect(expected).toHaveLength(27);
  });

  it('a tampered value is ignored and its signature cookie deleted', async () => {
    const browser = new Browser(bookApp(impl, undefined, countViews));
    await browser.get();
    await browser.get();
    const forged = Buffer.from(JSON.stringify({ views: 1000 })).toString('base64');
    browser.jar.set('koa.sess', forged);
    const readOnly = new Browser(
      bookApp(impl, undefined, (ctx) => {
        ctx.body = String(ctx.session!.views);
      }),
    );
    for (const [k, v] of browser.jar) readOnly.jar.set(k, v);
    const x = await readOnly.get();
    expect(x.body).toBe('undefined');
    expect(x.setCookie).toEqual([
      'koa.sess.sig=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly',
    ]);
  });

  it('with the view counter, an edited cookie gets a fresh, valid pair, not a deletion', async () => {
    const browser = new Browser(bookApp(impl, undefined, countViews));
    await browser.get();
    await browser.get();
    const value = browser.jar.get('koa.sess')!;
    // One character edited, as a reader would do in /tmp/jar.
    browser.jar.set(
      'koa.sess',
      `${value.slice(0, 5)}${value[5] === 'A' ? 'B' : 'A'}${value.slice(6)}`,
    );
    const x = await browser.get();
    expect(x.body).toBe('1 views');
    expect(x.cookies.map((c) => c.name)).toEqual(['koa.sess', 'koa.sess.sig']);
    const [data, sig] = x.cookies as [SetCookie, SetCookie];
    expect(sig.value).toBe(signature('koa.sess', data.value));
    expect(x.setCookie.some((line) => line.includes('1970'))).toBe(false);
  });

  it('without app.keys a signed session cannot be saved', async () => {
    const app = bookApp(impl, undefined, countViews);
    app.keys = undefined as unknown as string[];
    const errors = collectErrors(app);
    const x = await new Browser(app).get();
    expect(x.status).toBe(500);
    expect(errors[0]?.message).toBe('.keys required for signed cookies');
  });

  it('after a key rotation only the signature is re-issued, with no Expires', async () => {
    freezeClock();
    const before = bookApp(impl, { maxAge: 60_000 }, countViews);
    const browser = new Browser(before);
    await browser.get();
    // Rotate: the new key signs, the old one still verifies.
    const after = bookApp(impl, { maxAge: 60_000 }, (ctx) => {
      ctx.body = `${ctx.session!.views} views`;
    });
    after.keys = ['new secret', ...BOOK_KEYS];
    const rotated = new Browser(after);
    for (const [k, v] of browser.jar) rotated.jar.set(k, v);
    const x = await rotated.get();
    expect(x.body).toBe('1 views');
    const value = browser.jar.get('koa.sess')!;
    const newSig = signature('koa.sess', value, 'new secret');
    expect(x.setCookie).toEqual([`koa.sess.sig=${newSig}; path=/; httponly`]);
  });
});

describe(`size (${IMPL_NAME})`, () => {
  it('an oversized session is sent anyway: nothing checks the 4096-byte limit', async () => {
    const app = bookApp(UNDER_TEST, undefined, (ctx) => {
      ctx.session!.notes = 'x'.repeat(5000);
      ctx.body = 'ok';
    });
    const x = await new Browser(app).get();
    expect(x.status).toBe(200);
    const header = x.setCookie[0]!;
    expect(header.length).toBeGreaterThan(4096);
  });

  it('base64 makes the cookie a third larger than the JSON it carries', async () => {
    const app = bookApp(UNDER_TEST, undefined, (ctx) => {
      ctx.session!.notes = 'x'.repeat(3000);
      ctx.body = 'ok';
    });
    const x = await new Browser(app).get();
    const value = cookieNamed(x, 'koa.sess')!.value;
    const json = JSON.stringify(decodeCookie(value));
    expect(value.length).toBe(Math.ceil(Buffer.byteLength(json) / 3) * 4);
  });

  it('a Cookie header over 16 KB is refused by Node before Koa runs (431)', async () => {
    let reached = false;
    const app = bookApp(UNDER_TEST, undefined, (ctx) => {
      reached = true;
      ctx.body = 'ok';
    });
    const res = await request(app.callback())
      .get('/')
      .set('Cookie', `koa.sess=${'a'.repeat(17_000)}`);
    expect(res.status).toBe(431);
    expect(reached).toBe(false);
  });
});

describe(`recorded for chapter 1 (${IMPL_NAME}, clock frozen at 2025-01-01T00:00:00Z)`, () => {
  it('records the attribute order', async () => {
    freezeClock();
    const x = await new Browser(bookApp(UNDER_TEST, everyAttribute(), countViews)).get('/shop');
    checkRecording('attributes.txt', `${x.setCookie.map((l) => `Set-Cookie: ${l}`).join('\n')}\n`);
  });

  it('records a tampered cookie being refused', async () => {
    freezeClock();
    const browser = new Browser(bookApp(UNDER_TEST, undefined, countViews));
    await browser.get();
    // Replay the edited cookie against a page that only reads the session.
    const reader = new Browser(
      bookApp(UNDER_TEST, undefined, (ctx) => {
        ctx.body = `views: ${ctx.session!.views}`;
      }),
    );
    for (const [k, v] of browser.jar) reader.jar.set(k, v);
    reader.jar.set('koa.sess', Buffer.from('{"views":1000}').toString('base64'));
    const x = await reader.get();
    checkRecording('tampered.txt', `${transcript('the value edited by hand', '/', x)}\n`);
  });

  it('records a key rotation', async () => {
    freezeClock();
    const browser = new Browser(bookApp(UNDER_TEST, { maxAge: 60_000 }, countViews));
    await browser.get();
    const after = bookApp(UNDER_TEST, { maxAge: 60_000 }, (ctx) => {
      ctx.body = `${ctx.session!.views} views`;
    });
    after.keys = ['new secret', ...BOOK_KEYS];
    const rotated = new Browser(after);
    for (const [k, v] of browser.jar) rotated.jar.set(k, v);
    const x = await rotated.get();
    checkRecording(
      'rotation.txt',
      `${transcript("after app.keys = ['new secret', 'book secret']", '/', x)}\n`,
    );
  });
});

const hasChromium = requireChromium("chapter 1's clock-skew test");

/**
 * Visit test/book/skewed-clock-app.ts (a server whose clock is `skewMs`
 * behind) once in chromium; return how many seconds of life chromium gives
 * each cookie it kept, by its own clock.
 */
async function lifetimesInChromium(
  context: BrowserContext,
  skewMs: number,
  date: 'date' | 'no-date',
): Promise<Record<string, number>> {
  const script = fileURLToPath(new URL('./skewed-clock-app.ts', import.meta.url));
  const server = await startScript(script, {
    args: [UNDER_TEST, String(skewMs), date],
    ready: /port (\d+)/,
  }).catch((error: Error) => {
    throw new Error(`the skewed server exited: ${error.message}`);
  });
  const port = Number(server.ready[1]);
  try {
    await context.clearCookies();
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`http://127.0.0.1:${port}/`, { timeout: 20_000 });
    const now = Date.now() / 1000;
    return Object.fromEntries(
      (await context.cookies()).map((c) => [c.name, Math.round(c.expires - now)]),
    );
  } finally {
    await server.stop();
  }
}

describe.runIf(hasChromium)(`Expires and a clock that is off, in chromium (${IMPL_NAME})`, () => {
  let context: BrowserContext;
  beforeAll(async () => {
    context = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await context?.close();
  });

  it('chromium keeps a one-minute cookie for one minute from a server whose clock is an hour behind', async () => {
    // Expires says "an hour ago plus a minute" by chromium's clock; the Date
    // header says the server's clock is an hour behind, and chromium adds
    // the difference back.
    const kept = await lifetimesInChromium(context, 3_600_000, 'date');
    expect(Object.keys(kept).sort()).toEqual(['koa.sess', 'koa.sess.sig']);
    for (const seconds of Object.values(kept)) {
      expect(seconds).toBeGreaterThanOrEqual(55);
      expect(seconds).toBeLessThanOrEqual(60);
    }
  }, 60_000);

  it('without a Date header the same cookie arrives already expired, and chromium drops it', async () => {
    expect(await lifetimesInChromium(context, 3_600_000, 'no-date')).toEqual({});
  }, 60_000);

  it('chromium counts name and value against 4096 bytes, not the attributes', async () => {
    // Two cookies with long attributes: name + value of exactly 4096 bytes
    // (the whole line is longer), and of 4097.
    const attributes = `; path=/; expires=${new Date(Date.now() + 3_600_000).toUTCString()}; samesite=lax; httponly`;
    const fits = `fits=${'a'.repeat(4096 - 'fits'.length)}${attributes}`;
    const over = `over=${'a'.repeat(4097 - 'over'.length)}${attributes}`;
    expect(fits.length).toBeGreaterThan(4096);
    const server = createServer((_req, res) => {
      res.setHeader('set-cookie', [fits, over]);
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await context.clearCookies();
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`http://127.0.0.1:${port}/`);
      const kept = await context.cookies();
      expect(kept.map((c) => [c.name, c.name.length + c.value.length])).toEqual([['fits', 4096]]);
    } finally {
      // chromium keeps its connection alive: close it, or close() waits for ever.
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);

  it('chromium asks for /favicon.ico once over three page loads, even when it is a 404', async () => {
    const asked: string[] = [];
    const server = createServer((req, res) => {
      asked.push(req.url ?? '');
      if (req.url === '/favicon.ico') {
        res.statusCode = 404;
        res.end('Not Found');
        return;
      }
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>page</title><p>page</p>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const page = context.pages()[0] ?? (await context.newPage());
      for (let load = 0; load < 3; load++) {
        await page.goto(`http://127.0.0.1:${port}/`);
        // The favicon is fetched after the page, off the critical path.
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      expect(asked.filter((url) => url === '/')).toHaveLength(3);
      expect(asked.filter((url) => url === '/favicon.ico')).toHaveLength(1);
    } finally {
      // chromium keeps its connection alive: close it, or close() waits for ever.
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);
});

describeTryIt('the view counter in a cookie', 'tryit-01.txt', {
  records: 'two visits with their Set-Cookie lines',
  cookieMode: true,
  commands: [
    'curl -i -c /tmp/jar -b /tmp/jar http://localhost:3000/',
    'curl -i -c /tmp/jar -b /tmp/jar http://localhost:3000/',
  ],
  options: { trace: false },
  check: (text) => expect(text).toContain('2 views'),
});
