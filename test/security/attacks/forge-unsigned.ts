/**
 * Attack 2 — write your own session. With `signed: false` the server
 * believes any cookie; with signing (the default) the same forgery is
 * refused.
 *
 *   npx tsx test/security/attacks/forge-unsigned.ts
 *
 * Read with: chapters/11-security.md#signing
 */
import { identityApp } from '../apps.js';
import { NEW_KEY, serve, toCookieValue } from '../support.js';

const forged = toCookieValue({ user: 'admin' });
console.log(`Forged cookie: koa.sess=${forged}   (base64 of {"user":"admin"})\n`);

for (const signed of [false, true]) {
  const server = await serve(identityApp([NEW_KEY], { signed }));
  const reply = await server.get('/whoami', `koa.sess=${forged}`);
  const { user } = JSON.parse(reply.body) as { user: string | null };
  console.log(
    `signed: ${String(signed).padEnd(5)}  → the server thinks you are: ${user ?? '(nobody: fresh session)'}`,
  );
  await server.close();
}
