/**
 * The memory playground (the article's first demo) driven in-process with
 * supertest: the counter, the favicon skip, the 4-second rolling lifetime,
 * cookie mode, the trace block and the inspector.
 * Read with: chapters/run-it-yourself.md and chapters/08-memory-store.md
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../playground/memory.js';
import { setCookieLines, setCookieValue } from '../../playground/shared/cookies.js';
import { decode } from '../../src/index.js';
import { MemoryStore } from '../../src/stores/index.js';
import { browserAgent } from '../support/browser.js';

function setCookies(res: request.Response): string[] {
  return setCookieLines(res.headers['set-cookie']);
}

function cookieValue(res: request.Response, name: string): string | undefined {
  return setCookieValue(res.headers['set-cookie'], name);
}

describe('memory playground (MemoryStore)', () => {
  it('counts 1, 2, 3, 4 views, keeping the data in the store and an id in the cookie', async () => {
    const store = new MemoryStore();
    const agent = browserAgent(createApp({ store, trace: false }).app.callback());
    const bodies: string[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await agent.get('/').expect(200);
      bodies.push(last.text);
    }
    expect(bodies).toEqual(['1 views', '2 views', '3 views', '4 views']);
    const id = cookieValue(last!, 'koa:sess')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(store.entries()).toEqual([
      expect.objectContaining({
        key: id,
        data: expect.objectContaining({ views: 4, _maxAge: 4000 }),
      }),
    ]);
    // The article's maxAge (4 s) plus the port's 10 s of store grace.
    expect(store.ttl(id)).toBeGreaterThan(13_000);
    expect(store.ttl(id)).toBeLessThanOrEqual(14_000);
  });

  it('skips /favicon.ico: 404, not counted', async () => {
    const agent = browserAgent(createApp({ trace: false }).app.callback());
    await agent.get('/').expect(200, '1 views');
    await agent.get('/favicon.ico').expect(404);
    await agent.get('/').expect(200, '2 views');
  });

  it('starts again at 1 after more than 4 s without a request (maxAge 4000, rolling)', async () => {
    const agent = browserAgent(createApp({ trace: false }).app.callback());
    await agent.get('/').expect(200, '1 views');
    await agent.get('/').expect(200, '2 views');
    await new Promise((resolve) => setTimeout(resolve, 4200));
    await agent.get('/').expect(200, '1 views');
  }, 10_000);

  it('/__store lists every live record this process holds', async () => {
    const app = createApp({ trace: false }).app.callback();
    const alice = browserAgent(app);
    const bob = browserAgent(app);
    await alice.get('/');
    await alice.get('/');
    await bob.get('/');
    const { body } = await request(app).get('/__store').expect(200);
    expect(body.pid).toBe(process.pid);
    const views = body.records.map((r: { data: { views: number } }) => r.data.views).sort();
    expect(views).toEqual([1, 2]);
    expect(body.records[0]).toEqual({
      key: expect.stringMatching(/^[0-9a-f-]{36}$/),
      data: expect.any(Object),
      expires: expect.any(Number),
      ttl: expect.any(Number),
    });
  });

  it('logout removes the record and expires the cookie', async () => {
    const store = new MemoryStore();
    const agent = browserAgent(createApp({ store, trace: false }).app.callback());
    await agent.get('/');
    expect(store.size).toBe(1);
    const res = await agent.get('/logout').expect(200);
    expect(store.size).toBe(0);
    expect(setCookies(res)[0]).toMatch(/^koa:sess=; path=\/; expires=Thu, 01 Jan 1970/);
  });
});

describe('memory playground --cookie (exactly the article: no store)', () => {
  it('counts 1..4 with the whole session in a signed base64 cookie', async () => {
    const agent = browserAgent(createApp({ cookieMode: true, trace: false }).app.callback());
    let last: request.Response | undefined;
    for (const expected of ['1 views', '2 views', '3 views', '4 views']) {
      last = await agent.get('/').expect(200, expected);
    }
    const value = cookieValue(last!, 'koa:sess')!;
    expect(decode(value)).toEqual({ views: 4, _expire: expect.any(Number), _maxAge: 4000 });
    expect(cookieValue(last!, 'koa:sess.sig')).toMatch(/^[\w-]{27}$/);
    expect(setCookies(last!)[0]).toMatch(/; path=\/; expires=.+; httponly$/);
  });

  it('the favicon request never touches the session: no Set-Cookie at all', async () => {
    const agent = browserAgent(createApp({ cookieMode: true, trace: false }).app.callback());
    await agent.get('/');
    const res = await agent.get('/favicon.ico').expect(404);
    expect(setCookies(res)).toEqual([]);
  });
});

describe('trace mode', () => {
  it('prints one block per request with the path the session took', async () => {
    const lines: string[] = [];
    const agent = browserAgent(
      createApp({ trace: true, log: (t) => lines.push(t) }).app.callback(),
    );
    await agent.get('/');
    await agent.get('/');
    expect(lines).toHaveLength(2);
    const [first, second] = lines as [string, string];
    expect(first).toMatch(/^── GET \/ → 200 in [\d.]+ ms ──/);
    expect(first).toContain('cookie        koa:sess: none sent');
    expect(first).toMatch(/created {7}new session, id [0-9a-f-]+/);
    expect(first).toContain('save          reason: changed');
    expect(first).toMatch(/store\.set {5}[0-9a-f-]+… ttl 14000 ms \(14\.0 s\) → ok/);
    expect(first).toMatch(
      /set-cookie {4}koa:sess=[0-9a-f-]{36}; path=\/; expires=.*; httponly \(45 B\)/,
    );

    expect(second).toMatch(/cookie {8}koa:sess=.*: signature valid/);
    expect(second).toMatch(/store\.get {5}.* → found/);
    expect(second).toContain('valid         yes');
    expect(second).toMatch(/loaded {8}from the store, hash \d+/);
    expect(second).toMatch(/hash {10}\d+ → \d+: changed/);
  });

  it('explains why nothing was saved, and reports a bad signature', async () => {
    const lines: string[] = [];
    const app = createApp({ cookieMode: true, trace: true, log: (t) => lines.push(t) }).app;
    const first = await request(app.callback()).get('/');
    await request(app.callback()).get('/favicon.ico');
    expect(lines[1]).toContain('no save       session never accessed');
    expect(lines[1]).toContain('set-cookie    (none)');

    const tampered = `koa:sess=${cookieValue(first, 'koa:sess')}; koa:sess.sig=AAAAAAAAAAAAAAAAAAAAAAAAAAA`;
    const res = await request(app.callback()).get('/').set('Cookie', tampered);
    expect(res.text).toBe('1 views'); // the forged cookie was ignored
    expect(lines[2]).toMatch(/cookie {8}koa:sess=.*: signature invalid/);
    expect(lines[2]).toContain('created       new session');
  });

  it('warns when a cookie passes the 4096-byte limit browsers enforce', async () => {
    const lines: string[] = [];
    const agent = browserAgent(
      createApp({ cookieMode: true, trace: true, log: (t) => lines.push(t) }).app.callback(),
    );
    await agent.get('/grow?bytes=2000').expect(200);
    expect(lines[0]).not.toContain('too big');
    await agent.get('/grow?bytes=5000').expect(200);
    expect(lines[1]).toMatch(/⚠ too big {5}\d{4} bytes > 4096: browsers silently drop this cookie/);
    await agent.get('/grow?bytes=nope').expect(400);
  });
});

describe('inspector GET /__session', () => {
  it('store mode: cookie, signature, session and the stored record with its TTL', async () => {
    const agent = browserAgent(createApp({ trace: false }).app.callback());
    await agent.get('/');
    await agent.get('/');
    const { body } = await agent.get('/__session').expect(200);
    expect(body.cookie).toEqual({
      name: 'koa:sess',
      value: expect.any(String),
      signature: 'valid',
    });
    expect(body.session).toEqual({
      isNew: false,
      id: body.cookie.value,
      data: { views: 2 },
      maxAge: 4000,
    });
    expect(body.store.record).toMatchObject({ views: 2, _maxAge: 4000 });
    expect(body.store.ttlMs).toBeGreaterThan(13_000);
    await agent.get('/').expect(200, '3 views'); // looking did not count
  });

  it('cookie mode: shows the decoded cookie — anyone holding it can read it', async () => {
    const agent = browserAgent(createApp({ cookieMode: true, trace: false }).app.callback());
    await agent.get('/');
    const { body } = await agent.get('/__session').expect(200);
    expect(body.cookie.signature).toBe('valid');
    expect(body.cookie.decoded).toEqual({ views: 1, _expire: expect.any(Number), _maxAge: 4000 });
    expect(body.store).toBeUndefined();
  });

  it('with no cookie: says so, and shows a new empty session', async () => {
    const { body } = await request(createApp({ trace: false }).app.callback())
      .get('/__session')
      .expect(200);
    expect(body.cookie).toEqual({ name: 'koa:sess', value: null, signature: 'no cookie' });
    expect(body.session).toMatchObject({ isNew: true, data: {} });
    expect(body.store).toMatchObject({ record: null, ttlMs: null });
  });
});
