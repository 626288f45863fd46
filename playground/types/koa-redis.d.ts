/**
 * Just enough typing for koa-redis 4.0.1, which ships none. (The
 * `@types/koa-redis` package drags in types for koa-session 5; a dozen
 * lines of our own are simpler.) Methods are the ones the playground
 * uses; they return promises because koa-redis wraps its generator
 * functions with co.
 */
declare module 'koa-redis' {
  import type { EventEmitter } from 'node:events';
  import type { Cluster, Redis } from 'ioredis';

  namespace redisStore {
    interface Options {
      /** A client you created (any ioredis version); otherwise koa-redis makes its own (ioredis 4). */
      client?: Redis | Cluster;
      /** `client.duplicate(options)` instead of using `client` itself. */
      duplicate?: boolean;
      isRedisCluster?: boolean;
      url?: string;
      db?: number;
      serialize?: (value: unknown) => string;
      unserialize?: (text: string) => unknown;
      [ioredisOption: string]: unknown;
    }

    interface Store extends EventEmitter {
      readonly client: Redis | Cluster;
      readonly status: string;
      readonly connected: boolean;
      /** `GET sid`, parsed; `null` when missing, `undefined` when not JSON. */
      get(sid: string): Promise<unknown>;
      /** `SETEX sid ceil(ttl/1000) json` for a truthy ttl, else `SET sid json`. */
      set(sid: string, sess: unknown, ttl?: unknown): Promise<void>;
      /** `DEL sid`. */
      destroy(sid: string): Promise<void>;
      quit(): Promise<void>;
    }
  }

  function redisStore(options?: redisStore.Options): redisStore.Store;
  export = redisStore;
}
