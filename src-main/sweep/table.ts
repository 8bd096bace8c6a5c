/** A sweep's table as CSV (one row per grid point) or JSON (the same rows plus what ran). */
import { sweepCsvText } from '../../shared/ipc/sweep-table.js';
import type { SweepResult } from './run-sweep.js';

export function sweepCsv(r: SweepResult): string {
  return sweepCsvText(r.header, r.rows.map((row) => [...row.values, ...row.stats]));
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
      // points run on code compiled once for the sweep (compile-once.ts); the rest compiled their own
      compiled_once: r.compiled_once,
      // the programs they ran on: one per combination of the values folded into the code
      compiled_codes: r.compiled_codes,
      warnings: r.warnings,
      jobs: r.jobs,
      timings: r.timings,
    }) + '\n'
  );
}
