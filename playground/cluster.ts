/**
 * Scale-out for real: three app processes behind a round-robin front, no
 * sticky sessions, and one six-node Redis Cluster, all started here and
 * all stopped on Ctrl-C.
 *
 *     npm run playground:cluster            # front on PORT (3000), nodes on 7100–7105
 *     npm run playground:cluster -- --apps=5
 *
 *     npm run playground:cluster -- --max-age=5000
 *
 * Every response says which process served it and which Redis node holds
 * the session (headers `x-served-by`, `x-redis-node`, `x-redis-slot`),
 * and the terminal prints one line per request. `POST /__cluster/kill`
 * (or `k` + Enter in the terminal) kills the primary holding your session
 * (the latest session seen, from the terminal): watch your next clicks
 * wait, fail with a 503, then carry on on the promoted replica.
 *
 * The Session Lab at `/__lab` shows the same in a browser. Each app runs
 * the playground stack (playground/stack.ts) with its own lab; the front
 * merges their streams into one timeline (playground/lab/front.ts), adds
 * the cluster as it reads it twice a second, and notes each step of a
 * failover between the requests.
 *
 * Read with: chapters/13-scaling-out.md
 */
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Cluster } from 'ioredis';
import Koa from 'koa';
import type { MaxAge, SessionOptions } from '../src/index.js';
import { RedisStore } from '../src/stores/index.js';
import { clusterClient } from '../test/cluster/load.js';
import {
  DEFAULT_BASE_PORT,
  LocalCluster,
  PortInUseError,
  stopOnSignals,
} from '../test/support/cluster.js';
import {
  describeError,
  fail,
  flag,
  isMain,
  listenPort,
  maxAgeFlag,
} from './cli.js';
import type { StoredRecord } from './inspector.js';
import { followLab, labHandler } from './lab/front.js';
import { createLab } from './lab/server.js';
import type {
  ClusterView,
  NoteCard,
  Placement,
  UnnumberedCard,
} from './lab/shared/protocol.js';
import { startScript } from './processes.js';
import { mountDemo } from './stack.js';

const PREFIX = 'sess:';

// #region keySlot
/**
 * The hash slot of a key, computed the way every Redis Cluster client does:
 * CRC16 (XMODEM) of the key — or of the part inside the first non-empty
 * `{…}`, the hash tag — modulo 16384.
 *
 * See chapters/13-scaling-out.md#hash-slots
 */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(hashed)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc % 16384;
}
// #endregion keySlot

// ---------------------------------------------------------------------------
// One app process
// ---------------------------------------------------------------------------

/** The session id this response uses: a new cookie, or the one that came in. */
function sessionIdOf(ctx: Koa.Context): string | undefined {
  const set = ctx.response.get('set-cookie') as unknown as string[] | string;
  for (const line of Array.isArray(set) ? set : set ? [set] : []) {
    const m = /^koa\.sess=([^;]+)/.exec(line);
    if (m?.[1]) return decodeURIComponent(m[1]);
  }
  const sent = ctx.cookies.get('koa.sess');
  return sent ? decodeURIComponent(sent) : undefined;
}

const placements = new WeakMap<Koa.Context, Placement | null>();

/**
 * Where this request's session lives: its key, the key's slot, and the
 * node this process's cluster client sends that slot to — the client's
 * own slot map, the same one it routed the store's commands by. Worked
 * out once per request, so the response headers and the lab's card can
 * never disagree.
 */
function placementOf(client: Cluster, ctx: Koa.Context): Placement | undefined {
  const known = placements.get(ctx);
  if (known !== undefined) return known ?? undefined;
  const id = sessionIdOf(ctx);
  let placement: Placement | null = null;
  if (id) {
    const key = PREFIX + id;
    const slot = keySlot(key);
    const [node = 'unknown', ...replicas] = client.slots[slot] ?? [];
    // ioredis keeps the primary first in each slot's list.
    placement = { key, slot, node, role: 'primary', replicas };
  }
  placements.set(ctx, placement);
  return placement ?? undefined;
}

