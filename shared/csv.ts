/**
 * CSV as our exports write it (results, sweeps; the CLI and the studio alike): a header line, one
 * line per row, fields quoted only when they hold a separator, quote or line break (node names
 * may), numbers in their shortest exact form (they read back to the same doubles), and a missing or
 * non-finite value (null) as NaN, which spreadsheets, numpy and pandas read.
 */
export type CsvCell = string | number | null;

/** A CSV field, quoted when it holds a comma, quote or line break. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvCell(cell: CsvCell): string {
  if (cell === null) return 'NaN';
  return typeof cell === 'number' ? String(cell) : csvField(cell);
}

/** The whole table, ending with a line break. */
export function csvTable(header: readonly string[], rows: Iterable<readonly CsvCell[]>): string {
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) lines.push(row.map(csvCell).join(','));
  return lines.join('\n') + '\n';
}
