/**
 * The profile summariser on a hand-built profile, so every figure it
 * prints can be checked against arithmetic done by hand.
 */
import { describe, expect, it } from 'vitest';
import {
  CATEGORIES,
  type CpuProfile,
  frameLabel,
  shortUrl,
  summariseProfile,
} from './cpuprofile.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
  columnNumber: 0,
});

// root ─┬─ (idle)
//       ├─ (garbage collector)
//       └─ session (src/index.ts) ─┬─ stringify (builtin)
//                                  └─ sign (keygrip) ── digest (node:internal/crypto/hash)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 3, 4] },
    { id: 2, callFrame: frame('(idle)') },
    { id: 3, callFrame: frame('(garbage collector)') },
    {
      id: 4,
      callFrame: frame('session', 'file:///app/src/index.ts', 9),
      children: [5, 6],
    },
    { id: 5, callFrame: frame('stringify') },
    {
      id: 6,
      callFrame: frame('sign', 'file:///app/node_modules/keygrip/index.js', 20),
      children: [7],
    },
    { id: 7, callFrame: frame('digest', 'node:internal/crypto/hash', 179) },
  ],
  startTime: 1_000,
  endTime: 2_000,
  // Sample i weighs timeDeltas[i + 1]; the last one the median delta (100).
  samples: [2, 4, 5, 7, 7, 3, 2],
  timeDeltas: [0, 100, 100, 100, 100, 100, 100],
};

describe('summariseProfile', () => {
  const summary = summariseProfile(profile, { requests: 10 });

  it('counts busy time as everything but idle', () => {
    expect(summary.totalMicros).toBe(700);
    expect(summary.busyMicros).toBe(500);
  });

  it('charges each sample to the innermost frame that names a category', () => {
    const byName = Object.fromEntries(summary.categories.map((c) => [c.label, c.micros]));
    expect(byName).toEqual({
      'HMAC-SHA1 sign/verify (keygrip, tsscmp)': 200,
      'session logic (koa-session / port)': 100,
      'encode, decode, hash (JSON, base64, CRC-32)': 100,
      'garbage collection': 100,
    });
  });

  it('gives percentages of busy time and µs per request', () => {
    const hmac = summary.categories[0];
    expect(hmac?.percent).toBe(40);
    expect(hmac?.perRequest).toBe(20);
  });

  it('lists self time per function and inclusive time per caller', () => {
    expect(summary.self[0]).toMatchObject({
      label: 'digest (node:internal/crypto/hash:180)',
      micros: 200,
    });
    const inclusive = Object.fromEntries(summary.inclusive.map((r) => [r.label, r.micros]));
    expect(inclusive['session (src/index.ts:10)']).toBe(400);
    expect(inclusive['sign (keygrip/index.js:21)']).toBe(200);
    expect(inclusive['(root)']).toBeUndefined();
  });

  it('can keep several windows, as when contenders take turns', () => {
    // Samples at 1000 (idle) and 1300 (digest) only.
    const two = summariseProfile(profile, {
      windows: [
        { from: 950, to: 1_050 },
        { from: 1_250, to: 1_350 },
      ],
    });
    expect(two.totalMicros).toBe(200);
    expect(two.busyMicros).toBe(100);
  });

  it('keeps only the samples inside a time window', () => {
    // Sample timestamps: 1000, 1100, …, 1600; keep 1200–1400 (samples 2, 3, 4).
    const window = summariseProfile(profile, { from: 1_200, to: 1_400 });
    expect(window.totalMicros).toBe(300);
    expect(window.categories.map((c) => c.label)).toEqual([
      'HMAC-SHA1 sign/verify (keygrip, tsscmp)',
      'encode, decode, hash (JSON, base64, CRC-32)',
    ]);
  });
});

describe('labels', () => {
  it('shortens paths to the package or the project folder', () => {
    expect(shortUrl('file:///work/main/node_modules/koa/lib/context.js')).toBe(
      'koa/lib/context.js',
    );
    expect(shortUrl('file:///work/main/src/context.ts')).toBe('src/context.ts');
    expect(shortUrl('node:_http_server')).toBe('node:_http_server');
  });
  it('names anonymous functions and shows 1-based lines', () => {
    expect(frameLabel(frame('', 'file:///x/src/a.ts', 0))).toBe('(anonymous) (src/a.ts:1)');
    expect(frameLabel(frame('writev'))).toBe('writev');
  });
});

describe('categories', () => {
  const categoryOf = (functionName: string, url: string) =>
    CATEGORIES.find((c) => c.test(frame(functionName, url)))?.name;

  it('counts the codec functions of both libraries as encode/decode/hash, since V8 inlines JSON into them', () => {
    const codec = 'encode, decode, hash (JSON, base64, CRC-32)';
    expect(categoryOf('hash', 'file:///w/src/util.ts')).toBe(codec);
    expect(categoryOf('decode', 'file:///w/node_modules/koa-session/dist/esm/util.js')).toBe(codec);
    expect(categoryOf('crc32', 'node:zlib')).toBe(codec);
  });

  it('keeps the rest of the session code, zod and the cookie library apart', () => {
    expect(categoryOf('commit', 'file:///w/src/context.ts')).toBe(
      'session logic (koa-session / port)',
    );
    expect(categoryOf('parse', 'file:///w/node_modules/zod/v3/types.js')).toBe(
      'zod wrappers (koa-session options)',
    );
    expect(categoryOf('Cookie', 'file:///w/node_modules/cookies/index.js')).toBe(
      'cookie parsing/serialising (cookies)',
    );
  });
});
