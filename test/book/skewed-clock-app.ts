/**
 * A server whose clock is off, for chapter 1's browser test, run in a
 * process of its own so the skew touches nothing else:
 *
 *   node --import tsx test/book/skewed-clock-app.ts <impl> <skew ms> <date|no-date>
 *
 * `Date.now()` runs `skew` ms behind the real clock (a negative skew runs
 * ahead), so koa-session stamps `Expires` from that clock; `date` sends a
 * `Date` header read from the same clock (what a real skewed server does),
 * `no-date` sends none. The session lives one minute. The server prints
 * `port <n>` once it listens.
 */
import Koa from 'koa';
import upstreamSession from 'koa-session';
import { createSession } from '../../src/index.js';

const [impl, skew, date] = process.argv.slice(2);
const realNow = Date.now.bind(Date);
Date.now = () => realNow() - Number(skew);

const session = (impl === 'upstream' ? upstreamSession : createSession) as typeof createSession;
const app = new Koa();
app.keys = ['skewed clock'];
app.use(async (ctx, next) => {
  if (date === 'date') ctx.set('Date', new Date(Date.now()).toUTCString());
  else ctx.res.sendDate = false;
  await next();
});
app.use(session({ maxAge: 60_000 }, app));
app.use((ctx) => {
  const s = ctx.session!;
  s.views = ((s.views as number | undefined) ?? 0) + 1;
  ctx.body = `${s.views} views`;
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(`port ${address.port}`);
});
