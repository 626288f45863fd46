/**
 * Step forge — chapters/11-security.md#tampering
 *
 * The attack lab: sign a cookie of your own with a key you guessed. The
 * attack is fired at a site whose key really is the guess (it must work)
 * and at one with a real secret (it must be refused).
 */
import Keygrip from 'keygrip';
import { attacks } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { attackSite } from '../support/attack-site.js';

const lab = await attacks();

const { site, visit } = attackSite(lab);

describe('forgery: sign your own cookie with a guessed key', () => {
  const GUESS = 'password123';
  const admin = { user: 'mallory', role: 'admin' };

  it('forge builds the cookie and a keygrip-correct signature for the guessed key', () => {
    const jar = lab.forge('koa.sess', admin, GUESS);
    expect(lab.readSession(jar['koa.sess']!), 'the forged data').toEqual(admin);
    expect(jar['koa.sess.sig'], 'the signature a server with that key would compute').toBe(
      new Keygrip([GUESS]).sign(`koa.sess=${jar['koa.sess']}`),
    );
  });

  it('works against an app whose key really is the guessed one', async () => {
    const weak = site({}, [GUESS]);
    const { body } = await visit(weak, lab.forge('koa.sess', admin, GUESS));
    expect(body.role, 'a guessable key is as good as no key').toBe('admin');
  });

  it('is refused by an app with a secret key', async () => {
    const { body } = await visit(site(), lab.forge('koa.sess', admin, GUESS));
    expect(body.role).toBeNull();
    expect(body.isNew).toBe(true);
  });
});
