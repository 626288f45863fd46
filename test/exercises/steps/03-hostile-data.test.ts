/**
 * Step hostile-data — chapters/deviations.md#hostile-session-data
 *
 * A fix step: `findHostileKey` has one planted bug. It is the port's
 * hardening: data from outside (a cookie, a store) that would break the
 * Session or crash a later step must be refused before it is loaded.
 */
import { hardening } from '../impl.js';
import { describe, expect, it } from '../kit.js';

const verdict = (json: string) => hardening.findHostileKey(JSON.parse(json));

describe('findHostileKey', () => {
  it('ordinary session data is fine', () => {
    expect(verdict('{"user":"alice","views":3,"_expire":1,"_maxAge":60000}'), 'verdict').toBe(
      undefined,
    );
  });

  it('a reserved name (__proto__, save, toJSON) is refused', () => {
    for (const json of ['{"__proto__":{"admin":true}}', '{"save":1}', '{"toJSON":"x"}']) {
      expect(verdict(json), json).toBeDefined();
    }
  });

  it('a saved lifetime no cookie can carry (_maxAge: "soon") is refused', () => {
    expect(verdict('{"_maxAge":"soon"}'), '{"_maxAge":"soon"}').toBeDefined();
  });

  it('a cookie saying maxAge: "soon" is refused too — loaded, it would become the session’s lifetime', () => {
    expect(verdict('{"views":1,"maxAge":"soon"}'), '{"views":1,"maxAge":"soon"}').toBeDefined();
  });

  it('an _expire that arithmetic cannot use is refused', () => {
    expect(verdict('{"_expire":{"toString":1}}'), '{"_expire":{"toString":1}}').toBeDefined();
  });
});
