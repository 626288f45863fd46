import { runOne, trialsFor } from '../test/port/options-parity.ts';
const t = trialsFor('encode').find((x) => x.label === 'a function returning undefined')!;
for (const impl of ['upstream', 'port'] as const) console.log(impl, JSON.stringify(await runOne(impl, 'encode', t, 'cookie'), null, 1));
const s = trialsFor('sameSite').find((x) => x.label === "''")!;
console.log(JSON.stringify(await runOne('upstream', 'sameSite', s, 'cookie')));
