/**
 * MT19937 seeded and drawn exactly as numpy's legacy `RandomState`:
 * `init_by_array([seed])` (PsyNeuLink seeds with a one-element list), 53-bit doubles
 * (`random_sample`), and the legacy polar gaussian with its cached second value.
 *
 * The whole stream state lives in a caller-provided byte region (see RNG_STATE_BYTES) so that
 * a context store can hand the same bytes to compiled code and read them back.
 */

import { libmLog } from './libm-log.js';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/**
 * Byte layout of one stream: mt[624] (u32), pos (i32), used_seed (u32), has_gauss (f64), gauss (f64).
 * used_seed is the seed the stream was last seeded with (PsyNeuLink's `SeededRandomState.used_seed`):
 * a controller that modulates a component's seed re-creates the stream only when the seed differs
 * (see reseedIfChanged).
 */
export const RNG_LAYOUT = {
  mt: 0,
  pos: N * 4,
  usedSeed: N * 4 + 4,
  hasGauss: N * 4 + 8,
  gauss: N * 4 + 16,
  bytes: N * 4 + 24,
} as const;
export const RNG_STATE_BYTES = RNG_LAYOUT.bytes;

export class MT19937 {
  private readonly mt: Uint32Array;
  private readonly posView: Int32Array;
  private readonly usedSeedView: Uint32Array;
  private readonly gaussView: Float64Array; // [has_gauss, gauss]

  /** A stream over `RNG_STATE_BYTES` bytes at `byteOffset` (8-aligned) of `buffer`. */
  constructor(buffer: ArrayBufferLike = new ArrayBuffer(RNG_STATE_BYTES), byteOffset = 0) {
    if (byteOffset % 8 !== 0) throw new Error('MT19937 state must be 8-byte aligned');
    this.mt = new Uint32Array(buffer, byteOffset + RNG_LAYOUT.mt, N);
    this.posView = new Int32Array(buffer, byteOffset + RNG_LAYOUT.pos, 1);
    this.usedSeedView = new Uint32Array(buffer, byteOffset + RNG_LAYOUT.usedSeed, 1);
    this.gaussView = new Float64Array(buffer, byteOffset + RNG_LAYOUT.hasGauss, 2);
  }

  /** numpy `RandomState(seed)` with an integer seed. */
  initGenrand(seed: number): void {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.posView[0] = N;
    this.gaussView[0] = 0;
    this.gaussView[1] = 0;
  }

  /** numpy `RandomState([k0, k1, ...])` — what PsyNeuLink uses (`RandomState([seed])`). */
  initByArray(key: readonly number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    const len = key.length;
    for (let k = Math.max(N, len); k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1664525)) + (key[j]! >>> 0) + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
      if (j >= len) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
    this.posView[0] = N;
    this.gaussView[0] = 0;
    this.gaussView[1] = 0;
  }

  /** PsyNeuLink's seeding of a component stream: `RandomState([seed])` (a seed in [0, 2^32)). */
  seed(seed: number): void {
    this.initByArray([seed]);
    this.usedSeedView[0] = seed;
  }

  /** The seed the stream was last seeded with. */
  get usedSeed(): number {
    return this.usedSeedView[0]!;
  }

  /**
   * PsyNeuLink's `_random_state_getter`: when the (modulated) seed parameter differs from the seed
   * the stream was made with, the stream is re-created as `RandomState([seed])`; otherwise it goes on.
   */
  reseedIfChanged(seed: number): void {
    if (this.usedSeedView[0] !== seed) this.seed(seed);
  }

  private generate(): void {
    const mt = this.mt;
    let kk = 0;
    for (; kk < N - M; kk++) {
      const y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
      mt[kk] = (mt[kk + M]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)) >>> 0;
    }
    for (; kk < N - 1; kk++) {
      const y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
      mt[kk] = (mt[kk + (M - N)]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)) >>> 0;
    }
    const y = (mt[N - 1]! & UPPER_MASK) | (mt[0]! & LOWER_MASK);
    mt[N - 1] = (mt[M - 1]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)) >>> 0;
    this.posView[0] = 0;
  }

  /** One tempered 32-bit draw. */
  uint32(): number {
    if (this.posView[0]! >= N) this.generate();
    let y = this.mt[this.posView[0]!++]!;
    y ^= y >>> 11;
    y = (y ^ ((y << 7) & 0x9d2c5680)) >>> 0;
    y = (y ^ ((y << 15) & 0xefc60000)) >>> 0;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** numpy `random_sample()`: a double in [0, 1) with 53 random bits. */
  randomSample(): number {
    const a = this.uint32() >>> 5;
    const b = this.uint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** numpy legacy `standard_normal()` (polar method, second value cached in the state). */
  standardNormal(): number {
    const g = this.gaussView;
    if (g[0] !== 0) {
      g[0] = 0;
      const cached = g[1]!;
      g[1] = 0;
      return cached;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.randomSample() - 1;
      x2 = 2 * this.randomSample() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * libmLog(r2)) / r2);
    g[0] = 1;
    g[1] = f * x1;
    return f * x2;
  }

  normal(loc: number, scale: number): number {
    return loc + scale * this.standardNormal();
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.randomSample();
  }

  /** Copies the whole stream state (mt, position, seed, cached gaussian) from another stream. */
  copyFrom(other: MT19937): void {
    this.mt.set(other.mt);
    this.posView[0] = other.posView[0]!;
    this.usedSeedView[0] = other.usedSeedView[0]!;
    this.gaussView.set(other.gaussView);
  }
}
