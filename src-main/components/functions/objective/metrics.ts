/**
 * The distance metrics of PsyNeuLink's Distance function, computed between two equal-length rows.
 * Sums follow numpy's pairwise order. `normalize` divides by the length (by length² for energy) and
 * is ignored by max_abs_diff, cosine and correlation, as in PsyNeuLink. "entropy" is PsyNeuLink's
 * other name for "cross-entropy" (Stability maps it to the cross-entropy Distance).
 */
import type { IR, V } from '../../../compiler/codegen/ir.js';
import { emitNpSum, pairwiseSum } from '../combination/sum.js';

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

/** `x || EPSILON` in generated code: EPSILON when x is 0 or NaN. */
function emitOrEpsilon(ir: IR, x: V): V {
  return ir.select(ir.b.CreateFCmpONE(x, ir.num(0), ir.name('truthy')), x, ir.num(EPSILON));
}

/**
 * The compiled twin of `distance`: v1, v2 and scratch are double* of at least `n` elements; the
 * result is returned as a value. Same operations in the same order as the interpreter.
 */
export function emitDistance(ir: IR, metric: DistanceMetric, v1: V, v2: V, n: number, normalize: boolean, scratch: V): V {
  const b = ir.b;
  const fill = (f: (i: V) => V) => ir.loop(n, (i) => ir.store(f(i), scratch, i), 'dist');
  const sumScratch = () => emitNpSum(ir, scratch, n);
  const a = (i: V) => ir.load(v1, i, 'a');
  const c = (i: V) => ir.load(v2, i, 'b');
  let result: V;
  switch (metric) {
    case 'max_abs_diff': {
      const m = ir.variable(ir.num(-Infinity), 'max');
      const nan = ir.intVariable(ir.int(0), 'nan');
      ir.loop(n, (i) => {
        const d = ir.fabs(ir.sub(a(i), c(i)));
        const cur = m.get();
        nan.set(b.CreateOr(nan.get(), b.CreateZExt(ir.ne(d, d), ir.i32)));
        m.set(ir.select(ir.gt(d, cur), d, cur));
      }, 'maxabs');
      return ir.select(b.CreateICmpNE(nan.get(), ir.int(0)), ir.num(NaN), m.get());
    }
    case 'difference':
    case 'normed_L0_similarity': {
      fill((i) => ir.fabs(ir.sub(a(i), c(i))));
      const s = sumScratch();
      result = metric === 'difference' ? s : ir.sub(ir.num(1.0), ir.div(s, ir.num(4.0)));
      break;
    }
    case 'dot_product': {
      const s = ir.variable(ir.num(0), 'dot');
      ir.loop(n, (i) => s.set(ir.add(s.get(), ir.mul(a(i), c(i)))), 'dot');
      result = s.get();
      break;
    }
    case 'euclidean': {
      const s = ir.variable(ir.num(0), 'ss');
      ir.loop(n, (i) => {
        const d = ir.sub(c(i), a(i));
        s.set(ir.add(s.get(), ir.mul(d, d)));
      }, 'eucl');
      result = ir.sqrt(s.get());
      break;
    }
    case 'cosine': {
      fill((i) => ir.mul(a(i), c(i)));
      const numer = sumScratch();
      fill((i) => ir.mul(a(i), a(i)));
      const na = ir.sqrt(sumScratch());
      fill((i) => ir.mul(c(i), c(i)));
      const denom = emitOrEpsilon(ir, ir.mul(na, ir.sqrt(sumScratch())));
      return ir.sub(ir.num(1.0), ir.fabs(ir.div(numer, denom)));
    }
    case 'correlation': {
      fill(a);
      const m1 = ir.div(sumScratch(), ir.num(n));
      fill(c);
      const m2 = ir.div(sumScratch(), ir.num(n));
      fill((i) => ir.mul(ir.sub(a(i), m1), ir.sub(a(i), m1)));
      const s1 = sumScratch();
      fill((i) => ir.mul(ir.sub(c(i), m2), ir.sub(c(i), m2)));
      const s2 = sumScratch();
      fill((i) => ir.mul(ir.sub(a(i), m1), ir.sub(c(i), m2)));
      const denom = emitOrEpsilon(ir, ir.sqrt(ir.mul(s1, s2)));
      return ir.sub(ir.num(1.0), ir.fabs(ir.div(sumScratch(), denom)));
    }
    case 'cross-entropy':
    case 'entropy': {
      fill((i) => {
        const x = a(i);
        const y = c(i);
        const p = ir.select(ir.eq(x, ir.num(0)), ir.num(EPSILON), x);
        const q = ir.select(ir.eq(y, ir.num(0)), ir.num(EPSILON), y);
        return ir.mul(p, ir.log(q));
      });
      result = ir.neg(sumScratch());
      break;
    }
    case 'energy': {
      fill((i) => ir.mul(a(i), c(i)));
      result = ir.div(ir.neg(sumScratch()), ir.num(2.0));
      break;
    }
  }
  if (normalize) result = ir.div(result, ir.num(metric === 'energy' ? n ** 2 : n));
  return result;
}
