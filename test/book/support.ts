/**
 * Shared tools for the book's tests: an app factory that can run the port or
 * koa-session 7.0.2 itself (which one a test gets is chosen by the shared
 * switch in test/support/impl.ts), the tiny browser of
 * test/support/browser.ts (re-exported), and a frozen clock.
 *
 * Every behavioural sentence in chapters/ names a test built from these.
 */
import { existsSync } from 'node:fs';
import Koa, { type Middleware } from 'koa';
import { it } from 'vitest';
import { createApp as createPlayground } from '../../playground/memory.js';
import {
  onTrace,
  type SessionOptions,
  type SessionStore,
  type TraceEvent,
} from '../../src/index.js';
import type { Exchange } from '../support/browser.js';
import {
  describePortOnly,
  type Impl,
  requirePort,
  sessionOf,
  UNDER_TEST,
} from '../support/impl.js';
import {
  ANY_UUID_V4,
  type Clock,
  collectErrors,
  decodeCookieValue,
  EPOCH,
  freezeClock as freezeAt,
  parseSetCookie,
  RecordingStore,
  recordings,
  type SetCookie,
  sign,
  UUID_V4,
} from '../support/index.js';
import { type TryItOptions, tryIt } from '../support/tryit.js';

export { Browser, type Exchange } from '../support/browser.js';
export {
  describePortOnly,
  IMPL_NAME,
  IMPLS,
  type Impl,
  portOnly,
  session,
  UNDER_TEST,
  usingUpstream,
} from '../support/impl.js';
export { collectErrors, parseSetCookie, type SetCookie };

/** The secret every book app signs with (first key signs, all keys verify). */
export const BOOK_KEYS = ['book secret'];

/** Koa app with keys, the session middleware of `impl`, then `handlers`. */
export function bookApp(
  impl: Impl,
  options: SessionOptions | undefined,
  ...handlers: Middleware[]
): Koa {
  const app = new Koa();
  app.keys = [...BOOK_KEYS];
  app.silent = true;
  app.use(sessionOf(impl)(options, app));
  for (const handler of handlers) app.use(handler);
  return app;
}

/** The classic view counter from the article: read, increment, write back. */
export const countViews: Middleware = (ctx) => {
  const session = ctx.session!;
  const views = ((session.views as number | undefined) ?? 0) + 1;
  session.views = views;
  ctx.body = `${views} views`;
};

/** An app that counts views over `store` (or in the cookie); `/logout` removes the session. */
export function counter(store: SessionStore | undefined, extra: SessionOptions = {}): Koa {
  return bookApp(UNDER_TEST, { ...(store ? { store } : {}), ...extra }, (ctx, next) => {
    if (ctx.path === '/logout') {
      ctx.session = null;
      ctx.body = 'bye';
      return;
    }
    return countViews(ctx, next);
  });
}

/** Decode the default cookie encoding (base64 of JSON) to look inside. */
export const decodeCookie = decodeCookieValue;

/** The cookie called `name` in an exchange, or undefined. */
export function cookieNamed(x: Exchange, name: string): SetCookie | undefined {
  return x.cookies.find((c) => c.name === name);
}

/** A fixed instant the book's recordings are made at: 2025-01-01 00:00:00 UTC. */
export const BOOK_T0 = Date.UTC(2025, 0, 1, 0, 0, 0);

/** Freeze `Date.now()` at `start` (the book's instant unless told). */
export function freezeClock(start = BOOK_T0): Clock {
  return freezeAt(start);
}

/** Run `fn` with both implementations and return both results, for side-by-side checks. */
export async function both<T>(fn: (impl: Impl) => Promise<T>): Promise<Record<Impl, T>> {
  return { port: await fn('port'), upstream: await fn('upstream') };
}

/**
 * A `Map` store that writes down every call it receives: the book's
 * window onto what koa-session asks of a store.
 */
export function recordingStore(): RecordingStore {
  return new RecordingStore();
}

/** A v4 UUID, the shape of koa-session's default session ids. */
export { UUID_V4 };

/**
 * Collect the port's trace events for one app (the events say *why* the
 * session was loaded, skipped or saved). Call the returned `stop` when done.
 */
export function traceApp(app: Koa) {
  requirePort('the trace channel');
  const events: TraceEvent[] = [];
  const stop = onTrace((message) => {
    if (message.ctx.app !== app) return;
    const { ctx: _ctx, at: _at, ...event } = message;
    events.push(event as TraceEvent);
  });
  return {
    events,
    stop,
    /** The reason commit gave for saving (`'changed'`, `'force'` …), or `'skip'`. */
    decision(): string | undefined {
      const last = [...events].reverse().find((e) => e.step === 'commit' || e.step === 'skip');
      if (!last) return undefined;
      return last.step === 'commit' ? last.reason : 'skip';
    },
    clear() {
      events.length = 0;
    },
  };
}

