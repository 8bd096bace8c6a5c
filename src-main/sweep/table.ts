/** A sweep's table as CSV (one row per grid point) or JSON (the same rows plus what ran). */
import type { SweepResult } from './run-sweep.js';

/** A CSV field: quoted when it holds a separator, quote or line break (node names may). */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Numbers in their shortest exact form (they read back to the same doubles). */
export function sweepCsv(r: SweepResult): string {
  const lines = [r.header.map(csvField).join(',')];
  for (const row of r.rows) lines.push([...row.values, ...row.stats].map((x) => String(x)).join(','));
  return lines.join('\n') + '\n';
}

export function sweepJson(r: SweepResult): string {
  return (
    JSON.stringify({
      columns: r.header,
      // JSON has no NaN: a statistic with no value (a run without trials) is null
      rows: r.rows.map((row) => [...row.values, ...row.stats].map((x) => (Number.isFinite(x) ? x : null))),
      points: r.total,
      cancelled: r.cancelled,
      executed_modes: r.executed_modes,
      warnings: r.warnings,
      jobs: r.jobs,
      timings: r.timings,
    }) + '\n'
  );
}
