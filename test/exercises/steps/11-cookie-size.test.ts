/**
 * Step cookie-size — chapters/11-security.md#cookie-size
 *
 * A prediction: answers/cookie-size.txt.
 */
import { it } from '../kit.js';
import { exchange, predict } from '../support/answers.js';
import { cookiePair } from '../support/harness.js';

it('answers/cookie-size.txt: a session of 3,100 bytes of notes, in a cookie', async () => {
  const real = await exchange({}, (ctx) => {
    ctx.session!.notes = 'x'.repeat(3100);
    ctx.body = 'saved';
  });
  const value = cookiePair(real.lines[0]!);
  predict('cookie-size', {
    status: real.status,
    'set-cookie': real.setCookie,
    'koa.sess over 4096 bytes': value.length > 4096 ? 'yes' : 'no',
    event: real.events,
  });
});
