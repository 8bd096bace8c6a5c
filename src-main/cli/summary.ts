/** A readable summary of a run for the terminal: the last trials as a table, not every number. */
import type { ModelLike } from '../engine/composition.js';
import type { RunOutput } from '../runtime/run-model.js';

const SHOWN_TRIALS = 10;

function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e4 || a < 1e-3 ? x.toExponential(4) : x.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
}

export function formatSummary(model: ModelLike, out: RunOutput): string {
  const name = typeof model.name === 'string' ? model.name : 'model';
  const lines: string[] = [];
  lines.push(`${name}: ${out.trials} trials in ${out.executed_mode} mode${out.mode !== out.executed_mode ? ` (requested ${out.mode})` : ''}, ${out.timings.run_ms.toFixed(1)} ms (${Math.round(out.timings.trials_per_s)} trials/s)${out.cancelled ? ' — cancelled' : ''}`);
  const first = Math.max(0, out.results.length - SHOWN_TRIALS);
  if (first > 0) lines.push(`last ${SHOWN_TRIALS} trials (use --out FILE for all):`);
  const rows = out.results.slice(first).map((r, i) => [String(first + i), ...r.map((port) => port.map(fmt).join(' '))]);
  const header = ['trial', ...(out.results[0] ?? []).map((_, k) => `output ${k}`)];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  lines.push(line(header));
  for (const r of rows) lines.push(line(r));
  return lines.join('\n') + '\n';
}
