/**
 * Replace a method on a prototype for the length of one check, recording
 * the calls. Used where a step's code must call another part of the port
 * that is still a TODO at that point: the check stands in for it.
 */
export async function withSpy<T extends object, R>(
  proto: T,
  method: string,
  stand: (this: any, ...args: any[]) => unknown,
  body: (calls: unknown[][]) => Promise<R>,
): Promise<R> {
  const record = proto as Record<string, unknown>;
  const original = record[method];
  const calls: unknown[][] = [];
  record[method] = function (this: unknown, ...args: unknown[]) {
    calls.push(args);
    return stand.apply(this, args);
  };
  try {
    return await body(calls);
  } finally {
    record[method] = original;
  }
}
