/**
 * Step costs — chapters/12-performance.md#where-the-time-goes
 *
 * A quiz: answers/costs.txt. Questions 3 and 4 are checked against the
 * store calls the reference port really makes.
 */
import { it } from '../kit.js';
import { exchange, quiz } from '../support/answers.js';
import { RecordingStore, signedCookie } from '../support/harness.js';

it('answers/costs.txt: where a session’s time goes', async () => {
  const store = new RecordingStore();
  const id = store.seed({ views: 1 }, 'regular');
  const cookie = signedCookie('koa.sess', id);
  const read = await exchange(
    {},
    (ctx) => {
      ctx.body = String(ctx.session!.views);
    },
    { store, cookie },
  );
  const change = await exchange(
    {},
    (ctx) => {
      ctx.session!.views = 2;
      ctx.body = 'ok';
    },
    { store, cookie },
  );
  const count = (calls: string) => (calls === 'none' ? 0 : calls.split(', ').length);
  quiz('costs', {
    '1': ['b'],
    '2': ['3', 'three'],
    '3': [String(count(read.storeCalls))],
    '4': [String(count(change.storeCalls))],
    '5': ['a'],
  });
});
