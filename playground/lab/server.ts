/**
 * The Session Lab's server side: `GET /__lab` serves the page, and
 * `GET /__lab/events` streams one card per finished request to it with
 * Server-Sent Events.
 *
 * A card is what the observer recorded (playground/observe.ts) — the
 * port's own trace events and the store calls, verbatim and in order —
 * plus the request line, the cookies as they arrived, the `Set-Cookie`
 * headers that left, and the store's record for every id the store was
 * asked about, read back right after the request. This file decides
 * nothing about a session: it imports no code from src/, only types.
 *
 * Three routes change the browser's cookie jar for the experiments the
 * page cannot do itself (the session cookie is httpOnly, so page script
 * cannot read or write it): `POST /__lab/jar/tamper`, `…/drop-signature`
 * and `…/replay` answer with a `Set-Cookie` and change nothing else.
 *
 * Read with: chapters/run-it-yourself.md#the-session-lab
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import type { Context, Middleware } from 'koa';
import type { MaxAge } from '../../src/index.js';
import type { StoredRecord } from '../inspector.js';
import { type RequestListener, responseCookies } from '../observe.js';
import { byteLength, cookiePair, parseSetCookie } from '../shared/cookies.js';
import { clip } from './shared/display.js';
import type {
  ClusterView,
  CookieSeen,
  CookieSettings,
  JarCard,
  LabCard,
  LabHello,
  Observation,
  Placement,
  RecordSeen,
  RequestCard,
  UnnumberedCard,
} from './shared/protocol.js';

/** What the lab is told about the demo it runs in. */
export interface LabConfig {
  name: string;
  title: string;
  cookie: CookieSettings;
  mode: 'cookie' | 'store';
  storeLabel?: string;
  maxAge: MaxAge | undefined;
  rolling?: boolean;
  /** What the article's handler on `/` prints, in a few words. */
  counts: string;
  lookup?: (id: string) => Promise<StoredRecord>;
  /** Where the request ran and its session lives (playground:cluster). */
  placement?: (ctx: Context) => Placement | undefined;
}

export interface Lab {
  /** Give to the observer: turns each finished request into a card. */
  listener: RequestListener;
  /** `/__lab` and everything under it. */
  routes: Middleware;
  /** Send a card to every open page (tests feed synthetic ones). */
  publish(card: LabCard): void;
  /**
   * Number a card made elsewhere — by an app process behind the cluster
   * front, or a note about the cluster — into this lab's own sequence,
   * then publish it.
   */
  relay(card: UnnumberedCard): void;
  /** Show this in the cluster pane, now and on every page opened later. */
  showCluster(view: ClusterView): void;
  /** The cards kept for pages that connect later. */
  readonly cards: readonly LabCard[];
  /** How many pages are open: the front polls the cluster only for them. */
  readonly watchers: number;
}

const HERE = fileURLToPath(new URL('.', import.meta.url));
const KEEP = 50;

/** The book the step links point to: `npm start` serves it here. */
const BOOK_URL = process.env.BOOK_URL || 'http://localhost:5173';

