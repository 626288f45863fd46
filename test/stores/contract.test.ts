/**
 * The store contract (src/stores/contract.ts): every store throws one kind
 * of error, StoreError, when a call fails while serving a request, with the
 * underlying message and code kept; the port lets it through to Koa (500
 * and an `error` event), as koa-session does. Data JSON cannot hold stays
 * the TypeError JSON.stringify throws. No service is needed: the
 * failures are a client that is not connected and an address nothing
 * listens on. Read with: chapters/08-memory-store.md
 */
import { Redis } from 'ioredis';
import Koa from 'koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createSession, type SessionStore } from '../../src/index.js';
import { MemoryStore, MysqlStore, RedisStore, StoreError } from '../../src/stores/index.js';

/** A counter app on `store`, collecting the errors Koa reports. */
function appOn(store: SessionStore) {
  const app = new Koa();
  app.keys = ['contract'];
  const errors: unknown[] = [];
  app.on('error', (err) => errors.push(err));
  app.use(createSession({ store }, app));
  app.use((ctx) => {
    ctx.session!.n = 1;
    ctx.body = 'ok';
  });
  return { app, errors };
}

describe('StoreError: one kind of error from every store', () => {
  it('data JSON cannot hold is a TypeError from every store, before any I/O', async () => {
    const client = new Redis({ lazyConnect: true, enableOfflineQueue: false });
    const bad = { big: 1n } as never;
    expect(() => new MemoryStore().set('k', bad, 1000)).toThrow(TypeError);
    await expect(new RedisStore({ client }).set('k', bad, 1000)).rejects.toThrow(TypeError);
    client.disconnect();
  });

  it('through the port: a failing store is a 500 and a StoreError on the app', async () => {
    const client = new Redis({ lazyConnect: true, enableOfflineQueue: false });
    const { app, errors } = appOn(new RedisStore({ client }));
    const res = await request(app.callback()).get('/');
    expect(res.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StoreError);
    expect(errors[0]).toMatchObject({ store: 'RedisStore', operation: 'set' });
    client.disconnect();
  });

  it('RedisStore: a client that is not connected fails each method', async () => {
    const client = new Redis({ lazyConnect: true, enableOfflineQueue: false });
    const store = new RedisStore({ client });
    for (const [operation, call] of [
      ['get', () => store.get('x')],
      ['set', () => store.set('x', { a: 1 }, 1000)],
      ['destroy', () => store.destroy('x')],
    ] as const) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect(err).toMatchObject({ store: 'RedisStore', operation });
      expect((err as StoreError).message).toBe(((err as StoreError).cause as Error).message);
    }
    client.disconnect();
  });

  it('MysqlStore: an address nothing listens on keeps the driver code', async () => {
    const store = new MysqlStore({
      uri: 'mysql://root@127.0.0.1:1/test',
      connectTimeout: 500,
      cleanupInterval: 0,
    });
    try {
      const err = await store.get('x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect(err).toMatchObject({ store: 'MysqlStore', operation: 'get', code: 'ECONNREFUSED' });
      expect((err as StoreError).message).not.toBe('');
    } finally {
      await store.close();
    }
  });
});
