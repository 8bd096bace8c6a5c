/** Comparison of our output with a reference case's `expected`, as ../shared/tools/check-reference.py does. */

/** Removes singleton nesting ([[v]] → [v]) at the top, as the reference checker tolerates. */
export function squeeze(x: unknown): unknown {
  while (Array.isArray(x) && x.length === 1 && Array.isArray(x[0])) x = x[0];
  return x;
}

/** Returns null when `got` matches `want` within atol + rtol·|want|, else where and how it differs. */
export function closeTo(got: unknown, want: unknown, rtol: number, atol: number, path = 'results'): string | null {
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) {
      return `${path}: shape differs (got ${Array.isArray(got) ? `length ${got.length}` : JSON.stringify(got)}, want length ${want.length})`;
    }
    for (let i = 0; i < want.length; i++) {
      const err = closeTo(got[i], want[i], rtol, atol, `${path}[${i}]`);
      if (err) return err;
    }
    return null;
  }
  if (Array.isArray(got) && got.length === 1) got = got[0];
  if (typeof want !== 'number' || typeof got !== 'number') return got === want ? null : `${path}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
  if (Number.isNaN(want)) return Number.isNaN(got) ? null : `${path}: got ${got}, want NaN`;
  return Math.abs(got - want) <= atol + rtol * Math.abs(want) ? null : `${path}: got ${got}, want ${want}`;
}
