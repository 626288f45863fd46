/**
 * Step why-sig — chapters/01-cookies.md#signing
 *
 * A quiz: answers/why-sig.txt in your workspace.
 */
import { it } from '../kit.js';
import { quiz } from '../support/answers.js';

it('answers/why-sig.txt: what a signature does, and what it does not', () => {
  quiz('why-sig', { '1': ['b'], '2': ['yes'], '3': ['no'], '4': ['b'] });
});
