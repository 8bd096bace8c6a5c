/** Comparison of our output with a reference case's `expected`, as ../shared/tools/check-reference.py does. */

/** Removes singleton nesting ([[v]] → [v]) at the top, as the reference checker tolerates. */
export function squeeze(x: unknown): unknown {
  while (Array.isArray(x) && x.length === 1 && Array.isArray(x[0])) x = x[0];
  return x;
}

/**
 * Reference numbers we cannot reproduce to the case's tolerance, each with the looser relative
 * tolerance that does hold and why. Everything else in those cases is still checked strictly.
 */
export interface KnownDeviation {
  path: RegExp;
  rtol: number;
  why: string;
}

const ZERO_DRIFT =
  'DriftDiffusionAnalytical clamps |drift| < 0.01 to 0.01, where its RT variance/skew formulas cancel catastrophically: ' +
  'one ulp of tanh/sinh moves the variance by ~5e-8 and the skew by ~1e-3. Our values equal, bit for bit, the Linux ' +
  'values PsyNeuLink asserts in its own tests (dda_expected_small); the reference file was produced with another libm.';

export const KNOWN_DEVIATIONS: Readonly<Record<string, KnownDeviation[]>> = {
  // trial 4 has stimulus 0: ports 5 and 6 are RT_CORRECT_VARIANCE and RT_CORRECT_SKEW
  'd_ddm_analytical.json': [
    { path: /^results\[4\]\[[56]\]/, rtol: 1e-2, why: ZERO_DRIFT },
    { path: /^node_values\.DDM\[4\]\[[5689]\]/, rtol: 1e-2, why: ZERO_DRIFT },
  ],
  'DriftDiffusionAnalytical-SmallDriftRate-NegInput var=-0.0001': [{ path: /^value [3-7]$/, rtol: 1e-2, why: ZERO_DRIFT }],
  // trials 1 and 2 run with drift 0.2·0.3 and 0.2·(−0.4), threshold 0.3: drift·threshold/noise² ≈ 0.03, where the
  // same formulas cancel (~1e6× for the variances, ~1e10× for the skews); items 5, 6, 8, 9 are the RT variances and skews
  'i_ocm_gridsearch.json': [{ path: /^node_values\.Decision\[[12]\]\[[5689]\]/, rtol: 1e-5, why: ZERO_DRIFT }],
};

/** Returns null when `got` matches `want` within atol + rtol·|want|, else where and how it differs. */
export function closeTo(got: unknown, want: unknown, rtol: number, atol: number, path = 'results', deviations: readonly KnownDeviation[] = []): string | null {
  const dev = deviations.find((d) => d.path.test(path));
  if (dev) rtol = Math.max(rtol, dev.rtol);
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) {
      return `${path}: shape differs (got ${Array.isArray(got) ? `length ${got.length}` : JSON.stringify(got)}, want length ${want.length})`;
    }
    for (let i = 0; i < want.length; i++) {
      const err = closeTo(got[i], want[i], rtol, atol, `${path}[${i}]`, deviations);
      if (err) return err;
    }
    return null;
  }
  if (Array.isArray(got) && got.length === 1) got = got[0];
  if (typeof want !== 'number' || typeof got !== 'number') return got === want ? null : `${path}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
  if (Number.isNaN(want)) return Number.isNaN(got) ? null : `${path}: got ${got}, want NaN`;
  return Math.abs(got - want) <= atol + rtol * Math.abs(want) ? null : `${path}: got ${got}, want ${want}`;
}
