import { attacks } from '../impl.js';
import { describe, expect, it } from '../kit.js';
import { attackSite } from '../support/attack-site.js';

const lab = await attacks();

const { site, logIn } = attackSite(lab);

describe('the readable cookie', () => {
  it('readSession reads a real session cookie without any key', async () => {
    const jar = await logIn(site(), 'alice');
    const data = lab.readSession(jar['koa.sess']!);
    expect(data.user, 'the user name is right there in the cookie').toBe('alice');
    expect(data.role).toBe('user');
    expect(typeof data._expire, 'and so is the expiry').toBe('number');
  });
});
