/**
 * Chapter 6 (chapters/06-should-save-session.md): when a session is written
 * back. The truth table in the chapter is produced by this file (it is
 * chapters/recorded/should-save-truth-table.md), from real requests against
 * the port and against koa-session 7.0.2.
 */

import type { Middleware } from 'koa';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionOptions } from '../../src/index.js';
import {
  Browser,
  bookApp,
  checkRecording,
  cookieNamed,
  countViews,
  decodeCookie,
  describePortOnly,
  describeTryIt,
  freezeClock,
  IMPLS,
  type Impl,
  recordingStore,
  signature,
  traceApp,
} from './support.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const noop = async () => {};

interface Row {
  /** What the session looks like when the request ends. */
  situation: string;
  options: SessionOptions;
  /** The request before the observed one (omitted: the observed request is a first visit). */
  before?: Middleware;
  /** Milliseconds between the two requests. */
  wait?: number;
  /** The observed request's handler. */
  handler: Middleware;
  /** What _shouldSaveSession (or commit) decided, as the port's trace reports it. */
  expected: string;
}

const read: Middleware = (ctx) => {
  ctx.body = String(ctx.session!.views);
};

const ROWS: Row[] = [
  {
    situation: 'never read by the handler',
    options: { rolling: true },
    handler: (ctx) => {
      ctx.body = 'ignored';
    },
    expected: 'skip (never accessed)',
  },
  { situation: 'new, still empty', options: {}, handler: read, expected: "''" },
  { situation: 'new, still empty', options: { rolling: true }, handler: read, expected: "''" },
  { situation: 'new, data added', options: {}, handler: countViews, expected: "'changed'" },
  {
    situation: 'loaded, unchanged',
    options: {},
    before: countViews,
    handler: read,
    expected: "''",
  },
  {
    situation: 'loaded, a value changed',
    options: {},
    before: countViews,
    handler: countViews,
    expected: "'changed'",
  },
  {
    situation: 'loaded, every key deleted',
    options: {},
    before: countViews,
    handler: (ctx) => {
      delete ctx.session!.views;
      ctx.body = 'emptied';
    },
    expected: "'changed'",
  },
  {
    situation: 'loaded, same values, keys re-ordered',
    options: {},
    before: (ctx) => {
      ctx.session!.a = 1;
      ctx.session!.b = 2;
      ctx.body = 'ok';
    },
    handler: (ctx) => {
      const a = ctx.session!.a;
      delete ctx.session!.a;
      ctx.session!.a = a;
      ctx.body = 'reordered';
    },
    expected: "'changed'",
  },
  {
    situation: 'loaded, unchanged',
    options: { rolling: true },
    before: countViews,
    handler: read,
    expected: "'rolling'",
  },
  {
    situation: 'loaded, a value changed',
    options: { rolling: true },
    before: countViews,
    handler: countViews,
    expected: "'changed'",
  },
  {
    situation: 'loaded, unchanged, 40% of maxAge used',
    options: { renew: true, maxAge: 10_000 },
    before: countViews,
    wait: 4_000,
    handler: read,
    expected: "''",
  },
  {
    situation: 'loaded, unchanged, 60% of maxAge used',
    options: { renew: true, maxAge: 10_000 },
    before: countViews,
    wait: 6_000,
    handler: read,
    expected: "'renew'",
  },
  {
    situation: 'loaded, unchanged, `ctx.session.save()` called',
    options: {},
    before: countViews,
    handler: (ctx) => {
      ctx.session!.save();
      ctx.body = 'saved';
    },
    expected: 'force',
  },
  {
    situation: 'loaded, unchanged, `ctx.session.maxAge` assigned',
    options: {},
    before: countViews,
    handler: (ctx) => {
      ctx.session!.maxAge = 3_600_000;
      ctx.body = 'longer';
    },
    expected: 'force',
  },
  {
    situation: 'new, empty, `ctx.session.save()` called',
    options: {},
    handler: (ctx) => {
      ctx.session!.save();
      ctx.body = 'saved';
    },
    expected: 'force',
  },
];

