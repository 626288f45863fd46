/**
 * Step fixation — chapters/05-init-from-external.md#never-adopt-an-unknown-id
 *
 * A prediction: answers/fixation.txt.
 */
import { it } from '../kit.js';
import { exchange, predict } from '../support/answers.js';
import { parseSetCookie, RecordingStore, signedCookie } from '../support/harness.js';

it('answers/fixation.txt: a correctly signed id the store never issued', async () => {
  const store = new RecordingStore();
  let n = 0;
  const real = await exchange(
    { genid: () => `server-id-${++n}` },
    (ctx) => {
      ctx.session!.user = 'alice';
      ctx.body = 'logged in';
    },
    { store, cookie: signedCookie('koa.sess', 'planted-by-mallory') },
  );
  const saved = store.callsTo('set')[0]?.key ?? 'none';
  predict('fixation', {
    'store calls': real.storeCalls,
    event: real.events,
    'saved under': saved,
    'koa.sess value': real.lines[0] === undefined ? 'none' : parseSetCookie(real.lines[0]).value,
  });
});