/** The `.sig` value for `name=value` under the book's key (or `key`). */
export function signature(name: string, value: string, key = BOOK_KEYS[0]!): string {
  return sign(name, value, key);
}

/** The two lines `remove()` writes for the default cookie name and keys. */
export const DELETION_LINES = [
  `koa.sess=; path=/; expires=${EPOCH}; httponly`,
  `koa.sess.sig=${signature('koa.sess', '')}; path=/; expires=${EPOCH}; httponly`,
];

/**
 * Compare a recorded output in chapters/recorded/ with what the test
 * produced; `npm run book:record` (BOOK_RECORD=1) rewrites the files.
 */
export const checkRecording = recordings({
  dir: new URL('../../chapters/recorded/', import.meta.url),
  env: 'BOOK_RECORD',
  command: 'npm run book:record',
});

/**
 * A chapter's "Try it" block as a test: run its `commands` (curl, sed …)
 * against the memory playground, hold what they printed to `check`, and
 * compare it with chapters/recorded/`file`. Port only (the playground runs
 * the port) and only where curl is installed, as the reader's would be.
 */
export function describeTryIt(
  title: string,
  file: string,
  spec: {
    /** What the test's name says it records. */
    records: string;
    /**
     * The test's whole name, written out where the claims ledger can find
     * it (test/book/claims/ledger.ts looks for it quoted in the file);
     * it must read `records <records> (<file>)`.
     */
    name?: string;
    commands: string[];
    /** The playground in cookie mode (`-- --cookie`) rather than with a store. */
    cookieMode?: boolean;
    options?: TryItOptions;
    /** Freeze the server's clock at the real time, so TTLs read the same on every run. */
    stillClock?: boolean;
    check: (text: string) => void;
  },
): void {
  const name = `records ${spec.records} (${file})`;
  if (spec.name !== undefined && spec.name !== name) {
    throw new Error(`describeTryIt: name must be "${name}", got "${spec.name}"`);
  }
  describePortOnly(`Try it: ${title} (port only: the playground)`, () => {
    it.runIf(existsSync('/usr/bin/curl'))(name, async () => {
      if (spec.stillClock) freezeAt(Date.now());
      const text = await tryIt(
        (sink) => createPlayground({ cookieMode: spec.cookieMode ?? false, ...sink }),
        spec.commands,
        spec.options,
      );
      spec.check(text);
      checkRecording(file, text);
    });
  });
}

/**
 * Write an exchange the way the book shows it: the request line, the
 * `Cookie` header sent, the status and body, every `Set-Cookie`, and what
 * the session cookie decodes to.
 */
export function transcript(label: string, path: string, x: Exchange, decodeName?: string): string {
  const lines = [`── ${label}`, `→ GET ${path}`];
  if (x.sent) lines.push(`→ Cookie: ${x.sent}`);
  lines.push(`← ${x.status} ${x.body}`);
  for (const line of x.setCookie) lines.push(`← Set-Cookie: ${line}`);
  if (x.setCookie.length === 0) lines.push('← (no Set-Cookie)');
  const c = decodeName ? cookieNamed(x, decodeName) : undefined;
  if (c?.value) lines.push(`   ${decodeName} decodes to ${JSON.stringify(decodeCookie(c.value))}`);
  return lines.join('\n');
}

/**
 * Random session ids make a recording differ on every run. This replaces
 * each id with `<id-1>`, `<id-2>` … in order of first appearance, and the
 * signature of such an id with `<sig of id-1>` …, so a recording stays
 * stable while keeping its shape (the chapter says so where it quotes one).
 */
export class IdRedactor {
  readonly labels = new Map<string, string>();

  /** `cookieName`: the session cookie whose signatures to recognise. */
  constructor(readonly cookieName = 'koa.sess') {}

  redact(text: string): string {
    for (const id of text.match(ANY_UUID_V4) ?? []) {
      if (!this.labels.has(id)) this.labels.set(id, `id-${this.labels.size + 1}`);
    }
    let out = text;
    for (const [id, label] of this.labels) {
      // The cookie value may be prefix + id (koa-session's `prefix` option).
      for (const value of new Set([id, ...(out.match(new RegExp(`[\\w-]*${id}`, 'g')) ?? [])])) {
        out = out.split(signature(this.cookieName, value)).join(`<sig of ${label}>`);
      }
      out = out.split(id).join(`<${label}>`);
    }
    return out;
  }
}