export function createLab(config: LabConfig): Lab {
  const pages = new Set<ServerResponse>();
  const cards: LabCard[] = [];
  let nextId = 1;
  let cluster: ClusterView | null = null;
  // The cookie pair a browser held before its current one, keyed by the
  // current value ('' when it holds none): what "Replay old cookie" puts
  // back.
  const previous = new Map<string, { value: string; sig: string | null }>();

  function publish(card: LabCard): void {
    if (card.kind === 'request') rememberPrevious(card);
    cards.push(card);
    if (cards.length > KEEP) cards.shift();
    send('card', card);
  }

  function send(event: string, data: unknown): void {
    if (pages.size === 0) return;
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const page of pages) page.write(text);
  }

  function relay(card: UnnumberedCard): void {
    publish({ ...card, id: nextId++ } as LabCard);
  }

  function showCluster(view: ClusterView): void {
    cluster = view;
    send('cluster', view);
  }

  const listener: RequestListener = (ctx, record, ms) => {
    if (ctx.path.startsWith('/__lab')) return;
    const at = Date.now() - ms;
    const setCookies = responseCookies(ctx).map(seenSetCookie);
    const placement = config.placement?.(ctx);
    const card: RequestCard = {
      kind: 'request',
      id: nextId++,
      at,
      method: ctx.method,
      url: ctx.originalUrl,
      status: ctx.status,
      ms,
      body: shortBody(ctx.body),
      servedBy: String(ctx.response.get('X-Served-By') || `pid ${process.pid}`),
      client: ctx.get('x-lab')
        ? 'lab'
        : ctx.get('user-agent').split(' ')[0] || 'unknown client',
      cookie: seen(config.cookie.key, record.rawCookie),
      signature: seen(`${config.cookie.key}.sig`, record.rawSignature),
      steps: record.steps,
      setCookies,
      records: [],
      ...(placement ? { placement } : {}),
    };
    // The store is read back only while a lab page is open: a server
    // nobody watches pays nothing for the lab.
    if (pages.size === 0) return publish(card);
    void readRecords(record.steps).then((records) => {
      card.records = records;
      publish(card);
    });
  };

  // From the card, not the live request: behind the cluster front the
  // request ran in another process, and the card is all the front gets.
  function rememberPrevious(card: RequestCard): void {
    const name = config.cookie.key;
    // The last one wins in the browser (regenerate sends two).
    const next = card.setCookies.findLast((c) => c.name === name);
    const before = card.cookie?.value;
    if (!next || before === undefined || next.value === before) return;
    previous.set(next.value, {
      value: before,
      sig: card.signature?.value ?? null,
    });
    if (previous.size > 500) {
      previous.delete(previous.keys().next().value as string);
    }
  }

  async function readRecords(steps: Observation[]): Promise<RecordSeen[]> {
    const lookup = config.lookup;
    if (!lookup) return [];
    const keys = [
      ...new Set(steps.flatMap((s) => (s.kind === 'store' ? [s.key] : []))),
    ];
    return Promise.all(
      keys.map(async (key): Promise<RecordSeen> => {
        try {
          const found = await lookup(key);
          return {
            key,
            where: found.where,
            raw: found.record,
            ttlMs: found.ttlMs,
            readAt: Date.now(),
          };
        } catch (error) {
          return {
            key,
            where: '',
            raw: null,
            ttlMs: null,
            readAt: Date.now(),
            error: String(error),
          };
        }
      }),
    );
  }

  const routes: Middleware = async (ctx, next) => {
    if (!ctx.path.startsWith('/__lab')) return next();
    switch (ctx.path) {
      case '/__lab':
      case '/__lab/':
        return asset(ctx, 'page.html', 'text/html; charset=utf-8');
      case '/__lab/lab.css':
        return asset(ctx, 'lab.css', 'text/css; charset=utf-8');
      case '/__lab/lab.js':
        return script(ctx);
      case '/__lab/favicon.svg':
        return asset(ctx, 'favicon.svg', 'image/svg+xml');
      case '/__lab/events':
        return stream(ctx);
      case '/__lab/jar/tamper':
      case '/__lab/jar/drop-signature':
      case '/__lab/jar/replay':
        return jar(ctx);
      default:
        ctx.status = 404;
        ctx.body = 'no such lab route\n';
    }
  };

  function stream(ctx: Context): void {
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.respond = false;
    const res = ctx.res;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
    });
    const hello: LabHello = {
      name: config.name,
      title: config.title,
      cookie: config.cookie,
      mode: config.mode,
      storeLabel: config.storeLabel ?? null,
      maxAge: config.maxAge ?? null,
      rolling: config.rolling ?? false,
      counts: config.counts,
      bookUrl: BOOK_URL,
      pid: process.pid,
      cards,
      cluster,
    };
    res.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify(hello)}\n\n`);
    pages.add(res);
    ctx.req.on('close', () => pages.delete(res));
  }

  // #region jar
  /**
   * The experiments on the browser's own cookie jar. The session cookie
   * is httpOnly, so the page's script cannot touch it; the page asks
   * here, and the answer's `Set-Cookie` changes the jar, exactly as the
   * port's own `Set-Cookie` does. The new cookie has no `Expires` (it
   * lasts until the browser closes): the next request shows what the
   * server makes of it.
   */
  function jar(ctx: Context): void {
    if (ctx.method !== 'POST' || !ctx.get('x-lab')) {
      ctx.status = 405;
      ctx.body = 'POST from the lab page only\n';
      return;
    }
    const name = config.cookie.key;
    const sigName = `${name}.sig`;
    const value = ctx.cookies.get(name, { signed: false });
    const options = { signed: false, httpOnly: true, overwrite: true };
    const action = ctx.path.slice('/__lab/jar/'.length) as JarCard['action'];
    let text: string;
    if (action === 'tamper') {
      if (!value) {
        text = 'No session cookie to tamper with: press Change session first.';
      } else {
        const { changed, what } = flipOne(value);
        ctx.cookies.set(name, changed, options);
        text = `Tampered with ${name}: ${what}. The .sig cookie is unchanged.`;
      }
    } else if (action === 'drop-signature') {
      if (!config.cookie.signed) {
        text = 'This demo does not sign its cookie: there is no .sig to drop.';
      } else if (!ctx.cookies.get(sigName, { signed: false })) {
        text = `There is no ${sigName} cookie in the jar to drop.`;
      } else {
        ctx.cookies.set(sigName, '', { ...options, expires: new Date(0) });
        text = `Deleted ${sigName}; ${name} is still there, unsigned now.`;
      }
    } else {
      const old = previous.get(value ?? '');
      if (!old) {
        text =
          value === undefined
            ? 'No earlier cookie is known for this browser yet.'
            : 'Your cookie has not changed since it was set: there is no older one. (In store mode the id only changes on Regenerate or Log out.)';
      } else {
        ctx.cookies.set(name, old.value, options);
        if (old.sig) ctx.cookies.set(sigName, old.sig, options);
        text = `Put back the cookie this browser held before: ${name}=${clip(old.value, 24)}${old.sig ? ' with its .sig' : ''}.`;
      }
    }
    const setCookies = responseCookies(ctx).map(seenSetCookie);
    publish({
      kind: 'jar',
      id: nextId++,
      at: Date.now(),
      action,
      text,
      setCookies,
    });
    ctx.body = { text };
  }
  // #endregion jar

  return {
    listener,
    routes,
    publish,
    relay,
    showCluster,
    cards,
    get watchers() {
      return pages.size;
    },
  };
}

/**
 * `value` with one character changed. A cookie session (base64 JSON) gets
 * one digit of its JSON changed — `"views":2` becomes `"views":9`, the
 * forgery a learner would try — so it still decodes; anything else (a
 * store id) gets one letter or digit flipped.
 */
export function flipOne(value: string) {
  const json = Buffer.from(value, 'base64').toString('utf8');
  const digit = /"(\w+)":(\d)/.exec(json);
  if (json.startsWith('{') && digit) {
    const at = digit.index + digit[0].length - 1;
    const to = digit[2] === '9' ? '1' : '9';
    const forged = json.slice(0, at) + to + json.slice(at + 1);
    return {
      changed: Buffer.from(forged).toString('base64'),
      what: `the first digit of ${digit[1]} went from ${digit[2]} to ${to} in its JSON`,
    };
  }
  let at = Math.floor(value.length / 2);
  while (at < value.length - 1 && !/[A-Za-z0-9]/.test(value[at]!)) at++;
  const from = value[at] ?? '';
  const to = from === 'a' ? 'b' : 'a';
  return {
    changed: value.slice(0, at) + to + value.slice(at + 1),
    what: `flipped character ${at + 1}: '${from}' → '${to}'`,
  };
}

function seen(name: string, value: string | undefined): CookieSeen | null {
  if (value === undefined) return null;
  return {
    name,
    value,
    bytes: Buffer.byteLength(`${name}=${value}`),
    attributes: '',
  };
}

/** One `Set-Cookie` line → its parts, sized as browsers size it. */
function seenSetCookie(header: string): CookieSeen {
  const { name, value, tail } = parseSetCookie(header);
  return {
    name,
    value,
    bytes: byteLength(cookiePair(header)),
    attributes: tail,
  };
}

function shortBody(body: unknown): string | null {
  if (typeof body !== 'string') return null;
  return body.length > 200 ? `${body.slice(0, 199)}…` : body.trim();
}

const files = new Map<string, string>();

function asset(ctx: Context, file: string, type: string): void {
  let text = files.get(file);
  if (text === undefined) {
    text = readFileSync(`${HERE}${file}`, 'utf8');
    files.set(file, text);
  }
  ctx.type = type;
  ctx.set('cache-control', 'no-cache');
  ctx.body = text;
}

/**
 * The page's script is TypeScript (client.ts, type-checked with the rest
 * of the project); it reaches the browser with its types stripped by
 * esbuild, which tsx already brings along. No build step to run.
 */
function script(ctx: Context): void {
  let code = files.get('client.js');
  if (code === undefined) {
    const source = readFileSync(`${HERE}client.ts`, 'utf8');
    code = transformSync(source, { loader: 'ts', target: 'es2022' }).code;
    files.set('client.js', code);
  }
  ctx.type = 'text/javascript; charset=utf-8';
  ctx.set('cache-control', 'no-cache');
  ctx.body = code;
}
