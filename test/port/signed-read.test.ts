/**
 * readSessionCookie: for a cookie signed with the current key, the port
 * checks the signature with one HMAC and Node's constant-time comparison,
 * instead of the `cookies` library's path (the same HMAC plus tsscmp's two
 * more). Every other case goes through `cookies` unchanged.
 * See chapters/12-performance.md#signatures.
 */
import { createRequire } from 'node:module';
import Koa from 'koa';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sentBack } from '../../playground/shared/cookies.js';
import session from '../../src/index.js';

// keygrip and tsscmp look `createHmac` up on the CommonJS crypto module at
// call time, so a spy there counts every HMAC a request computes.
const cjsCrypto = createRequire(import.meta.url)('crypto') as { createHmac: () => unknown };

afterEach(() => {
  vi.restoreAllMocks();
});

function appWith(keys: string[]) {
  const app = new Koa();
  app.keys = keys;
  app.use(session({}, app));
  app.use((ctx) => {
    const s = ctx.session!;
    if (ctx.path === '/read') {
      ctx.body = String(s.views ?? 0);
      return;
    }
    s.views = ((s.views as number) || 0) + 1;
    ctx.body = String(s.views);
  });
  return app.callback();
}

const jar = (res: request.Response) => sentBack(res.headers['set-cookie']);

/** Send a read-only request and count the HMACs computed while serving it. */
async function hmacsFor(app: ReturnType<typeof appWith>, cookie: string) {
  const hmac = vi.spyOn(cjsCrypto, 'createHmac');
  const res = await request(app).get('/read').set('Cookie', cookie);
  const count = hmac.mock.calls.length;
  hmac.mockRestore();
  return { body: res.text, count, setCookie: jar(res) };
}

describe('reading the signed session cookie', () => {
  it('current key: one HMAC, no library comparison, no header', async () => {
    const app = appWith(['current']);
    const cookie = jar(await request(app).get('/'));
    expect(await hmacsFor(app, cookie)).toEqual({ body: '1', count: 1, setCookie: '' });
  });

  it('an older key goes through cookies (three HMACs per key tried) and is re-signed', async () => {
    const cookie = jar(await request(appWith(['old'])).get('/'));
    const result = await hmacsFor(appWith(['new', 'old']), cookie);
    expect(result.body).toBe('1');
    // fast try (1) + cookies: key "new" (3) + key "old" (3) + re-sign with "new" (1)
    expect(result.count).toBe(8);
    expect(result.setCookie).toMatch(/^koa\.sess\.sig=/);
  });

  it('a tampered signature goes through cookies and is refused', async () => {
    const app = appWith(['current']);
    const cookie = jar(await request(app).get('/'));
    const tampered = cookie.slice(0, -1) + (cookie.endsWith('A') ? 'B' : 'A');
    const result = await hmacsFor(app, tampered);
    expect(result.body).toBe('0');
    expect(result.count).toBe(4);
    expect(result.setCookie).toBe('koa.sess.sig=');
  });
});
