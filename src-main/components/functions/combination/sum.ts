/**
 * numpy's summation order for float64 (`np.sum` of a contiguous run): plain loop below 8 items,
 * eight interleaved accumulators up to 128, then recursive halving. Matching it keeps sums
 * bit-identical to PsyNeuLink's, which matters where a sum feeds a comparison (e.g. a draw).
 */
import type { IR, V } from '../../../compiler/codegen/ir.js';

/** Sum of `a[start] .. a[start + n - 1]` in numpy's pairwise order. */
export function pairwiseSum(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = -0.0;
    for (let i = 0; i < n; i++) res += a[start + i]!;
    return res;
  }
  if (n <= 128) {
    let r0 = a[start]!;
    let r1 = a[start + 1]!;
    let r2 = a[start + 2]!;
    let r3 = a[start + 3]!;
    let r4 = a[start + 4]!;
    let r5 = a[start + 5]!;
    let r6 = a[start + 6]!;
    let r7 = a[start + 7]!;
    const end = n - (n % 8);
    let i = 8;
    for (; i < end; i += 8) {
      const b = start + i;
      r0 += a[b]!;
      r1 += a[b + 1]!;
      r2 += a[b + 2]!;
      r3 += a[b + 3]!;
      r4 += a[b + 4]!;
      r5 += a[b + 5]!;
      r6 += a[b + 6]!;
      r7 += a[b + 7]!;
    }
    let res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** `np.sum` of a whole row (the reduction starts from the identity 0). */
export function npSum(a: ArrayLike<number>): number {
  return 0 + pairwiseSum(a, 0, a.length);
}

/**
 * The compiled twin of `pairwiseSum`: `ptr[start] .. ptr[start + n - 1]` summed in numpy's
 * order. `n` is static, so the recursion is unrolled at generation time.
 */
export function emitPairwiseSum(ir: IR, ptr: V, start: number, n: number): V {
  if (n < 8) {
    let res = ir.num(-0.0);
    for (let i = 0; i < n; i++) res = ir.add(res, ir.load(ptr, start + i));
    return res;
  }
  if (n <= 128) {
    const r = Array.from({ length: 8 }, (_, k) => ir.variable(ir.load(ptr, start + k), `r${k}`));
    const end = n - (n % 8);
    ir.loop((end - 8) / 8, (k) => {
      const b = ir.b.CreateAdd(ir.b.CreateMul(k, ir.int(8)), ir.int(start + 8));
      r.forEach((acc, j) => acc.set(ir.add(acc.get(), ir.load(ptr, ir.b.CreateAdd(b, ir.int(j))))));
    }, 'pw');
    const v = r.map((acc) => acc.get());
    let res = ir.add(ir.add(ir.add(v[0]!, v[1]!), ir.add(v[2]!, v[3]!)), ir.add(ir.add(v[4]!, v[5]!), ir.add(v[6]!, v[7]!)));
    for (let i = end; i < n; i++) res = ir.add(res, ir.load(ptr, start + i));
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return ir.add(emitPairwiseSum(ir, ptr, start, n2), emitPairwiseSum(ir, ptr, start + n2, n - n2));
}

/** The compiled twin of `npSum` over the first `n` doubles of `ptr`. */
export function emitNpSum(ir: IR, ptr: V, n: number): V {
  return ir.add(ir.num(0), emitPairwiseSum(ir, ptr, 0, n));
}
