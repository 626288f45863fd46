/**
 * Step two-places — chapters/02-sessions.md#two-places
 *
 * A prediction: answers/two-places.txt. The same first visit, once to a
 * cookie-session app and once to a store-session app; the checks replay
 * both against the reference port and compare with what you wrote.
 */
import type Koa from 'koa';
import { it } from '../kit.js';
import { exchange, predict } from '../support/answers.js';
import { parseSetCookie, RecordingStore, readCookieValue } from '../support/harness.js';

const countVisit: Koa.Middleware = (ctx) => {
  ctx.session!.views = 1;
  ctx.body = 'hello';
};

it('answers/two-places.txt: a first visit, cookie session and store session', async () => {
  const cookie = await exchange({}, countVisit);
  const store = new RecordingStore();
  const stored = await exchange({}, countVisit, { store });
  const value = parseSetCookie(stored.lines[0]!).value;
  const holds = store.records.has(value)
    ? 'id'
    : (() => {
        try {
          return readCookieValue(value).views === 1 ? 'data' : 'other';
        } catch {
          return 'other';
        }
      })();
  predict('two-places', {
    'cookie mode set-cookie': cookie.setCookie,
    'store mode set-cookie': stored.setCookie,
    'store mode store calls': stored.storeCalls,
    'store mode koa.sess holds': holds,
  });
});