/** The lab's store pane: the key, read back through the cluster client. */
async function lookup(client: Cluster, id: string): Promise<StoredRecord> {
  const key = PREFIX + id;
  const slot = keySlot(key);
  const node = client.slots[slot]?.[0] ?? 'unknown';
  // During a failover the read would wait out the client's retries (a
  // second or more), and hold the card back that long. The card's own steps
  // already show the store failing; give up on the read-back sooner.
  const read = Promise.all([client.get(key), client.pttl(key)]);
  const [text, pttl] = await Promise.race([
    read,
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`no answer from ${node} within 400 ms`)),
        400,
      ).unref(),
    ),
  ]);
  return {
    where: `redis key ${key} on ${node} (primary, slot ${slot})`,
    record: text,
    ttlMs: pttl >= 0 ? pttl : null,
  };
}

/**
 * The view counter, on the same stack as every other playground (trace
 * events, store calls, the lab's stream at `/__lab/events`), telling on
 * every response who served it and where the session lives.
 */
export function clusterApp(
  client: Cluster,
  name: string,
  maxAge?: MaxAge,
): Koa {
  const app = new Koa();
  app.keys = ['cluster playground secret'];
  app.silent = true;
  // Outermost, so the session has been committed (and a new id set)
  // by the time it looks.
  app.use(async (ctx, next) => {
    await next();
    const where = placementOf(client, ctx);
    if (where) {
      ctx.set('x-redis-slot', String(where.slot));
      ctx.set('x-redis-node', where.node);
      ctx.set('x-session-id', where.key.slice(PREFIX.length));
    }
  });
  const options: SessionOptions = {
    key: 'koa.sess',
    store: new RedisStore({ client, prefix: PREFIX }),
  };
  if (maxAge !== undefined) options.maxAge = maxAge;
  // A store error becomes a 503 (node unreachable) or 500 (node said no)
  // with the store's own message: koa-session hands the error up
  // unchanged, and Koa alone would say only "Internal Server Error".
  mountDemo(app, {
    name: 'cluster',
    title: 'Round robin over app processes, sessions on a Redis Cluster',
    options,
    storeLabel: 'redis cluster (RedisStore)',
    lookup: (id) => lookup(client, id),
    counts: '1 views, 2 views, 3 views…',
    // The front prints one line per request instead.
    trace: false,
    log: () => {},
    servedBy: `${name} (pid ${process.pid})`,
    placement: (ctx) => placementOf(client, ctx),
  });
  app.use((ctx) => {
    if (ctx.path !== '/') {
      ctx.status = 404;
      ctx.body = 'try /, /read or /logout\n';
      return;
    }
    const views = ((ctx.session!.views as number | undefined) ?? 0) + 1;
    ctx.session!.views = views;
    ctx.body = `${views} views\n`;
  });
  return app;
}

async function runApp(): Promise<void> {
  const name = process.env.APP_NAME ?? 'app';
  const nodes = (process.env.CLUSTER_NODES ?? '').split(',').filter(Boolean);
  const client = await clusterClient({
    startupNodes: nodes.map((n) => ({ host: '127.0.0.1', port: Number(n) })),
  });
  const app = clusterApp(client, name, maxAgeFlag());
  const server = app.listen(0, '127.0.0.1');
  server.once('listening', () => {
    const { port } = server.address() as { port: number };
    process.stdout.write(`ready http://127.0.0.1:${port}\n`);
  });
  // Our parent holds our stdin: when it goes away, so do we.
  process.stdin.resume();
  process.stdin.once('end', () => process.exit(0));
  process.stdin.once('close', () => process.exit(0));
}

// ---------------------------------------------------------------------------
// The front: round robin, no stickiness
// ---------------------------------------------------------------------------

interface App {
  name: string;
  url: URL;
  child: ChildProcess;
}

async function startApp(
  name: string,
  ports: number[],
  args: string[] = [],
): Promise<App> {
  // Its stdin stays open: the app exits when we go (see runApp).
  const { child, ready } = await startScript(fileURLToPath(import.meta.url), {
    args: ['--app', ...args],
    env: { APP_NAME: name, CLUSTER_NODES: ports.join(',') },
    ready: /ready (\S+)/,
    stdin: 'pipe',
    stderr: 'inherit',
  }).catch((error: Error) => {
    throw new Error(`${name}: ${error.message}`);
  });
  return { name, url: new URL(ready[1]!), child };
}