/** How a decision reads in the chapter's table. */
function showDecision(decision: string): string {
  if (decision === 'force') return 'not asked: forced save';
  if (decision === 'skip (never accessed)') return 'not asked: never read';
  return `\`${decision}\``;
}

function describeOptions(options: SessionOptions): string {
  const parts = Object.entries(options).map(([k, v]) => `\`${k}: ${JSON.stringify(v)}\``);
  return parts.length ? parts.join('<br>') : 'defaults';
}

/** Run one row against `impl`; report the decision (port only) and whether a cookie was sent. */
async function runRow(row: Row, impl: Impl) {
  const clock = freezeClock();
  // A copy: koa-session 7.0.2 writes its defaults into the object it is given.
  const app = bookApp(impl, { ...row.options }, (ctx, next) =>
    ctx.path === '/before' ? row.before!(ctx, next) : row.handler(ctx, next),
  );
  const browser = new Browser(app);
  if (row.before) await browser.get('/before');
  clock.advance(row.wait ?? 0);
  const trace = impl === 'port' ? traceApp(app) : undefined;
  const x = await browser.get('/');
  trace?.stop();
  vi.restoreAllMocks();
  const events = trace?.events ?? [];
  // A handler that calls save() commits twice (its own call, then autoCommit):
  // the decision that wrote the cookie is the first commit, if there was one.
  const last = events.find((e) => e.step === 'commit') ?? events.find((e) => e.step === 'skip');
  let decision = '';
  if (last?.step === 'commit') decision = last.forced ? 'force' : `'${last.reason}'`;
  else if (last?.step === 'skip')
    decision = last.reason === 'untouched' ? 'skip (never accessed)' : "''";
  return { decision, sent: x.setCookie.length > 0 };
}

// The table compares the two side by side and names the port's trace reason.
describePortOnly('the truth table of _shouldSaveSession (port only: trace events)', () => {
  it('every row behaves as the chapter says, in the port and in koa-session 7.0.2', async () => {
    const lines = [
      '| # | the session when the request ends | options | `_shouldSaveSession` says | cookie sent | 7.0.2 agrees |',
      '| --: | --- | --- | --- | :-: | :-: |',
    ];
    let n = 0;
    for (const row of ROWS) {
      n++;
      const port = await runRow(row, 'port');
      const upstream = await runRow(row, 'upstream');
      expect(port.decision, `row ${n}: ${row.situation}`).toBe(row.expected);
      const shouldSend = !["''", 'skip (never accessed)'].includes(row.expected);
      expect(port.sent, `row ${n}: port sent a cookie`).toBe(shouldSend);
      expect(upstream.sent, `row ${n}: koa-session sent a cookie`).toBe(shouldSend);
      lines.push(
        `| ${n} | ${row.situation} | ${describeOptions(row.options)} | ${showDecision(port.decision)} | ${port.sent ? 'yes' : 'no'} | ${upstream.sent === port.sent ? 'yes' : 'NO'} |`,
      );
    }
    checkRecording('should-save-truth-table.md', `${lines.join('\n')}\n`);
  });
});

