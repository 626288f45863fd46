/**
 * `npm run exercises:verify` — every exercise must fail as shipped and pass
 * with the reference. Prints one line per exercise, then exactly one
 * summary line; exits non-zero if any exercise disagrees.
 * See runner/verify.ts for what is checked and why.
 */
import { type ExerciseVerdict, verifyExercises } from './runner/verify.js';

function describeVerdict(v: ExerciseVerdict, i: number): string {
  const name = `${String(i + 1).padStart(2)}  ${v.exercise.name.padEnd(22)}`;
  if (v.skipped)
    return `  -  ${name} skipped: needs ${v.exercise.needs ?? 'a service'} (see README "Services")`;
  const shipped = v.failsAsShipped
    ? `fails as shipped (${v.shipped.failed} of ${v.shipped.failed + v.shipped.passed} checks)`
    : 'PASSES AS SHIPPED (its tests do not reach the stubbed code)';
  const problems: string[] = [];
  if (v.solved.failed > 0 || v.solved.passed === 0) {
    problems.push(
      `FAILS WITH ITS REFERENCE BODIES IN PLACE (later exercises still stubs): ${v.solved.failures[0]?.test ?? 'no test ran'} — ${v.solved.failures[0]?.message ?? ''}`,
    );
  }
  if (v.reference.failed > 0 || v.reference.passed === 0) {
    problems.push(
      `FAILS AGAINST src/: ${v.reference.failures[0]?.test ?? 'no test ran'} — ${v.reference.failures[0]?.message ?? ''}`,
    );
  }
  const passes = problems.length ? problems.join('; ') : 'passes with the reference';
  const mark = v.failsAsShipped && !problems.length ? '✓' : '✗';
  return `  ${mark}  ${name} ${shipped}, ${passes}`;
}

// `npm run exercises:verify | head` closes the pipe early; that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const report = await verifyExercises((verdict, i) => {
  console.log(describeVerdict(verdict, i));
});
console.log(`  (${(report.ms / 1000).toFixed(1)} s)`);
console.log(report.summary);
process.exitCode = report.ok ? 0 : 1;
