/**
 * Step concurrency — chapters/11-security.md#concurrency
 *
 * A prediction: answers/concurrency.txt. The race is made to happen: both
 * requests wait until both have loaded the session.
 */
import Koa from 'koa';
import { createSession } from '../../../src/index.js';
import { it } from '../kit.js';
import { predict } from '../support/answers.js';
import { hit, KEYS, RecordingStore, signedCookie } from '../support/harness.js';

it('answers/concurrency.txt: two requests of one session, at the same time', async () => {
  const store = new RecordingStore();
  const id = store.seed({ cart: ['book'] }, 'shopper');
  let arrived = 0;
  let release!: () => void;
  const bothLoaded = new Promise<void>((resolve) => {
    release = resolve;
  });
  const app = new Koa();
  app.keys = KEYS;
  app.use(createSession({ store }, app));
  app.use(async (ctx) => {
    const cart = [...(ctx.session!.cart as string[])];
    if (++arrived === 2) release();
    await bothLoaded;
    ctx.session!.cart = [...cart, String(ctx.query.item)];
    ctx.body = 'added';
  });
  const cookie = signedCookie('koa.sess', id);
  const replies = await Promise.all([
    hit(app, '/?item=apple', { cookie }),
    hit(app, '/?item=pear', { cookie }),
  ]);
  const cart = JSON.parse(store.records.get(id)!).cart as string[];
  predict('concurrency', {
    statuses: replies.map((r) => r.status).join(', '),
    'store sets': String(store.callsTo('set').length),
    'items in the cart afterwards': String(cart.length),
    'additions lost': String(3 - cart.length),
  });
});
