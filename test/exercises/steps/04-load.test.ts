/**
 * Step load — chapters/04-init-from-cookie.md#load
 *
 * A fix step: `load` has one planted bug. The checks load a session the
 * way initFromCookie does, through a subclass, inside a real request.
 */
import type Koa from 'koa';
import { port } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { cookieValue, fromNow, sessionApp, signedCookie } from '../support/harness.js';

class Probe extends port.ContextSession {
  loadNow() {
    this.initFromCookie();
    const session = this.session as InstanceType<typeof port.Session>;
    return { atLoad: this.prevHash, now: port.hash(session.toJSON()), data: session.toJSON() };
  }
}

const cookie = (data: unknown) => signedCookie('koa.sess', cookieValue(data));

describe('load', () => {
  it('the loaded session holds the data', async () => {
    const t = sessionApp({ autoCommit: false }, (ctx: Koa.Context) => {
      ctx.body = new Probe(ctx, { ...ctx.sessionOptions! }).loadNow();
    });
    const { body } = await t.get(cookie({ views: 2, _expire: fromNow(60_000), _maxAge: 60_000 }));
    expect(body.data, 'the session').toEqual({ views: 2 });
  });

  it('a session read and left alone is not a change: its fingerprint at the end equals the one at load', async () => {
    const t = sessionApp({ autoCommit: false }, (ctx: Koa.Context) => {
      ctx.body = new Probe(ctx, { ...ctx.sessionOptions! }).loadNow();
    });
    const { body } = await t.get(cookie({ views: 2, _expire: fromNow(60_000), _maxAge: 60_000 }));
    expect(body.now, 'hash of the untouched session, compared with prevHash').toBe(body.atLoad);
  });

  it('data that cannot be serialised is refused as invalid, and this request keeps its own lifetime', async () => {
    const t = sessionApp(
      { autoCommit: false, maxAge: 9000, decode: () => ({ _maxAge: 5000, big: 1n }) },
      (ctx: Koa.Context) => {
        const probe = new Probe(ctx, { ...ctx.sessionOptions! });
        const { data } = probe.loadNow();
        ctx.body = { data, maxAge: probe.opts.maxAge };
      },
    );
    const { body } = await t.get(signedCookie('koa.sess', 'anything'));
    expect(body, 'the session and this request’s maxAge').toEqual({ data: {}, maxAge: 9000 });
    expect(
      t.events.map((e) => e.name),
      'events',
    ).toEqual(['invalid']);
  });
});
