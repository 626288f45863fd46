/**
 * Seven session designs, each as a tiny server with the same four routes,
 * so one harness can ask every design the same questions:
 * `/login?pad=N` (user alice, a secret, N bytes of padding), `/me` (read
 * only), `/rotate` (a new id, where the design has one) and `/logout`.
 * `calls` counts store round trips.
 *
 * Read with: chapters/18-choosing.md
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import cookieSession from 'cookie-session';
import express from 'express';
import expressSession from 'express-session';
import fastify from 'fastify';
import { getIronSession } from 'iron-session';
import { jwtVerify, SignJWT } from 'jose';
import Koa from 'koa';
import { MemoryStore } from '../../src/stores/index.js';
import { session } from '../support/impl.js';

const SECRET = 'a secret that is at least thirty-two characters long';
export const PRIVATE = 'my-secret-note';

export interface Design {
  name: string;
  url: string;
  calls: { n: number; names: string[] };
  close(): Promise<void>;
}

const pad = (q: URLSearchParams) => 'x'.repeat(Number(q.get('pad') ?? 0));

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: Server) {
  return () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
}

/**
 * koa-session, cookie or store mode: the port, or koa-session 7.0.2 itself
 * under KOA_SESSION_IMPL=upstream (the table must come out the same).
 */
export async function koaDesign(store: boolean): Promise<Design> {
  const calls = { n: 0, names: [] as string[] };
  const app = new Koa();
  app.keys = [SECRET];
  const memory = new MemoryStore();
  const counted = {
    get(...a: Parameters<MemoryStore['get']>) {
      calls.n++;
      calls.names.push('get');
      return memory.get(...a);
    },
    set(...a: Parameters<MemoryStore['set']>) {
      calls.n++;
      calls.names.push('set');
      return memory.set(...a);
    },
    destroy(...a: Parameters<MemoryStore['destroy']>) {
      calls.n++;
      calls.names.push('destroy');
      return memory.destroy(...a);
    },
  };
  app.use(session(store ? { store: counted } : {}, app));
  app.use(async (ctx) => {
    const q = new URLSearchParams(ctx.querystring);
    if (ctx.path === '/login')
      Object.assign(ctx.session!, { user: 'alice', note: PRIVATE, pad: pad(q) });
    if (ctx.path === '/rotate') await ctx.session!.regenerate();
    if (ctx.path === '/logout') ctx.session = null;
    ctx.body = String(ctx.session?.user ?? 'nobody');
  });
  const server = createServer(app.callback());
  return {
    name: store ? 'koa-session, store' : 'koa-session, cookie',
    url: await listen(server),
    calls,
    close: closer(server),
  };
}

/** express-session 1.19 with its MemoryStore, counted. */
export async function expressDesign(): Promise<Design> {
  const calls = { n: 0, names: [] as string[] };
  const store = new expressSession.MemoryStore();
  for (const m of ['get', 'set', 'destroy', 'touch'] as const) {
    const original = store[m]?.bind(store) as (...a: unknown[]) => void;
    (store as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => {
      calls.n++;
      calls.names.push(m);
      return original(...a);
    };
  }
  const app = express();
  app.use(expressSession({ secret: SECRET, store, resave: false, saveUninitialized: false }));
  app.use((req, res) => {
    const q = new URLSearchParams(req.url.split('?')[1] ?? '');
    const s = req.session as unknown as Record<string, unknown> & typeof req.session;
    const done = () => res.end(String(s?.user ?? 'nobody'));
    if (req.path === '/login') Object.assign(s, { user: 'alice', note: PRIVATE, pad: pad(q) });
    if (req.path === '/rotate')
      return req.session.regenerate(() => {
        Object.assign(req.session, { user: 'alice' });
        res.end('alice');
      });
    if (req.path === '/logout') return req.session.destroy(() => res.end('nobody'));
    done();
  });
  const server = createServer(app);
  return { name: 'express-session', url: await listen(server), calls, close: closer(server) };
}

/** cookie-session 2.1: the whole session in a signed cookie. */
export async function cookieSessionDesign(): Promise<Design> {
  const app = express();
  app.use(cookieSession({ keys: [SECRET] }));
  app.use((req, res) => {
    // express-session's types also claim req.session: view it as cookie-session's.
    const r = req as unknown as { session: Record<string, unknown> | null };
    const q = new URLSearchParams(req.url.split('?')[1] ?? '');
    if (req.path === '/login') r.session = { user: 'alice', note: PRIVATE, pad: pad(q) };
    if (req.path === '/logout') r.session = null;
    res.end(String(r.session?.user ?? 'nobody'));
  });
  const server = createServer(app);
  return {
    name: 'cookie-session',
    url: await listen(server),
    calls: { n: 0, names: [] },
    close: closer(server),
  };
}

/** iron-session 8: the session sealed (encrypted and signed) in the cookie. */
export async function ironDesign(): Promise<Design> {
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const s = await getIronSession<Record<string, unknown>>(req, res, {
      password: SECRET,
      cookieName: 'iron',
      cookieOptions: { secure: false },
    });
    if (url.pathname === '/login') {
      Object.assign(s, { user: 'alice', note: PRIVATE, pad: pad(url.searchParams) });
      try {
        await s.save();
      } catch (error) {
        res.statusCode = 500;
        res.end(`refused: ${(error as Error).message}`);
        return;
      }
    }
    if (url.pathname === '/logout') s.destroy();
    res.end(String(s.user ?? 'nobody'));
  });
  return {
    name: 'iron-session',
    url: await listen(server),
    calls: { n: 0, names: [] },
    close: closer(server),
  };
}