/** One line per request in the terminal. */
function logLine(
  method: string,
  path: string,
  app: App,
  res: http.IncomingMessage,
  body: string,
  ms: number,
) {
  // Short enough for a narrow terminal: the host is always 127.0.0.1, and
  // the banner lists each app's pid.
  const node = String(res.headers['x-redis-node'] ?? '-').replace(
    '127.0.0.1',
    '',
  );
  const slot = res.headers['x-redis-slot'] ?? '-';
  const id = String(res.headers['x-session-id'] ?? '').slice(0, 8) || '-';
  const status =
    res.statusCode === 200 ? `200 ${body.trim()}` : `${res.statusCode} ✗`;
  console.log(
    `${method} ${path} → ${app.name} · session ${id} on ${node} (slot ${slot}) · ` +
      `${status} · ${Math.round(ms)} ms`,
  );
}

/**
 * The six nodes as the cluster pane shows them: what the cluster says
 * (`CLUSTER NODES` on a live node: role, slots, and whether the others
 * suspect or agree it failed) and what only we know — which processes
 * we killed.
 */
async function clusterView(cluster: LocalCluster): Promise<ClusterView> {
  const nodes = await cluster.topology();
  const address = (port: number) => `127.0.0.1:${port}`;
  return {
    at: Date.now(),
    nodes: nodes.map((node) => {
      const primary = nodes.find((n) => n.id === node.primaryId);
      return {
        address: address(node.port),
        role: node.flags.includes('slave') ? 'replica' : 'primary',
        replicaOf: primary ? address(primary.port) : null,
        slots: node.slots,
        up: !cluster.nodes.find((n) => n.port === node.port)?.dead,
        seen: node.flags.includes('fail')
          ? 'fail'
          : node.flags.includes('fail?')
            ? 'fail?'
            : 'ok',
      };
    }),
  };
}

