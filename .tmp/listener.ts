import http from 'node:http';
import Koa from 'koa';
import upstream from 'koa-session';
import { createSession, onTrace } from '../src/index.ts';
const [impl, mode, kind] = process.argv.slice(2);
const make = impl === 'upstream' ? (upstream as any) : createSession;
const app = new Koa();
app.keys = ['k'];
const records = new Map<string, any>();
const store = {
  get: async (k: string) => { await new Promise(r => setTimeout(r, 20)); return records.get(k); },
  set: async (k: string, v: any) => { await new Promise(r => setTimeout(r, 20)); records.set(k, v); },
  destroy: async (k: string) => { records.delete(k); },
};
app.use(make({ ...(mode === 'store' ? { store } : {}), valid: (_c: any, d: any) => d.views !== 1 }, app));
app.use((ctx: any) => { ctx.session.views = (ctx.session.views ?? 0) + 1; ctx.body = String(ctx.session.views); });
const busy = () => { const end = Date.now() + 1000; while (Date.now() < end); };
if (kind === 'throw') app.on('session:invalid', () => { throw new Error('listener bug'); });
if (kind === 'slow') app.on('session:invalid', busy);
if (kind === 'trace-throw') onTrace((m) => { if (m.step === 'valid') throw new Error('trace bug'); });
if (kind === 'trace-slow') onTrace((m) => { if (m.step === 'valid') busy(); });
const server = http.createServer(app.callback()).listen(0, async () => {
  const port = (server.address() as any).port;
  const get = (cookie?: string) => new Promise<{ status: number; cookies: string[]; ms: number }>((resolve, reject) => {
    const t0 = performance.now();
    http.get({ port, headers: cookie ? { cookie } : {} }, (res) => {
      res.resume(); res.on('end', () => resolve({ status: res.statusCode!, cookies: (res.headers['set-cookie'] ?? []).map(c => c.split(';')[0]!), ms: Math.round(performance.now() - t0) }));
    }).on('error', reject);
  });
  const first = await get();
  console.log('first', JSON.stringify(first));
  const second = await get(first.cookies.join('; '));
  console.log('second', JSON.stringify(second));
  setTimeout(() => { console.log('alive'); process.exit(0); }, 1500);
});
