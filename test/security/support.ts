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
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';

/** The signing keys the lab's apps use. `OLD_KEY` plays the retired secret. */
export const NEW_KEY = 'lab key 2025: rotate me';
export const OLD_KEY = 'lab key 2019: retired';

/**
 * What the `cookies` library (through `keygrip`) puts in `<name>.sig`: an
 * HMAC-SHA1 of the string `name=value`, base64url without padding. Written
 * out here so the book can show that a signature is nothing magic — anyone
 * holding the key can compute it, and nobody without it can.
 */
export function sign(name: string, value: string, key: string): string {
  return createHmac('sha1', key)
    .update(`${name}=${value}`)
    .digest('base64')
    .replace(/\//g, '_')
    .replace(/\+/g, '-')
    .replace(/=+$/, '');
}

/** The default cookie codec, by hand: JSON, then base64. No secret involved. */
export function toCookieValue(data: unknown): string {
  return Buffer.from(JSON.stringify(data)).toString('base64');
}

/** And back again: what anyone who sees the cookie can do. */
export function fromCookieValue(value: string): unknown {
  return JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
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

/** Collect what the app reports on its `error` event (and keep Koa from printing it). */
export function collectErrors(app: Koa): Error[] {
  const errors: Error[] = [];
  app.on('error', (err: Error) => errors.push(err));
  return errors;
}

/** One parsed `Set-Cookie` line. */
export interface SetCookie {
  name: string;
  value: string;
  /** Attribute names in lower case; flags map to `true`. */
  attributes: Record<string, string | true>;
}

export function parseSetCookie(line: string): SetCookie {
  const [pair = '', ...attrs] = line.split(';');
  const eq = pair.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const attr of attrs) {
    const [k = '', ...v] = attr.trim().split('=');
    attributes[k.toLowerCase()] = v.length ? v.join('=') : true;
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1), attributes };
}

/**
 * A cookie jar for one client. By default it keeps every cookie it is given
 * (like supertest's agent). With `browserLimit`, it behaves like a browser:
 * a cookie whose name and value together exceed that many bytes is ignored,
 * silently — no error, no console message, the old cookie stays.
 */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  /** Cookies this jar refused because they were too big. */
  readonly dropped: SetCookie[] = [];
  constructor(private readonly browserLimit = Number.POSITIVE_INFINITY) {}

  /** Apply a response's `Set-Cookie` lines. */
  take(lines: string[]): void {
    for (const line of lines) {
      const cookie = parseSetCookie(line);
      if (Buffer.byteLength(cookie.name + cookie.value) > this.browserLimit) {
        this.dropped.push(cookie);
        continue;
      }
      const expires = cookie.attributes.expires;
      const expired = typeof expires === 'string' && Date.parse(expires) <= Date.now();
      if (expired || cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
  }

  /** The `Cookie` header this jar would send, or `undefined` when empty. */
  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/**
 * Recorded outputs: a transcript a test produced, kept in
 * test/security/recorded/ so chapters/11-security.md can embed it verbatim.
 * Normally the test only compares and fails when the file is stale;
 * `npm run security:record` (SECURITY_RECORD=1) rewrites the files.
 */
export function checkRecording(name: string, text: string): { stale: boolean; current: string } {
  const file = new URL(`./recorded/${name}`, import.meta.url);
  if (process.env.SECURITY_RECORD === '1') {
    mkdirSync(new URL('./recorded/', import.meta.url), { recursive: true });
    writeFileSync(file, text);
    return { stale: false, current: text };
  }
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '(missing)';
  return { stale: current !== text, current };
}
