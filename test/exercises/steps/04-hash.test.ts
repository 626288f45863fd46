/**
 * Step hash — chapters/06-should-save-session.md#hashing
 *
 * Your `hash` must agree with the `crc` package koa-session uses.
 */
import { createRequire } from 'node:module';
import { port } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { SAMPLES } from '../support/codec.js';

const { crc32 } = createRequire(import.meta.url)('crc') as { crc32(text: string): number };

describe('hash', () => {
  it('is CRC-32: the standard check value for "123456789" is 0xCBF43926', () => {
    // JSON.stringify(123456789) is the text "123456789".
    expect(port.hash(123456789 as unknown as Record<string, unknown>)).toBe(0xcbf43926);
  });

  it('agrees with the crc package koa-session uses, over the JSON text', () => {
    for (const data of SAMPLES) {
      expect(port.hash(data), `hash(${JSON.stringify(data)})`).toBe(crc32(JSON.stringify(data)));
    }
  });

  it('changes when a value changes and not otherwise', () => {
    const a = { user: 'alice', views: 1 };
    expect(port.hash({ ...a }), 'equal data, equal hash').toBe(port.hash(a));
    expect(port.hash({ ...a, views: 2 }), 'one value changed').not.toBe(port.hash(a));
  });
});
