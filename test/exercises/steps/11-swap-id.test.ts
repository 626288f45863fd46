import { attacks } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { attackSite } from '../support/attack-site.js';
import { RecordingStore } from '../support/harness.js';

const lab = await attacks();

const { site, visit, logIn } = attackSite(lab);

describe('swapped ids: take over another user’s stored session', () => {
  it('swapId puts the victim’s id in your jar and keeps your own signature', () => {
    const mine = { 'koa.sess': 'my-id', 'koa.sess.sig': 'my-signature' };
    const swapped = lab.swapId(mine, 'koa.sess', 'victim-id');
    expect(swapped).toEqual({ 'koa.sess': 'victim-id', 'koa.sess.sig': 'my-signature' });
    expect(mine['koa.sess'], 'your jar is not modified').toBe('my-id');
  });

  it('works against a store app that does not sign its id cookie', async () => {
    const app = site({ store: new RecordingStore(), signed: false });
    const victim = await logIn(app, 'victim');
    const mallory = await logIn(app, 'mallory');
    const { body } = await visit(app, lab.swapId(mallory, 'koa.sess', victim['koa.sess']!));
    expect(body.user, 'an unsigned id is a bearer token: whoever has it is logged in').toBe(
      'victim',
    );
  });

  it('is refused when the id cookie is signed: the signature covers the id', async () => {
    const store = new RecordingStore();
    const app = site({ store });
    const victim = await logIn(app, 'victim');
    const mallory = await logIn(app, 'mallory');
    const victimId = victim['koa.sess']!;
    const { body } = await visit(app, lab.swapId(mallory, 'koa.sess', victimId));
    expect(body.user, 'not the victim').toBeNull();
    expect(body.id, 'and not the victim’s id').not.toBe(victimId);
    expect(JSON.parse(store.records.get(victimId)!).user, 'the victim is untouched').toBe('victim');
  });

  it('a signed cookie moved to another cookie name is refused: the name is signed too', async () => {
    const shop = site({ store: new RecordingStore(), key: 'shop.sid' });
    const shopJar = await logIn(shop, 'alice');
    const bank = site({ store: new RecordingStore(), key: 'bank.sid' });
    const moved = { 'bank.sid': shopJar['shop.sid']!, 'bank.sid.sig': shopJar['shop.sid.sig']! };
    const { body } = await visit(bank, moved);
    expect(body.id, 'the shop’s id is not accepted as a bank id').not.toBe(shopJar['shop.sid']);
  });

  it('an id the store never issued is not adopted (session fixation)', async () => {
    const store = new RecordingStore();
    const app = site({
      store,
      externalKey: {
        get: (ctx) => ctx.get('x-session-id') || undefined,
        set: (ctx, id) => ctx.set('x-session-id', id),
      },
    });
    const planted = 'id-chosen-by-the-attacker';
    const reply = await app.get(undefined, {
      path: '/login?user=victim',
      headers: { 'x-session-id': planted },
    });
    expect(reply.headers['x-session-id'], 'the victim gets a fresh id').not.toBe(planted);
    expect(store.records.has(planted), 'nothing is ever stored under the planted id').toBe(false);
    expect(app.events.map((e) => [e.name, e.key])).toEqual([['missed', planted]]);
  });
});
