/**
 * The Session Lab behind a front (playground:cluster): one page, one
 * timeline, for requests that ran in several processes.
 *
 * Each app process runs its own lab, exactly as a single playground does.
 * The front subscribes to every app's `/__lab/events` and relays each
 * card into a lab of its own, which serves the page. The cards are
 * numbered again on the way through — every process counts from 1 —
 * and nothing else about them changes: the decisions shown are still the
 * app process's own trace events.
 *
 * Read with: chapters/13-scaling-out.md#try-it
 */
import http from 'node:http';
import Koa from 'koa';
import type { Lab } from './server.js';
import type { LabCard } from './shared/protocol.js';

/**
 * Follow one app's event stream and relay its cards into `lab`. Resolves
 * once the app has said hello — from then on no card is missed — with a
 * function that stops following. A dropped stream is opened again after
 * a second: the lab's own page does the same (`retry: 1000`).
 */
export function followLab(base: URL, lab: Lab): Promise<() => void> {
  let stopped = false;
  let current: http.ClientRequest | undefined;
  return new Promise((resolve, reject) => {
    let greeted = false;
    const again = (error?: Error) => {
      if (!greeted && error) return reject(error);
      if (!stopped) setTimeout(open, 1000).unref();
    };
    const open = () => {
      current = http.get(new URL('/__lab/events', base), (res) => {
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          // An event ends at a blank line; a chunk may hold several, or
          // half of one.
          for (let end = buffer.indexOf('\n\n'); end >= 0; ) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
            const { event, data } = parseEvent(block);
            if (event === 'hello' && !greeted) {
              greeted = true;
              resolve(stop);
            } else if (event === 'card' && data) {
              const { id: _, ...card } = JSON.parse(data) as LabCard;
              lab.relay(card);
            }
          }
        });
        res.once('end', () => again());
        res.once('error', () => again());
      });
      current.once('error', again);
    };
    const stop = () => {
      stopped = true;
      current?.destroy();
    };
    open();
  });
}

function parseEvent(block: string): { event: string; data: string } {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  return { event, data: data.join('\n') };
}

/**
 * `/__lab` and everything under it, for a plain `http` server: the
 * front is not a Koa app, the lab's routes are Koa middleware.
 */
export function labHandler(lab: Lab): http.RequestListener {
  const app = new Koa();
  app.use(lab.routes);
  return app.callback();
}
