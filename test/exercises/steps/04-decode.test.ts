/**
 * Step decode — chapters/04-init-from-cookie.md#decode-failures
 *
 * Your `decode` must read what koa-session 7.0.2 writes, undo your
 * `encode`, and throw a SyntaxError (nothing else) for junk.
 */
import { port } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { SAMPLES, upstreamCookie } from '../support/codec.js';

describe('decode', () => {
  it('reads a cookie koa-session 7.0.2 wrote', async () => {
    const value = await upstreamCookie({ user: 'alice', views: 2 });
    const data = port.decode(value);
    expect(data.user, 'user').toBe('alice');
    expect(data.views, 'views').toBe(2);
    expect(typeof data._expire, 'koa-session stamps _expire').toBe('number');
  });

  it('is the inverse of encode, unicode included', () => {
    for (const data of SAMPLES) {
      expect(port.decode(port.encode(data)), JSON.stringify(data)).toEqual(data);
    }
  });

  it('throws a SyntaxError for a value that is not base64 JSON', () => {
    for (const junk of ['not a session', 'bm90IGpzb24=', '%%%', '']) {
      expect(() => port.decode(junk), `decode(${JSON.stringify(junk)})`).toThrow(SyntaxError);
    }
  });
});
