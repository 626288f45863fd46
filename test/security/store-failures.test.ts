/**
 * When the store fails. koa-session does not catch store errors: a failed
 * `get` rejects before your handlers run, a failed `set` or `destroy`
 * rejects from the commit after them, and either way the error travels up
 * to Koa, which answers 500 and emits `error` on the app. These tests pin
 * that down for Redis and MariaDB — unreachable, killed between load and
 * save, killed with a command in flight, down and back — and check what
 * must hold every time: a clear status, the error event, a live process,
 * no half-written record, and recovery without a restart.
 *
 * The shared servers are never stopped: "unreachable" is a port nothing
 * listens on (127.0.0.1:1), kills are CLIENT KILL / KILL on our own
 * connections, and outages go through a relay we control
 * (test/support/fault-proxy.ts).
 *
 * Read with: chapters/11-security.md#store-failures
 */
import { once } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import Koa from 'koa';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import session, { type SessionStore } from '../../src/index.js';
import { MysqlStore, RedisStore } from '../../src/stores/index.js';
import { type FaultProxy, faultProxy } from '../support/fault-proxy.js';
import { hasMysql, hasRedis, MYSQL_URL, REDIS_URL } from '../support/services.js';
import { labTag } from './stores.js';
import { CookieJar, collectErrors, NEW_KEY, serve, sign } from './support.js';

/** Fail fast: no offline queue, no retries of a command, reconnect after 20 ms. */
const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  retryStrategy: () => 20,
  connectTimeout: 500,
};

const UNREACHABLE = { host: '127.0.0.1', port: 1 };

/**
 * A counter app over `store`. `handled` counts handler runs, so a test can
 * tell "failed before the handler" from "failed after it". `beforeCommit`
 * runs after the handler and before the session is saved — the moment to
 * break a connection "mid-request".
 */
function failureApp(store: SessionStore) {
  const app = new Koa();
  app.keys = [NEW_KEY];
  const state = { handled: 0, beforeCommit: undefined as (() => Promise<void>) | undefined };
  app.use(session({ store }, app));
  app.use(async (_ctx, next) => {
    await next();
    const hook = state.beforeCommit;
    state.beforeCommit = undefined;
    if (hook) await hook();
  });
  app.use((ctx) => {
    state.handled += 1;
    const s = ctx.session!;
    s.hits = ((s.hits as number) || 0) + 1;
    ctx.body = { hits: s.hits };
  });
  const errors = collectErrors(app);
  return { app, state, errors };
}

/** What every failed request must look like from the outside. */
function expectCleanFailure(reply: { status: number; body: string; setCookie: string[] }) {
  expect(reply.status).toBe(500);
  // Koa's generic body: no stack, no driver message, no host or port.
  expect(reply.body).toBe('Internal Server Error');
  // Koa drops the headers of a failed response, session cookie included.
  expect(reply.setCookie).toEqual([]);
}

describe('store unreachable (127.0.0.1:1, nothing listens there)', () => {
  it('Redis: 500, an error event, and the handler never runs when the load fails', async () => {
    const client = new Redis({ ...UNREACHABLE, ...FAIL_FAST, retryStrategy: () => null });
    client.on('error', () => {}); // connection errors are reported per command below
    const { app, state, errors } = failureApp(new RedisStore({ client }));
    const server = await serve(app);
    try {
      // No cookie: nothing to load, the handler runs, the save fails.
      const fresh = await server.get('/');
      expectCleanFailure(fresh);
      expect(state.handled).toBe(1);
      // A cookie: the load fails first, so the handler does not run at all.
      const returning = await server.get(
        '/',
        `koa.sess=some-id; koa.sess.sig=${sign('koa.sess', 'some-id', NEW_KEY)}`,
      );
      expectCleanFailure(returning);
      expect(state.handled).toBe(1);
      expect(errors.map((e) => e.message)).toEqual([
        'Connection is closed.',
        'Connection is closed.',
      ]);
    } finally {
      await server.close();
      client.disconnect();
    }
  });

  it('MariaDB: 500 with ECONNREFUSED on the error event, within the connect timeout', async () => {
    const store = new MysqlStore({
      uri: `mysql://root@${UNREACHABLE.host}:${UNREACHABLE.port}/test`,
      table: labTag('seclab'),
      connectTimeout: 500,
      cleanupInterval: 0,
    });
    const { app, errors } = failureApp(store);
    const server = await serve(app);
    try {
      const started = Date.now();
      expectCleanFailure(await server.get('/'));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(errors.map((e) => (e as Error & { code?: string }).code)).toEqual(['ECONNREFUSED']);
    } finally {
      await server.close();
      await store.close();
    }
  });

  it('the process stays up: the next request to a route without a session is served', async () => {
    const client = new Redis({ ...UNREACHABLE, ...FAIL_FAST, retryStrategy: () => null });
    client.on('error', () => {});
    const app = new Koa();
    app.keys = [NEW_KEY];
    app.use(async (ctx, next) => {
      if (ctx.path === '/health') ctx.body = 'ok';
      else await next();
    });
    app.use(session({ store: new RedisStore({ client }) }, app));
    app.use((ctx) => {
      ctx.session!.x = 1;
      ctx.body = 'saved';
    });
    collectErrors(app);
    const server = await serve(app);
    try {
      expectCleanFailure(await server.get('/'));
      expect(await server.get('/health')).toMatchObject({ status: 200, body: 'ok' });
    } finally {
      await server.close();
      client.disconnect();
    }
  });

  it('your choice: tag store errors with a status, and Koa answers 503 instead of 500', async () => {
    const client = new Redis({ ...UNREACHABLE, ...FAIL_FAST, retryStrategy: () => null });
    client.on('error', () => {});
    const { app, errors } = failureApp(unavailableOnError(new RedisStore({ client })));
    const server = await serve(app);
    try {
      const reply = await server.get('/');
      expect(reply.status).toBe(503);
      expect(reply.body).toBe('Service Unavailable');
      expect(errors).toHaveLength(1);
    } finally {
      await server.close();
      client.disconnect();
    }
  });
});

