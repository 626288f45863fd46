/**
 * Step store-failure — chapters/11-security.md#store-failures
 *
 * A prediction: answers/store-failure.txt.
 */
import { it } from '../kit.js';
import { exchange, predict } from '../support/answers.js';
import { signedCookie } from '../support/harness.js';

it('answers/store-failure.txt: the store is down when a visitor comes back', async () => {
  let handlerRan = false;
  const down = {
    get: async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    },
    set: async () => {},
    destroy: async () => {},
  };
  const real = await exchange(
    { store: down },
    (ctx) => {
      handlerRan = true;
      ctx.body = 'hello';
    },
    { cookie: signedCookie('koa.sess', 'some-id') },
  );
  predict('store-failure', {
    status: real.status,
    'handler ran': handlerRan ? 'yes' : 'no',
    'set-cookie': real.setCookie,
    body: real.body,
  });
});
