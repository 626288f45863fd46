import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startScript } from '../../playground/processes.js';
import { sentBack } from '../../playground/shared/cookies.js';
import { decode, encode, hash } from '../../src/index.js';
import {
  Browser,
  bookApp,
  checkRecording,
  countViews,
  DELETION_LINES,
  describePortOnly,
  describeTryIt,
  freezeClock,
  IMPL_NAME,
  IMPLS,
  type Impl,
  portOnly,
  traceApp,
  transcript,
  UNDER_TEST,
  usingUpstream,
} from './support.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** koa-session 7.0.2's own helpers, reached by file path (the package exports only its entry). */
async function upstreamUtil() {
  const url = new URL('../../node_modules/koa-session/dist/esm/util.js', import.meta.url);
  const mod = (await import(url.href)) as {
    default: {
      encode(d: unknown): string;
      decode(s: string): unknown;
      hash(d: unknown): number;
    };
  };
  return mod.default;
}

/** A browser holding a correctly signed cookie with an arbitrary value. */
async function browserWithSignedValue(impl: Impl, value: string, options = {}) {
  const app = bookApp(impl, options, countViews);
  const browser = new Browser(app);
  // Let the app sign the value for us: ctx.cookies.set with signed: true.
  const signer = bookApp(impl, undefined, (ctx) => {
    ctx.cookies.set('koa.sess', value, { signed: true });
    ctx.body = 'signed';
  });
  const signed = await new Browser(signer).get();
  for (const c of signed.cookies) browser.jar.set(c.name, c.value);
  return browser;
}

/** encode, decode and hash of the implementation under test. */
async function utilUnderTest() {
  return usingUpstream ? upstreamUtil() : { encode, decode, hash };
}

describe(`encode, decode and hash (${IMPL_NAME})`, () => {
  it('encode is base64 of the JSON text', async () => {
    const { encode } = await utilUnderTest();
    expect(encode({ views: 1 })).toBe('eyJ2aWV3cyI6MX0=');
    expect(Buffer.from('eyJ2aWV3cyI6MX0=', 'base64').toString()).toBe('{"views":1}');
  });

  it('decode ignores characters outside base64 and fails only at JSON.parse, with a SyntaxError', async () => {
    const { decode } = await utilUnderTest();
    expect(decode('eyJ2aWV3cyI6MX0=!!!')).toEqual({ views: 1 });
    expect(() => decode('not a session')).toThrow(SyntaxError);
  });

  portOnly('the three helpers give the same results as koa-session 7.0.2', async () => {
    const upstream = await upstreamUtil();
    const samples = [{}, { views: 1 }, { user: 'ada', cart: [1, 2, 3], note: 'café ☕' }];
    for (const sample of samples) {
      expect(encode(sample)).toBe(upstream.encode(sample));
      expect(decode(encode(sample))).toEqual(upstream.decode(encode(sample)));
      expect(hash(sample)).toBe(upstream.hash(sample));
    }
  });

  it('hash is the CRC-32 of the JSON text', async () => {
    const { hash } = await utilUnderTest();
    // The CRC-32 check value of the ASCII text "123456789" is 0xCBF43926.
    expect(hash(123456789 as never)).toBe(0xcbf43926);
    expect(hash({ views: 1 })).toBe(hash({ views: 1 }));
    expect(hash({ a: 1, b: 2 })).not.toBe(hash({ b: 2, a: 1 }));
  });
});

