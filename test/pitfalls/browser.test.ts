import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa, { type Middleware } from 'koa';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, requireChromium } from '../support/chromium.js';
import { session as sessionUnderTest } from '../support/impl.js';
import { record } from './support.js';

const hasChromium = requireChromium('the cross-origin pitfall test');

/** The CORS answer the API gives: none, the origin only, or the origin with credentials. */
type Cors = 'none' | 'origin' | 'credentials';

/** Start `handler` on a free port of localhost; resolve to its origin and a closer. */
async function listen(handler: Parameters<typeof createServer>[1]) {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://localhost:${port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The API: CORS as `cors` says (`?cors=` per request), then a session view counter. */
function api(frontOrigin: () => string): Koa {
  const app = new Koa();
  app.keys = ['k'];
  app.silent = true;
  const cors: Middleware = async (ctx, next) => {
    const mode = (ctx.query.cors as Cors | undefined) ?? 'none';
    if (mode !== 'none' && ctx.get('Origin') === frontOrigin()) {
      ctx.set('Access-Control-Allow-Origin', frontOrigin());
      if (mode === 'credentials') ctx.set('Access-Control-Allow-Credentials', 'true');
    }
    await next();
  };
  app.use(cors);
  app.use(sessionUnderTest({}, app));
  app.use((ctx) => {
    const session = ctx.session!;
    session.views = ((session.views as number | undefined) ?? 0) + 1;
    ctx.body = `${session.views} views`;
  });
  return app;
}

describe.runIf(hasChromium)('pitfall: a front end on another origin, in chromium', () => {
  let context: BrowserContext;
  let page: Page;
  let front: Awaited<ReturnType<typeof listen>>;
  let backend: Awaited<ReturnType<typeof listen>>;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    front = await listen((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>front end</title><p>front end</p>');
    });
    backend = await listen(api(() => front.origin).callback());
    context = await launchChromium();
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(front.origin);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await front?.close();
    await backend?.close();
  });

  /** Call the API from the page twice; what the page got each time (or the error it saw). */
  async function twice(cors: Cors, credentials: 'same-origin' | 'include') {
    await context.clearCookies();
    consoleErrors.length = 0;
    const url = `${backend.origin}/?cors=${cors}`;
    return page.evaluate(
      async ({ url, credentials }) => {
        const out: string[] = [];
        for (let i = 0; i < 2; i++) {
          try {
            out.push(await (await fetch(url, { credentials })).text());
          } catch (err) {
            out.push(`${(err as Error).name}: ${(err as Error).message}`);
          }
        }
        return out;
      },
      { url, credentials },
    );
  }

  it('fetch() with default credentials: the cookie is never sent, every call is 1 views', async () => {
    expect(await twice('origin', 'same-origin')).toEqual(['1 views', '1 views']);
  });

  it('credentials include without Access-Control-Allow-Credentials: the page may not read the answer', async () => {
    expect(await twice('origin', 'include')).toEqual([
      'TypeError: Failed to fetch',
      'TypeError: Failed to fetch',
    ]);
    expect(consoleErrors.join('\n')).toContain('Access-Control-Allow-Credentials');
  });

  it('credentials include and Access-Control-Allow-Credentials: true: the session counts', async () => {
    expect(await twice('credentials', 'include')).toEqual(['1 views', '2 views']);
  });

  it('records the transcript', async () => {
    const rows: [string, Cors, 'same-origin' | 'include'][] = [
      ['fetch(api)                            API: ACAO only', 'origin', 'same-origin'],
      ["fetch(api, { credentials: 'include' }) API: ACAO only", 'origin', 'include'],
      ["fetch(api, { credentials: 'include' }) API: ACAO + ACAC", 'credentials', 'include'],
    ];
    const lines = ['── chromium, page on localhost:<port A>, API on localhost:<port B>'];
    for (const [label, cors, credentials] of rows) {
      lines.push(`${label}  →  ${(await twice(cors, credentials)).join(', ')}`);
    }
    record('cross-origin-browser', [lines.join('\n')]);
  });
});
