/**
 * Every setting of the login starter in one place: read from the
 * environment once, checked, with defaults that are safe to run on your
 * own machine. A bad value stops the app at start-up with one line that
 * names the variable — never a stack trace, never a silent fallback.
 *
 * Read with: chapters/17-login.md#config
 */
import { randomBytes } from 'node:crypto';

// #region config
export interface LoginConfig {
  /** `production` turns on `Secure` and the `__Host-` cookie name. */
  production: boolean;
  /** Signing keys for the cookie; the first signs, all verify. */
  keys: string[];
  /** Sign out after this long without a request (ms). */
  idleTimeout: number;
  /** Sign out this long after signing in, however active (ms). */
  absoluteTimeout: number;
  /** A sensitive action asks for the password again after this (ms). */
  reauthAfter: number;
  /** Where the app is served, for the CSRF origin check. */
  origin: string | undefined;
  /** Redis: one URL, or a cluster's nodes (`host:port,host:port`). */
  redisUrl: string;
  redisCluster: Array<{ host: string; port: number }> | undefined;
  /** Key prefix for everything this app writes to Redis. */
  prefix: string;
}

const MINUTE = 60_000;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoginConfig {
  const production = env.NODE_ENV === 'production';
  return {
    production,
    keys: keysFrom(env.SESSION_KEYS, production),
    idleTimeout: minutes(env, 'IDLE_MINUTES', 30),
    absoluteTimeout: minutes(env, 'ABSOLUTE_MINUTES', 12 * 60),
    reauthAfter: minutes(env, 'REAUTH_MINUTES', 5),
    origin: env.APP_ORIGIN || undefined,
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    redisCluster: nodesFrom(env.REDIS_CLUSTER),
    prefix: env.REDIS_PREFIX || 'login:',
  };
}
// #endregion config

/** Thrown for a bad setting; main.ts prints its message and exits. */
export class ConfigError extends Error {}

function minutes(env: NodeJS.ProcessEnv, name: string, fallback: number) {
  const text = env[name];
  if (text === undefined || text === '') return fallback * MINUTE;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    throw new ConfigError(
      `${name} must be a positive number of minutes, ` +
        `got ${JSON.stringify(text)}`,
    );
  }
  return n * MINUTE;
}

/**
 * `SESSION_KEYS=new,old`. Required in production: a key made up at
 * start-up would sign everyone out on every restart and differ between
 * processes. On your machine a random one is fine, and said so.
 */
function keysFrom(text: string | undefined, production: boolean): string[] {
  const keys = (text ?? '').split(',').filter((k) => k !== '');
  if (keys.length > 0) {
    const short = keys.find((k) => k.length < 32);
    if (short !== undefined && production) {
      throw new ConfigError(
        'SESSION_KEYS: each key needs at least 32 characters ' +
          '(openssl rand -base64 32)',
      );
    }
    return keys;
  }
  if (production) {
    throw new ConfigError(
      'SESSION_KEYS is required in production (comma-separated, newest first)',
    );
  }
  return [randomBytes(32).toString('base64')];
}

function nodesFrom(text: string | undefined) {
  if (!text) return undefined;
  return text.split(',').map((part) => {
    const m = /^([\w.-]+|\[[\da-f:]+\]):(\d{1,5})$/i.exec(part.trim());
    if (!m)
      throw new ConfigError(
        `REDIS_CLUSTER: expected host:port, got ${JSON.stringify(part)}`,
      );
    return { host: m[1] as string, port: Number(m[2]) };
  });
}
