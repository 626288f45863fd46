/**
 * Attack 1 — read a session cookie. No key, no tools, one line of code.
 *
 *   npx tsx test/security/attacks/read-cookie.ts              # demo: log in, then read
 *   npx tsx test/security/attacks/read-cookie.ts <koa.sess value>   # read your own
 *
 * Copy the value of `koa.sess` from your browser's dev tools (Application →
 * Cookies) while the playground runs, and pass it as the argument.
 *
 * Read with: chapters/11-security.md#the-readable-cookie
 */
import { identityApp } from '../apps.js';
import { fromCookieValue, NEW_KEY, parseSetCookie, serve } from '../support.js';

const given = process.argv[2];
if (given) {
  console.log(JSON.stringify(fromCookieValue(given), null, 2));
} else {
  const server = await serve(identityApp([NEW_KEY]));
  const reply = await server.get('/login?user=alice');
  console.log('The server answered /login?user=alice with:\n');
  for (const line of reply.setCookie) console.log(`  Set-Cookie: ${line}`);
  const value = parseSetCookie(reply.setCookie[0]!).value;
  console.log('\nBase64-decoding the koa.sess value gives:\n');
  console.log(`  ${JSON.stringify(fromCookieValue(value))}`);
  console.log('\nSigned, yes. Secret, no: anyone who sees the cookie can read the session.');
  await server.close();
}
