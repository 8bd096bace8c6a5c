/**
 * Exports of results and plots. Results: CSV (one row per trial, one column per element of each
 * output port, headed NODE.PORT[element]) and JSON (the run's facts, columns and every trial).
 * Plots: PNG from uPlot's canvas, and SVG drawn here as a standalone document. Files are written
 * through the host (Electron asks where; the web host writes to the workspace's exports/ folder).
 */
import type { OutputColumn, TrialResults } from '../../shared/ipc/protocol.js';
import { csvTable, type CsvCell } from '../../shared/csv.js';
import type { Studio } from '../studio.js';

/** The header of an element's column: NODE.PORT[element] (the element index always shown). */
export function elementHeader(column: OutputColumn, element: number): string {
  return `${column.node}.${column.port}[${element}]`;
}

export function resultsCsv(columns: readonly OutputColumn[], results: TrialResults): string {
  const header = ['trial', ...columns.flatMap((c) => Array.from({ length: c.size }, (_, e) => elementHeader(c, e)))];
  const rows = results.map((trial, t) => {
    const cells: CsvCell[] = [t + 1];
    columns.forEach((c, ci) => {
      const values = trial[ci] ?? [];
      for (let e = 0; e < c.size; e++) cells.push(values[e] ?? null);
    });
    return cells;
  });
  return csvTable(header, rows);
}

export interface RunFacts {
  model: string;
  modelHash: string;
  mode: string;
  executedMode: string | null;
}

/** results[trial][column][element], null for a non-finite value, with the columns that name them. */
export function resultsJson(facts: RunFacts, columns: readonly OutputColumn[], results: TrialResults): string {
  return JSON.stringify({ format: 'cogstudio-results', version: 1, ...facts, trials: results.length, columns, results }, null, 1) + '\n';
}

export interface SvgSeries {
  label: string;
  color: string;
  values: readonly (number | null)[];
  /** Dashed line (e.g. the second run of a comparison, drawn over the first). */
  dashed?: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : String(Number(v.toPrecision(4))));

/** Evenly spaced "nice" ticks (1, 2, 5 × 10^k) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** A line plot as a standalone SVG document: axes with ticks, one polyline per series (gaps at nulls), a legend. */
export function plotSvg(opts: { title: string; xLabel: string; xs: readonly number[]; series: readonly SvgSeries[]; width?: number; height?: number }): string {
  const W = opts.width ?? 640;
  const H = opts.height ?? 320;
  const m = { left: 64, right: 16, top: 28, bottom: 44 };
  const finite = opts.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  let yLo = finite.length ? Math.min(...finite) : 0;
  let yHi = finite.length ? Math.max(...finite) : 1;
  if (yLo === yHi) [yLo, yHi] = [yLo - 1, yHi + 1];
  // a little room above and below, so that no line runs along an edge
  const pad = (yHi - yLo) * 0.05;
  [yLo, yHi] = [yLo - pad, yHi + pad];
  const xLo = opts.xs[0] ?? 0;
  const xHi = opts.xs.length > 1 ? opts.xs[opts.xs.length - 1]! : xLo + 1;
  const px = (x: number) => m.left + ((x - xLo) / (xHi - xLo)) * (W - m.left - m.right);
  const py = (y: number) => H - m.bottom - ((y - yLo) / (yHi - yLo)) * (H - m.top - m.bottom);
  const parts: string[] = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${m.left}" y="16" font-size="13" font-weight="bold">${esc(opts.title)}</text>`,
    `<g stroke="#e5e7eb">`,
  ];
  const yTicks = niceTicks(yLo, yHi);
  const xTicks = niceTicks(xLo, xHi).filter((x) => Number.isInteger(x) || opts.xLabel !== 'trial');
  for (const y of yTicks) parts.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${py(y).toFixed(2)}" y2="${py(y).toFixed(2)}"/>`);
  parts.push(`</g>`, `<g stroke="#6b7280"><line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${H - m.bottom}"/><line x1="${m.left}" x2="${W - m.right}" y1="${H - m.bottom}" y2="${H - m.bottom}"/></g>`);
  parts.push(`<g fill="#374151" text-anchor="end">`);
  for (const y of yTicks) parts.push(`<text x="${m.left - 6}" y="${(py(y) + 4).toFixed(2)}">${fmt(y)}</text>`);
  parts.push(`</g>`, `<g fill="#374151" text-anchor="middle">`);
  for (const x of xTicks) parts.push(`<text x="${px(x).toFixed(2)}" y="${H - m.bottom + 16}">${fmt(x)}</text>`);
  parts.push(`<text x="${(m.left + W - m.right) / 2}" y="${H - 8}">${esc(opts.xLabel)}</text>`, `</g>`);
  opts.series.forEach((s, i) => {
    // a null (non-finite) value breaks the line
    const runs: string[][] = [[]];
    s.values.forEach((v, k) => {
      if (v === null || !Number.isFinite(v) || opts.xs[k] === undefined) {
        if (runs[runs.length - 1]!.length) runs.push([]);
      } else runs[runs.length - 1]!.push(`${px(opts.xs[k]!).toFixed(2)},${py(v).toFixed(2)}`);
    });
    for (const points of runs.filter((r) => r.length)) {
      parts.push(`<polyline fill="none" stroke="${esc(s.color)}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${points.join(' ')}"><title>${esc(s.label)}</title></polyline>`);
    }
    parts.push(`<g><line x1="${W - m.right - 110}" x2="${W - m.right - 94}" y1="${m.top + 6 + i * 14}" y2="${m.top + 6 + i * 14}" stroke="${esc(s.color)}" stroke-width="2"/><text x="${W - m.right - 90}" y="${m.top + 10 + i * 14}">${esc(s.label)}</text></g>`);
  });
  parts.push(`</svg>`);
  return parts.join('\n') + '\n';
}

/** A file-name-safe stem from a model name. */
export function exportStem(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60) || 'model';
}

/** Writes an export through the host; returns where it went (null when the user cancelled). */
export async function saveExport(studio: Studio, name: string, content: string, encoding: 'utf8' | 'base64' = 'utf8'): Promise<string | null> {
  const { path } = await studio.host.call({ method: 'file.export', name, content, encoding });
  return path;
}

/** The PNG of a canvas, as base64. */
export function canvasPngBase64(canvas: HTMLCanvasElement): string {
  return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}
