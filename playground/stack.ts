/**
 * The demo stack: everything a playground server mounts around the
 * article's session middleware and handler, in one function, so each demo
 * file shows only what the article shows — its options and its handler.
 *
 * Outermost first: `X-Served-By` → the observer (trace mode and the
 * Session Lab read what it records) → store errors → the session itself
 * → the inspector, the lab's routes and the helper routes (`/logout`,
 * `/regenerate`, `/read`, `/grow`, `/fixed`) → your handler.
 *
 * Read with: chapters/run-it-yourself.md
 */
import type Koa from 'koa';
import type { Context, Middleware } from 'koa';
import {
  createSession,
  type SessionOptions,
  type SessionStore,
} from '../src/index.js';
import { traceRequested } from './cli.js';
import { formatTrace } from './format.js';
import { inspector, type StoredRecord } from './inspector.js';
import { createLab, type Lab } from './lab/server.js';
import type { CookieSettings, Placement } from './lab/shared/protocol.js';
import {
  observer,
  observeStore,
  type RequestListener,
  storeErrors,
} from './observe.js';

/** What one demo tells the stack about itself. */
export interface Demo {
  /** Short name shown in the lab: `memory`, `redis`, `mysql` … */
  name: string;
  /** One line saying what runs. */
  title: string;
  /** The article's session options. A `store` in them is watched. */
  options: SessionOptions;
  /** How to read a stored record back (store mode). */
  lookup?: (id: string) => Promise<StoredRecord>;
  /** How the store is named in messages, e.g. `redis (koa-redis)`. */
  storeLabel?: string;
  /** What the article's handler on `/` prints, in a few words. */
  counts: string;
  /** Print a trace block per request. Default: `TRACE=1` / `--trace`. */
  trace?: boolean;
  /** Where trace blocks and error lines go. Default: stdout / stderr. */
  log?: (text: string) => void;
  /** How this process names itself in `X-Served-By`. Default: `pid N`. */
  servedBy?: string;
  /** Where a request's session lives, for the lab (playground:cluster). */
  placement?: (ctx: Context) => Placement | undefined;
}

// #region mountDemo
/**
 * Mount the stack on `app`; the caller adds the article's handler after
 * it. Returns the lab, whose `publish` tests use to feed it cards.
 */
export function mountDemo(app: Koa, demo: Demo): Lab {
  const options = { ...demo.options };
  const cookie: CookieSettings = {
    key: options.key ?? 'koa:sess',
    signed: options.signed !== false,
  };
  // Watch every store call; the port still sees exactly this store.
  const store = options.store as SessionStore | undefined;
  if (store) {
    options.store = observeStore(store, demo.storeLabel ?? 'store');
  }
  const lab = createLab({
    name: demo.name,
    title: demo.title,
    cookie,
    mode: store ? 'store' : 'cookie',
    storeLabel: demo.storeLabel,
    maxAge: options.maxAge,
    rolling: options.rolling,
    counts: demo.counts,
    lookup: demo.lookup,
    placement: demo.placement,
  });
  const log = demo.log ?? ((text: string) => process.stdout.write(`${text}\n`));
  const listeners: RequestListener[] = [lab.listener];
  if (demo.trace ?? traceRequested()) {
    listeners.push((ctx, record, ms) =>
      log(formatTrace(ctx, cookie, record, ms)),
    );
  }
  app.use(servedBy(demo.servedBy));
  app.use(observer(cookie, listeners));
  app.use(storeErrors(demo.log));
  app.use(lab.routes);
  app.use(createSession(options, app));
  app.use(inspector(cookie, demo.lookup));
  app.use(helperRoutes());
  return lab;
}
// #endregion mountDemo

/** Every response says which process answered: the scale-out demo relies on it. */
export function servedBy(name = `pid ${process.pid}`): Middleware {
  return async function stamp(ctx, next) {
    ctx.set('X-Served-By', name);
    await next();
  };
}

// #region helperRoutes
/**
 * The routes every demo shares, each one session operation:
 *
 * - `/logout`: `ctx.session = null` — the store record and the cookie go;
 * - `/regenerate`: `ctx.session.regenerate()` — same data, new id (what a
 *   login must do, chapters/11-security.md#fixation);
 * - `/read`: read the session, change nothing;
 * - `/grow?bytes=5000`: pad the session, to watch what size does;
 * - `/fixed`: a counter without the Redis demo's `views++` quirk.
 */
export function helperRoutes(): Middleware {
  return async function helpers(ctx, next) {
    switch (ctx.path) {
      case '/logout':
        ctx.session = null;
        ctx.body = 'session removed\n';
        return;
      case '/regenerate':
        await ctx.session!.regenerate();
        ctx.body = `same data, new id: ${ctx.session!.externalKey ?? '(cookie)'}\n`;
        return;
      case '/read':
        ctx.body = `views is ${ctx.session!.views ?? 'not set'} (read only)\n`;
        return;
      case '/grow':
        return grow(ctx);
      case '/fixed':
        return fixed(ctx);
      default:
        return next();
    }
  };
}
// #endregion helperRoutes

// #region grow
/**
 * `GET /grow?bytes=5000`: pad the session with that many bytes. In cookie
 * mode the cookie crosses the 4096-byte limit browsers enforce, trace
 * mode warns, and a browser silently keeps its old cookie; with a store
 * only the record grows.
 *
 * See chapters/run-it-yourself.md#the-4-kb-cookie-limit
 */
function grow(ctx: Koa.Context): void {
  const bytes = Number(ctx.query.bytes ?? 5000);
  if (!Number.isInteger(bytes) || bytes < 0 || bytes > 1_000_000) {
    ctx.status = 400;
    ctx.body = 'bytes must be a whole number from 0 to 1000000\n';
    return;
  }
  ctx.session!.padding = 'x'.repeat(bytes);
  ctx.body = `session padded with ${bytes} bytes\n`;
}
// #endregion grow

// #region fixed
// The corrected counter, beside the article's: increment the number we
// read, store it, and show the new value.
function fixed(ctx: Koa.Context): void {
  const n = ((ctx.session!.views as number) || 0) + 1;
  ctx.session!.views = n;
  ctx.body = `${n} views`;
}
// #endregion fixed
