/**
 * The login starter in real chromium: the forms as a person uses them,
 * a forged post from another site (127.0.0.1 is another site than
 * localhost), and the screens. With LAB_RECORD=1 (`npm run lab:record`)
 * it also writes the devices-page screenshots chapter 17 shows, at 1280
 * and 390 px, light and dark.
 *
 * Read with: chapters/17-login.md
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, requireChromium } from '../support/chromium.js';
import { hasRedis } from '../support/services.js';
import { Browser, DEMO_USERS, type Started, startApp } from './support.js';

const hasChromium = requireChromium('the login starter in a browser');

describe.runIf(hasChromium && hasRedis)('login starter in chromium', () => {
  let app: Started;
  let site: string;
  let context: BrowserContext;
  let page: Page;
  let evil: Server;
  let evilOrigin: string;

  beforeAll(async () => {
    app = await startApp();
    // The same server, named by host name: the browser's site is "localhost".
    site = app.url.replace('127.0.0.1', 'localhost');
    evil = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(
        `<form method=post action="${site}/devices/revoke-all"></form>` +
          '<script>document.forms[0].submit()</script>',
      );
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
    context = await launchChromium();
    page = context.pages()[0] ?? (await context.newPage());
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    evil?.close();
    await app?.close();
  });

  async function signIn() {
    await page.goto(`${site}/login`);
    await page.fill('input[name=name]', 'alice');
    await page.fill('input[name=password]', DEMO_USERS.alice);
    await Promise.all([page.waitForURL(`${site}/`), page.click('button.primary')]);
  }

  it('signing in with the form lands on the home page, with an HttpOnly, SameSite=Lax session cookie', async () => {
    await signIn();
    expect(await page.textContent('h1')).toBe('Hello, alice');
    const [cookie] = (await context.cookies(site)).filter((c) => c.name === 'sid');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(await page.evaluate('document.cookie')).toBe(''); // scripts see nothing
  });

  it('the devices page lists this browser and another device; its Sign out button ends the other one', async () => {
    const phone = new Browser(app.url, 'Phone/2.0');
    await phone.signIn();
    await page.goto(`${site}/devices`);
    const items = page.locator('ul.devices li');
    expect(await items.count()).toBe(2);
    expect(await items.filter({ hasText: 'this device' }).count()).toBe(1);
    await Promise.all([
      page.waitForURL(`${site}/devices?done=one`),
      items.filter({ hasText: 'Phone/2.0' }).locator('button').click(),
    ]);
    expect(await page.textContent('[role=status]')).toBe('That device is signed out.');
    expect((await phone.get('/')).location).toBe('/login?next=%2F');
  });

  it('a form another site posts to Sign out everywhere is refused (403 cross-site); the session lives on', async () => {
    const response = await page.goto(evilOrigin);
    await page.waitForURL(`${site}/devices/revoke-all`);
    expect(response?.ok()).toBe(true); // the attacker's own page
    expect(await page.textContent('body')).toContain('Refused: a cross-site request');
    await page.goto(`${site}/`);
    expect(await page.textContent('h1')).toBe('Hello, alice');
  });

  it("the header's Sign out button ends the session and returns to the sign-in form", async () => {
    await page.goto(`${site}/`);
    const sid = async () => (await context.cookies(site)).find((c) => c.name === 'sid')?.value;
    const before = await sid();
    await Promise.all([page.waitForURL(`${site}/login`), page.click('header button')]);
    // The sign-in form starts a new visitor session (for its CSRF token).
    expect(await sid()).not.toBe(before);
    await page.goto(`${site}/devices`);
    expect(page.url()).toBe(`${site}/login?next=%2Fdevices`);
  });

  it.runIf(process.env.LAB_RECORD)('records the devices page screenshots', async () => {
    await new Browser(
      app.url,
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604.1',
    ).signIn();
    for (const [width, height] of [
      [1280, 720],
      [390, 844],
    ] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        await page.setViewportSize({ width, height });
        await page.emulateMedia({ colorScheme: scheme });
        await signIn();
        await page.goto(`${site}/devices`);
        const path = new URL(
          `../../chapters/lab/login-devices-${width}-${scheme}.png`,
          import.meta.url,
        );
        await page.screenshot({ path: path.pathname });
        await page.click('header button');
      }
    }
  });
});
