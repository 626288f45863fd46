/**
 * Attack 6 (on yourself) — a session too big for its cookie. The server
 * sends it; a browser drops it without a word.
 *
 *   npx tsx test/security/attacks/oversize.ts
 *
 * Read with: chapters/11-security.md#cookie-size
 */
import { identityApp } from '../apps.js';
import { CookieJar, NEW_KEY, parseSetCookie, serve } from '../support.js';

const server = await serve(identityApp([NEW_KEY]));
const browser = new CookieJar({ limit: 4096 });
browser.take((await server.get('/login?user=alice')).setCookie);
console.log('logged in:', (await server.get('/whoami', browser.header())).body);

const long = 'x'.repeat(3100);
const reply = await server.get(`/login?user=${long}`, browser.header());
const sizes = reply.setCookie.map((line) => {
  const { name, value } = parseSetCookie(line);
  return `${name}: ${Buffer.byteLength(name + value)} bytes`;
});
console.log('\nthe server sent', sizes.join(', '), `(status ${reply.status})`);
browser.take(reply.setCookie);
console.log('the browser dropped:', browser.dropped.map((c) => c.name).join(', ') || 'nothing');
console.log('\nnext request:', (await server.get('/whoami', browser.header())).body);
await server.close();
