/**
 * Attack 5 — a payload that breaks the server. Cookies whose JSON uses
 * names the Session object relies on, or lifetimes no Date can hold, made
 * koa-session 7.0.2 answer 500. The port refuses them and starts afresh.
 *
 *   npx tsx test/security/attacks/hostile-payload.ts
 *
 * Sent unsigned (`signed: false`) so the payload reaches the decoder; with
 * signing on, only someone holding the key could send them.
 *
 * Read with: chapters/11-security.md#hostile-payloads
 */
import Koa from 'koa';
import upstream from 'koa-session';
import session from '../../../src/index.js';
import { collectErrors, serve } from '../support.js';

const PAYLOADS = [
  '{"toJSON":1}',
  '{"__proto__":{}}',
  '{"_maxAge":"forever"}',
  '{"_maxAge":1e400}',
  `{"deep":${'['.repeat(5000)}${']'.repeat(5000)}}`,
];

async function target(kind: 'koa-session 7.0.2' | 'port') {
  const app = new Koa();
  app.keys = ['attack demo'];
  const opts = { signed: false };
  app.use(kind === 'port' ? session(opts, app) : upstream(opts as never, app));
  app.use((ctx) => {
    ctx.session!.visits = 1;
    ctx.body = 'ok';
  });
  const errors = collectErrors(app);
  return { server: await serve(app), errors };
}

const theirs = await target('koa-session 7.0.2');
const ours = await target('port');
for (const json of PAYLOADS) {
  const cookie = `koa.sess=${Buffer.from(json).toString('base64')}`;
  const a = await theirs.server.get('/', cookie);
  const b = await ours.server.get('/', cookie);
  const shown = json.length > 40 ? `${json.slice(0, 24)}… (${json.length} chars)` : json;
  console.log(shown.padEnd(44), `koa-session: ${a.status}`, ` port: ${b.status}`);
  if (theirs.errors.length) console.log(' '.repeat(44), `(${theirs.errors.splice(0)[0]?.message})`);
}
await theirs.server.close();
await ours.server.close();