describe.each(IMPLS)('initFromCookie (%s)', (impl) => {
  it('a signed cookie that is not base64 JSON starts a fresh session quietly', async () => {
    const browser = await browserWithSignedValue(impl, 'hello');
    const x = await browser.get();
    expect(x.status).toBe(200);
    expect(x.body).toBe('1 views');
  });

  it('a custom decode that throws a TypeError answers 500 and clears the cookie', async () => {
    const decodeThatBreaks = () => {
      throw new TypeError('decoder bug');
    };
    const browser = await browserWithSignedValue(impl, 'anything', { decode: decodeThatBreaks });
    browser.app.on('error', () => {});
    const x = await browser.get();
    expect(x.status).toBe(500);
    expect(x.setCookie).toEqual(DELETION_LINES);
    // The browser obeyed, so the next request has no cookie and works.
    expect((await browser.get()).status).toBe(200);
  });

  it('a custom decode that throws a string, not an Error, starts a fresh session quietly', async () => {
    const decodeThatThrowsAString = () => {
      throw 'not an Error object';
    };
    const browser = await browserWithSignedValue(impl, 'anything', {
      decode: decodeThatThrowsAString,
    });
    const x = await browser.get();
    expect(x.status).toBe(200);
    expect(x.body).toBe('1 views');
    // No deletion lines: the cookie is replaced by the new session's, not cleared.
    expect(x.setCookie.some((line) => line.includes('1970'))).toBe(false);
  });

  it('the first-response cookie has no Expires, but its data expires after one day', async () => {
    const clock = freezeClock();
    const app = bookApp(impl, undefined, countViews);
    const expired: unknown[] = [];
    app.on('session:expired', (e: { value: unknown }) => expired.push(e.value));
    const browser = new Browser(app);
    const first = await browser.get();
    expect(first.cookies[0]!.attributes.expires).toBeUndefined();
    // A browser that is never closed keeps that cookie for ever…
    clock.advance(86_400_000 + 1);
    const later = await browser.get();
    // …but the server refuses it: _expire has passed.
    expect(later.body).toBe('1 views');
    await new Promise((resolve) => setImmediate(resolve));
    expect(expired).toEqual([{ views: 1, _expire: 1735776000000, _maxAge: 86400000 }]);
  });

  it('one millisecond before _expire the session is still valid', async () => {
    const clock = freezeClock();
    const browser = new Browser(bookApp(impl, undefined, countViews));
    await browser.get();
    clock.advance(86_400_000 - 1);
    expect((await browser.get()).body).toBe('2 views');
  });

  it('the valid option can veto a loaded session (session:invalid)', async () => {
    const app = bookApp(
      impl,
      { valid: (_ctx, data: Record<string, unknown>) => (data.views as number) < 2 },
      countViews,
    );
    const invalid: unknown[] = [];
    app.on('session:invalid', (e: { value: unknown }) => invalid.push(e.value));
    const browser = new Browser(app);
    expect((await browser.get()).body).toBe('1 views');
    expect((await browser.get()).body).toBe('2 views');
    expect((await browser.get()).body).toBe('1 views');
    await new Promise((resolve) => setImmediate(resolve));
    expect(invalid).toHaveLength(1);
  });
});

describePortOnly('what the port reports (port only: trace events)', () => {
  it('a bad signature looks exactly like no cookie at all', async () => {
    const app = bookApp('port', undefined, countViews);
    const trace = traceApp(app);
    const browser = new Browser(app);
    browser.jar.set('koa.sess', encode({ views: 41 }));
    browser.jar.set('koa.sess.sig', 'forged');
    await browser.get();
    trace.stop();
    expect(trace.events[0]).toEqual({
      step: 'cookie',
      key: 'koa.sess',
      present: false,
      signature: 'wrong',
      length: encode({ views: 41 }).length,
    });
    expect(trace.events[1]).toEqual({ step: 'created', externalKey: undefined });
  });

  it('garbage is reported as a decode failure that is not rethrown', async () => {
    const browser = await browserWithSignedValue('port', 'hello');
    const trace = traceApp(browser.app);
    await browser.get();
    trace.stop();
    expect(trace.events.slice(0, 3)).toEqual([
      { step: 'cookie', key: 'koa.sess', present: true, signature: 'valid', length: 5 },
      {
        step: 'decode',
        ok: false,
        error: expect.stringMatching(/^SyntaxError/),
        rethrown: false,
      },
      { step: 'created', externalKey: undefined },
    ]);
  });

  it('a good cookie is decoded, validated and loaded with its hash', async () => {
    const app = bookApp('port', undefined, countViews);
    const browser = new Browser(app);
    await browser.get();
    const trace = traceApp(app);
    await browser.get();
    trace.stop();
    expect(trace.events.map((e) => e.step)).toEqual([
      'cookie',
      'decode',
      'valid',
      'loaded',
      'commit',
      'save',
    ]);
  });
});

describe(`recorded for chapter 4 (${IMPL_NAME})`, () => {
  it('records a decode failure and the request after it', async () => {
    freezeClock();
    const decodeThatBreaks = () => {
      throw new TypeError('decoder bug');
    };
    const browser = await browserWithSignedValue(UNDER_TEST, 'anything', {
      decode: decodeThatBreaks,
    });
    browser.app.on('error', () => {});
    const failed = await browser.get();
    const next = await browser.get();
    checkRecording(
      'decode-failure.txt',
      `${transcript('a custom decode throws a TypeError', '/', failed)}\n\n${transcript('the next request', '/', next)}\n`,
    );
  });
});

