/**
 * Mirrors koa-session 7.0.2 test/externalkey.test.ts — 2 upstream cases; 3 here
 * (one extra, port-only: the error class the port throws).
 *
 * `externalKey` moves the session id out of the cookie, here into a
 * `User-Token` header — the shape an API client without cookies would use.
 */
import type Koa from 'koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { type ExternalKey, SessionOptionError, type SessionOptions } from '../../src/index.js';
import { UUID_V4 as UUID } from '../support/ids.js';
import { makeApp } from './support/app.js';
import { portOnly } from './support/session.js';
import { MemoryStore } from './support/stores.js';

const TOKEN = 'User-Token';

/** `ctx.get` answers '' for a missing header, which must count as "no id". */
const headerKey: ExternalKey = {
  get: (ctx) => ctx.get(TOKEN),
  set: (ctx, value) => {
    ctx.set(TOKEN, value);
  },
};

function tokenApp(options: SessionOptions, ...handlers: Koa.Middleware[]) {
  return makeApp({ store: new MemoryStore(), externalKey: headerKey, ...options }, ...handlers);
}

describe('external key: validation', () => {
  it('rejects an externalKey without get/set when the middleware is built', () => {
    expect(() => tokenApp({ externalKey: {} as ExternalKey })).toThrow(/externalKey/);
  });

  portOnly('names the missing method in a SessionOptionError (extra)', () => {
    let caught: unknown;
    try {
      tokenApp({ externalKey: { get: () => undefined } as unknown as ExternalKey });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SessionOptionError);
    expect((caught as SessionOptionError).option).toBe('externalKey.set');
  });
});

describe('external key: a custom header instead of the cookie', () => {
  it('hands out the id through set() and finds the session again through get()', async () => {
    const store = new MemoryStore();
    const seen: Array<string | undefined> = [];
    const server = tokenApp({ store }, (ctx) => {
      seen.push(ctx.session!.externalKey);
      if (ctx.method === 'POST') {
        ctx.session!.string = ';';
        ctx.status = 204;
      } else {
        ctx.body = ctx.session!.string;
        expect(ctx.session!.externalKey).toBe(ctx.get(TOKEN));
      }
    }).callback();

    const saved = await request(server).post('/').expect(204);
    const token = saved.headers[TOKEN.toLowerCase()] as string;
    expect(token).toMatch(UUID);
    expect(seen).toEqual([token]);
    // The id travels in the header only: no cookie is written.
    expect(saved.headers['set-cookie']).toBeUndefined();
    expect(store.records.get(token)).toMatchObject({ string: ';' });

    const loaded = await request(server).get('/').set(TOKEN, token).expect(200, ';');
    expect(seen).toEqual([token, token]);
    expect(loaded.headers['set-cookie']).toBeUndefined();
  });
});
