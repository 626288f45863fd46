/**
 * Step session-pitfall — chapters/09-redis-store.md#the-session-pitfall
 *
 * A quiz: answers/session-pitfall.txt. Question 2 is checked against what
 * the reference port really hands a store.
 */
import { it } from '../kit.js';
import { exchange, quiz } from '../support/answers.js';
import { RecordingStore } from '../support/harness.js';

it('answers/session-pitfall.txt: what a store gets for maxAge "session"', async () => {
  const store = new RecordingStore();
  await exchange(
    { maxAge: 'session' },
    (ctx) => {
      ctx.session!.views = 1;
      ctx.body = 'ok';
    },
    { store },
  );
  const given = store.callsTo('set')[0]?.maxAge;
  quiz('session-pitfall', {
    '1': ['b'],
    '2': [String(given), `"${String(given)}"`],
    '3': ['no'],
    '4': ['c'],
  });
});
