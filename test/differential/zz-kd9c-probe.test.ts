import { it } from 'vitest';
import { runScenario } from '/work/wt/house/test/differential/harness.js';
import { fixedScenario, PORT, REFERENCE, useDifferentialWorld } from '/work/wt/house/test/differential/support.js';
useDifferentialWorld();
it('kd9c', async () => {
  const s = fixedScenario({ opts: { sameSite: '<undefined>' } }, [{ t: 'live', name: 'sameSite', value: '<undefined>' }, { t: 'req', client: 0, actions: [{ a: 'inspect' }], manual: false }], 9093);
  const o = await runScenario(s, REFERENCE, PORT);
  console.log(JSON.stringify({ step: o.mismatch?.step, path: o.mismatch?.path, a: o.mismatch?.a, b: o.mismatch?.b }));
});
