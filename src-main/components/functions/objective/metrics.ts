/**
 * The distance metrics of PsyNeuLink's Distance function, computed between two equal-length rows.
 * Sums follow numpy's pairwise order. `normalize` divides by the length (by length² for energy) and
 * is ignored by max_abs_diff, cosine and correlation, as in PsyNeuLink. "entropy" is PsyNeuLink's
 * other name for "cross-entropy" (Stability maps it to the cross-entropy Distance).
 */
import { pairwiseSum } from '../combination/sum.js';

export const DISTANCE_METRICS = [
  'difference',
  'max_abs_diff',
  'normed_L0_similarity',
  'euclidean',
  'dot_product',
  'cosine',
  'correlation',
  'cross-entropy',
  'entropy',
  'energy',
] as const;
export type DistanceMetric = (typeof DISTANCE_METRICS)[number];

/** np.finfo(float).eps, PsyNeuLink's stand-in for zero probabilities and zero denominators. */
export const EPSILON = 2.220446049250313e-16;

function sum(a: Float64Array, n: number): number {
  return 0 + pairwiseSum(a, 0, n);
}

/** Distance between v1 and v2 (first `n` elements); `scratch` holds at least n doubles. */
export function distance(
  metric: DistanceMetric,
  v1: Float64Array,
  v2: Float64Array,
  n: number,
  normalize: boolean,
  scratch: Float64Array,
): number {
  let result: number;
  switch (metric) {
    case 'max_abs_diff': {
      let m = -Infinity;
      for (let i = 0; i < n; i++) {
        const d = Math.abs(v1[i]! - v2[i]!);
        if (d !== d) return NaN;
        if (d > m) m = d;
      }
      return m;
    }
    case 'difference':
    case 'normed_L0_similarity': {
      for (let i = 0; i < n; i++) scratch[i] = Math.abs(v1[i]! - v2[i]!);
      const s = sum(scratch, n);
      result = metric === 'difference' ? s : 1.0 - s / 4.0;
      break;
    }
    case 'dot_product': {
      let s = 0;
      for (let i = 0; i < n; i++) s += v1[i]! * v2[i]!;
      result = s;
      break;
    }
    case 'euclidean': {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const d = v2[i]! - v1[i]!;
        s += d * d;
      }
      result = Math.sqrt(s);
      break;
    }
    case 'cosine': {
      for (let i = 0; i < n; i++) scratch[i] = v1[i]! * v2[i]!;
      const numer = sum(scratch, n);
      for (let i = 0; i < n; i++) scratch[i] = v1[i]! * v1[i]!;
      const a = Math.sqrt(sum(scratch, n));
      for (let i = 0; i < n; i++) scratch[i] = v2[i]! * v2[i]!;
      const denom = a * Math.sqrt(sum(scratch, n)) || EPSILON;
      return 1.0 - Math.abs(numer / denom);
    }
    case 'correlation': {
      for (let i = 0; i < n; i++) scratch[i] = v1[i]!;
      const m1 = sum(scratch, n) / n;
      for (let i = 0; i < n; i++) scratch[i] = v2[i]!;
      const m2 = sum(scratch, n) / n;
      for (let i = 0; i < n; i++) scratch[i] = (v1[i]! - m1) * (v1[i]! - m1);
      const s1 = sum(scratch, n);
      for (let i = 0; i < n; i++) scratch[i] = (v2[i]! - m2) * (v2[i]! - m2);
      const s2 = sum(scratch, n);
      for (let i = 0; i < n; i++) scratch[i] = (v1[i]! - m1) * (v2[i]! - m2);
      const denom = Math.sqrt(s1 * s2) || EPSILON;
      return 1.0 - Math.abs(sum(scratch, n) / denom);
    }
    case 'cross-entropy':
    case 'entropy': {
      for (let i = 0; i < n; i++) {
        const a = v1[i] === 0 ? EPSILON : v1[i]!;
        const b = v2[i] === 0 ? EPSILON : v2[i]!;
        scratch[i] = a * Math.log(b);
      }
      result = -sum(scratch, n);
      break;
    }
    case 'energy': {
      for (let i = 0; i < n; i++) scratch[i] = v1[i]! * v2[i]!;
      result = -sum(scratch, n) / 2.0;
      break;
    }
  }
  if (normalize) result /= metric === 'energy' ? n ** 2 : n;
  return result;
}
