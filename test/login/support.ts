/**
 * Driving the login starter as a browser would: a cookie jar, forms
 * posted with the hidden `_csrf` field the page carries, the
 * `Sec-Fetch-Site` and `Origin` headers every current browser sends on a
 * form post, and redirects followed by hand (so a test sees each hop).
 *
 * Each test gets its own Redis key prefix, removed afterwards.
 *
 * Read with: chapters/17-login.md
 */

import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Cluster, Redis } from 'ioredis';
import { createLoginApp } from '../../playground/login/app.js';
import { type LoginConfig, loadConfig } from '../../playground/login/config.js';
import { DEMO_USERS, demoUsers } from '../../playground/login/main.js';
import { CookieJar } from '../../playground/shared/cookies.js';
import { REDIS_URL } from '../support/services.js';

export { DEMO_USERS };

/** A clock the test moves by hand (for the app's own timeouts). */
export class TestClock {
  at = Date.now();
  now = () => this.at;
  advance(ms: number) {
    this.at += ms;
  }
}

export interface Started {
  url: string;
  config: LoginConfig;
  redis: Redis | Cluster;
  clock: TestClock;
  store: ReturnType<typeof createLoginApp>['store'];
  /** Every key this app wrote. */
  keys(): Promise<string[]>;
  close(): Promise<void>;
}

/** The starter on a free port of 127.0.0.1, on real Redis, with its own prefix. */
export async function startApp(
  env: Record<string, string> = {},
  redis?: Redis | Cluster,
): Promise<Started> {
  const prefix = `login-test:${randomBytes(4).toString('hex')}:`;
  const config = loadConfig({ REDIS_PREFIX: prefix, SESSION_KEYS: 'test key', ...env });
  const client = redis ?? new Redis(REDIS_URL);
  const clock = new TestClock();
  const { app, store } = createLoginApp({ config, redis: client, users: await demoUsers(), clock });
  app.silent = true;
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const keys = () => scan(client, `${prefix}*`);
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    redis: client,
    clock,
    store,
    keys,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      const left = await keys();
      if (left.length) await Promise.all(left.map((k) => client.del(k)));
      if (!redis) client.disconnect();
    },
  };
}

/** Every key matching `pattern`; on a cluster, from every primary. */
async function scan(redis: Redis | Cluster, pattern: string): Promise<string[]> {
  if (redis instanceof Cluster) {
    const all = await Promise.all(redis.nodes('master').map((node) => scan(node, pattern)));
    return all.flat();
  }
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  return found;
}

export interface Page {
  status: number;
  /** Where a redirect pointed (`undefined`: none). */
  location: string | undefined;
  body: string;
}

/** One browser: its own cookies, its own User-Agent. */
export class Browser {
  /** The one jar (playground/shared/cookies.ts), as a browser keeps it. */
  readonly cookies = new CookieJar();
  constructor(
    readonly base: string,
    readonly agent = 'TestBrowser/1.0',
  ) {}

  /** The session id this browser holds (the `sid` cookie). */
  get sid(): string | undefined {
    return this.cookies.get('sid');
  }

  async request(
    method: 'GET' | 'POST',
    path: string,
    fields?: Record<string, string>,
    site: 'same-origin' | 'cross-site' = 'same-origin',
  ): Promise<Page> {
    const headers: Record<string, string> = { 'User-Agent': this.agent };
    const cookie = this.cookies.header(path);
    if (cookie) headers.Cookie = cookie;
    let body: string | undefined;
    if (method === 'POST') {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers['Sec-Fetch-Site'] = site;
      headers.Origin = site === 'same-origin' ? this.base : 'https://evil.example';
      body = new URLSearchParams(fields ?? {}).toString();
    }
    const res = await fetch(this.base + path, { method, headers, body, redirect: 'manual' });
    this.cookies.take(res.headers.getSetCookie(), path);
    return {
      status: res.status,
      location: res.headers.get('location') ?? undefined,
      body: await res.text(),
    };
  }

  get(path: string) {
    return this.request('GET', path);
  }

  /** Open `page`, fill its form (the one posting to `action`) with `fields`, submit it. */
  async submit(page: string, action: string, fields: Record<string, string>): Promise<Page> {
    const form = await this.get(page);
    const token = new RegExp(`action="${action}"[^]*?name="_csrf" value="([^"]+)"`).exec(
      form.body,
    )?.[1];
    if (!token) throw new Error(`no form posting to ${action} on ${page} (status ${form.status})`);
    return this.request('POST', action, { _csrf: token, ...fields });
  }

  signIn(name: keyof typeof DEMO_USERS = 'alice', password: string = DEMO_USERS[name]) {
    return this.submit('/login', '/login', { name, password });
  }
}
