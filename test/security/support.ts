/**
 * Shared tools for the security lab: a real HTTP server on a random port, a
 * tiny client that sends exactly the `Cookie` header we choose, a cookie jar
 * that can behave like a browser, and the two helpers an attacker needs —
 * base64 for the payload and HMAC for the signature.
 *
 * Nothing here is mocked: requests go through Node's HTTP parser, Koa and the
 * `cookies` library exactly as they would in production.
 *
 * Read with: chapters/11-security.md
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import {
  decodeCookieValue,
  encodeCookieValue,
  parseSetCookie,
  signedCookieHeader,
} from '../support/cookies.js';

export { collectErrors } from '../support/apps.js';
export { CookieJar, parseSetCookie, type SetCookie, sign } from '../support/cookies.js';
export { UUID_V4 as UUID } from '../support/ids.js';

/** The signing keys the lab's apps use. `OLD_KEY` plays the retired secret. */
export const NEW_KEY = 'lab key 2025: rotate me';
export const OLD_KEY = 'lab key 2019: retired';

/** The default cookie codec, by hand: JSON, then base64. No secret involved. */
export const toCookieValue = encodeCookieValue;

/** And back again: what anyone who sees the cookie can do. */
export const fromCookieValue: (value: string) => unknown = decodeCookieValue;

/** A `Cookie` header carrying session id `id`, signed with `NEW_KEY`. */
export function signedId(id: string): string {
  return signedCookieHeader('koa.sess', id, NEW_KEY);
}

/** The session id a response set, if any. */
export function issuedId(setCookie: string[]): string | undefined {
  return setCookie.map(parseSetCookie).find((c) => c.name === 'koa.sess')?.value || undefined;
}

/** A `Cookie` request header carrying a session cookie and, if given, its signature. */
export function cookieHeader(name: string, value: string, signature?: string): string {
  return signature === undefined
    ? `${name}=${value}`
    : `${name}=${value}; ${name}.sig=${signature}`;
}

export interface Reply {
  status: number;
  /** Every `Set-Cookie` line, verbatim. */
  setCookie: string[];
  body: string;
}

export interface LabServer {
  origin: string;
  /** Send one GET with exactly this `Cookie` header (or none). */
  get(path: string, cookie?: string): Promise<Reply>;
  close(): Promise<void>;
}

/**
 * Serve `app` on 127.0.0.1, port chosen by the OS, with a keep-alive agent
 * so hundreds of sequential requests reuse their sockets instead of
 * exhausting ephemeral ports.
 */
export async function serve(app: Koa, maxSockets = 256): Promise<LabServer> {
  const server = http.createServer(app.callback());
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true, maxSockets });

  const get = (path: string, cookie?: string) =>
    new Promise<Reply>((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = cookie === undefined ? {} : { cookie };
      const req = http.request({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            setCookie: res.headers['set-cookie'] ?? [],
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });

  const close = async () => {
    agent.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { origin: `http://127.0.0.1:${port}`, get, close };
}
