/**
 * Pitfalls that only a real browser can show (chapters/pitfalls.md): the
 * favicon request that counts as a visit, and which host names a cookie's
 * `Domain` lets it reach. Debian's chromium, headless; made-up host names
 * are pointed at 127.0.0.1 with `--host-resolver-rules`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa, { type Middleware } from 'koa';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionOptions } from '../../src/index.js';
import { launchChromium, requireChromium } from '../support/chromium.js';
import { BOOK_KEYS, createSession, record } from './support.js';

const hasChromium = requireChromium('the favicon and cookie-domain pitfall tests');

/** Start `app` on 127.0.0.1; every request it sees is logged as `host path → body`. */
async function serve(app: Koa) {
  const log: string[] = [];
  app.use(async (ctx, next) => {
    await next();
    log.push(`${ctx.host.replace(/:\d+$/, '')} ${ctx.path} → ${ctx.body ?? ctx.status}`);
  });
  // The logger must run first: move it to the front of the stack.
  app.middleware.unshift(app.middleware.pop()!);
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // The browser keeps its connections alive: close them, or close() waits for ever.
  const close = () =>
    new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    });
  return { port, log, close };
}

/** A view counter on every path, or on every path but /favicon.ico. */
function counter(skipFavicon: boolean, options: SessionOptions = {}): Koa {
  const app = new Koa();
  app.keys = [...BOOK_KEYS];
  app.silent = true;
  app.use(createSession(options, app));
  const count: Middleware = (ctx) => {
    if (skipFavicon && ctx.path === '/favicon.ico') {
      ctx.status = 204;
      return;
    }
    const session = ctx.session!;
    session.views = ((session.views as number | undefined) ?? 0) + 1;
    ctx.body = `${session.views} views`;
  };
  app.use(count);
  return app;
}

describe.runIf(hasChromium)('pitfall: the favicon counts as a visit, in chromium', () => {
  let context: BrowserContext;
  beforeAll(async () => {
    context = await launchChromium();
  });
  afterAll(async () => {
    await context?.close();
  });

  /** Open `/` in a fresh tab `loads` times; wait after each until the favicon request (if any) is served. */
  async function visit(app: Koa, loads: number) {
    const server = await serve(app);
    await context.clearCookies();
    const page = await context.newPage();
    const bodies: string[] = [];
    try {
      for (let i = 0; i < loads; i++) {
        const before = server.log.length;
        await page.goto(`http://127.0.0.1:${server.port}/`);
        bodies.push(((await page.textContent('body')) ?? '').trim());
        // Give the browser's own favicon request (if it makes one) time to arrive.
        for (let waited = 0; waited < 1500 && server.log.length < before + 2; waited += 50) {
          await page.waitForTimeout(50);
        }
      }
      return { bodies, log: server.log };
    } finally {
      await page.close();
      await server.close();
    }
  }

  it('a counter on every path: the browser’s own /favicon.ico requests are counted too, on later loads as well', async () => {
    const { bodies, log } = await visit(counter(false), 3);
    const favicons = log.filter((l) => l.includes(' /favicon.ico ')).length;
    // The "icon" it got back was the counter's text, not an image: it asked again on later loads.
    expect(favicons).toBeGreaterThanOrEqual(2);
    // Three page loads, and one count per favicon request on top.
    expect(log).toHaveLength(3 + favicons);
    // The favicon request after the first load took number 2: the second page says 3.
    expect(log[1]).toBe('127.0.0.1 /favicon.ico → 2 views');
    expect(bodies.slice(0, 2)).toEqual(['1 views', '3 views']);
  });

  it('answering /favicon.ico before counting: three loads, three views', async () => {
    const { bodies } = await visit(counter(true), 3);
    expect(bodies).toEqual(['1 views', '2 views', '3 views']);
  });

  it('records the transcript', async () => {
    const broken = await visit(counter(false), 1);
    const fixed = await visit(counter(true), 1);
    record('favicon', [
      ['── a counter on every path; chromium opens / once. The server saw:', ...broken.log].join(
        '\n   ',
      ),
      ['── the same, /favicon.ico answered with 204 first. The server saw:', ...fixed.log].join(
        '\n   ',
      ),
    ]);
  });
});

