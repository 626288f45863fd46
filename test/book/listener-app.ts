/**
 * A server for chapter 4's listener tests, run in a process of its own
 * because what it shows may end that process:
 *
 *   node --import tsx test/book/listener-app.ts <impl> <mode> <listener>
 *
 * `impl` is `port` or `upstream` (koa-session 7.0.2); `mode` is `cookie`
 * or `store` (a store that answers after 20 ms, like a network round
 * trip); `listener` is what hears about the refused session:
 * `throw` or `slow` (1 s of synchronous work) on `session:invalid`, or
 * `trace-throw` / `trace-slow` on the port's trace channel.
 *
 * Every session whose `views` is 1 is refused by `valid`, so the second
 * visit of a browser triggers `session:invalid`. `/other` never touches
 * the session. The server prints `port <n>` once it listens.
 */
import Koa from 'koa';
import upstreamSession from 'koa-session';
import { createSession, onTrace, type SessionData, type SessionStore } from '../../src/index.js';

const [impl, mode, listener] = process.argv.slice(2);
const session = (impl === 'upstream' ? upstreamSession : createSession) as typeof createSession;

const records = new Map<string, SessionData>();
const later = () => new Promise((resolve) => setTimeout(resolve, 20));
const store: SessionStore = {
  async get(key) {
    await later();
    return records.get(key);
  },
  async set(key, data) {
    await later();
    records.set(key, data);
  },
  async destroy(key) {
    records.delete(key);
  },
};

const app = new Koa();
app.keys = ['listener test'];
app.use(
  session(
    {
      ...(mode === 'store' ? { store } : {}),
      valid: (_ctx, data) => data.views !== 1,
    },
    app,
  ),
);
app.use((ctx) => {
  if (ctx.path === '/other') {
    ctx.body = 'other';
    return;
  }
  const s = ctx.session!;
  s.views = ((s.views as number | undefined) ?? 0) + 1;
  ctx.body = String(s.views);
});

/** One second of work that never yields: what a synchronous log write to a slow disk does. */
function busy(): void {
  const end = Date.now() + 1000;
  while (Date.now() < end) {
    // spin
  }
}

if (listener === 'throw') {
  app.on('session:invalid', () => {
    throw new Error('listener bug');
  });
}
if (listener === 'slow') app.on('session:invalid', busy);
if (listener === 'trace-throw' || listener === 'trace-slow') {
  onTrace((message) => {
    if (message.step !== 'valid' || message.ok) return;
    if (listener === 'trace-slow') return busy();
    throw new Error('trace listener bug');
  });
}

const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(`port ${address.port}`);
});
