/**
 * Step valid — chapters/04-init-from-cookie.md#valid
 *
 * `valid` is protected, so the checks reach it the way a subclass would,
 * inside a real request, and listen for the events it announces.
 */
import type Koa from 'koa';
import type { SessionOptions } from '../../../src/index.js';
import { port } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { fromNow, sessionApp } from '../support/harness.js';

class Gate extends port.ContextSession {
  check(data: unknown, key?: string) {
    return this.valid(data, key);
  }
}

/** Ask your `valid` about each of `samples`, in one request. */
async function ask(samples: unknown[], options: SessionOptions = {}) {
  const t = sessionApp({ autoCommit: false, ...options }, (ctx: Koa.Context) => {
    const gate = new Gate(ctx, { ...ctx.sessionOptions! });
    ctx.body = { verdicts: samples.map((data) => gate.check(data, 'the-id')) };
  });
  const { body } = await t.get();
  return { verdicts: body.verdicts as boolean[], events: t.events };
}

describe('valid', () => {
  it('ordinary data passes, quietly', async () => {
    const { verdicts, events } = await ask([{ user: 'alice', _expire: fromNow(60_000) }]);
    expect(verdicts, 'valid(…)').toEqual([true]);
    expect(events, 'events').toEqual([]);
  });

  it('no data at all is refused as missed, with the key that was looked up', async () => {
    const { verdicts, events } = await ask([undefined]);
    expect(verdicts, 'valid(undefined)').toEqual([false]);
    expect(
      events.map((e) => [e.name, e.key]),
      'events',
    ).toEqual([['missed', 'the-id']]);
  });

  it('an expired session (_expire in the past) is refused, with session:expired', async () => {
    const data = { user: 'alice', _expire: fromNow(-1000), _maxAge: 5000 };
    const { verdicts, events } = await ask([data]);
    expect(verdicts, 'valid(expired data)').toEqual([false]);
    expect(
      events.map((e) => e.name),
      'events',
    ).toEqual(['expired']);
    expect(events[0]!.value, 'the event carries the refused data').toEqual(data);
  });

  it('hostile data (a reserved key, an unusable lifetime) is refused as invalid', async () => {
    const samples = ['{"save":"oops"}', '{"__proto__":{"admin":true}}', '{"_maxAge":"soon"}'];
    const { verdicts, events } = await ask(samples.map((json) => JSON.parse(json)));
    expect(verdicts, 'valid(…) for each').toEqual([false, false, false]);
    expect(
      events.map((e) => e.name),
      'events',
    ).toEqual(['invalid', 'invalid', 'invalid']);
  });

  it('opts.valid can veto loaded data, with session:invalid', async () => {
    const seen: unknown[] = [];
    const { verdicts, events } = await ask([{ user: 'mallory' }, { user: 'alice' }], {
      valid: (_ctx, data) => {
        seen.push(data);
        return data.user !== 'mallory';
      },
    });
    expect(verdicts, 'valid(mallory), valid(alice)').toEqual([false, true]);
    expect(
      events.map((e) => e.name),
      'events',
    ).toEqual(['invalid']);
    expect(seen, 'opts.valid is called with the data').toEqual([
      { user: 'mallory' },
      { user: 'alice' },
    ]);
  });
});
