/**
 * The attack scripts in ./attacks are for readers to run with tsx. This
 * test runs each one the same way, in its own Node process, and checks the
 * lines the chapter promises, so a script that stops working (or starts
 * telling a different story) fails the suite.
 *
 * Read with: chapters/11-security.md
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = (name: string) => fileURLToPath(new URL(`./attacks/${name}`, import.meta.url));

async function attack(name: string, ...args: string[]) {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script(name), ...args], {
    timeout: 20_000,
  });
  return stdout;
}

describe('attack scripts (npx tsx test/security/attacks/<name>.ts)', () => {
  it('read-cookie.ts decodes a session without any key', async () => {
    const out = await attack('read-cookie.ts');
    expect(out).toMatch(/\{"user":"alice","_expire":\d+,"_maxAge":86400000\}/);
    expect(await attack('read-cookie.ts', 'eyJ1c2VyIjoiYWRtaW4ifQ==')).toContain('"user": "admin"');
  });

  it('forge-unsigned.ts: believed when unsigned, refused when signed', async () => {
    const out = await attack('forge-unsigned.ts');
    expect(out).toMatch(/signed: false\s+→ the server thinks you are: admin/);
    expect(out).toMatch(/signed: true\s+→ the server thinks you are: \(nobody: fresh session\)/);
  });

  it('tamper-signed.ts: an edit is refused, the same edit with the key is accepted', async () => {
    const out = await attack('tamper-signed.ts');
    expect(out).toContain('server sees: {"user":null,"hits":null,"isNew":true}');
    expect(out).toContain('Set-Cookie: koa.sess.sig=; path=/; expires=Thu, 01 Jan 1970');
    expect(out).toContain('server sees: {"user":"admin","hits":null,"isNew":false}');
  });

  it('fixation.ts: the naive login hands the session over, regenerate() does not', async () => {
    const out = await attack('fixation.ts');
    const [naive, safe] = out.split('login route /login\n');
    expect(naive).toContain('the attacker, replaying the planted id, is: victim');
    expect(safe).toContain('the attacker, replaying the planted id, is: (nobody)');
  });

  it('hostile-payload.ts: five payloads, koa-session 500 each time, the port 200', async () => {
    const out = await attack('hostile-payload.ts');
    expect(out.match(/koa-session: 500\s+port: 200/g)).toHaveLength(5);
  });

  it('oversize.ts: the server sends > 4096 bytes, the browser drops it, the session is gone', async () => {
    const out = await attack('oversize.ts');
    expect(out).toMatch(/koa\.sess: (\d{4,}) bytes/);
    expect(Number(/koa\.sess: (\d+) bytes/.exec(out)?.[1])).toBeGreaterThan(4096);
    expect(out).toContain('the browser dropped: koa.sess');
    expect(out).toContain('next request: {"user":null,"hits":null,"isNew":true}');
  });
});
