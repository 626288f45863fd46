/**
 * The Session Lab on the login starter (`/__lab`), as on every other
 * playground: each request of yours becomes a card — the cookie that
 * came in, what the session middleware decided, what it wrote, and the
 * record in Redis (looked up by the id's hash, as the store keeps it).
 *
 * Only main.ts mounts it: the starter itself (app.ts) knows nothing of
 * the lab, so a project copied from it carries none of this.
 *
 * Read with: chapters/17-login.md#try-it
 */
import type { Cluster, Redis } from 'ioredis';
import type { SessionStore } from '../../src/index.js';
import type { StoredRecord } from '../inspector.js';
import { createLab, type Lab } from '../lab/server.js';
import { observer, observeStore } from '../observe.js';
import type { LoginAppDeps } from './app.js';
import type { LoginConfig } from './config.js';
import type { UserSessionStore } from './session-store.js';

export interface LoginLab {
  lab: Lab;
  /** Give to createLoginApp as `instrument`. */
  instrument: NonNullable<LoginAppDeps['instrument']>;
  /** Call once the app exists: the lab reads records through its store. */
  attach(store: UserSessionStore): void;
  /** What the lab's record pane shows for an id. */
  lookup(id: string): Promise<StoredRecord>;
}

export function loginLab(
  config: LoginConfig,
  redis: Redis | Cluster,
): LoginLab {
  const cookie = {
    key: config.production ? '__Host-sid' : 'sid',
    signed: true,
  };
  let store: UserSessionStore | undefined;
  const lookup = async (id: string): Promise<StoredRecord> => {
    const key = store?.keyOf(id);
    if (!key) {
      return {
        where: 'not an id this store issues',
        record: null,
        ttlMs: null,
      };
    }
    const [text, ttl] = await Promise.all([redis.get(key), redis.pttl(key)]);
    return {
      where: `redis key ${key} (sha256 of the id)`,
      record: text,
      ttlMs: ttl > 0 ? ttl : null,
    };
  };
  const lab = createLab({
    name: 'login',
    title: 'Login starter: koa-passport, per-user sessions in Redis',
    cookie,
    mode: 'store',
    storeLabel: 'redis (hashed ids, per-user index)',
    maxAge: config.idleTimeout,
    rolling: true,
    counts: 'the home page once you sign in',
    lookup,
  });
  return {
    lab,
    instrument: {
      outer: [observer(cookie, [lab.listener]), lab.routes],
      store: (s: SessionStore) => observeStore(s, 'redis (per-user)'),
    },
    attach(s) {
      store = s;
    },
    lookup,
  };
}
