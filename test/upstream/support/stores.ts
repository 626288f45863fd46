/**
 * In-memory stores for the mirrored suite. Each test builds its own, so no
 * test depends on another's leftovers. Records are copied through JSON on
 * the way in and out, as any real store (Redis, SQL) would: a test can never
 * pass because the store handed back the very object it was given.
 */
import type { Context } from 'koa';
import type { MaxAge, SessionData, SessionStore } from '../../../src/index.js';
import { RecordingStore } from '../../support/stores.js';

function copy(data: SessionData): SessionData {
  return JSON.parse(JSON.stringify(data)) as SessionData;
}

export type { StoreCall } from '../../support/stores.js';

/**
 * A plain object store that records every call: the three-method contract
 * over a Map (test/support/stores.ts). Upstream's own tests check `set`'s
 * `changed` flag, not `rolling`, and so do the expectations here.
 */
export class MemoryStore extends RecordingStore {
  constructor() {
    super({ setRolling: false });
  }
}

/**
 * A `ContextStore` class over a shared Map: koa-session constructs one
 * instance per request, passing that request's `ctx`. The class records
 * each context it was built with so a test can check that it was.
 */
export function contextStoreClass(records = new Map<string, SessionData>()) {
  const contexts: Context[] = [];
  const Store = class implements SessionStore {
    readonly ctx: Context;
    constructor(ctx: Context) {
      this.ctx = ctx;
      contexts.push(ctx);
    }
    async get(key: string) {
      const found = records.get(key);
      return found && copy(found);
    }
    async set(key: string, data: SessionData) {
      records.set(key, copy(data));
    }
    async destroy(key: string) {
      records.delete(key);
    }
  };
  return { Store, records, contexts };
}

/**
 * A store that leaves a mark on `ctx.state.test` in each method, proving
 * the methods receive the request's context in their options argument.
 */
export class ContextMarkingStore implements SessionStore {
  readonly records = new Map<string, SessionData>();

  async get(key: string, _maxAge: MaxAge | undefined, options: { ctx: Context }) {
    options.ctx.state.test = 'get';
    const found = this.records.get(key);
    return found && copy(found);
  }

  async set(
    key: string,
    data: SessionData,
    _maxAge: MaxAge | undefined,
    options: { ctx: Context },
  ) {
    options.ctx.state.test = 'set';
    this.records.set(key, copy(data));
  }

  async destroy(key: string, options: { ctx: Context }) {
    options.ctx.state.test = 'destroyed';
    this.records.delete(key);
  }
}
