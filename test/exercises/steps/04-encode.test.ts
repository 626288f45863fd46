/**
 * Step encode — chapters/04-init-from-cookie.md#encode-decode-and-hash
 *
 * Checked against koa-session 7.0.2 itself: your `encode` must write the
 * very bytes the real koa-session writes.
 */
import { port } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { SAMPLES, upstreamCookie } from '../support/codec.js';
import { readCookieValue } from '../support/harness.js';

describe('encode', () => {
  it('writes the same cookie value as koa-session 7.0.2', async () => {
    const value = await upstreamCookie({ user: 'alice', views: 2 });
    const data = readCookieValue(value);
    expect(port.encode(data), 'decode then encode must give back the exact cookie value').toBe(
      value,
    );
  });

  it('uses only cookie-safe characters (the base64 alphabet), whatever the data', () => {
    for (const data of SAMPLES) {
      expect(port.encode(data), `encode(${JSON.stringify(data)})`).toMatch(/^[A-Za-z0-9+/]*=*$/);
    }
  });

  it('is base64 of the JSON text', () => {
    expect(port.encode({ views: 1 })).toBe('eyJ2aWV3cyI6MX0=');
  });
});
