/**
 * The port's trace events (src/trace.ts): what the playground's trace mode
 * is built on. Each test subscribes, drives one request and checks the
 * story the events tell. See chapters/run-it-yourself.md#trace-mode.
 */
import Koa from 'koa';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { sentBack, setCookieValue } from '../../playground/shared/cookies.js';
import session, { onTrace, type SessionStore, type TraceEvent } from '../../src/index.js';

let unsubscribe: (() => void) | undefined;
afterEach(() => unsubscribe?.());

function record(): TraceEvent[] {
  const steps: TraceEvent[] = [];
  unsubscribe = onTrace(({ ctx: _ctx, at, ...event }) => {
    expect(at).toBeTypeOf('number');
    steps.push(event as TraceEvent);
  });
  return steps;
}

function counterApp(opts: Record<string, unknown> = {}) {
  const app = new Koa();
  app.keys = ['trace'];
  app.use(session(opts, app));
  app.use((ctx) => {
    if (ctx.path === '/read') {
      ctx.body = String(ctx.session!.views ?? 0);
      return;
    }
    if (ctx.path === '/untouched') {
      ctx.body = 'no session here';
      return;
    }
    ctx.session!.views = ((ctx.session!.views as number) || 0) + 1;
    ctx.body = String(ctx.session!.views);
  });
  return app.callback();
}

describe('trace events', () => {
  it('a first visit: no cookie, a new session, saved because it changed', async () => {
    const steps = record();
    await request(counterApp()).get('/');
    expect(steps.map((s) => s.step)).toEqual(['cookie', 'created', 'commit', 'save']);
    expect(steps[0]).toEqual({
      step: 'cookie',
      key: 'koa.sess',
      present: false,
      signature: 'none',
      length: 0,
    });
    expect(steps[2]).toEqual({
      step: 'commit',
      reason: 'changed',
      forced: false,
      prevHash: undefined,
      hash: expect.any(Number),
    });
    expect(steps[3]).toMatchObject({ step: 'save', target: 'cookie' });
  });

  it('a returning reader: decoded, valid, loaded, then skipped as unchanged', async () => {
    const app = counterApp();
    const first = await request(app).get('/');
    const cookie = sentBack(first.headers['set-cookie']);
    const steps = record();
    await request(app).get('/read').set('Cookie', cookie);
    expect(steps.map((s) => s.step)).toEqual(['cookie', 'decode', 'valid', 'loaded', 'skip']);
    const value = setCookieValue(first.headers['set-cookie'], 'koa.sess')!;
    expect(steps[0]).toEqual({
      step: 'cookie',
      key: 'koa.sess',
      present: true,
      signature: 'valid',
      length: value.length,
    });
    expect(steps[2]).toEqual({ step: 'valid', ok: true });
    // Unchanged: the hash now is the hash taken at load.
    const loaded = steps[3] as { hash: number };
    expect(steps[4]).toEqual({
      step: 'skip',
      reason: 'unchanged',
      prevHash: loaded.hash,
      hash: loaded.hash,
    });
  });

  it('a request that never reads the session says so', async () => {
    const steps = record();
    await request(counterApp()).get('/untouched');
    expect(steps).toEqual([{ step: 'skip', reason: 'untouched' }]);
  });

  it('a hostile cookie is reported with the reason', async () => {
    const steps = record();
    const forged = Buffer.from('{"toJSON":1}').toString('base64');
    await request(counterApp({ signed: false }))
      .get('/')
      .set('Cookie', `koa.sess=${forged}`);
    expect(steps).toContainEqual({
      step: 'valid',
      ok: false,
      reason: 'hostile',
      detail: 'reserved key "toJSON"',
    });
  });

  it('store mode reports the key, the lookup and the TTL handed to the store', async () => {
    const data = new Map<string, unknown>();
    const store: SessionStore = {
      get: (key) => data.get(key),
      set: (key, sess) => {
        data.set(key, sess);
      },
      destroy: (key) => {
        data.delete(key);
      },
    };
    const app = counterApp({ store, maxAge: 60_000, genid: () => 'fixed-id' });
    await request(app).get('/');
    // An id without its signature cookie is not an id at all.
    const steps = record();
    await request(app).get('/').set('Cookie', 'koa.sess=fixed-id');
    expect(steps[0]).toEqual({
      step: 'external-key',
      source: 'cookie',
      key: undefined,
      signature: 'missing',
      length: 'fixed-id'.length,
    });
    // With the signature the stored record is found, and saved with maxAge + 10 s.
    const withSig = record();
    const first = await request(app).get('/');
    const cookie = sentBack(first.headers['set-cookie']);
    withSig.length = 0;
    await request(app).get('/').set('Cookie', cookie);
    expect(withSig).toContainEqual({ step: 'store-get', key: 'fixed-id', found: true });
    expect(withSig).toContainEqual({
      step: 'save',
      target: 'store',
      maxAge: 60_000,
      storeTtl: 70_000,
    });
  });
});

