/**
 * Step session-ids — chapters/02-sessions.md#session-ids
 *
 * A prediction: answers/session-ids.txt. Where a store session's id comes
 * from, and what a second visit asks of the store.
 */
import type Koa from 'koa';
import { it } from '../kit.js';
import { exchange, predict } from '../support/answers.js';
import { parseSetCookie, RecordingStore, sentBack } from '../support/harness.js';

it('answers/session-ids.txt: genid, the store key and the cookie', async () => {
  let n = 0;
  const options = { genid: () => `visitor-${++n}` };
  const handler: Koa.Middleware = (ctx) => {
    if (ctx.path === '/') ctx.session!.views = 1;
    ctx.body = 'ok';
  };
  const store = new RecordingStore();
  const first = await exchange(options, handler, { store });
  const firstCalls = store.calls.slice();
  const cookie = sentBack(first.lines);
  const second = await exchange(
    options,
    (ctx) => {
      ctx.body = String(ctx.session!.views);
    },
    { store, cookie },
  );
  predict('session-ids', {
    'first visit store key': firstCalls.find((c) => c.method === 'set')?.key ?? 'none',
    'first visit koa.sess value': parseSetCookie(first.lines[0]!).value,
    'second visit store calls': second.storeCalls,
    'second visit set-cookie': second.setCookie,
  });
});
