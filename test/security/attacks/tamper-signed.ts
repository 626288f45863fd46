/**
 * Attack 3 — edit a signed cookie. Change one field, keep the signature:
 * refused. Then the same edit by someone who holds the key: accepted. The
 * signature protects exactly as well as the key is kept.
 *
 *   npx tsx test/security/attacks/tamper-signed.ts
 *
 * Read with: chapters/11-security.md#tampering
 */
import { identityApp } from '../apps.js';
import {
  fromCookieValue,
  NEW_KEY,
  parseSetCookie,
  serve,
  sign,
  toCookieValue,
} from '../support.js';

const server = await serve(identityApp([NEW_KEY]));
const login = await server.get('/login?user=alice');
const [value, sig] = login.setCookie.map((line) => parseSetCookie(line).value) as [string, string];
console.log('Logged in as alice. The session says:', JSON.stringify(fromCookieValue(value)));

const edited = toCookieValue({ ...(fromCookieValue(value) as object), user: 'admin' });
const tampered = await server.get('/whoami', `koa.sess=${edited}; koa.sess.sig=${sig}`);
console.log('\n1. user → admin, old signature kept');
console.log('   server sees:', tampered.body);
for (const line of tampered.setCookie) console.log(`   Set-Cookie: ${line}`);

const resigned = sign('koa.sess', edited, NEW_KEY);
const withKey = await server.get('/whoami', `koa.sess=${edited}; koa.sess.sig=${resigned}`);
console.log('\n2. the same edit, signed with the (leaked) key');
console.log('   server sees:', withKey.body);
await server.close();
