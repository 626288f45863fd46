/**
 * What both differential test files share: the two implementations under
 * comparison, the vitest hooks that install the controlled world (clock,
 * UUIDs, loopback server), and a builder for hand-written scenarios.
 */
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import upstream from 'koa-session';
import { afterAll, beforeAll, vi } from 'vitest';
import { createSession } from '../../src/index.js';
import { type Impl, nextUuid, startServer, stopServer, world } from './harness.js';
import type { OptionSpec, Scenario, Step } from './scenario.js';

/** The reference: the published koa-session 7.0.2 (devDependency). */
export const REFERENCE: Impl = {
  name: 'koa-session 7.0.2',
  create: (opts, app) => upstream(opts as Parameters<typeof upstream>[0], app),
};

/** The port in src/. */
export const PORT: Impl = {
  name: 'port (src/)',
  create: (opts, app) => createSession(opts, app),
};

/** depd (used by `cookies`) hands deprecations to listeners instead of printing them. */
const ignoreDeprecation = () => {};

/**
 * Register the hooks every differential test file needs: one controlled
 * clock for both apps, one deterministic UUID sequence per side, and the
 * shared loopback server.
 */
export function useDifferentialWorld(): void {
  beforeAll(async () => {
    await startServer();
    // `cookies` prints a deprecation notice when the session options carry
    // the old `maxage` spelling; both sides trigger it, it is only noise here.
    process.on('deprecation' as 'warning', ignoreDeprecation);
    // `syncBuiltinESMExports` makes the ESM named export `randomUUID` (which
    // both libraries import) follow the patched CommonJS function.
    const realUuid = crypto.randomUUID.bind(crypto);
    vi.spyOn(Date, 'now').mockImplementation(() => world.now);
    vi.spyOn(crypto, 'randomUUID').mockImplementation(
      () => (nextUuid() ?? realUuid()) as ReturnType<typeof crypto.randomUUID>,
    );
    syncBuiltinESMExports();
  });

  afterAll(async () => {
    process.off('deprecation' as 'warning', ignoreDeprecation);
    vi.restoreAllMocks();
    syncBuiltinESMExports();
    await stopServer();
  });
}

/** A hand-written scenario: one client, cookie mode and defaults unless overridden. */
export function fixedScenario(spec: Partial<OptionSpec>, steps: Step[], seed = 12345): Scenario {
  return {
    seed,
    clients: 1,
    start: 1_700_000_000_000,
    spec: {
      mode: 'cookie',
      storeAsync: false,
      storeMissing: 'undefined',
      externalKeyHeader: false,
      appKeys: ['k1'],
      https: false,
      opts: {},
      genid: 'default',
      valid: false,
      beforeSave: 'none',
      codec: 'default',
      early: 'none',
      double: false,
      ...spec,
    },
    steps,
  };
}