/** @fastify/session 11 with a counted in-memory store. */
export async function fastifyDesign(): Promise<Design> {
  const calls = { n: 0, names: [] as string[] };
  const map = new Map<string, unknown>();
  const store = {
    get(id: string, cb: (e: null, s?: unknown) => void) {
      calls.n++;
      calls.names.push('get');
      cb(null, map.get(id));
    },
    set(id: string, s: unknown, cb: (e?: null) => void) {
      calls.n++;
      calls.names.push('set');
      map.set(id, s);
      cb();
    },
    destroy(id: string, cb: (e?: null) => void) {
      calls.n++;
      calls.names.push('destroy');
      map.delete(id);
      cb();
    },
  };
  const app = fastify();
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: SECRET,
    store: store as never,
    cookie: { secure: false },
    saveUninitialized: false,
  });
  app.get('/*', async (req) => {
    const s = req.session as unknown as Record<string, unknown> & typeof req.session;
    const path = req.url.split('?')[0];
    const q = new URLSearchParams(req.url.split('?')[1] ?? '');
    if (path === '/login') Object.assign(s, { user: 'alice', note: PRIVATE, pad: pad(q) });
    if (path === '/rotate') {
      await req.session.regenerate(['user']);
    }
    if (path === '/logout') {
      await req.session.destroy();
      return 'nobody';
    }
    return String((req.session as unknown as Record<string, unknown>).user ?? 'nobody');
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { name: '@fastify/session', url, calls, close: () => app.close() };
}

/** A JWT (HS256, jose 6) in a cookie: no server state at all. */
export async function jwtDesign(): Promise<Design> {
  const key = new TextEncoder().encode(SECRET);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const token = /(?:^|; )jwt=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    let claims: Record<string, unknown> = {};
    if (token)
      claims = await jwtVerify(token, key).then(
        (r) => r.payload,
        () => ({}),
      );
    if (url.pathname === '/login') {
      claims = { user: 'alice', note: PRIVATE, pad: pad(url.searchParams) };
      const jwt = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('1d')
        .sign(key);
      res.setHeader('Set-Cookie', `jwt=${jwt}; Path=/; HttpOnly; SameSite=Lax`);
    }
    if (url.pathname === '/logout') {
      res.setHeader('Set-Cookie', 'jwt=; Path=/; Max-Age=0');
      claims = {};
    }
    res.end(String(claims.user ?? 'nobody'));
  });
  return {
    name: 'JWT in a cookie',
    url: await listen(server),
    calls: { n: 0, names: [] },
    close: closer(server),
  };
}

/**
 * A Lucia-style sessions table (Lucia's own guides, after the library was
 * retired): a random token in the cookie, sha256(token) as the row's id,
 * the row holds the user and an expiry; one read per request.
 */
export async function luciaDesign(): Promise<Design> {
  const calls = { n: 0, names: [] as string[] };
  const table = new Map<string, { user: string; expires: number }>();
  const hash = (t: string) => createHash('sha256').update(t).digest('hex');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const token = /(?:^|; )session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    if (token) {
      calls.n++;
      calls.names.push('select');
    }
    let row = token ? table.get(hash(token)) : undefined;
    if (row && row.expires < Date.now()) row = undefined;
    const issue = () => {
      const t = randomBytes(20).toString('base64url');
      calls.n++;
      table.set(hash(t), { user: 'alice', expires: Date.now() + 86_400_000 });
      res.setHeader('Set-Cookie', `session=${t}; Path=/; HttpOnly; SameSite=Lax`);
      return { user: 'alice', expires: 0 };
    };
    if (url.pathname === '/login') row = issue();
    if ((url.pathname === '/rotate' || url.pathname === '/logout') && token && row) {
      calls.n++;
      table.delete(hash(token));
      row = url.pathname === '/rotate' ? issue() : undefined;
      if (!row) res.setHeader('Set-Cookie', 'session=; Path=/; Max-Age=0');
    }
    res.end(row?.user ?? 'nobody');
  });
  return { name: 'Lucia-style table', url: await listen(server), calls, close: closer(server) };
}

export const DESIGNS = [
  () => koaDesign(false),
  () => koaDesign(true),
  expressDesign,
  cookieSessionDesign,
  ironDesign,
  fastifyDesign,
  jwtDesign,
  luciaDesign,
];
