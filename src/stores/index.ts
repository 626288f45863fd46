/**
 * Three ready-made session stores for the port (and for koa-session
 * itself — the contract is the same):
 *
 * - {@link MemoryStore}: a `Map` in this process — chapters/08-memory-store.md
 * - {@link RedisStore}: Redis through ioredis — chapters/09-redis-store.md
 * - {@link MysqlStore}: a MySQL / MariaDB table through mysql2 —
 *   chapters/10-mysql-store.md
 *
 * All three are written against one contract (`contract.ts`): the same
 * lifetime rule ({@link storeTtl}) and one kind of error
 * ({@link StoreError}) for any call that fails while serving a request.
 *
 * @module stores
 */
export {
  DEFAULT_SESSION_TTL,
  StoreError,
  type StoreOperation,
  storeTtl,
} from './contract.js';
export {
  MemoryStore,
  type MemoryStoreEntry,
  type MemoryStoreOptions,
} from './memory.js';
export {
  DEFAULT_CLEANUP_INTERVAL,
  DEFAULT_TABLE,
  MysqlStore,
  type MysqlStoreOptions,
  type MysqlStoreSettings,
} from './mysql.js';
export { RedisStore, type RedisStoreOptions } from './redis.js';
