/**
 * Attack 7 — cross-site request forgery, in a real browser. The victim
 * signs in to https://bank.test, then opens a page on https://evil.test
 * (another site) or on https://sub.bank.test (a sibling subdomain: the
 * same site, another origin). Each page makes the victim's browser send
 * one request to the bank. Printed: whether the session rode along, for
 * each SameSite value; what each defence answers; login CSRF; and what
 * the `__Host-` prefix does against a cookie planted by a sibling.
 *
 *   npx tsx test/security/attacks/csrf.ts
 *   KOA_SESSION_IMPL=upstream npx tsx test/security/attacks/csrf.ts
 *
 * Needs chromium (/usr/bin/chromium) and openssl; about a minute. The
 * .test names resolve to 127.0.0.1 inside that browser only.
 *
 * Read with: chapters/16-csrf.md
 */
import { IMPL, runAll, startLab } from '../csrf-lab.js';

const lab = await startLab();
try {
  console.log(`chromium, third-party cookies allowed; session middleware: ${IMPL}\n`);
  await runAll(lab, (line) => console.log(line));
} finally {
  await lab.close();
}
