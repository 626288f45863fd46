/**
 * Scale-out for real: three app processes behind a round-robin front, no
 * sticky sessions, and one six-node Redis Cluster, all started here and
 * all stopped on Ctrl-C.
 *
 *     npm run playground:cluster            # front on PORT (3000), nodes on 7100–7105
 *     npm run playground:cluster -- --apps=5
 *
 * Every response says which process served it and which Redis node holds
 * the session (headers `x-served-by`, `x-redis-node`, `x-redis-slot`),
 * and the terminal prints one line per request. `POST /__cluster/kill`
 * (or `k` + Enter in the terminal) kills the primary holding your session
 * (the latest session seen, from the terminal): watch your next clicks
 * wait, fail with a 500, then carry on on the promoted replica.
 *
 * Read with: chapters/13-scaling-out.md
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Cluster } from 'ioredis';
import Koa from 'koa';
import { createSession } from '../src/index.js';
import { RedisStore } from '../src/stores/index.js';
import { clusterClient } from '../test/cluster/load.js';
import {
  DEFAULT_BASE_PORT,
  LocalCluster,
  PortInUseError,
  stopOnSignals,
} from '../test/support/cluster.js';
import { describeError, fail, flag, isMain, listenPort } from './cli.js';

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

/** The view counter, telling on every response who served it and where the session lives. */
export function clusterApp(client: Cluster, name: string): Koa {
  const app = new Koa();
  app.keys = ['cluster playground secret'];
  app.silent = true;
  app.use(async (ctx, next) => {
    ctx.set('x-served-by', `${name} (pid ${process.pid})`);
    try {
      await next();
    } catch (error) {
      // koa-session hands the store's error up unchanged; Koa would say
      // only "Internal Server Error". Same status, but say why.
      ctx.status = 500;
      ctx.body = `500 from ${name}: the store failed: ${describeError(error)}\n`;
    }
    const id = sessionIdOf(ctx);
    if (id) {
      const slot = keySlot(PREFIX + id);
      ctx.set('x-redis-slot', String(slot));
      ctx.set('x-redis-node', client.slots[slot]?.[0] ?? 'unknown');
      ctx.set('x-session-id', id);
    }
  });
  app.use(
    createSession({ store: new RedisStore({ client, prefix: PREFIX }) }, app),
  );
  app.use((ctx) => {
    if (ctx.path === '/logout') {
      ctx.session = null;
      ctx.body = 'session removed\n';
      return;
    }
    if (ctx.path !== '/') {
      ctx.status = 404;
      ctx.body = 'try / or /logout\n';
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
  const server = clusterApp(client, name).listen(0, '127.0.0.1');
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

function startApp(name: string, ports: number[]): Promise<App> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--app'], {
    env: { ...process.env, APP_NAME: name, CLUSTER_NODES: ports.join(',') },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const m = /ready (\S+)/.exec(out);
      if (m?.[1]) resolve({ name, url: new URL(m[1]), child });
    });
    child.once('exit', (code) =>
      reject(new Error(`${name} exited (${code}): ${out.trim()}`)),
    );
  });
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

async function main(): Promise<void> {
  const port = listenPort(3000);
  const count = Number(flag('apps') ?? 3);
  if (!Number.isInteger(count) || count < 1 || count > 10)
    fail('--apps must be 1 to 10');
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
  for (let i = 1; i <= count; i++) {
    const app = await startApp(`app-${i}`, ports);
    apps.push(app);
    console.log(`${app.name}: pid ${app.child.pid}, ${app.url.origin}`);
  }

  let next = 0;
  let lastNode: string | undefined;

  /** Print a line of news in the terminal and return it as a response body. */
  const say = (line: string) => {
    console.log(`*** ${line}`);
    return `${line}\n`;
  };

  async function killPrimary(target?: string): Promise<string> {
    const address = target ?? lastNode;
    if (!address) return say('no session seen yet: make a request first');
    const nodePort = Number(address.split(':')[1]);
    const shards = await cluster.shards();
    if (!shards.some((s) => s.port === nodePort)) {
      return say(`${address} is not a live primary now (see /__cluster)`);
    }
    await cluster.kill(nodePort);
    return say(
      `killed the primary ${address} (SIGKILL); its replica takes over in ~2–3 s`,
    );
  }

  async function restartKilled(): Promise<string> {
    const dead = cluster.nodes.filter((n) => n.dead);
    if (dead.length === 0) return say('no killed node to restart');
    for (const node of dead) await cluster.restart(node.port);
    const list = dead.map((n) => `127.0.0.1:${n.port}`).join(', ');
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
        const target = sent
          ? `127.0.0.1:${await cluster.primaryFor(keySlot(PREFIX + decodeURIComponent(sent)))}`
          : undefined;
        res.end(await killPrimary(target));
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
        '  Try it:',
        `    curl -i ${jar} ${url}/          # again and again`,
        `    curl ${url}/__cluster                          # who owns which slots`,
        `    curl -X POST -b /tmp/jar ${url}/__cluster/kill  # kill your primary`,
        `    curl -X POST ${url}/__cluster/restart          # bring it back`,
        '',
        '  Watch a failover: run this in another terminal, then kill:',
        `    while sleep 0.2; do curl -s ${jar} ${url}/; done`,
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
