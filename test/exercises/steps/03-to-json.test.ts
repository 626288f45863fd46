/**
 * Step to-json — chapters/03-architecture.md#what-gets-saved
 *
 * `toJSON` decides what is saved, hashed and sent; `length` and
 * `populated` are built on it.
 */
import type { ContextSession } from '../../../src/index.js';
import { port } from '../impl.js';
import { describe, expect, it } from '../kit.js';

const owner = () => ({ opts: {} }) as unknown as ContextSession;

describe('Session.toJSON', () => {
  it('returns your data', () => {
    const session = new port.Session(owner(), { user: 'alice' });
    session.views = 2;
    expect(session.toJSON(), 'toJSON()').toEqual({ user: 'alice', views: 2 });
  });

  it('leaves out isNew and the machinery (_requireSave, _expire, any _name)', () => {
    const session = new port.Session(owner(), { user: 'alice', _expire: 1 });
    session._requireSave = true;
    session._mine = 'private';
    const json = session.toJSON();
    for (const key of ['isNew', '_requireSave', '_expire', '_mine']) {
      expect(Object.hasOwn(json, key), `"${key}" in toJSON()`).toBe(false);
    }
    expect(json, 'toJSON()').toEqual({ user: 'alice' });
  });

  it('leaves out functions', () => {
    const session = new port.Session(owner(), undefined);
    session.views = 1;
    session.helper = () => 1;
    expect(session.toJSON(), 'toJSON()').toEqual({ views: 1 });
  });

  it('is what JSON.stringify(session) writes', () => {
    const session = new port.Session(owner(), { a: 1 });
    expect(JSON.stringify(session), 'JSON.stringify(session)').toBe('{"a":1}');
  });

  it('returns a new object: changing it does not change the session', () => {
    const session = new port.Session(owner(), { a: 1 });
    const json = session.toJSON();
    json.a = 2;
    expect(session.a, 'session.a').toBe(1);
  });
});

describe('length and populated', () => {
  it('an empty session is not populated; one value makes it so', () => {
    const session = new port.Session(owner(), undefined);
    expect(session.populated, 'empty: populated').toBe(false);
    expect(session.length, 'empty: length').toBe(0);
    session.views = 1;
    expect(session.populated, 'after views = 1: populated').toBe(true);
    expect(session.length, 'after views = 1: length').toBe(1);
  });

  it('machinery does not count', () => {
    const session = new port.Session(owner(), { _expire: 5 });
    session._requireSave = true;
    expect(session.populated, 'only _ names: populated').toBe(false);
  });
});
