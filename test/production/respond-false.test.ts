/**
 * Recipe "Frameworks that write the response themselves"
 * (chapters/15-production.md): a handler that hands `ctx.req`/`ctx.res` to
 * something else (Next.js's or Nuxt's request handler, a proxy) and sets
 * `ctx.respond = false`. The response is finished before koa-session's
 * automatic commit runs, so the commit's `Set-Cookie` comes too late.
 *
 * Runs on the port, and on koa-session 7.0.2 with KOA_SESSION_IMPL=upstream.
 */
import type { Middleware } from 'koa';
import { describe, expect, it } from 'vitest';
import type { SessionOptions } from '../../src/index.js';
import { MemoryStore } from '../../src/stores/index.js';
import { Browser, IdRedactor, recipeApp, record, transcript } from './support.js';

/**
 * The framework: it writes status, headers and body straight to Node's
 * response and ends it, as Next.js's `handle(req, res)` does.
 */
function frameworkRender(ctx: Parameters<Middleware>[0]): Promise<void> {
  return new Promise((resolve) => {
    ctx.res.writeHead(200, { 'content-type': 'text/html' });
    ctx.res.end(`<p>hello ${String(ctx.session?.user ?? 'stranger')}</p>`, () => resolve());
  });
}

type Commit = 'none' | 'awaited' | 'not awaited';

/**
 * Log in, then hand over to the framework. `commit` says whether (and how)
 * the handler commits the session before handing over.
 */
function handOver(commit: Commit, caught: Error[]): Middleware {
  return async (ctx) => {
    ctx.session!.user = 'ada';
    if (commit === 'awaited') await ctx.session!.manuallyCommit();
    // Not awaited: the rejection is caught here only so the test can show
    // it; in an app nobody catches it (an unhandled rejection).
    if (commit === 'not awaited') ctx.session!.manuallyCommit()?.catch((e) => caught.push(e));
    ctx.respond = false;
    await frameworkRender(ctx);
  };
}

function site(options: SessionOptions, commit: Commit) {
  const caught: Error[] = [];
  const { app, errors } = recipeApp(options, handOver(commit, caught));
  return { browser: new Browser(app), errors, caught };
}

const HEADERS_SENT = 'Cannot set headers after they are sent to the client';

describe('recipe: ctx.respond = false (Next.js, Nuxt custom servers)', () => {
  it('autoCommit on: the body arrives, no Set-Cookie, and Koa reports ERR_HTTP_HEADERS_SENT', async () => {
    const { browser, errors } = site({}, 'none');
    const res = await browser.get();
    expect(res.status).toBe(200);
    expect(res.body).toBe('<p>hello ada</p>');
    expect(res.setCookie).toEqual([]);
    expect(errors.map((e) => [(e as NodeJS.ErrnoException).code, e.message])).toEqual([
      ['ERR_HTTP_HEADERS_SENT', HEADERS_SENT],
    ]);
    // Koa could not answer 500 any more: it marks the error and stops.
    expect((errors[0] as Error & { headerSent?: boolean }).headerSent).toBe(true);
    // The user is not logged in on the next request.
    expect((await browser.get()).body).toBe('<p>hello ada</p>');
    expect(browser.jar.size).toBe(0);
  });

  it('autoCommit on with a store: the record is written, the cookie pointing at it never leaves', async () => {
    const store = new MemoryStore();
    const { browser, errors } = site({ store }, 'none');
    const res = await browser.get();
    expect(res.setCookie).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual([HEADERS_SENT]);
    expect(store.size).toBe(1);
  });

  it('manuallyCommit() awaited but autoCommit left on: the cookie is sent, then the automatic commit saves again and fails', async () => {
    const store = new MemoryStore();
    const sets: string[] = [];
    const original = store.set.bind(store);
    store.set = (id, data, maxAge) => {
      sets.push(id);
      return original(id, data, maxAge);
    };
    const { browser, errors } = site({ store }, 'awaited');
    const res = await browser.get();
    expect(res.setCookie).toHaveLength(2);
    // koa-session#168: the hash it compares against is the one from the
    // start of the request, so the second commit finds the session
    // "changed" all over again.
    expect(sets).toHaveLength(2);
    expect(sets[0]).toBe(sets[1]);
    expect(errors.map((e) => e.message)).toEqual([HEADERS_SENT]);
  });

  it('manuallyCommit() awaited but autoCommit left on, cookie session: cookie sent, the error still reported', async () => {
    const { browser, errors } = site({}, 'awaited');
    const res = await browser.get();
    expect(res.setCookie).toHaveLength(2);
    expect(errors.map((e) => e.message)).toEqual([HEADERS_SENT]);
  });

  it('autoCommit: false and an awaited manuallyCommit() before handing over: cookie sent, no error', async () => {
    for (const store of [undefined, new MemoryStore()]) {
      const { browser, errors } = site(
        { autoCommit: false, ...(store ? { store } : {}) },
        'awaited',
      );
      const res = await browser.get();
      expect(res.setCookie).toHaveLength(2);
      expect(errors).toEqual([]);
      // And the next request carries the session.
      expect((await browser.get()).body).toBe('<p>hello ada</p>');
    }
  });

  it('autoCommit: false, manuallyCommit() not awaited, with a store: no cookie, and the promise rejects with ERR_HTTP_HEADERS_SENT', async () => {
    const { browser, errors, caught } = site(
      { autoCommit: false, store: new MemoryStore() },
      'not awaited',
    );
    const res = await browser.get();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(res.setCookie).toEqual([]);
    expect(errors).toEqual([]);
    expect(caught.map((e) => e.message)).toEqual([HEADERS_SENT]);
  });

  it('autoCommit: false and no commit at all: nothing is saved, silently', async () => {
    const store = new MemoryStore();
    const { browser, errors } = site({ autoCommit: false, store }, 'none');
    const res = await browser.get();
    expect(res.setCookie).toEqual([]);
    expect(errors).toEqual([]);
    expect(store.size).toBe(0);
  });

  it('records the transcript', async () => {
    const redactor = new IdRedactor();
    const parts: string[] = [];
    const cases: Array<[string, SessionOptions, Commit]> = [
      ['autoCommit on (the default), ctx.respond = false', {}, 'none'],
      ['autoCommit on, await manuallyCommit() first', {}, 'awaited'],
      ['autoCommit: false, await manuallyCommit() first', { autoCommit: false }, 'awaited'],
    ];
    for (const [label, options, commit] of cases) {
      const { browser, errors } = site({ store: new MemoryStore(), ...options }, commit);
      const first = transcript(label, '/', await browser.get());
      const error = errors[0] as NodeJS.ErrnoException | undefined;
      parts.push(
        [
          first,
          error ? `   app 'error' event: ${error.code}: ${error.message}` : "   no 'error' event",
          `   next request: ${browser.jar.size ? 'logged in' : 'a stranger again'}`,
        ].join('\n'),
      );
    }
    record('respond-false', redactor.redact(parts.join('\n\n')));
  });
});
