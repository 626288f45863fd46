/**
 * Transcripts for chapters/11-security.md, produced by real requests with
 * the clock fixed (only `Date` is faked, so sockets and timers run
 * normally) and a fixed key, so every byte is reproducible. Each test
 * fails when its file in ./recorded is stale; `npm run security:record`
 * rewrites them.
 *
 * Read with: chapters/11-security.md
 */
import { existsSync } from 'node:fs';
import Koa from 'koa';
import upstream from 'koa-session';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp as createPlayground } from '../../playground/memory.js';
import session, { onTrace, type TraceMessage } from '../../src/index.js';
import { recordings } from '../support/recordings.js';
import { tryIt } from '../support/tryit.js';
import { identityApp } from './apps.js';
import {
  CookieJar,
  collectErrors,
  fromCookieValue,
  NEW_KEY,
  parseSetCookie,
  type Reply,
  serve,
  toCookieValue,
} from './support.js';

const NOW = new Date('2025-01-01T12:00:00.000Z');

/** Fails when a file in ./recorded is stale; `npm run security:record` rewrites them. */
const checkRecording = recordings({
  dir: new URL('./recorded/', import.meta.url),
  env: 'SECURITY_RECORD',
  command: 'npm run security:record',
});

/** A request and its answer, in the book's transcript style. */
function exchange(path: string, cookie: string | undefined, reply: Reply): string {
  const lines = [`→ GET ${path}`];
  if (cookie) lines.push(`→ Cookie: ${cookie}`);
  lines.push(`← ${reply.status} ${reply.body}`);
  for (const line of reply.setCookie) lines.push(`← Set-Cookie: ${line}`);
  return lines.join('\n');
}

describe('recorded transcripts', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('records the readable cookie: a signed session, decoded without the key', async () => {
    const server = await serve(identityApp([NEW_KEY]));
    try {
      const reply = await server.get('/login?user=alice');
      const value = parseSetCookie(reply.setCookie[0]!).value;
      const data = fromCookieValue(value) as { _expire: number };
      const text = [
        exchange('/login?user=alice', undefined, reply),
        '── base64-decode the koa.sess value, no key needed:',
        JSON.stringify(data),
        `── _expire is ${new Date(data._expire).toISOString()}: one day after the save`,
        '',
      ].join('\n');
      checkRecording('readable-cookie.txt', text);
    } finally {
      await server.close();
    }
  });

  it('records tampering: one field edited, the signature kept', async () => {
    const server = await serve(identityApp([NEW_KEY]));
    try {
      const login = await server.get('/login?user=alice');
      const [value, sig] = login.setCookie.map((l) => parseSetCookie(l).value) as [string, string];
      const edited = toCookieValue({ ...(fromCookieValue(value) as object), user: 'admin' });
      const cookie = `koa.sess=${edited}; koa.sess.sig=${sig}`;
      const reply = await server.get('/whoami', cookie);
      const text = [
        '── alice edits "alice" to "admin" and keeps her signature',
        exchange('/whoami', cookie, reply),
        '',
      ].join('\n');
      checkRecording('tampering.txt', text);
    } finally {
      await server.close();
    }
  });

  it('records hostile payloads: koa-session 7.0.2 and the port, same cookie', async () => {
    const payloads = [
      '{"toJSON":1}',
      '{"__proto__":{}}',
      '{"_maxAge":"forever"}',
      '{"_maxAge":1e400}',
      '{"regenerate":"x"}',
    ];
    const traces: TraceMessage[] = [];
    const stop = onTrace((m) => traces.push(m));
    const build = (port: boolean) => {
      const app = new Koa();
      app.keys = [NEW_KEY];
      const opts = { signed: false };
      app.use(port ? session(opts, app) : upstream(opts as never, app));
      app.use(async (ctx) => {
        await ctx.session!.regenerate();
        ctx.session!.user = 'alice';
        ctx.body = 'logged in';
      });
      return app;
    };
    const theirApp = build(false);
    const theirErrors = collectErrors(theirApp);
    const theirs = await serve(theirApp);
    const ours = await serve(build(true));
    try {
      const rows = ['── a login route: regenerate(), then set the user (signed: false)'];
      for (const json of payloads) {
        const cookie = `koa.sess=${Buffer.from(json).toString('base64')}`;
        const a = await theirs.get('/', cookie);
        const error = theirErrors.splice(0)[0]?.message ?? '';
        traces.length = 0;
        const b = await ours.get('/', cookie);
        const refusal = traces.find((t) => t.step === 'valid' && !t.ok) as { detail?: string };
        rows.push(
          `${json.padEnd(24)} koa-session 7.0.2: ${a.status} ${error ? `(${error})` : ''}`.trimEnd(),
          `${''.padEnd(24)} port:              ${b.status} (refused: ${refusal?.detail})`,
        );
      }
      rows.push('');
      checkRecording('hostile-payloads.txt', rows.join('\n'));
    } finally {
      stop();
      await Promise.all([theirs.close(), ours.close()]);
    }
  });

  it('records the oversize cookie through a browser-like jar', async () => {
    const server = await serve(identityApp([NEW_KEY]));
    try {
      const browser = new CookieJar({ limit: 4096 });
      const lines: string[] = [];
      const login = await server.get('/login?user=alice');
      browser.take(login.setCookie);
      lines.push('── alice logs in; then a 3100-character value is saved in her session');
      const big = await server.get(`/login?user=${'x'.repeat(3100)}`, browser.header());
      for (const line of big.setCookie) {
        const { name, value } = parseSetCookie(line);
        lines.push(
          `← Set-Cookie: ${name}=${value.slice(0, 24)}…  (${Buffer.byteLength(name + value)} bytes of name and value)`,
        );
      }
      browser.take(big.setCookie);
      lines.push(
        `── the browser ignores: ${browser.dropped.map((c) => c.name).join(', ')}; it keeps the new koa.sess.sig`,
      );
      const cookie = browser.header();
      const next = await server.get('/whoami', cookie);
      lines.push(exchange('/whoami', cookie?.replace(/(koa\.sess=.{24}).*?;/, '$1…;'), next), '');
      checkRecording('oversize.txt', lines.join('\n'));
    } finally {
      await server.close();
    }
  });
});

// Real time here: curl keeps the playground's cookie only while it is fresh.
describe("chapter 11's Try it", () => {
  it.runIf(existsSync('/usr/bin/curl') && existsSync('/usr/bin/base64'))(
    'records a cookie read with base64 alone, then one character edited and refused (tryit-11.txt)',
    async () => {
      const text = await tryIt(
        (sink) => createPlayground({ cookieMode: true, ...sink }),
        [
          'curl -c /tmp/jar -b /tmp/jar http://localhost:3000/; echo',
          `awk '$6 == "koa:sess" {print $7}' /tmp/jar | base64 -d; echo`,
          "sed -i 's/eyJ2aWV3cyI6MSwi/eyJ2aWV3cyI6OSwi/' /tmp/jar",
          `awk '$6 == "koa:sess" {print $7}' /tmp/jar | base64 -d; echo`,
          'curl -c /tmp/jar -b /tmp/jar http://localhost:3000/; echo',
        ],
      );
      // Anyone can read it, and the forged 9 is refused: a new session, 1 view.
      expect(text).toMatch(/\{"views":1,"_expire":<n>,"_maxAge":4000\}/);
      expect(text).toMatch(/\{"views":9,"_expire":<n>,"_maxAge":4000\}/);
      expect(text).toContain('signature invalid');
      expect(text.match(/^1 views$/gm)).toHaveLength(2);
      checkRecording('tryit-11.txt', text);
    },
  );
});
