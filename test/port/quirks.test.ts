/**
 * koa-session 7.0.2 quirks that the port keeps on purpose (they are
 * observable behaviour with valid input). Each test runs both
 * implementations, asserts they agree byte for byte, and pins the quirk.
 * Listed in chapters/deviations.md#kept-on-purpose-upstream-quirks-that-are-not-deviations.
 */
import Koa from 'koa';
import upstream from 'koa-session';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseSetCookie, sentBack } from '../../playground/shared/cookies.js';
import port from '../../src/index.js';
import { freezeClock } from '../support/clock.js';

type Impl = typeof port;
type Handler = (ctx: Koa.Context) => unknown;

beforeEach(() => {
  freezeClock(Date.UTC(2026, 10, 26, 12));
});
afterEach(() => {
  vi.restoreAllMocks();
});

function build(impl: Impl, opts: Record<string, unknown>, handler: Handler, twice = false) {
  const app = new Koa();
  app.keys = ['quirks'];
  app.use(impl(opts, app));
  if (twice) app.use(impl({ ...opts, key: 'second' }, app));
  app.use(async (ctx) => {
    await handler(ctx);
  });
  return app.callback();
}

/** Send the same requests to both, return both Set-Cookie lists per request. */
async function both(
  opts: Record<string, unknown>,
  handler: Handler,
  cookie?: string,
  twice = false,
) {
  const out: Record<'theirs' | 'ours', { status: number; cookies: string[]; body: string }> = {
    theirs: { status: 0, cookies: [], body: '' },
    ours: { status: 0, cookies: [], body: '' },
  };
  for (const [side, impl] of [
    ['theirs', upstream as unknown as Impl],
    ['ours', port],
  ] as const) {
    const req = request(build(impl, opts, handler, twice)).get('/');
    if (cookie) req.set('Cookie', cookie);
    const res = await req;
    out[side] = {
      status: res.status,
      cookies: (res.headers['set-cookie'] as unknown as string[]) ?? [],
      body: res.text,
    };
  }
  expect(out.ours).toEqual(out.theirs);
  return out.ours;
}

const payload = (setCookie: string) =>
  JSON.parse(Buffer.from(parseSetCookie(setCookie).value, 'base64').toString());

describe('kept quirks', () => {
  it('first response without maxAge: no Expires on the cookie, though the data says one day', async () => {
    const first = await both({}, (ctx) => {
      ctx.session!.views = 1;
      ctx.body = 'ok';
    });
    expect(first.cookies[0]).not.toContain('expires=');
    expect(payload(first.cookies[0]!)).toMatchObject({ _maxAge: 86_400_000 });

    const cookie = sentBack(first.cookies);
    const second = await both(
      {},
      (ctx) => {
        ctx.session!.views = 2;
        ctx.body = 'ok';
      },
      cookie,
    );
    expect(second.cookies[0]).toContain('expires=Fri, 27 Nov 2026 12:00:00 GMT');
  });

  it("maxAge 'session': a second save in the same request falls back to one day", async () => {
    const res = await both({ maxAge: 'session' }, async (ctx) => {
      ctx.session!.x = 1;
      await ctx.session!.save();
      ctx.session!.y = 2;
      ctx.body = 'ok';
    });
    expect(payload(res.cookies[0]!)).toEqual({
      x: 1,
      y: 2,
      _expire: Date.UTC(2026, 10, 27, 12),
      _maxAge: 86_400_000,
    });
  });

  it('a second session middleware on one app shares the first one’s options for ctx.session', async () => {
    const res = await both(
      { key: 'first' },
      (ctx) => {
        ctx.session!.x = 1;
        ctx.body = 'ok';
      },
      undefined,
      true,
    );
    expect(res.cookies.every((c) => c.startsWith('first'))).toBe(true);
  });

  it('key: undefined written explicitly names the cookie "undefined"', async () => {
    const res = await both({ key: undefined }, (ctx) => {
      ctx.session!.x = 1;
      ctx.body = 'ok';
    });
    expect(res.cookies[0]).toMatch(/^undefined=/);
  });

  it('a session that decodes to a string becomes its characters', async () => {
    const cookie = `koa.sess=${Buffer.from('"hi"').toString('base64')}`;
    const res = await both(
      { signed: false },
      (ctx) => {
        ctx.body = ctx.session!.toJSON();
      },
      cookie,
    );
    expect(JSON.parse(res.body)).toEqual({ 0: 'h', 1: 'i' });
  });
});
