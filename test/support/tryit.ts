/**
 * Run a chapter's "Try it" commands for real: the playground in this
 * process with its trace on, the chapter's curl lines in a shell, and a
 * transcript with the volatile parts (dates, times, hashes, signatures,
 * cookie values) replaced by placeholders so a recording stays stable.
 */
import { exec } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type Koa from 'koa';
import { requirePort } from './impl.js';

const run = promisify(exec);

/** Replace what changes from run to run with stable placeholders. */
export function normalise(text: string): string {
  const ids = new Map<string, string>();
  const label = (id: string) => {
    if (!ids.has(id)) ids.set(id, `<id-${ids.size + 1}>`);
    return ids.get(id)!;
  };
  const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
  return (
    text
      .replace(/\r/g, '')
      .replace(uuid, label)
      // The trace clips long ids: `1053b347-26b4-…` is the id it starts.
      .replace(/[0-9a-f]{8}-[0-9a-f-]*…/g, (clipped) => {
        const prefix = clipped.slice(0, -1);
        const full = [...ids.keys()].find((id) => id.startsWith(prefix));
        return full ? label(full) : '<id>';
      })
      // Headers that say nothing about the session (`curl -i`).
      .replace(/^(Date|Connection|Keep-Alive|X-Served-By|Content-\w+):.*\n/gim, '')
      .replace(/Thu, 01 Jan 1970 00:00:00 GMT/g, '<1970>')
      .replace(/expires=(?!Thu, 01 Jan 1970)[^;\n]*GMT/g, 'expires=<date>')
      .replace(/eyJ[\w+/=…-]*/g, '<base64 JSON>')
      .replace(/\.sig=[\w-]{20,}/g, '.sig=<sig>')
      .replace(/\d+\.\d ms/g, '<t> ms')
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>')
      .replace(/\b(process|pid"?:?) \d+/g, '$1 <pid>')
      .replace(/\b\d{6,}\b/g, '<n>')
  );
}

/** What {@link tryIt} hands a playground's `createApp`: trace on or off, and where it goes. */
export interface TraceSink {
  trace: boolean;
  log: (text: string) => void;
}

export interface TryItOptions {
  /** Print the server's trace under the transcript, as `TRACE=1` does. Default: true. */
  trace?: boolean;
  /**
   * What the chapter shows → what the test really uses in its place, for
   * names on a shared service (a Redis key prefix, a table name): the
   * commands run with the real name, the transcript shows the chapter's.
   */
  aliases?: Record<string, string>;
  /** A last rewrite of the transcript before it is normalised. */
  tidy?: (text: string) => string;
}

/**
 * Start a playground (`start` builds it, with the trace sink wired in) on a
 * free port, run the chapter's commands against it (see {@link tryAgainst})
 * and return the transcript, then the trace the server printed.
 */
export async function tryIt(
  start: (sink: TraceSink) => { app: Koa },
  commands: string[],
  options: TryItOptions = {},
): Promise<string> {
  requirePort('the playground');
  const trace = options.trace ?? true;
  const logs: string[] = [];
  const { app } = start({ trace, log: (text) => logs.push(text) });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    return await tryAgainst(port, commands, options, () => ({
      heading: trace ? 'what the server printed (TRACE=1)' : 'what the server printed',
      lines: logs,
    }));
  } finally {
    server.close();
  }
}

/** What a server printed while the commands ran, and how to head it. */
export interface Printed {
  heading: string;
  lines: string[];
}

/**
 * Run each chapter command against a server already listening on `port`
 * (the command's `http://localhost:3000` and `/tmp/…` files pointed at the
 * test's own) and return `$ command` and its output, then what `printed`
 * reports the server printed meanwhile, with volatile parts normalised.
 */
export async function tryAgainst(
  port: number,
  commands: string[],
  { aliases = {}, tidy = (text) => text }: TryItOptions = {},
  printed: () => Printed | Promise<Printed> = () => ({ heading: '', lines: [] }),
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'book-tryit-'));
  const out: string[] = [];
  const commandLines: string[] = [];
  try {
    for (const command of commands) {
      let real = command
        .replaceAll('http://localhost:3000', `http://127.0.0.1:${port}`)
        .replaceAll('/tmp/', `${dir}/`);
      for (const [shown, used] of Object.entries(aliases)) {
        real = real.replaceAll(shown, used);
      }
      // grep finding nothing exits 1: that is an answer, not a failure.
      const stdout = await run(real, { shell: '/bin/sh' }).then(
        (r) => r.stdout,
        (e: { stdout?: string }) => e.stdout ?? '',
      );
      // A long pipeline wraps before its `|`, as a shell would accept it.
      const shown = `$ ${command}`;
      commandLines.push(shown.length > 80 ? shown.replace(' | ', ' \\\n    | ') : shown);
      out.push(commandLines.at(-1)!);
      out.push(stdout.trim() ? stdout.trimEnd() : '(no output)');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const { heading, lines } = await printed();
  if (lines.length > 0) out.push('', `# ${heading}:`, ...lines);
  let text = out.join('\n');
  for (const [shown, used] of Object.entries(aliases)) {
    text = text.replaceAll(used, shown);
  }
  // The commands are the chapter's own words: the normaliser must not
  // mistake a sed pattern for a cookie value. Set them aside, in order.
  text = tidy(text);
  commandLines.forEach((line, i) => {
    text = text.replace(line, `\0${i}\0`);
  });
  text = normalise(text).replace(/\0(\d+)\0/g, (_, i) => commandLines[Number(i)]!);
  return `${text.split('\n').map(wrap).join('\n')}\n`;
}

/**
 * Fold an output line longer than 80 columns at its last space that fits,
 * the rest indented under it: the book shows a recording without sideways
 * scrolling, and a reader's terminal would wrap it anyway.
 */
function wrap(line: string): string {
  const indent = `${/^ */.exec(line)![0]}  `;
  const out: string[] = [];
  let rest = line;
  while (rest.length > 80) {
    const cut = rest.lastIndexOf(' ', 80);
    if (cut <= indent.length) break;
    out.push(rest.slice(0, cut));
    rest = indent + rest.slice(cut + 1);
  }
  out.push(rest);
  return out.join('\n');
}
