/**
 * Stepping through the port from a playground: a breakpoint set on a line
 * of src/context.ts (the TypeScript, not tsx's output) must stop there.
 *
 * The probe (fixtures/break-probe.mjs) is a real inspector client attached
 * to the playground's main thread, doing what VS Code does with a source
 * map: translate the TypeScript line into a position in the code tsx
 * generated, break there, and translate the paused position back.
 * Also checks that every launch configuration starts its playground the
 * way this test does.
 * Read with: chapters/run-it-yourself.md#stepping-through-the-code
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type Running, startScript } from '../../playground/processes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** VS Code's placeholder for the project folder, as written in launch.json. */
const WORKSPACE = ['$', '{workspaceFolder}'].join('');

function lineOf(file: string, needle: string): number {
  const lines = readFileSync(`${root}/${file}`, 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`${needle} not found in ${file}`);
  return index + 1;
}

let playground: Running | undefined;
afterEach(async () => {
  await playground?.stop();
  playground = undefined;
});

describe('breakpoints in src/ from a playground started with tsx', () => {
  it('stop on the TypeScript line they were set on', async () => {
    const line = lineOf('src/context.ts', 'const forced = save || regenerate');
    playground = await startScript('playground/memory.ts', {
      cwd: root,
      imports: ['./test/playground/fixtures/break-probe.mjs'],
      env: {
        PORT: '0',
        PLAYGROUND_QUIET: '1',
        TRACE: '',
        BREAK_AT: `src/context.ts:${line}`,
      },
      ready: /ready (http:\/\/\S+)/,
      stopSignal: 'SIGKILL',
    });
    const [, url] = playground.ready;
    expect(playground.output()).toContain(`armed src/context.ts:${line}`);
    const port = new URL(url!).port;
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(await response.text()).toBe('1 views'); // paused, resumed, answered
    await playground.waitFor(/paused /);
    expect(playground.output()).toContain(`paused src/context.ts:${line}`);
    expect(playground.output()).not.toContain('error');
  }, 30_000);
});

describe('.vscode/launch.json', () => {
  const launch = JSON.parse(readFileSync(`${root}/.vscode/launch.json`, 'utf8')) as {
    configurations: {
      name: string;
      request: string;
      program?: string;
      runtimeArgs?: string[];
      sourceMaps?: boolean;
    }[];
  };
  const playgrounds = launch.configurations.filter((c) => c.program?.includes('/playground/'));

  it('has a configuration for each playground', () => {
    const programs = new Set(playgrounds.map((c) => c.program!.split('/').pop()));
    expect([...programs].sort()).toEqual(['memory.ts', 'mysql.ts', 'redis.ts', 'scale.ts']);
  });

  it.each(playgrounds.map((c) => [c.name, c] as const))(
    '%s: node --import tsx, source maps on',
    (_name, config) => {
      expect(config.runtimeArgs).toEqual(['--import', 'tsx']);
      expect(config.sourceMaps).toBe(true);
      expect(existsSync(config.program!.replace(WORKSPACE, root))).toBe(true);
    },
  );
});
