/**
 * Debian's chromium, driven by playwright-core (never a downloaded
 * browser). Without it a browser test is skipped with a message; in CI
 * (CI=true) a missing browser is a failure.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** For `describe.runIf(...)`: true when chromium is there (or CI demands it). */
export function requireChromium(what: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) return true; // the launch then fails, loudly
  console.warn(
    `\n  SKIPPED: ${what} needs chromium at ${CHROMIUM}.` +
      '\n  Install it: apt-get update && apt-get install -y --no-install-recommends chromium\n',
  );
  return false;
}

/** What a test may add to the default launch. */
export interface LaunchExtras {
  /** More command-line switches, e.g. `--host-resolver-rules=MAP *.test 127.0.0.1`. */
  args?: string[];
  /**
   * Let third-party cookies through (the profile's cookie setting "allow
   * third-party cookies"). A fresh headless profile of chromium 156 blocks
   * them, so without this a cookie never rides on a cross-site subrequest.
   */
  thirdPartyCookies?: boolean;
}

/** A headless chromium with a throwaway profile, removed when it closes. */
export async function launchChromium(
  viewport = { width: 1280, height: 800 },
  extras: LaunchExtras = {},
): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`CI requires chromium at ${CHROMIUM}`);
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'chromium-'));
  if (extras.thirdPartyCookies) {
    // cookie_controls_mode 0 = "allow third-party cookies" in Settings.
    mkdirSync(join(profile, 'Default'));
    writeFileSync(
      join(profile, 'Default', 'Preferences'),
      JSON.stringify({ profile: { cookie_controls_mode: 0 } }),
    );
  }
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(extras.args ?? []),
    ],
  });
  // Remove the profile once the browser has really exited (its 'close'
  // event comes while chromium may still be writing its cache).
  const close = context.close.bind(context);
  context.close = async (options) => {
    await close(options);
    rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  };
  return context;
}