describeTryIt('a cookie without its signature starts over', 'tryit-04.txt', {
  records: 'a visit, the .sig line deleted, the next visit',
  cookieMode: true,
  commands: [
    'curl -c /tmp/jar -b /tmp/jar http://localhost:3000/; echo',
    "sed -i '/sess.sig/d' /tmp/jar",
    'curl -c /tmp/jar -b /tmp/jar http://localhost:3000/; echo',
  ],
  check: (text) => {
    expect(text).toContain('signature missing');
    expect(text.match(/1 views/g)).toHaveLength(2);
  },
});

/** What a browser and a second visitor saw while a listener misbehaved. */
interface ListenerRun {
  /** The visit whose cookie was refused (it emits session:invalid). */
  refused: { status?: number; error?: string; ms: number };
  /** Another request, sent 50 ms after the refused one, that never reads the session. */
  other: { status?: number; error?: string; ms: number };
  /** The server's exit code 300 ms later, or 'running'. */
  exit: number | 'running';
  stderr: string;
}

/** Run test/book/listener-app.ts in its own process and visit it as described above. */
async function listenerRun(
  impl: Impl,
  mode: 'cookie' | 'store',
  listener: string,
): Promise<ListenerRun> {
  const script = fileURLToPath(new URL('./listener-app.ts', import.meta.url));
  const server = await startScript(script, {
    args: [impl, mode, listener],
    ready: /port (\d+)/,
  }).catch((error: Error) => {
    throw new Error(`the server did not start: ${error.message}`);
  });
  const port = Number(server.ready[1]);
  const exited = new Promise<number>((resolve) => {
    const { child } = server;
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code ?? -1));
  });
  try {
    const visit = (path: string, cookie = '') =>
      new Promise<{ status?: number; error?: string; ms: number; cookie: string }>((resolve) => {
        const started = performance.now();
        const ms = () => Math.round(performance.now() - started);
        const req = http.get({ host: '127.0.0.1', port, path, headers: { cookie } }, (res) => {
          res.resume();
          res.on('end', () => {
            resolve({
              status: res.statusCode,
              ms: ms(),
              cookie: sentBack(res.headers['set-cookie']),
            });
          });
        });
        req.on('error', (e) => resolve({ error: e.message, ms: ms(), cookie: '' }));
      });
    const first = await visit('/');
    const [refused, other] = await Promise.all([
      visit('/', first.cookie),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => visit('/other')),
    ]);
    const exit = await Promise.race([
      exited,
      new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 300)),
    ]);
    const pick = ({ cookie: _c, ...rest }: typeof first) => rest;
    return { refused: pick(refused), other: pick(other), exit, stderr: server.stderr() };
  } finally {
    await server.stop();
  }
}

describe(`session:* listeners (${IMPL_NAME}; each run in a process of its own)`, () => {
  it('a throwing session:invalid listener ends the process; a cookie request was answered first', async () => {
    const run = await listenerRun(UNDER_TEST, 'cookie', 'throw');
    expect(run.refused.status).toBe(200);
    expect(run.other.error).toBeDefined();
    expect(run.exit).toBe(1);
    expect(run.stderr).toContain('listener bug');
  });

  it('a throwing session:invalid listener ends the process before a store request is answered', async () => {
    const run = await listenerRun(UNDER_TEST, 'store', 'throw');
    expect(run.refused.status).toBeUndefined();
    expect(run.refused.error).toMatch(/socket hang up|ECONNRESET/);
    expect(run.exit).toBe(1);
  });

  it('a 1 s synchronous listener: the cookie request is answered at once, the next request waits', async () => {
    const run = await listenerRun(UNDER_TEST, 'cookie', 'slow');
    expect(run.exit).toBe('running');
    expect(run.refused.status).toBe(200);
    expect(run.refused.ms).toBeLessThan(500);
    expect(run.other.ms).toBeGreaterThan(700);
  });

  it('a 1 s synchronous listener makes a store request itself 1 s slower', async () => {
    const run = await listenerRun(UNDER_TEST, 'store', 'slow');
    expect(run.refused.status).toBe(200);
    expect(run.refused.ms).toBeGreaterThan(1000);
    expect(run.other.ms).toBeGreaterThan(700);
  });

  portOnly(
    'a throwing trace subscriber ends the process before the request is answered',
    async () => {
      const run = await listenerRun('port', 'cookie', 'trace-throw');
      expect(run.refused.error).toMatch(/socket hang up|ECONNRESET/);
      expect(run.exit).toBe(1);
      expect(run.stderr).toContain('trace listener bug');
    },
  );

  portOnly('a 1 s trace subscriber makes the request it traces 1 s slower', async () => {
    const run = await listenerRun('port', 'cookie', 'trace-slow');
    expect(run.exit).toBe('running');
    expect(run.refused.status).toBe(200);
    expect(run.refused.ms).toBeGreaterThan(1000);
  });
});
