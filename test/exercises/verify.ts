/**
 * `npm run exercises:verify` — every step must fail as shipped and pass
 * with the reference. Prints one line per step, then exactly one summary
 * line; exits non-zero if any step disagrees. See runner/verify.ts for
 * what is checked and why.
 */
import { type StepVerdict, verifySteps } from './runner/verify.js';

function why(run: StepVerdict['shipped']): string {
  if (run.timedOut) return `timed out in ${run.timedOut.check ?? 'loading'}`;
  if (run.failure) return `${run.failure.check} — ${run.failure.message.split('\n')[0]}`;
  return `${run.passed} of ${run.total} checks passed`;
}

function describeVerdict(v: StepVerdict, i: number): string {
  const name = `${String(i + 1).padStart(2)}  ${v.step.name.padEnd(20)} ${v.step.kind.padEnd(7)}`;
  if (v.skipped) return `  -  ${name} skipped: needs ${v.step.needs} (see README "Services")`;
  const shipped = v.failsAsShipped
    ? `fails as shipped (check ${v.shipped.passed + 1} of ${v.shipped.total})`
    : 'PASSES AS SHIPPED (its checks do not reach what the learner must do)';
  const solved = v.passesWithReference
    ? `passes with the reference (${v.solved.total} checks)`
    : `FAILS WITH THE REFERENCE IN PLACE: ${why(v.solved)}`;
  const mark = v.failsAsShipped && v.passesWithReference ? '✓' : '✗';
  return `  ${mark}  ${name} ${shipped}, ${solved}`;
}

// `npm run exercises:verify | head` closes the pipe early; that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const report = await verifySteps((verdict, i) => {
  console.log(describeVerdict(verdict, i));
});
console.log(`  (${(report.ms / 1000).toFixed(1)} s)`);
console.log(report.summary);
process.exitCode = report.ok ? 0 : 1;
