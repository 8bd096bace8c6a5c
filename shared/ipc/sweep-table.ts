/** A sweep's table as CSV, written the same way by the CLI and the studio's export. */

import { csvTable } from '../csv.js';

/** One line per row (see shared/csv.ts for the format). */
export function sweepCsvText(header: readonly string[], rows: readonly (readonly (number | null)[])[]): string {
  return csvTable(header, rows);
}
