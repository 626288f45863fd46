/**
 * Step regenerate — chapters/07-save-remove-commit.md#regenerate
 *
 * A prediction: answers/regenerate.txt.
 */
import { it } from '../kit.js';
import { exchange, predict } from '../support/answers.js';
import { parseSetCookie, RecordingStore, signedCookie } from '../support/harness.js';

/** The value of the last Set-Cookie line for `name`. */
function lastValue(lines: string[], name: string): string {
  const cookie = lines
    .map(parseSetCookie)
    .filter((c) => c.name === name)
    .at(-1);
  return cookie ? cookie.value : 'none';
}

it('answers/regenerate.txt: regenerate() at login, store mode', async () => {
  const store = new RecordingStore();
  const anonymous = store.seed({ cart: ['book'] }, 'anonymous-id');
  let n = 0;
  const real = await exchange(
    { genid: () => `fresh-${++n}` },
    async (ctx) => {
      ctx.session!.user = 'alice';
      await ctx.session!.regenerate();
      ctx.body = 'welcome';
    },
    { store, cookie: signedCookie('koa.sess', anonymous) },
  );
  const set = store.callsTo('set').at(-1);
  predict('regenerate', {
    'store calls': real.storeCalls,
    'destroyed id': store.callsTo('destroy')[0]?.key ?? 'none',
    'saved under': set?.key ?? 'none',
    'saved cart': set ? String((set.data?.cart as string[] | undefined) ?? 'none') : 'none',
    'koa.sess value': lastValue(real.lines, 'koa.sess'),
  });
});
