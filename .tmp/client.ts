import { spawn } from 'node:child_process';
import http from 'node:http';
const [impl, mode, kind] = process.argv.slice(2);
const child = spawn(process.execPath, ['--import', 'tsx', '.tmp/server.ts', impl!, mode!, kind!], { stdio: ['ignore', 'pipe', 'pipe'] });
let err = '';
child.stderr.on('data', (d) => (err += d));
const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
const port = await new Promise<number>((r) => child.stdout.on('data', (d) => { const m = /port (\d+)/.exec(String(d)); if (m) r(Number(m[1])); }));
const get = (path: string, cookie?: string) => new Promise<any>((resolve) => {
  const t0 = performance.now();
  http.get({ port, path, headers: cookie ? { cookie } : {} }, (res) => {
    let body = ''; res.on('data', (d) => (body += d));
    res.on('end', () => resolve({ status: res.statusCode, body, cookies: (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]), ms: Math.round(performance.now() - t0) }));
  }).on('error', (e) => resolve({ error: e.message, ms: Math.round(performance.now() - t0) }));
});
const first = await get('/');
const t = performance.now();
const [second, other] = await Promise.all([get('/', first.cookies.join('; ')), new Promise((r) => setTimeout(r, 50)).then(() => get('/other'))]);
await new Promise((r) => setTimeout(r, 300));
const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('running'), 500))]);
console.log(JSON.stringify({ impl, mode, kind, second: { status: second.status, body: second.body, error: second.error, ms: second.ms }, other: { status: other.status, error: other.error, ms: other.ms }, process: code, stderr: err.split('\n').find((l) => /Error/.test(l)) }));
child.kill();
