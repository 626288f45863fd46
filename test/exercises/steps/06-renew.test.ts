/**
 * Step renew — chapters/06-should-save-session.md#rolling-and-renew
 *
 * A quiz: answers/renew.txt in your workspace.
 */
import { it } from '../kit.js';
import { quiz } from '../support/answers.js';

it('answers/renew.txt: when renew fires, and what rolling costs', () => {
  quiz('renew', {
    '1': ['c'],
    '2': ['no'],
    '3': ['yes'],
    '4': ['a'],
    '5': ['no'],
  });
});
