/**
 * What the benchmark compares, and with what data. Shared by the server
 * process (test/bench/server.ts) and the runner (test/bench/run.ts).
 *
 * See chapters/12-performance.md#how-the-bench-works
 */

/** Every contender, in the order tables and charts list them. */
export const CONTENDERS = [
  'bare',
  'floor',
  'koa-session',
  'port',
  'port+memory',
  'port+redis',
  'port+koa-redis',
  'port+mysql',
  'port-alt',
] as const;
export type ContenderName = (typeof CONTENDERS)[number];

/** One line per contender, for tables and `--help`. */
export const CONTENDER_LABELS: Record<ContenderName, string> = {
  bare: 'bare Koa (no cookies touched)',
  floor: 'cookie floor (signed cookie read, decoded, re-encoded, re-signed)',
  'koa-session': 'koa-session 7.0.2, cookie sessions',
  port: 'this port, cookie sessions',
  'port+memory': 'this port + MemoryStore',
  'port+redis': 'this port + RedisStore (ioredis)',
  'port+koa-redis': 'this port + koa-redis 4.0.1 (same ioredis client)',
  'port+mysql': 'this port + MysqlStore (mysql2)',
  'port-alt': 'a modified copy of the port (BENCH_ALT_SRC), cookie sessions',
};

/**
 * `port-alt` loads the port from another directory — a copy of src/ with a
 * change you want to measure — so both versions run in the same bench:
 * `BENCH_ALT_SRC=/tmp/my-src BENCH_CONTENDERS=koa-session,port,port-alt npm run bench`.
 */
export const ALT_SRC = process.env.BENCH_ALT_SRC;

/** Contenders that need a running service, and which one. */
export const NEEDS_SERVICE: Partial<Record<ContenderName, 'redis' | 'mysql'>> = {
  'port+redis': 'redis',
  'port+koa-redis': 'redis',
  'port+mysql': 'mysql',
};

/** The two workloads: the session changes on every request, or is only read. */
export const WORKLOADS = ['change', 'read'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export const WORKLOAD_LABELS: Record<WorkloadName, string> = {
  change: 'session changes on every request',
  read: 'session read, unchanged',
};

/** Signing keys: two, as a real app rotating keys would have. */
export const BENCH_KEYS = ['bench signing key, current', 'bench signing key, previous'] as const;

/**
 * A realistic small session: a counter plus a user object of a few hundred
 * bytes, about what an app keeps after login.
 */
export const BENCH_PAYLOAD = {
  user: {
    id: 48_213,
    name: 'Ada Lovelace',
    email: 'ada.lovelace@example.org',
    roles: ['reader', 'editor', 'billing'],
    locale: 'en-GB',
    timezone: 'Europe/London',
    plan: { tier: 'team', seats: 12, renewsOn: '2026-03-01' },
    preferences: { theme: 'dark', newsletter: false, density: 'compact' },
    lastLoginAt: '2025-11-20T09:14:07.000Z',
  },
} as const;

/** Services, as in test/support/services.ts (same environment variables). */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** Key prefixes and table the bench writes to; the runner removes them afterwards. */
export const BENCH_REDIS_PREFIXES = ['bench:rs:', 'bench:kr:'] as const;
export const BENCH_MYSQL_TABLE = 'bench_sessions';