/**
 * Wrap a store so its failures carry `status: 503`. Koa uses an error's
 * `status` for the response, still emits `error`, and still hides the
 * message (`expose` stays false for 5xx).
 */
function unavailableOnError(store: SessionStore): SessionStore {
  const tag = (err: unknown) => {
    if (err instanceof Error) Object.assign(err, { status: 503 });
    throw err;
  };
  return {
    get: async (...args) => Promise.resolve(store.get(...args)).catch(tag),
    set: async (...args) => Promise.resolve(store.set(...args)).catch(tag),
    destroy: async (...args) => Promise.resolve(store.destroy(...args)).catch(tag),
  };
}

describe.runIf(hasRedis)('Redis connection killed', () => {
  const prefix = `${labTag('seclab')}:`;
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
  });

  /** CLIENT KILL the connection `client` is using, and wait until it notices. */
  async function kill(client: Redis) {
    const id = await client.client('ID');
    const closed = once(client, 'close');
    await admin.client('KILL', 'ID', String(id));
    await closed;
  }

  async function setup(options: RedisOptions) {
    const client = new Redis(REDIS_URL, options);
    client.on('error', () => {});
    await once(client, 'ready');
    const store = new RedisStore({ client, prefix });
    const lab = failureApp(store);
    const server = await serve(lab.app);
    const jar = new CookieJar();
    const first = await server.get('/');
    jar.take(first.setCookie);
    const id = jar.get('koa.sess')!;
    const record = () => admin.get(prefix + id);
    return { client, server, jar, record, ...lab };
  }

  it('between load and save, fail-fast client: 500, record unchanged, back after the reconnect', async () => {
    const { client, server, jar, record, state, errors } = await setup(FAIL_FAST);
    try {
      const before = await record();
      expect(JSON.parse(before!)).toMatchObject({ hits: 1 });

      state.beforeCommit = () => kill(client);
      expectCleanFailure(await server.get('/', jar.header()));
      expect(errors.map((e) => e.message)).toEqual([
        "Stream isn't writeable and enableOfflineQueue options is false",
      ]);
      // The handler counted to 2, but nothing reached Redis: no partial write.
      expect(state.handled).toBe(2);
      expect(await record()).toBe(before);

      await once(client, 'ready');
      const after = await server.get('/', jar.header());
      expect(after.status).toBe(200);
      expect(JSON.parse(after.body)).toEqual({ hits: 2 });
    } finally {
      await server.close();
      client.disconnect();
    }
  });

  it('the same kill with ioredis defaults is invisible: the SET waits for the reconnect', async () => {
    const { client, server, jar, state, errors } = await setup({});
    try {
      state.beforeCommit = () => kill(client);
      const reply = await server.get('/', jar.header());
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body)).toEqual({ hits: 2 });
      expect(errors).toEqual([]);
    } finally {
      await server.close();
      client.disconnect();
    }
  });

  it('with the SET in flight (relay stalled, then CLIENT KILL): 500, nothing written', async () => {
    const { hostname, port } = new URL(REDIS_URL);
    const link = await faultProxy({ host: hostname, port: Number(port || 6379) });
    const client = new Redis({ host: '127.0.0.1', port: link.port, ...FAIL_FAST });
    client.on('error', () => {});
    await once(client, 'ready');
    const store = new RedisStore({ client, prefix });
    const { app, state, errors } = failureApp(store);
    const server = await serve(app);
    try {
      const jar = new CookieJar();
      jar.take((await server.get('/')).setCookie);
      const key = prefix + jar.get('koa.sess')!;
      const before = await admin.get(key);

      state.beforeCommit = async () => {
        const id = await client.client('ID');
        link.stall(); // the SET leaves the client but never reaches Redis...
        setTimeout(() => void admin.client('KILL', 'ID', String(id)), 100); // ...and then the line dies
      };
      expectCleanFailure(await server.get('/', jar.header()));
      expect(errors[0]?.message).toMatch(/max retries per request limit/);
      expect(await admin.get(key)).toBe(before);

      await link.up();
      await once(client, 'ready');
      expect((await server.get('/', jar.header())).status).toBe(200);
    } finally {
      await server.close();
      client.disconnect();
      await link.close();
    }
  });

  it('down, then back: 500s during the outage, success afterwards, no restart', async () => {
    const { hostname, port } = new URL(REDIS_URL);
    const link = await faultProxy({ host: hostname, port: Number(port || 6379) });
    const client = new Redis({ host: '127.0.0.1', port: link.port, ...FAIL_FAST });
    client.on('error', () => {});
    await once(client, 'ready');
    const { app, errors } = failureApp(new RedisStore({ client, prefix }));
    const server = await serve(app);
    try {
      const jar = new CookieJar();
      jar.take((await server.get('/')).setCookie);

      link.down();
      for (let i = 0; i < 3; i++) expectCleanFailure(await server.get('/', jar.header()));
      expect(errors).toHaveLength(3);

      await link.up();
      await once(client, 'ready');
      const back = await server.get('/', jar.header());
      expect(back.status).toBe(200);
      // The session survived the outage: Redis kept it, the cookie still names it.
      expect(JSON.parse(back.body)).toEqual({ hits: 2 });
    } finally {
      await server.close();
      client.disconnect();
      await link.close();
    }
  });
});

