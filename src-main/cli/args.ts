/** Command-line argument helpers shared by the CLI's commands. */

/** A malformed command line (exit code 2, printed with the usage text). */
export class UsageError extends Error {}

export function positional(args: string[], what: string): string {
  if (args.length !== 1) throw new UsageError(args.length === 0 ? `missing ${what}` : `expected one ${what}, got ${args.length}`);
  return args[0]!;
}

/** An optional whole-number option from 1 to `max`. */
export function wholeNumber(v: string | undefined, name: string, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${name} must be a whole number from 1 to ${max}, not ${JSON.stringify(v)}`);
  return n;
}