describe.runIf(hasChromium)('pitfall: the cookie domain, in chromium', () => {
  let context: BrowserContext;
  beforeAll(async () => {
    context = await launchChromium(undefined, {
      args: ['--host-resolver-rules=MAP example.test 127.0.0.1, MAP *.example.test 127.0.0.1'],
    });
  });
  afterAll(async () => {
    await context?.close();
  });

  /**
   * Log in on `login` (a counter that stores views), then open `/` on each
   * of `others`: which of them does the session reach?
   */
  async function reach(options: SessionOptions, login: string, others: string[]) {
    const server = await serve(counter(true, options));
    await context.clearCookies();
    const page = await context.newPage();
    try {
      const url = (host: string) => `http://${host}:${server.port}/`;
      await page.goto(url(login));
      const seen: Record<string, string> = {};
      for (const host of others) {
        await page.goto(url(host));
        seen[host] = ((await page.textContent('body')) ?? '').trim();
      }
      const jar = (await context.cookies()).map((c) => `${c.name} for ${c.domain}`);
      return { seen, jar };
    } finally {
      await page.close();
      await server.close();
    }
  }

  it('no domain: the cookie stays on the host that set it; api.example.test and example.test get a new session', async () => {
    const { seen, jar } = await reach({}, 'app.example.test', [
      'app.example.test',
      'api.example.test',
      'example.test',
    ]);
    expect(seen).toEqual({
      'app.example.test': '2 views',
      'api.example.test': '1 views',
      'example.test': '1 views',
    });
    expect(jar).toContain('koa.sess for app.example.test');
  });

  it("domain: 'example.test' shares the session with every subdomain and with example.test itself", async () => {
    const { seen } = await reach({ domain: 'example.test' }, 'app.example.test', [
      'api.example.test',
      'example.test',
    ]);
    expect(seen).toEqual({ 'api.example.test': '2 views', 'example.test': '3 views' });
  });

  it("domain: 'other.test' (a site the request did not come from): the browser refuses the cookie, every visit is new", async () => {
    const { seen, jar } = await reach({ domain: 'other.test' }, 'app.example.test', [
      'app.example.test',
    ]);
    expect(seen).toEqual({ 'app.example.test': '1 views' });
    expect(jar).toEqual([]);
  });

  it("domain: '.localhost': chromium keeps it for localhost only; app.localhost does not get it", async () => {
    const { seen, jar } = await reach({ domain: '.localhost' }, 'localhost', [
      'localhost',
      'app.localhost',
    ]);
    expect(seen).toEqual({ localhost: '2 views', 'app.localhost': '1 views' });
    expect(jar).toContain('koa.sess for localhost');
  });

  it('records the transcript', async () => {
    const lines = async (
      label: string,
      options: SessionOptions,
      login: string,
      others: string[],
    ) => {
      const { seen } = await reach(options, login, others);
      return [
        `── ${label}: first visit on ${login} → 1 views, then`,
        ...others.map((h) => `${h} → ${seen[h]}`),
      ].join('\n   ');
    };
    const hosts = ['app.example.test', 'api.example.test', 'example.test'];
    record('cookie-domain', [
      await lines('no domain', {}, 'app.example.test', hosts),
      await lines("domain: 'example.test'", { domain: 'example.test' }, 'app.example.test', hosts),
      await lines("domain: 'other.test'", { domain: 'other.test' }, 'app.example.test', hosts),
      await lines("domain: '.localhost'", { domain: '.localhost' }, 'localhost', [
        'localhost',
        'app.localhost',
      ]),
    ]);
  });
});
