/** The code hash that dates a measurement ignores comments and layout, and nothing else. */
import { describe, expect, it } from 'vitest';
import { codeOnly } from './code-hash.js';

const BASE = [
  '// #region hash',
  '/** The fingerprint. */',
  'export function hash(s: string) {',
  "  return s.length + '//'; // why",
  '}',
  '// #endregion hash',
].join('\n');

describe('codeOnly', () => {
  it('is unchanged by a reworded comment, a moved region marker or new line breaks', () => {
    const reworded = BASE.replace('The fingerprint.', 'A short number for the data.')
      .replace('// why', '// because')
      .replace('// #region hash\n', '')
      .replace('// #endregion hash', '// #region other\n// #endregion other')
      .replace('(s: string) {', '(\n  s: string,\n) {');
    expect(codeOnly(reworded)).toBe(codeOnly(BASE));
  });

  it('changes with any token of code, a // inside a string included', () => {
    expect(codeOnly(BASE.replace("'//'", "'/'"))).not.toBe(codeOnly(BASE));
    expect(codeOnly(BASE.replace('s.length', 's.length + 1'))).not.toBe(codeOnly(BASE));
  });
});
