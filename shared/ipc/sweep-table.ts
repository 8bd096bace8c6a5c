/** A sweep's table as CSV, written the same way by the CLI and the studio's export. */

/** A CSV field: quoted when it holds a separator, quote or line break (node names may). */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One line per row; numbers in their shortest exact form (they read back to the same doubles), null as NaN. */
export function sweepCsvText(header: readonly string[], rows: readonly (readonly (number | null)[])[]): string {
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) lines.push(row.map((x) => String(x ?? NaN)).join(','));
  return lines.join('\n') + '\n';
}
