/**
 * The licence (README › Licence and credits): MIT for the project, and
 * koa-session's own notice, word for word as koa-session 7.0.2 ships it,
 * for the code ported from it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

it('LICENSE is MIT and carries koa-session’s notice unchanged', () => {
  const licence = read('LICENSE');
  const upstream = read('node_modules/koa-session/LICENSE').trim();
  expect(licence.startsWith('MIT License\n\nCopyright (c) ')).toBe(true);
  expect(licence).toContain(upstream);
  expect(upstream).toContain('Copyright (c) 2014-present Koajs contributors');
  expect(JSON.parse(read('package.json')).license).toBe('MIT');
  expect(JSON.parse(read('node_modules/koa-session/package.json')).version).toBe('7.0.2');
});
