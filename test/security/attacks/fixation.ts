/**
 * Attack 4 — session fixation. The attacker obtains a genuine session id,
 * plants it in the victim's browser, and waits for the victim to log in.
 *
 *   npx tsx test/security/attacks/fixation.ts
 *
 * Uses the in-memory store, so no database is needed.
 *
 * Read with: chapters/11-security.md#fixation
 */
import { MemoryStore } from '../../../src/stores/index.js';
import { storeApp } from '../apps.js';
import { CookieJar, serve } from '../support.js';

const server = await serve(storeApp(new MemoryStore()));

for (const route of ['/login-naive', '/login']) {
  const attacker = new CookieJar();
  attacker.take((await server.get('/visit')).setCookie);
  const planted = attacker.get('koa.sess');

  const victim = new CookieJar();
  for (const [name, value] of attacker) victim.set(name, value);
  victim.take((await server.get(`${route}?user=victim`, victim.header())).setCookie);

  const stolen = JSON.parse((await server.get('/whoami', attacker.header())).body) as {
    user: string | null;
  };
  console.log(`login route ${route}`);
  console.log(`  planted id ${planted}`);
  console.log(`  victim's id after login ${victim.get('koa.sess')}`);
  console.log(`  the attacker, replaying the planted id, is: ${stolen.user ?? '(nobody)'}\n`);
}
await server.close();
