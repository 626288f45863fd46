/**
 * What the Session Lab's server and its page say to each other: the
 * cards, the cluster view, the first message, and the routes they use.
 * Both sides import this file and nothing else of each other, so a change
 * to a message is one change, checked on both sides by the compiler.
 *
 * Types and constants only. Like everything in `lab/shared/`, it runs in
 * Node and in a browser page alike: no Node built-ins, no DOM.
 *
 * Read with: chapters/run-it-yourself.md#the-session-lab
 */
import type { MaxAge, TraceEvent } from '../../../src/index.js';

/** The session cookie's name and whether it is signed. */
export interface CookieSettings {
  key: string;
  signed: boolean;
}

/**
 * One thing that happened to the session during a request, in order:
 * a trace event the port published, or a call the port made to the
 * store (playground/observe.ts records both).
 */
export type Observation =
  | { kind: 'event'; event: TraceEvent }
  | {
      kind: 'store';
      op: 'get' | 'set' | 'destroy';
      key: string;
      ttl?: unknown;
      ms: number;
      outcome: string;
      ok: boolean;
    };

/**
 * Where one request ran and where its session lives, for a demo spread
 * over several processes and Redis nodes (playground:cluster). The app
 * process fills it in from its own cluster client, the same way it fills
 * the response's `x-redis-node` / `x-redis-slot` headers.
 */
export interface Placement {
  /** The store key, prefix included: `sess:6f1c…`. */
  key: string;
  /** Its hash slot, 0–16383. */
  slot: number;
  /** The node the client sends that slot's commands to: `127.0.0.1:7102`. */
  node: string;
  /** The node's role in the client's slot map. */
  role: 'primary' | 'replica';
  /** The replicas the client knows for that slot. */
  replicas: string[];
}

/** A cookie as it arrived or as a `Set-Cookie` sent it. */
export interface CookieSeen {
  name: string;
  value: string;
  /** `name=value` in bytes: what browsers hold against 4096. */
  bytes: number;
  /** Everything after the value (`; path=/; expires=…; httponly`). */
  attributes: string;
}

/** The store's record for one id, read right after the request. */
export interface RecordSeen {
  key: string;
  where: string;
  /** As the store holds it, or `null` when there is none. */
  raw: unknown;
  /** Milliseconds the store will still keep it, when it says. */
  ttlMs: number | null;
  /** When it was read, ms since the epoch: `ttlMs` counts from here. */
  readAt: number;
  error?: string;
}

/** One finished request, as the page draws it. */
export interface RequestCard {
  kind: 'request';
  id: number;
  /** When the request started, ms since the epoch. */
  at: number;
  method: string;
  url: string;
  status: number;
  ms: number;
  /** The response body when it is short text (`3 views`). */
  body: string | null;
  /** `pid 1234`: which process answered. */
  servedBy: string;
  /** The user agent's first word, e.g. `curl/8.5.0`; `lab` for the page. */
  client: string;
  /** The session cookie and its `.sig` as they arrived. */
  cookie: CookieSeen | null;
  signature: CookieSeen | null;
  /** The port's trace events and the store calls, verbatim, in order. */
  steps: Observation[];
  /** The `Set-Cookie` headers of the response. */
  setCookies: CookieSeen[];
  /** The store's record for each id the store was asked about. */
  records: RecordSeen[];
  /** Which Redis node and slot hold the session (playground:cluster). */
  placement?: Placement;
}

/** The experiments on the browser's cookie jar (lab/shared/jar.ts). */
export type JarAction = 'tamper' | 'drop-signature' | 'replay';

/** A change the lab made to the browser's cookie jar. */
export interface JarCard {
  kind: 'jar';
  id: number;
  at: number;
  action: JarAction;
  /** What was done, in one sentence. */
  text: string;
  setCookies: CookieSeen[];
}

/** News between the requests: a node killed, a replica promoted. */
export interface NoteCard {
  kind: 'note';
  id: number;
  at: number;
  /** What happened, for code: the page stops its clicking on `promoted`. */
  event: 'killed' | 'suspected' | 'failed' | 'promoted' | 'back' | 'restarting';
  title: string;
  text: string;
  tone: 'bad' | 'ok' | 'info';
}

export type LabCard = RequestCard | JarCard | NoteCard;

/** A card before a lab numbers it. */
export type UnnumberedCard = LabCard extends infer C
  ? C extends LabCard
    ? Omit<C, 'id'>
    : never
  : never;

/** One Redis node as the cluster pane draws it. */
export interface ClusterNodeView {
  address: string;
  role: 'primary' | 'replica';
  /** For a replica: the primary it copies. */
  replicaOf: string | null;
  slots: Array<[number, number]>;
  /** Its process is running: we started it, so we know. */
  up: boolean;
  /** What the other nodes think: `fail?` is a suspicion, `fail` a verdict. */
  seen: 'ok' | 'fail?' | 'fail';
}

/** The whole cluster, as the front last read it. */
export interface ClusterView {
  at: number;
  nodes: ClusterNodeView[];
}

/** What the page receives first: the demo, and the cards so far. */
export interface LabHello {
  name: string;
  title: string;
  cookie: CookieSettings;
  mode: 'cookie' | 'store';
  storeLabel: string | null;
  maxAge: MaxAge | null;
  rolling: boolean;
  counts: string;
  bookUrl: string;
  pid: number;
  cards: LabCard[];
  /** The cluster pane's data; null outside playground:cluster. */
  cluster: ClusterView | null;
}

/**
 * Every message the server sends, by its Server-Sent Events name: `hello`
 * once on connecting, then a `card` per finished request (or jar change,
 * or note), and `cluster` whenever the front has read the cluster again.
 */
export type LabMessage =
  | { event: 'hello'; data: LabHello }
  | { event: 'card'; data: LabCard }
  | { event: 'cluster'; data: ClusterView };

/** How many cards a lab keeps, and a page holds, at most. */
export const CARDS_KEPT = 50;

/** The stream of {@link LabMessage}s. */
export const EVENTS_PATH = '/__lab/events';

/** Where the page asks for a jar experiment: `POST /__lab/jar/tamper`. */
export const JAR_PATH = '/__lab/jar/';

/**
 * The header the page's own requests carry. The server tells them apart
 * by it (a card says "from the lab"), and the jar routes answer only
 * requests that carry it.
 */
export const LAB_HEADER = 'x-lab';
