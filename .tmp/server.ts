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
app.use((ctx: any) => { if (ctx.path === '/other') { ctx.body = 'other'; return; } ctx.session.views = (ctx.session.views ?? 0) + 1; ctx.body = String(ctx.session.views); });
const busy = () => { const end = Date.now() + 1000; while (Date.now() < end); };
if (kind === 'throw') app.on('session:invalid', () => { throw new Error('listener bug'); });
if (kind === 'slow') app.on('session:invalid', busy);
if (kind === 'trace-throw') onTrace((m) => { if (m.step === 'valid') throw new Error('trace bug'); });
if (kind === 'trace-slow') onTrace((m) => { if (m.step === 'valid') busy(); });
const server = app.listen(0, () => console.log(`port ${(server.address() as any).port}`));
