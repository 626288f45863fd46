import { attacks } from '../impl.js';
import { describe, expect, it, realTime, setNow } from '../kit.js';
import { attackSite } from '../support/attack-site.js';

const lab = await attacks();

const { site, visit, logIn } = attackSite(lab);

describe('tampering: change the data, keep the old signature', () => {
  it('tamper changes the session inside the cookie and nothing else', async () => {
    const jar = await logIn(site(), 'alice');
    const copy = { ...jar };
    const tampered = lab.tamper(jar, 'koa.sess', (d) => ({ ...d, role: 'admin' }));
    expect(lab.readSession(tampered['koa.sess']!).role, 'the forged role').toBe('admin');
    expect(lab.readSession(tampered['koa.sess']!).user, 'the rest is kept').toBe('alice');
    expect(tampered['koa.sess.sig'], 'the old signature is kept').toBe(jar['koa.sess.sig']);
    expect(jar, 'the original jar is not modified').toEqual(copy);
  });

  it('works against an app that does not sign its cookies', async () => {
    const unsigned = site({ signed: false });
    const jar = await logIn(unsigned, 'alice');
    const tampered = lab.tamper(jar, 'koa.sess', (d) => ({ ...d, role: 'admin' }));
    const { body } = await visit(unsigned, tampered);
    expect(body.role, 'without signatures the server believes the cookie').toBe('admin');
  });

  it('is refused by a signing app: the visitor gets a new, empty session', async () => {
    const app = site();
    const jar = await logIn(app, 'alice');
    const tampered = lab.tamper(jar, 'koa.sess', (d) => ({ ...d, role: 'admin' }));
    const { body } = await visit(app, tampered);
    expect(body.role, 'the tampered role is not accepted').toBeNull();
    expect(body.isNew, 'a brand-new session').toBe(true);
  });

  it('pushing _expire into the future is tampering too, and refused', async () => {
    const app = site({ maxAge: 1000 });
    const jar = await logIn(app, 'alice');
    const extended = lab.tamper(jar, 'koa.sess', (d) => ({
      ...d,
      _expire: Date.now() + 3_600_000,
    }));
    setNow(Date.now() + 5000);
    try {
      const { body } = await visit(app, extended);
      expect(body.user, 'the extended cookie is refused').toBeNull();
    } finally {
      realTime();
    }
  });
});
