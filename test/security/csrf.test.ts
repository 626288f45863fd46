/**
 * Cross-site request forgery in real chromium: which requests carry the
 * session for each SameSite value, and what each defence does. Two real
 * sites (bank.test, evil.test) and a sibling subdomain (sub.bank.test),
 * over HTTPS — see ./csrf-lab.ts. The whole run is also the transcript the
 * chapter shows (./recorded/csrf-matrix.txt; `npm run security:record`).
 *
 * With KOA_SESSION_IMPL=upstream the bank runs koa-session 7.0.2.
 *
 * Read with: chapters/16-csrf.md
 */
import Koa from 'koa';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSetCookie } from '../../playground/shared/cookies.js';
import type { SessionOptions } from '../../src/index.js';
import { requireChromium } from '../support/chromium.js';
import { recordings } from '../support/recordings.js';
import { type Findings, IMPL, type Lab, runAll, sessionMiddleware, startLab } from './csrf-lab.js';

const hasChromium = requireChromium('the CSRF lab');
const checkRecording = recordings({
  dir: new URL('./recorded/', import.meta.url),
  env: 'SECURITY_RECORD',
  command: 'npm run security:record',
});

describe.runIf(hasChromium)('CSRF in chromium: bank.test, evil.test, sub.bank.test', () => {
  let lab: Lab;
  let found: Findings;

  beforeAll(async () => {
    lab = await startLab();
    found = await runAll(lab);
  }, 240_000);
  afterAll(async () => {
    await lab?.close();
  });

  it('records the whole matrix', () => {
    checkRecording('csrf-matrix.txt', found.text);
  });

  it("no SameSite: a fresh cookie still rides on a cross-site form POST (Chromium's two-minute Lax+POST window)", () => {
    expect(found.rides.unset['cross-site form POST']).toBe(true);
    expect(found.rides.unset['cross-site link (GET)']).toBe(true);
  });

  it('SameSite=Lax: no cookie on a cross-site POST, but it rides on a cross-site link', () => {
    expect(found.rides.lax['cross-site form POST']).toBe(false);
    expect(found.rides.lax['cross-site fetch POST']).toBe(false);
    expect(found.rides.lax['cross-site link (GET)']).toBe(true);
  });

  it('SameSite=Strict: no cookie on any cross-site request, not even a link', () => {
    expect(found.rides.strict['cross-site form POST']).toBe(false);
    expect(found.rides.strict['cross-site link (GET)']).toBe(false);
    expect(found.rides.strict['cross-site fetch POST']).toBe(false);
  });

  it('SameSite=None: the cookie rides on every cross-site request', () => {
    for (const ride of Object.values(found.rides.none)) expect(ride).toBe(true);
  });

  it('no SameSite value stops a form posted from a sibling subdomain (same site, other origin)', () => {
    for (const sameSite of ['unset', 'lax', 'strict', 'none'] as const) {
      expect(found.rides[sameSite]['same-site sibling form POST'], sameSite).toBe(true);
    }
  });

  it("the Origin / Sec-Fetch-Site check refuses cross-site and same-site posts, and lets the bank's own form through", () => {
    expect(found.defences['origin check']).toEqual({
      'cross-site form POST': 403,
      'same-site sibling form POST': 403,
      'own form': 200,
    });
    expect(found.text).toContain('403 Refused: a same-site request (CSRF check)');
  });

  it("the synchronizer token refuses both forged posts, and lets the bank's own form through", () => {
    expect(found.defences.token).toEqual({
      'cross-site form POST': 403,
      'same-site sibling form POST': 403,
      'own form': 200,
    });
  });

  it('login CSRF: SameSite=Strict does not stop it (no session to withhold); the origin check does', () => {
    expect(found.loginCsrf.strictAlone).toBe('mallory');
    expect(found.loginCsrf.statusWithCheck).toBe(403);
    expect(found.loginCsrf.withOriginCheck).toBe('nobody');
  });

  it('a sibling subdomain can plant a cookie for the whole site, but not a __Host- one', () => {
    expect(found.tossed).toEqual({ plain: true, hostPrefixed: false });
  });
});

describe.runIf(hasChromium)(
  'CSRF in chromium with a fresh profile (third-party cookies blocked)',
  () => {
    it('even SameSite=None does not ride on a cross-site fetch when the browser blocks third-party cookies', async () => {
      const lab = await startLab(false);
      try {
        await lab.useBank({ sameSite: 'none' });
        await lab.signIn();
        expect((await lab.attack('cross-site fetch POST')).seen?.user).toBeNull();
        // A top-level navigation is not a third-party context: it still rides.
        await lab.signIn();
        expect((await lab.attack('cross-site form POST')).seen?.user).toBe('victim');
      } finally {
        await lab.close();
      }
    }, 60_000);
  },
);

describe(`what the session middleware writes (${IMPL})`, () => {
  function app(options: SessionOptions) {
    const koa = new Koa();
    koa.keys = ['k'];
    koa.proxy = true; // trust X-Forwarded-Proto: https, as behind TLS
    koa.use(sessionMiddleware(options, koa));
    koa.use((ctx) => {
      ctx.session!.user = 'alice';
      ctx.body = 'ok';
    });
    return koa;
  }
  const over = (options: SessionOptions) =>
    request(app(options).callback()).get('/').set('X-Forwarded-Proto', 'https');

  it('by default the session cookie carries no SameSite attribute at all', async () => {
    const lines = (await over({})).headers['set-cookie'] as unknown as string[];
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).not.toMatch(/samesite/i);
  });

  it("sameSite: 'lax' puts samesite=lax on the cookie and on its .sig", async () => {
    const lines = (await over({ sameSite: 'lax' })).headers['set-cookie'] as unknown as string[];
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toContain('samesite=lax');
  });

  it('key: __Host-sid: both cookies carry the prefix, Secure and Path=/, and no Domain', async () => {
    const lines = (await over({ key: '__Host-sid', secure: true })).headers[
      'set-cookie'
    ] as unknown as string[];
    expect(lines.map((l) => parseSetCookie(l).name)).toEqual(['__Host-sid', '__Host-sid.sig']);
    for (const line of lines) {
      expect(line).toContain('; path=/;');
      expect(line).toContain('; secure');
      expect(line).not.toContain('domain=');
    }
  });
});