describe('trace events name each verdict', () => {
  const jarOf = (res: request.Response) => sentBack(res.headers['set-cookie']);

  it('a new session left empty is skipped as new-empty, not unchanged', async () => {
    const steps = record();
    await request(counterApp()).get('/read');
    expect(steps.at(-1)).toEqual({
      step: 'skip',
      reason: 'new-empty',
      prevHash: undefined,
      hash: expect.any(Number),
    });
  });

  it('a forged signature is wrong; a cookie signed with an older key is older-key', async () => {
    const old = new Koa();
    old.keys = ['older'];
    old.use(session({}, old));
    old.use((ctx) => {
      ctx.session!.views = 1;
      ctx.body = 'ok';
    });
    const signedOld = jarOf(await request(old.callback()).get('/'));

    const app = new Koa();
    app.keys = ['current', 'older'];
    app.use(session({}, app));
    app.use((ctx) => {
      ctx.body = String(ctx.session!.views ?? 0);
    });
    const steps = record();
    await request(app.callback()).get('/').set('Cookie', signedOld);
    const forged = signedOld.replace(/koa\.sess\.sig=[^;]+/, 'koa.sess.sig=AAAA');
    await request(app.callback()).get('/').set('Cookie', forged);
    const cookies = steps.filter((s) => s.step === 'cookie');
    expect(cookies.map((s) => [s.present, s.signature])).toEqual([
      [true, 'older-key'],
      [false, 'wrong'],
    ]);
  });

  it('an unsigned session cookie says so', async () => {
    const app = counterApp({ signed: false });
    const cookie = jarOf(await request(app).get('/'));
    const steps = record();
    await request(app).get('/read').set('Cookie', cookie);
    expect(steps[0]).toMatchObject({ step: 'cookie', present: true, signature: 'unsigned' });
  });

  it('listening changes nothing when the event cannot be built', async () => {
    // A BigInt cannot be hashed. Without a listener a forced save still
    // calls beforeSave and then fails in encode; with one, it must too.
    const outcome = async () => {
      const seen: string[] = [];
      const app = new Koa();
      app.keys = ['trace'];
      app.silent = true;
      app.use(session({ beforeSave: () => void seen.push('beforeSave') }, app));
      app.use(async (ctx) => {
        ctx.session!.big = 1n;
        await ctx.session!.save();
      });
      const res = await request(app.callback()).get('/');
      return { status: res.status, seen };
    };
    const quiet = await outcome();
    const steps = record();
    const traced = await outcome();
    expect(quiet).toEqual({ status: 500, seen: ['beforeSave'] });
    expect(traced).toEqual(quiet);
    expect(steps.some((s) => s.step === 'commit')).toBe(false);
  });

  it('a rolling session commits with the reason rolling', async () => {
    const app = counterApp({ rolling: true });
    const cookie = jarOf(await request(app).get('/'));
    const steps = record();
    await request(app).get('/read').set('Cookie', cookie);
    expect(steps).toContainEqual(
      expect.objectContaining({ step: 'commit', reason: 'rolling', forced: false }),
    );
  });
});
