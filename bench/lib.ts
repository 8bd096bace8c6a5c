/** Small helpers of the benchmark harness: statistics, result comparison, formatting. */

/** The modes compared, Interpreted first (the reference). */
export const MODES = ['Interpreted', 'LLVM', 'LLVMExec', 'LLVMRun'] as const;
export type Mode = (typeof MODES)[number];

/** Largest relative difference accepted between two modes (and between C and us). */
export const RTOL = 1e-12;

export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Least-squares slope of log(y) against log(x): the exponent k of y ∝ x^k. */
export function loglogSlope(points: readonly (readonly [number, number])[]): number {
  const ps = points.filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(x) && Number.isFinite(y));
  if (ps.length < 2) return NaN;
  const lx = ps.map(([x]) => Math.log(x));
  const ly = ps.map(([, y]) => Math.log(y));
  const mx = lx.reduce((a, b) => a + b, 0) / ps.length;
  const my = ly.reduce((a, b) => a + b, 0) / ps.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < ps.length; i++) {
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    sxx += (lx[i]! - mx) ** 2;
  }
  return sxy / sxx;
}

/** |a − b| / max(|a|, |b|): 0 when equal (NaN equals NaN), Infinity when only one is NaN. */
export function relDiff(a: number, b: number): number {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  if (Number.isNaN(a) || Number.isNaN(b)) return Infinity;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

export interface Difference {
  trial: number;
  /** Index of the number within the trial's flattened results. */
  index: number;
  got: number;
  want: number;
  rel: number;
}

export interface Comparison {
  /** Trials compared. */
  trials: number;
  maxRel: number;
  /** The first value differing by more than RTOL, or null. */
  first: Difference | null;
}

/** Results of a run as the runtime hands them over: trials × width doubles. */
export interface FlatRun {
  values: Float64Array;
  width: number;
  trials: number;
}

/** Compares the first `trials` trials of two flat runs (a width difference counts as a disagreement). */
export function compareRuns(got: FlatRun, want: FlatRun, trials = Math.min(got.trials, want.trials)): Comparison {
  if (got.width !== want.width) return { trials, maxRel: Infinity, first: { trial: 0, index: -1, got: got.width, want: want.width, rel: Infinity } };
  const width = want.width;
  let maxRel = 0;
  let first: Difference | null = null;
  for (let t = 0; t < trials; t++) {
    for (let i = 0; i < width; i++) {
      const g = got.values[t * width + i]!;
      const w = want.values[t * width + i]!;
      const r = relDiff(g, w);
      if (r > maxRel) maxRel = r;
      if (r > RTOL && !first) first = { trial: t, index: i, got: g, want: w, rel: r };
    }
  }
  return { trials, maxRel, first };
}

/** A number in a table cell: 3 significant digits, thousands separated, '—' for missing. */
export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (Math.abs(x) >= 10 ** digits) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(digits)).toLocaleString('en-US', { maximumSignificantDigits: digits });
}

/** Renders rows as an aligned text table (first row = header). */
export function table(rows: readonly (readonly string[])[], rightAlignFrom = 1): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]) => r.map((cell, c) => (c >= rightAlignFrom ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
