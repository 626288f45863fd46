import { runOne, trialsFor } from '../test/port/options-parity.ts';
for (const [o, l] of [['maxAge','Infinity'],['maxAge','-Infinity'],['maxAge','1e16'],['maxAge','Number.MAX_SAFE_INTEGER'],['sameSite',"'x'"],['encode','undefined'],['decode','undefined']] as const) {
  const t = trialsFor(o).find((x) => x.label === l)!;
  const r = await runOne('upstream', o, t, 'cookie');
  console.log(o, l, r.started && r.exchanges.map(x=>x.status+' '+x.setCookie.join(' | ').slice(0,140)).join(' // '), r.started && r.errors);
}