/** `0-5460,7000` */
function ranges(slots: Array<[number, number]>): string {
  return slots.map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`)).join(', ');
}

/**
 * What changed between two readings of the cluster, as notes for the
 * lab's timeline: a suspicion, a verdict, a promotion, a return. `since`
 * is when the last primary was killed, to time the failover.
 */
function changes(
  before: ClusterView,
  now: ClusterView,
  since: number | undefined,
): UnnumberedCard[] {
  const notes: UnnumberedCard[] = [];
  const after = since
    ? ` (${((now.at - since) / 1000).toFixed(1)} s after the kill)`
    : '';
  const note = (
    event: NoteCard['event'],
    title: string,
    text: string,
    tone: NoteCard['tone'],
  ) => notes.push({ kind: 'note', at: now.at, event, title, text, tone });
  for (const node of now.nodes) {
    const old = before.nodes.find((n) => n.address === node.address);
    if (!old) continue;
    if (old.seen === 'ok' && node.seen === 'fail?') {
      note(
        'suspected',
        `${node.address} suspected`,
        'No answer within the node timeout: the node we asked marks it ' +
          `fail?${after}.`,
        'info',
      );
    }
    if (old.seen !== 'fail' && node.seen === 'fail') {
      note(
        'failed',
        `${node.address} failed`,
        `A majority of primaries agree: fail${after}. Its replica may ` +
          'now ask them for their votes.',
        'bad',
      );
    }
    if (old.role === 'replica' && node.role === 'primary') {
      note(
        'promoted',
        `${node.address} promoted`,
        'The replica won the vote and serves slots ' +
          `${ranges(node.slots)} now${after}.`,
        'ok',
      );
    }
    if (old.role === 'primary' && node.role === 'replica' && node.up) {
      note(
        'back',
        `${node.address} is back, as a replica`,
        `It rejoined and now copies ${node.replicaOf}, which kept its slots.`,
        'info',
      );
    }
  }
  return notes;
}

async function main(): Promise<void> {
  const port = listenPort(3000);
  const count = Number(flag('apps') ?? 3);
  if (!Number.isInteger(count) || count < 1 || count > 10)
    fail('--apps must be 1 to 10');
  const maxAge = maxAgeFlag();
  const basePort = Number(process.env.CLUSTER_BASE_PORT ?? DEFAULT_BASE_PORT);

  console.log(
    `starting a six-node Redis Cluster on ${basePort}–${basePort + 5} …`,
  );
  let cluster: LocalCluster;
  try {
    cluster = await LocalCluster.start({ basePort, fullCoverage: false });
  } catch (error) {
    if (error instanceof PortInUseError) fail(error.message);
    fail(`could not start the cluster: ${describeError(error)}`);
  }
  const apps: App[] = [];
  const stopApps = () => {
    for (const app of apps) app.child.stdin?.end();
  };
  stopOnSignals(cluster, stopApps);
  const ports = cluster.nodes.map((n) => n.port);
  const extra = maxAge === undefined ? [] : [`--max-age=${maxAge}`];
  for (let i = 1; i <= count; i++) {
    const app = await startApp(`app-${i}`, ports, extra);
    apps.push(app);
    console.log(`${app.name}: pid ${app.child.pid}, ${app.url.origin}`);
  }

  // One lab for the front: the apps' cards, merged into one timeline,
  // and the cluster pane. The front holds no session of its own.
  const lab = createLab({
    name: 'cluster',
    title: `${count} app processes, round robin, one Redis Cluster`,
    cookie: { key: 'koa.sess', signed: true },
    mode: 'store',
    storeLabel: 'redis cluster (RedisStore)',
    maxAge,
    counts: '1 views, 2 views, 3 views…',
  });
  await Promise.all(apps.map((app) => followLab(app.url, lab)));
  const labRoutes = labHandler(lab);

  let next = 0;
  let lastNode: string | undefined;
  let killedAt: number | undefined;
  let shown: ClusterView | undefined;
  let polling = false;

  /**
   * Read the cluster and show it in the pane, with a note in the timeline
   * for each change since the last reading. Twice a second while a lab
   * page is open (and at once after a kill or restart): a failover takes
   * a few seconds, and each of its steps should be visible.
   */
  async function poll(): Promise<void> {
    if (polling) return;
    polling = true;
    try {
      const view = await clusterView(cluster);
      if (shown)
        for (const note of changes(shown, view, killedAt)) lab.relay(note);
      shown = view;
      lab.showCluster(view);
    } catch {
      // A node died between our choosing it and asking it: next time.
    } finally {
      polling = false;
    }
  }
  setInterval(() => {
    if (lab.watchers > 0) void poll();
  }, 500).unref();
  await poll();

  /** Print a line of news in the terminal and return it as a response body. */
  const say = (line: string) => {
    console.log(`*** ${line}`);
    return `${line}\n`;
  };

  async function killPrimary(target?: string, slot?: number): Promise<string> {
    const address = target ?? lastNode;
    if (!address) return say('no session seen yet: make a request first');
    const nodePort = Number(address.split(':')[1]);
    const shards = await cluster.shards();
    if (!shards.some((s) => s.port === nodePort)) {
      return say(`${address} is not a live primary now (see /__cluster)`);
    }
    await cluster.kill(nodePort);
    killedAt = Date.now();
    const which =
      slot === undefined ? 'of the latest session' : `holding slot ${slot}`;
    lab.relay({
      kind: 'note',
      at: killedAt,
      event: 'killed',
      title: `${address} killed`,
      text:
        `SIGKILL: the primary ${which} is gone, without a goodbye. ` +
        'Requests for its slots wait, then fail, until its replica ' +
        'takes over.',
      tone: 'bad',
    });
    void poll();
    return say(
      `killed the primary ${address} (SIGKILL); its replica takes over in ~2–3 s`,
    );
  }

  async function restartKilled(): Promise<string> {
    const dead = cluster.nodes.filter((n) => n.dead);
    if (dead.length === 0) return say('no killed node to restart');
    const list = dead.map((n) => `127.0.0.1:${n.port}`).join(', ');
    // The note first: the pane may see the node back before restart()
    // has finished waiting for it.
    lab.relay({
      kind: 'note',
      at: Date.now(),
      event: 'restarting',
      title: `restarting ${list}`,
      text:
        'Same port, same directory: its nodes.conf remembers the ' +
        'cluster, so it rejoins — as a replica of whoever took its slots.',
      tone: 'info',
    });
    for (const node of dead) await cluster.restart(node.port);
    void poll();
    return say(`restarted ${list}: back as replicas`);
  }

  async function status(): Promise<string> {
    const shards = await cluster.shards();
    const lines = shards.map(
      (s) =>
        `primary 127.0.0.1:${s.port}  slots ${s.slots.map(([a, b]) => `${a}-${b}`).join(',')}` +
        `  replica ${s.replicas.map((r) => `127.0.0.1:${r}`).join(',') || '(none)'}`,
    );
    const dead = cluster.nodes
      .filter((n) => n.dead)
      .map((n) => `127.0.0.1:${n.port}`);
    if (dead.length) lines.push(`killed: ${dead.join(', ')}`);
    return `${lines.join('\n')}\n`;
  }

  const front = http.createServer(async (req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/__lab')) return labRoutes(req, res);
    try {
      if (path === '/__cluster') {
        res.end(await status());
        return;
      }
      if (path === '/__cluster/restart' && req.method === 'POST') {
        res.end(await restartKilled());
        return;
      }
      if (path.startsWith('/__cluster/')) {
        if (req.method !== 'POST' || path !== '/__cluster/kill') {
          res
            .writeHead(404)
            .end(
              'POST /__cluster/kill or /__cluster/restart; GET /__cluster\n',
            );
          return;
        }
        // Kill the primary holding the caller's session, if they sent one.
        const sent = /koa\.sess=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
        if (!sent && req.headers['x-lab']) {
          // The lab's button says "my session": never someone else's.
          res.end(say('no session in this browser yet: press Change session'));
          return;
        }
        const slot = sent
          ? keySlot(PREFIX + decodeURIComponent(sent))
          : undefined;
        const target =
          slot === undefined
            ? undefined
            : `127.0.0.1:${await cluster.primaryFor(slot)}`;
        res.end(await killPrimary(target, slot));
        return;
      }
    } catch (error) {
      res.writeHead(500).end(`${describeError(error)}\n`);
      return;
    }
    const app = apps[next++ % apps.length]!;
    const started = performance.now();
    const upstream = http.request(
      {
        host: app.url.hostname,
        port: app.url.port,
        path,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        if (answer.headers['x-redis-node'])
          lastNode = String(answer.headers['x-redis-node']);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        let body = '';
        answer.setEncoding('utf8').on('data', (chunk: string) => {
          if (body.length < 200) body += chunk;
        });
        answer.pipe(res);
        answer.once('end', () => {
          logLine(
            req.method ?? 'GET',
            path,
            app,
            answer,
            body,
            performance.now() - started,
          );
        });
      },
    );
    upstream.once('error', (error) => {
      res
        .writeHead(502)
        .end(`${app.name} did not answer: ${describeError(error)}\n`);
    });
    req.pipe(upstream);
  });
  front.once('error', (error) => {
    stopApps();
    void cluster
      .stop()
      .then(() =>
        fail(`cannot listen on port ${port}: ${describeError(error)}`),
      );
  });
  front.listen(port, () => {
    const url = `http://localhost:${port}`;
    const jar = '-b /tmp/jar -c /tmp/jar';
    console.log(
      [
        '',
        `  ${count} app processes behind a round-robin front: ${url}`,
        `  (no sticky sessions: request n goes to app n mod ${count})`,
        `  Redis Cluster: 127.0.0.1:${ports[0]}–${ports.at(-1)}, 3 primaries + 3 replicas`,
        '',
        `  ▶ Session Lab: ${url}/__lab   (open it in a browser)`,
        `    every process's requests in one timeline, the six nodes live,`,
        '    and a button that kills the primary holding your session',
        '',
        '  Try it:',
        '    # again and again: which app, which node, which slot',
        `    curl -i ${jar} ${url}/`,
        '    # who owns which slots',
        `    curl ${url}/__cluster`,
        '    # kill the primary holding your session, then bring it back',
        `    curl -X POST -b /tmp/jar ${url}/__cluster/kill`,
        `    curl -X POST ${url}/__cluster/restart`,
        '',
        '  Watch a failover: run this in another terminal, then kill:',
        '    while sleep 0.2; do',
        `      curl -s ${jar} ${url}/; echo`,
        '    done',
        '',
        '  Here: k + Enter kills the primary of the latest session, r + Enter',
        '  restarts killed nodes, s + Enter shows the cluster, Ctrl-C stops all.',
        '',
      ].join('\n'),
    );
  });

  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    const command = line.trim();
    if (command === 'k') void killPrimary();
    else if (command === 'r') void restartKilled();
    else if (command === 's')
      void status().then((text) => process.stdout.write(text));
  });
}

if (isMain(import.meta.url)) {
  (process.argv.includes('--app') ? runApp() : main()).catch((error) => {
    fail(describeError(error));
  });
}
