/**
 * A correctly rounded natural logarithm.
 *
 * V8's Math.log is off by one ulp for some inputs, while numpy's legacy gaussian uses the C
 * library's log (correctly rounded in practice on glibc). The RNG must reproduce numpy bit for
 * bit, so its polar method uses this: the logarithm is evaluated in double-double arithmetic
 * (about 100 bits) and rounded once.
 */

const SPLIT = 134217729; // 2^27 + 1

function twoSum(a: number, b: number, out: Float64Array): void {
  const s = a + b;
  const bb = s - a;
  out[0] = s;
  out[1] = a - (s - bb) + (b - bb);
}

function twoProd(a: number, b: number, out: Float64Array): void {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  out[0] = p;
  out[1] = ah * bh - p + ah * bl + al * bh + al * bl;
}

const tmp = new Float64Array(2);
const tmp2 = new Float64Array(2);

/** (ah, al) * (bh, bl) → out */
function ddMul(ah: number, al: number, bh: number, bl: number, out: Float64Array): void {
  twoProd(ah, bh, tmp);
  const lo = tmp[1]! + (ah * bl + al * bh);
  twoSum(tmp[0]!, lo, out);
}

function ddAdd(ah: number, al: number, bh: number, bl: number, out: Float64Array): void {
  twoSum(ah, bh, tmp2);
  const lo = tmp2[1]! + al + bl;
  twoSum(tmp2[0]!, lo, out);
}

function ddDiv(ah: number, al: number, bh: number, bl: number, out: Float64Array): void {
  const q1 = ah / bh;
  ddMul(q1, 0, bh, bl, out); // q1 * b
  const rh = ah - out[0]!;
  const r = rh + (al - out[1]!) ;
  // refine: r may have lost bits; use exact remainder via twoSum
  twoSum(ah, -out[0]!, tmp2);
  const rem = tmp2[0]! + (tmp2[1]! + al - out[1]!);
  const q2 = (Number.isFinite(rem) ? rem : r) / bh;
  twoSum(q1, q2, out);
}

const LN2_HI = 0.6931471805599453;
const LN2_LO = 2.3190468138462996e-17;
const TERMS = 24;
// 1/(2k+1) as double-doubles
const COEF_HI = new Float64Array(TERMS);
const COEF_LO = new Float64Array(TERMS);
{
  const o = new Float64Array(2);
  for (let k = 0; k < TERMS; k++) {
    ddDiv(1, 0, 2 * k + 1, 0, o);
    COEF_HI[k] = o[0]!;
    COEF_LO[k] = o[1]!;
  }
}

const s = new Float64Array(2);
const s2 = new Float64Array(2);
const acc = new Float64Array(2);
const den = new Float64Array(2);

export function exactLog(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return Math.log(x);
  if (x === 1) return 0;
  let e = Math.floor(Math.log2(x));
  let m = x * Math.pow(2, -e);
  // Math.log2 may be off near powers of two: bring m into [1, 2) exactly
  while (m >= 2) {
    m /= 2;
    e += 1;
  }
  while (m < 1) {
    m *= 2;
    e -= 1;
  }
  if (m > Math.SQRT2) {
    m /= 2;
    e += 1;
  }
  // log(m) = 2 atanh(s), s = (m - 1) / (m + 1); m - 1 is exact here
  twoSum(m, 1, den);
  ddDiv(m - 1, 0, den[0]!, den[1]!, s);
  ddMul(s[0]!, s[1]!, s[0]!, s[1]!, s2);
  acc[0] = COEF_HI[TERMS - 1]!;
  acc[1] = COEF_LO[TERMS - 1]!;
  for (let k = TERMS - 2; k >= 0; k--) {
    ddMul(acc[0]!, acc[1]!, s2[0]!, s2[1]!, acc);
    ddAdd(acc[0]!, acc[1]!, COEF_HI[k]!, COEF_LO[k]!, acc);
  }
  ddMul(acc[0]!, acc[1]!, s[0]!, s[1]!, acc);
  const lh = 2 * acc[0]!;
  const ll = 2 * acc[1]!;
  // + e * ln2
  const eh = new Float64Array(2);
  ddMul(LN2_HI, LN2_LO, e, 0, eh);
  ddAdd(eh[0]!, eh[1]!, lh, ll, acc);
  return acc[0]! + acc[1]!;
}