describe.each(IMPLS)('saving decisions (%s)', (impl) => {
  it('a change deep inside a nested object is noticed without any setter', async () => {
    const browser = new Browser(
      bookApp(impl, undefined, (ctx) => {
        if (!ctx.session!.cart) ctx.session!.cart = [];
        const cart = ctx.session!.cart as string[];
        if (ctx.path === '/add') cart.push('tea');
        ctx.body = String(cart.length);
      }),
    );
    await browser.get('/add');
    expect((await browser.get('/look')).setCookie).toEqual([]);
    expect((await browser.get('/add')).setCookie).toHaveLength(2);
  });

  it('the fingerprint is neither sent nor checked: only the signature guards the cookie', async () => {
    const browser = new Browser(bookApp(impl, undefined, countViews));
    const first = await browser.get();
    // What goes out: the data with its two bookkeeping fields, and the .sig. No hash.
    expect(first.cookies.map((c) => c.name)).toEqual(['koa.sess', 'koa.sess.sig']);
    const data = decodeCookie(cookieNamed(first, 'koa.sess')!.value);
    expect(Object.keys(data)).toEqual(['views', '_expire', '_maxAge']);
    // Edited data with a signature made with the key is taken as it is: no
    // fingerprint is compared on the way in...
    const forged = Buffer.from(JSON.stringify({ ...data, views: 1000 })).toString('base64');
    browser.jar.set('koa.sess', forged);
    browser.jar.set('koa.sess.sig', signature('koa.sess', forged));
    expect((await browser.get()).body).toBe('1001 views');
    // ...and the same edit without that signature is refused.
    browser.jar.set(
      'koa.sess',
      Buffer.from(JSON.stringify({ ...data, views: 5000 })).toString('base64'),
    );
    expect((await browser.get()).body).toBe('1 views');
  });

  it('rolling does not refresh a cookie session on requests that never read it', async () => {
    const browser = new Browser(
      bookApp(impl, { rolling: true }, (ctx) => {
        if (ctx.path === '/count') return countViews(ctx, noop);
        ctx.body = 'static page';
      }),
    );
    await browser.get('/count');
    expect((await browser.get('/static')).setCookie).toEqual([]);
    expect((await browser.get('/count')).setCookie).toHaveLength(2);
  });

  it('rolling refreshes a store session on every request, read or not', async () => {
    const store = recordingStore();
    const browser = new Browser(
      bookApp(impl, { store, rolling: true }, (ctx) => {
        if (ctx.path === '/count') return countViews(ctx, noop);
        ctx.body = 'static page';
      }),
    );
    await browser.get('/count');
    store.calls.length = 0;
    const x = await browser.get('/static');
    expect(x.setCookie).toHaveLength(2);
    expect(store.calls.map((c) => c.op)).toEqual(['get', 'set']);
  });

  it("renew never re-sends a maxAge 'session' cookie: there is no _expire to measure", async () => {
    const clock = freezeClock();
    const browser = new Browser(
      bookApp(impl, { renew: true, maxAge: 'session' }, (ctx) => {
        if (ctx.path === '/count') countViews(ctx, noop);
        ctx.body ??= `views: ${ctx.session!.views}`;
      }),
    );
    await browser.get('/count');
    clock.advance(30 * 86_400_000);
    expect((await browser.get('/read')).setCookie).toEqual([]);
  });

  it('assigning maxAge saves with the new lifetime even though nothing else changed', async () => {
    const clock = freezeClock();
    const browser = new Browser(
      bookApp(impl, undefined, (ctx) => {
        if (ctx.path === '/remember-me') ctx.session!.maxAge = 30 * 86_400_000;
        else countViews(ctx, noop);
        ctx.body ??= 'ok';
      }),
    );
    await browser.get('/');
    const x = await browser.get('/remember-me');
    expect(x.cookies[0]!.attributes.expires).toBe(
      new Date(clock.now() + 30 * 86_400_000).toUTCString(),
    );
  });
});

describeTryIt('rolling saves, an untouched session does not', 'tryit-06.txt', {
  records: "the chapter's curl lines and the trace",
  cookieMode: true,
  commands: [
    'curl -si -c /tmp/jar -b /tmp/jar http://localhost:3000/ | grep -i set-cookie',
    'curl -si -c /tmp/jar -b /tmp/jar http://localhost:3000/favicon.ico | grep -i set-cookie',
  ],
  check: (text) => {
    expect(text).toContain('reason: changed');
    expect(text).toContain('no save       session never accessed');
  },
});
