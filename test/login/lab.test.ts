/**
 * The Session Lab works on the login starter: `npm run playground:login`
 * mounts it (playground/login/lab.ts), and each request — the sign-in
 * form's post included — becomes a card with its cookies, and the Redis
 * record behind the id, found by the id's hash.
 *
 * Read with: chapters/17-login.md#try-it
 */

import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoginApp } from '../../playground/login/app.js';
import { loadConfig } from '../../playground/login/config.js';
import { loginLab } from '../../playground/login/lab.js';
import { demoUsers } from '../../playground/login/main.js';
import { hasRedis, REDIS_URL } from '../support/services.js';
import { Browser } from './support.js';

describe.runIf(hasRedis)('the Session Lab on the login starter', () => {
  const prefix = `login-lab-test:${randomBytes(4).toString('hex')}:`;
  const redis = new Redis(REDIS_URL);
  const config = loadConfig({ REDIS_PREFIX: prefix, SESSION_KEYS: 'lab test key' });
  const watch = loginLab(config, redis);
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const { app, store } = createLoginApp({
      config,
      redis,
      users: await demoUsers(),
      instrument: watch.instrument,
    });
    watch.attach(store);
    app.silent = true;
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('serves the lab page, and the sign-in post is a card with the new sid and the Redis record behind it', async () => {
    expect((await fetch(`${url}/__lab/`)).status).toBe(200);
    const browser = new Browser(url, 'Laptop/1.0');
    await browser.signIn();
    const card = watch.lab.cards.find(
      (c) => c.kind === 'request' && c.method === 'POST' && c.url === '/login',
    );
    expect(card).toMatchObject({ status: 302 });
    const sent = card?.kind === 'request' ? card.setCookies.map((c) => c.name) : [];
    expect(sent).toContain('sid');
    const found = await watch.lookup(browser.sid as string);
    expect(found.where).toMatch(/^redis key login-lab-test:\w+:\{[0-9a-f]{16}\}:s:/);
    expect(String(found.record)).toContain('"passport":{"user":"1"}');
    expect(found.ttlMs).toBeGreaterThan(0);
  });
});
