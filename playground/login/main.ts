/**
 * `npm run playground:login`: the login starter on your machine.
 *
 *     npm run playground:login
 *     REDIS_CLUSTER=127.0.0.1:7100,127.0.0.1:7101 npm run playground:login
 *
 * Settings come from the environment (config.ts lists them all); every
 * one has a default that works here. Two demo accounts are created at
 * start-up, and their passwords printed: this is a starter, not a
 * product — replace users.ts with your own table.
 *
 * Read with: chapters/17-login.md
 */
import { Cluster, Redis } from 'ioredis';
import {
  describeError,
  fail,
  isMain,
  listen,
  listenPort,
  redact,
  serverUrl,
} from '../cli.js';
import { createLoginApp } from './app.js';
import { ConfigError, type LoginConfig, loadConfig } from './config.js';
import { loginLab } from './lab.js';
import { Users } from './users.js';

/** The demo's accounts: name → password. */
export const DEMO_USERS = {
  alice: 'alice-demo-password',
  bob: 'bob-demo-password',
} as const;

/** Connect, and prove the connection with a PING before serving anyone. */
export async function connectRedis(
  config: LoginConfig,
): Promise<Redis | Cluster> {
  const redis = config.redisCluster
    ? new Cluster(config.redisCluster, { lazyConnect: true })
    : new Redis(config.redisUrl, {
        lazyConnect: true,
        maxRetriesPerRequest: 1,
      });
  // The first connection error says why (ECONNREFUSED …); the PING's own
  // rejection only says the connection closed. Later ones are per request.
  let first: unknown;
  redis.on('error', (error) => {
    first ??= error;
  });
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    const where = config.redisCluster
      ? `the Redis Cluster at ${config.redisCluster
          .map((n) => `${n.host}:${n.port}`)
          .join(',')}`
      : `Redis at ${redact(config.redisUrl)}`;
    throw new ConfigError(
      `cannot reach ${where}: ${describeError(first ?? error)}`,
    );
  }
}

export async function demoUsers(): Promise<Users> {
  const users = new Users();
  await users.add('1', 'alice', DEMO_USERS.alice);
  await users.add('2', 'bob', DEMO_USERS.bob);
  return users;
}

async function main(): Promise<void> {
  let config: LoginConfig;
  let redis: Redis | Cluster;
  try {
    config = loadConfig();
    redis = await connectRedis(config);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  const lab = loginLab(config, redis);
  const { app, store } = createLoginApp({
    config,
    redis,
    users: await demoUsers(),
    instrument: lab.instrument,
  });
  lab.attach(store);
  app.on('error', (error) =>
    process.stderr.write(`✗ ${describeError(error)}\n`),
  );
  const server = await listen(app, listenPort(), 'playground:login');
  const url = serverUrl(server);
  const lines = [
    '',
    '  Login starter: koa-passport, sessions in Redis, hashed ids,',
    '  idle + absolute timeouts, devices page, CSRF checks',
    `  listening on ${url}`,
    '',
    `  ▶ Session Lab: ${url}/__lab   (watch each request's session)`,
    '',
    `  Sign in as alice / ${DEMO_USERS.alice}`,
    `         or bob   / ${DEMO_USERS.bob}`,
    `  Sessions: idle ${config.idleTimeout / 60_000} min, ` +
      `absolute ${config.absoluteTimeout / 60_000} min, ` +
      `password again after ${config.reauthAfter / 60_000} min`,
    config.production
      ? ''
      : '  Not production: the cookie is `sid`, not `__Host-sid`, ' +
        'and not Secure.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (isMain(import.meta.url)) await main();
