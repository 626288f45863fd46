/**
 * The decision table of chapter 18, measured: each design is a real
 * package (or, for JWT and the Lucia-style table, a few lines on jose and
 * node:crypto) answering the same questions over HTTP.
 *
 * Read with: chapters/18-choosing.md
 */
import express from 'express';
import expressSession from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BROWSER_COOKIE_LIMIT,
  byteLength,
  CookieJar,
  cookiePair,
} from '../../playground/shared/cookies.js';
import { recordings } from '../support/recordings.js';
import { DESIGNS, type Design, PRIVATE } from './designs.js';

const checkRecording = recordings({
  dir: new URL('../../chapters/recorded/', import.meta.url),
  env: 'BOOK_RECORD',
  command: 'npm run book:record',
});

/** A browser's cookies for one design (the one jar: playground/shared/cookies.ts). */
type Jar = CookieJar;

async function get(d: Design, path: string, jar: Jar) {
  const cookie = jar.header(path);
  const res = await fetch(d.url + path, { headers: cookie ? { cookie } : {} });
  const lines = res.headers.getSetCookie();
  jar.take(lines, path);
  return { body: await res.text(), lines };
}

/** Does any cookie, decoded as base64 or base64url in any of its dot-separated parts, show the secret? */
function readable(jar: Jar): boolean {
  for (const [, value] of jar) {
    for (const part of [value, ...decodeURIComponent(value).split(/[.*~]/)]) {
      const text =
        Buffer.from(part, 'base64').toString('latin1') +
        Buffer.from(part, 'base64url').toString('latin1');
      if (text.includes(PRIVATE) || decodeURIComponent(value).includes(PRIVATE)) return true;
    }
  }
  return false;
}

interface Row {
  design: string;
  readable: boolean;
  logoutReal: boolean;
  /** What a 5 kB session does: a cookie past 4096 bytes, a refusal, or nothing (id only). */
  bigSession: 'cookie > 4096 B' | 'refused' | 'fits';
  roundTrips: number;
  callNames: string;
  rotationKillsOld: boolean;
}

const rows: Row[] = [];

describe('seven session designs, one set of questions', () => {
  beforeAll(async () => {
    for (const make of DESIGNS) {
      const d = await make();
      try {
        const jar = new CookieJar();
        await get(d, '/login', jar);
        const isReadable = readable(jar);
        const copy = jar.copy();
        d.calls.n = 0;
        d.calls.names.length = 0;
        const me = await get(d, '/me', jar.copy());
        const roundTrips = d.calls.n;
        const callNames = d.calls.names.join(' + ') || 'none';
        expect(me.body).toBe('alice');
        await get(d, '/logout', jar);
        const replay = await get(d, '/me', copy.copy());
        const big = await get(d, '/login?pad=5000', new CookieJar());
        const jar2 = new CookieJar();
        await get(d, '/login', jar2);
        const before = jar2.copy();
        await get(d, '/rotate', jar2);
        const old = await get(d, '/me', before);
        rows.push({
          design: d.name,
          readable: isReadable,
          logoutReal: replay.body === 'nobody',
          bigSession: big.body.startsWith('refused')
            ? 'refused'
            : big.lines.some((l) => byteLength(cookiePair(l)) > BROWSER_COOKIE_LIMIT)
              ? 'cookie > 4096 B'
              : 'fits',
          roundTrips,
          callNames,
          rotationKillsOld: old.body === 'nobody',
        });
      } finally {
        await d.close();
      }
    }
  }, 60_000);

  afterAll(() => {});

  const row = (name: string) => rows.find((r) => r.design === name) as Row;

  it('records the decision table', () => {
    const yes = (b: boolean) => (b ? 'yes' : 'no');
    const lines = rows.map((r) =>
      [
        r.design.padEnd(20),
        yes(r.readable).padEnd(9),
        yes(r.logoutReal).padEnd(7),
        r.bigSession.padEnd(16),
        r.callNames.padEnd(12),
        yes(r.rotationKillsOld),
      ].join(''),
    );
    const header = ['design'.padEnd(20), 'readable'.padEnd(9), 'logout'.padEnd(7)]
      .concat(['5 kB session'.padEnd(16), 'store calls'.padEnd(12), 'new id'])
      .join('');
    checkRecording('designs.txt', `${header}\n${lines.join('\n')}\n`);
  });

  it('cookie designs: koa-session cookie mode, cookie-session and a JWT show their data to anyone; iron-session seals it', () => {
    expect(row('koa-session, cookie').readable).toBe(true);
    expect(row('cookie-session').readable).toBe(true);
    expect(row('JWT in a cookie').readable).toBe(true);
    expect(row('iron-session').readable).toBe(false);
  });

  it('no cookie-only design can end a copied session at logout; every store design can', () => {
    for (const name of [
      'koa-session, cookie',
      'cookie-session',
      'iron-session',
      'JWT in a cookie',
    ]) {
      expect(row(name).logoutReal, name).toBe(false);
    }
    for (const name of [
      'koa-session, store',
      'express-session',
      '@fastify/session',
      'Lucia-style table',
    ]) {
      expect(row(name).logoutReal, name).toBe(true);
    }
  });

  it('a 5 kB session: a cookie past 4096 bytes from koa-session, cookie-session and a JWT; iron-session refuses it; store designs send only an id', () => {
    for (const name of ['koa-session, cookie', 'cookie-session', 'JWT in a cookie']) {
      expect(row(name).bigSession, name).toBe('cookie > 4096 B');
    }
    expect(row('iron-session').bigSession).toBe('refused');
    for (const name of [
      'koa-session, store',
      'express-session',
      '@fastify/session',
      'Lucia-style table',
    ]) {
      expect(row(name).bigSession, name).toBe('fits');
    }
  });

  it('a read-only request: one store read for koa-session and the Lucia-style table, a read and a write for express-session (touch) and @fastify/session (rolling save), none for a cookie design', () => {
    expect(row('koa-session, store').callNames).toBe('get');
    expect(row('Lucia-style table').callNames).toBe('select');
    expect(row('express-session').callNames).toBe('get + touch');
    expect(row('@fastify/session').callNames).toBe('get + set');
    for (const name of [
      'koa-session, cookie',
      'cookie-session',
      'iron-session',
      'JWT in a cookie',
    ]) {
      expect(row(name).roundTrips, name).toBe(0);
    }
  });

  it('a new id makes the old cookie worthless in the store designs', () => {
    for (const name of [
      'koa-session, store',
      'express-session',
      '@fastify/session',
      'Lucia-style table',
    ]) {
      expect(row(name).rotationKillsOld, name).toBe(true);
    }
    expect(row('koa-session, cookie').rotationKillsOld).toBe(false);
  });
});

describe('listing sessions: what each store contract offers', () => {
  it("express-session's store contract has all(): every session of every user, for you to filter", async () => {
    const store = new expressSession.MemoryStore();
    const app = express();
    app.use(expressSession({ secret: 'list', store, resave: false, saveUninitialized: false }));
    app.use((req, res) => {
      (req.session as unknown as Record<string, unknown>).user = req.query.user;
      res.end('ok');
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as { port: number };
    for (const user of ['alice', 'alice', 'bob'])
      await fetch(`http://127.0.0.1:${port}/?user=${user}`);
    server.close();
    const all = await new Promise<Record<string, { user?: string }>>((resolve, reject) =>
      store.all((error, sessions) => (error ? reject(error) : resolve(sessions as never))),
    );
    const alices = Object.values(all).filter((s) => s.user === 'alice');
    expect(Object.keys(all)).toHaveLength(3);
    expect(alices).toHaveLength(2);
  });
});