describe.runIf(hasMysql)('MariaDB connection killed', () => {
  const table = labTag('seclab');
  let admin: mysql.Connection;
  beforeAll(async () => {
    admin = await mysql.createConnection(MYSQL_URL);
  });
  afterAll(async () => {
    await admin.query(`DROP TABLE IF EXISTS \`${table}\``);
    await admin.end();
  });

  /** A store with a single pooled connection, so "its connection" is well defined. */
  async function setup(uri = MYSQL_URL) {
    const store = new MysqlStore({ uri, table, connectionLimit: 1, cleanupInterval: 0 });
    await store.ready();
    const lab = failureApp(store);
    const server = await serve(lab.app);
    const jar = new CookieJar();
    jar.take((await server.get('/')).setCookie);
    const id = jar.get('koa.sess')!;
    const record = async () => {
      const [rows] = await admin.query<mysql.RowDataPacket[]>(
        `SELECT data FROM \`${table}\` WHERE id = ?`,
        [id],
      );
      return rows[0]?.data as string | undefined;
    };
    const threadId = async () => {
      const [rows] = await store.pool.query<mysql.RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
      return Number(rows[0]?.id);
    };
    return { store, server, jar, record, threadId, ...lab };
  }

  it('an idle pooled connection killed between load and save is replaced: the request succeeds', async () => {
    const { store, server, jar, threadId, state, errors } = await setup();
    try {
      state.beforeCommit = async () => {
        await admin.query(`KILL ${await threadId()}`);
        // Give the pool a moment to see the connection close.
        await new Promise((resolve) => setTimeout(resolve, 100));
      };
      const reply = await server.get('/', jar.header());
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body)).toEqual({ hits: 2 });
      expect(errors).toEqual([]);
    } finally {
      await server.close();
      await store.close();
    }
  });

  it('with the upsert in flight (table locked, then KILL): 500, row unchanged, next request fine', async () => {
    const { store, server, jar, record, threadId, state, errors } = await setup();
    try {
      const before = await record();
      expect(JSON.parse(before!)).toMatchObject({ hits: 1 });

      state.beforeCommit = async () => {
        const victim = await threadId();
        // Our own table only: the upsert queues behind this lock...
        await admin.query(`LOCK TABLES \`${table}\` WRITE`);
        setTimeout(async () => {
          // ...and is killed while it waits.
          await admin.query(`KILL ${victim}`);
          await admin.query('UNLOCK TABLES');
        }, 150);
      };
      expectCleanFailure(await server.get('/', jar.header()));
      expect(errors.map((e) => (e as Error & { code?: string }).code)).toEqual([
        'PROTOCOL_CONNECTION_LOST',
      ]);
      expect(await record()).toBe(before);

      const after = await server.get('/', jar.header());
      expect(after.status).toBe(200);
      expect(JSON.parse(after.body)).toEqual({ hits: 2 });
    } finally {
      await server.close();
      await store.close();
    }
  });

  it('down, then back: 500s during the outage, success afterwards, no restart', async () => {
    const { hostname, port } = new URL(MYSQL_URL);
    const link: FaultProxy = await faultProxy({ host: hostname, port: Number(port || 3306) });
    const { store, server, jar, errors } = await setup(
      `mysql://root@127.0.0.1:${link.port}/test?connectTimeout=500`,
    );
    try {
      link.down();
      for (let i = 0; i < 3; i++) expectCleanFailure(await server.get('/', jar.header()));
      expect(errors).toHaveLength(3);

      await link.up();
      const back = await server.get('/', jar.header());
      expect(back.status).toBe(200);
      expect(JSON.parse(back.body)).toEqual({ hits: 2 });
    } finally {
      await server.close();
      await store.close();
      await link.close();
    }
  });
});
