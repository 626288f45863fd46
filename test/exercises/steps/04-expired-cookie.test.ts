/**
 * Step expired-cookie — chapters/04-init-from-cookie.md#valid
 *
 * A prediction: answers/expired-cookie.txt.
 */
import { it } from '../kit.js';
import { exchange, predict } from '../support/answers.js';
import { cookieValue, fromNow, signedCookie } from '../support/harness.js';

it('answers/expired-cookie.txt: a correctly signed cookie whose _expire has passed', async () => {
  const data = { user: 'alice', _expire: fromNow(-60_000), _maxAge: 3_600_000 };
  const real = await exchange(
    {},
    (ctx) => {
      ctx.body = { user: ctx.session!.user ?? null };
    },
    { cookie: signedCookie('koa.sess', cookieValue(data)) },
  );
  predict('expired-cookie', {
    status: real.status,
    'ctx.session.user': String(JSON.parse(real.body).user),
    event: real.events,
    'set-cookie': real.setCookie,
  });
});
