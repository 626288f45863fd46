/**
 * Real services for real tests. Redis and MariaDB are expected on
 * 127.0.0.1 (see README "Services"). On a developer machine without them the
 * dependent tests are skipped with a visible message; in CI (CI=true) a
 * missing service is a failure, never a silent skip.
 */
import { reachable } from '../../playground/processes.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/**
 * Resolve to `true` when the service answers. When it does not: throw in CI,
 * otherwise print why the suite is skipped and resolve to `false`.
 */
export async function requireService(name: 'redis' | 'mysql'): Promise<boolean> {
  const url = name === 'redis' ? REDIS_URL : MYSQL_URL;
  const ok = await reachable(url, name === 'redis' ? 6379 : 3306);
  if (ok) return true;
  const message = `${name} is not reachable at ${url}`;
  if (process.env.CI) throw new Error(`${message}; CI must run every store test (see .ci/run)`);
  console.warn(`\n  SKIPPED: ${message}. Start it (see README "Services") to run these tests.\n`);
  return false;
}

/** Top-level-await friendly flags for `describe.runIf(...)`. */
export const hasRedis = await requireService('redis');
export const hasMysql = await requireService('mysql');
