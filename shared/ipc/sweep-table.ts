/** A sweep's table as CSV, written the same way by the CLI and the studio's export. */

import { csvTable } from '../csv.js';

/** One line per row (see shared/csv.ts for the format). */
export function sweepCsvText(header: readonly string[], rows: readonly (readonly (number | null)[])[]): string {
  return csvTable(header, rows);
}

/**
 * How a compiled sweep's code was made, for people (the CLI's summary, the Sweep panel): "compiled
 * once", or "compiled N times (…)" when parameters were built into the code, with "for K of P
 * points" when the others compiled their own; "compiled per point" when none ran on shared code.
 */
export function describeSweepCompiles(compiledOnce: number, codes: number, points: number): string {
  const made = codes > 1 ? `compiled ${codes} times (once per value of the parameters built into the code)` : 'compiled once';
  if (compiledOnce === points) return made;
  return compiledOnce > 0 ? `${made} for ${compiledOnce} of ${points} points` : 'compiled per point';
}
