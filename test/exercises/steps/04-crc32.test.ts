/**
 * Step crc32 — chapters/06-should-save-session.md#hashing
 *
 * A quiz: answers/crc32.txt in your workspace.
 */
import { it } from '../kit.js';
import { quiz } from '../support/answers.js';

it('answers/crc32.txt: what the CRC-32 fingerprint is for', () => {
  quiz('crc32', {
    '1': ['b'],
    '2': ['no'],
    '3': ['yes'],
    '4': ['no'],
    '5': ['signature', 'the signature', 'sig', '.sig'],
  });
});
