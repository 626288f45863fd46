/**
 * Step session-constructor — chapters/03-architecture.md#the-session-model
 *
 * The checks build Sessions directly, with a stand-in for the
 * ContextSession that owns them (only its `opts` is used).
 */
import type { ContextSession } from '../../../src/index.js';
import { port } from '../impl.js';
import { describe, expect, it } from '../kit.js';

function owner() {
  return { opts: {} as { maxAge?: unknown } } as unknown as ContextSession & {
    opts: { maxAge?: unknown };
  };
}
const MACHINERY = new Set(['isNew', '_requireSave', '_expire']);
const dataKeys = (session: object) => Object.keys(session).filter((k) => !MACHINERY.has(k));

describe('new Session(owner, data, id)', () => {
  it('no data: a new, empty session', () => {
    const session = new port.Session(owner(), undefined);
    expect(session.isNew, 'isNew').toBe(true);
    expect(dataKeys(session), 'data keys').toEqual([]);
  });

  it('data becomes properties of the session, in the data’s own order', () => {
    const session = new port.Session(owner(), { user: 'alice', views: 3, cart: [1] });
    expect(session.isNew, 'a loaded session is not new').toBe(false);
    expect(session.user, 'session.user').toBe('alice');
    expect(dataKeys(session), 'keys, in order').toEqual(['user', 'views', 'cart']);
  });

  it('_maxAge is not data: it sets the owner’s maxAge', () => {
    const o = owner();
    const session = new port.Session(o, { views: 1, _maxAge: 5000 });
    expect(o.opts.maxAge, 'owner.opts.maxAge').toBe(5000);
    expect(dataKeys(session), 'no _maxAge on the session').toEqual(['views']);
  });

  it('_session is not data: it makes the lifetime "session"', () => {
    const o = owner();
    const session = new port.Session(o, { views: 1, _session: true });
    expect(o.opts.maxAge, 'owner.opts.maxAge').toBe('session');
    expect(dataKeys(session), 'no _session on the session').toEqual(['views']);
  });

  it('_expire is copied onto the session (renew reads it)', () => {
    const session = new port.Session(owner(), { views: 1, _expire: 12345 });
    expect(session._expire, 'session._expire').toBe(12345);
  });

  it('a name that is a getter-only property (length, populated) is skipped, not a crash', () => {
    const session = new port.Session(owner(), { length: 99, populated: 'yes', views: 1 });
    expect(session.views, 'the rest is still copied').toBe(1);
    expect(Object.hasOwn(session, 'length'), 'no own "length"').toBe(false);
  });

  it('keeps the store id it was given', () => {
    expect(new port.Session(owner(), { n: 1 }, 'id-7').externalKey, 'externalKey').toBe('id-7');
  });
});
