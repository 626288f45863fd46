/**
 * The `// Port:` rule (README › Layout): every use of a port room outside
 * the room itself sits under a `// Port:` note — inside the lines the book
 * tints (docs/scripts/port-lines.ts) — and so does every call of the port's
 * two helper methods in context.ts. Trace calls are the exception: each is
 * one line, `trace(ctx, step.<event>(…))`, its event built in src/trace.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findPortGroups } from '../../docs/scripts/port-lines.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The files that hold what the port adds to koa-session. */
const PORT_ROOMS = [
  'src/signed-cookie.ts',
  'src/hardening.ts',
  'src/live-options.ts',
  'src/trace.ts',
];
/** The port's helper methods inside the lifecycle file. */
const PORT_HELPERS = ['load', 'refuse'];

/** One line of `trace(ctx, step.name(…));`, optionally after a one-line `if`. */
const TRACE_LINE = /^\s*(?:if \(.*\) )?trace\((?:this\.)?ctx, step\.\w+\(.*\)\);$/;

interface Offence {
  file: string;
  line: number;
  text: string;
  why: string;
}

/** Value names a file imports from the port rooms, by room. */
function importsFromRooms(file: string, source: string): Map<string, string> {
  const names = new Map<string, string>();
  const imports = /^import (type )?\{([^}]*)\} from '(\.[^']+)';/gm;
  for (const [, typeOnly, list, spec] of source.matchAll(imports)) {
    if (typeOnly || !list || !spec) continue;
    const target = relative(root, resolve(root, dirname(file), spec.replace(/\.js$/, '.ts')));
    if (!PORT_ROOMS.includes(target)) continue;
    for (const item of list.split(',')) {
      const name = item.trim();
      if (name && !name.startsWith('type ')) names.set(name, target);
    }
  }
  return names;
}

/** 0-based [first, last] lines of each port helper method's body. */
function helperBodies(lines: string[]): [number, number][] {
  const bodies: [number, number][] = [];
  for (const name of PORT_HELPERS) {
    const start = lines.findIndex((l) => new RegExp(`^  private ${name}\\(`).test(l));
    if (start < 0) continue;
    const end = lines.findIndex((l, i) => i > start && l === '  }');
    bodies.push([start, end]);
  }
  return bodies;
}

/** Every line of `source` that breaks the rule. */
function portMarkOffences(file: string, source: string): Offence[] {
  if (PORT_ROOMS.includes(file)) return [];
  const lines = source.split('\n');
  const names = importsFromRooms(file, source);
  // An instance of a room's class counts as the room: `live` below
  // `const live = new LiveOptions(user)`.
  for (const [, local, cls] of source.matchAll(/const (\w+) = new (\w+)\(/g)) {
    const room = cls ? names.get(cls) : undefined;
    if (local && room) names.set(local, room);
  }
  const tinted = new Set<number>();
  for (const g of findPortGroups(lines)) {
    if (g.kind !== 'port') continue;
    for (let i = g.start; i <= g.end; i++) tinted.add(i);
  }
  const inHelper = (i: number) => helperBodies(lines).some(([a, b]) => i > a && i < b);
  const offences: Offence[] = [];
  let inComment = false;
  lines.forEach((text, i) => {
    const trimmed = text.trim();
    if (inComment) {
      if (trimmed.includes('*/')) inComment = false;
      return;
    }
    if (trimmed.startsWith('/*')) {
      inComment = !trimmed.includes('*/');
      return;
    }
    if (trimmed.startsWith('//') || trimmed.startsWith('import ')) return;
    const at = (why: string) => offences.push({ file, line: i + 1, text: trimmed, why });
    for (const [name, room] of names) {
      if (!new RegExp(`(^|[^\\w.])${name}\\b`).test(text)) continue;
      if (room === 'src/trace.ts') {
        if (!TRACE_LINE.test(text)) at('a trace call is one line: trace(ctx, step.<event>(…));');
      } else if (!tinted.has(i)) {
        at(`uses ${name} (${room}) outside a // Port: note`);
      }
    }
    const helper = PORT_HELPERS.find((h) => text.includes(`this.${h}(`));
    if (helper && !tinted.has(i) && !inHelper(i))
      at(`calls the port helper ${helper} outside a // Port: note`);
  });
  return offences;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

describe('// Port: marks every call into a port room', () => {
  it('holds for every file in src/', () => {
    const offences = sourceFiles('src').flatMap((file) =>
      portMarkOffences(file, readFileSync(join(root, file), 'utf8')),
    );
    expect(offences).toEqual([]);
  });

  it('the lifecycle does call into every room, so the check has work', () => {
    const context = readFileSync(join(root, 'src/context.ts'), 'utf8');
    const uses = (name: string) => context.split('\n').filter((l) => l.includes(`${name}(`)).length;
    expect(uses('readSessionCookie')).toBe(2);
    expect(uses('findHostileKey')).toBe(1);
    expect(uses('trace')).toBeGreaterThan(15);
    const index = readFileSync(join(root, 'src/index.ts'), 'utf8');
    expect(index).toContain('new LiveOptions(user)');
  });

  it('catches an unmarked call, a two-line trace and an unmarked helper', () => {
    const file = 'src/context.ts';
    const real = readFileSync(join(root, file), 'utf8');
    const unmarked = real.replace(
      '    // Port: refuse data that would crash koa-session (src/hardening.ts).\n',
      '',
    );
    expect(portMarkOffences(file, unmarked).map((o) => o.text)).toEqual([
      'const hostile = findHostileKey(data);',
      'if (hostile) return this.refuse(data, key, hostile);',
    ]);
    const spread = real.replace(
      'trace(ctx, step.decoded());',
      "trace(ctx, {\n      step: 'decode', ok: true });",
    );
    expect(portMarkOffences(file, spread).map((o) => o.text)).toEqual([
      'trace(ctx, {',
      "step: 'decode', ok: true });",
    ]);
    const live = readFileSync(join(root, 'src/index.ts'), 'utf8').replace(
      /\n {6}\/\/ Port: your option, read live[^\n]*\n[^\n]*\n/,
      '\n',
    );
    expect(portMarkOffences('src/index.ts', live).map((o) => o.text)).toEqual([
      "if (live.current('autoCommit')) await sess.commit();",
    ]);
  });
});
