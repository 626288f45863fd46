/**
 * Two sites on one machine, for browser tests where "cross-site" must be
 * real. Chromium is told to resolve every `*.test` name to 127.0.0.1
 * (`--host-resolver-rules`), so `https://bank.test:<port>` and
 * `https://evil.test:<port>` are two sites (their registrable domains
 * differ) served by one local HTTPS server, while `sub.bank.test` is a
 * different origin of the *same* site. The certificate is self-signed,
 * made at start-up with openssl, and chromium is told to accept it.
 *
 * HTTPS matters: `SameSite=None` and the `__Host-` prefix both require
 * `Secure`, and `cookies` refuses to send a secure cookie over plain HTTP.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { launchChromium } from './chromium.js';

/** The switches that make `*.test` local and the self-signed certificate acceptable. */
export const SITE_ARGS = [
  '--host-resolver-rules=MAP *.test 127.0.0.1',
  '--ignore-certificate-errors',
];

/** A throwaway self-signed certificate (EC P-256, one day), made with openssl. */
export function selfSigned(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'sites-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=bank.test',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One HTTPS server on 127.0.0.1 answering every `*.test` name; `url('bank')` → its origin. */
export interface Sites {
  port: number;
  url(host: string, path?: string): string;
  close(): Promise<void>;
}

export async function serveSites(handler: RequestListener): Promise<Sites> {
  const server: Server = createServer(selfSigned(), handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: (host, path = '/') => `https://${host}.test:${port}${path}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Chromium that can reach the sites; `thirdPartyCookies` as in {@link launchChromium}. */
export function launchSiteBrowser(thirdPartyCookies = true): Promise<BrowserContext> {
  return launchChromium({ width: 1280, height: 800 }, { args: SITE_ARGS, thirdPartyCookies });
}
