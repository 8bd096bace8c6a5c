/**
 * DriftDiffusionAnalytical: the closed-form drift diffusion solution of Bogacz et al. (2006), as
 * PsyNeuLink computes it. The variable (one number) is the stimulus; the effective drift is
 * drift_rate × stimulus. Deterministic: the DDM mechanism draws the decision itself.
 *
 * Output, one row of 8 values in PsyNeuLink's order:
 *   [0] mean response time (including non_decision_time), [1] probability of the lower threshold
 *   (the "error rate" reported in a fixed frame: closer to 1 = more lower-threshold crossings),
 *   [2..4] mean, variance and skew of the RT of upper-threshold responses,
 *   [5..7] mean, variance and skew of the RT of lower-threshold responses.
 */
import { ModelError } from '../../../model/errors.js';
import { resolveParams } from '../../params.js';
import type { FunctionDeclaration, Value } from '../../types.js';

/** Smallest normal double: numpy flags anything below as underflow. */
const DBL_MIN = 2.2250738585072014e-308;

function coth(x: number): number {
  return 1 / Math.tanh(x);
}
function csch(x: number): number {
  return 1 / Math.sinh(x);
}

/** Mean RT and lower-threshold probability (out[0], out[1]). */
function meanRtAndEr(drift: number, threshold: number, bias: number, noise: number, t0: number, out: Float64Array): void {
  let rt: number;
  let er: number;
  if (Math.abs(drift) < 1e-8) {
    // limit drift → 0 (Srivastava et al. 2016), on the absolute starting point
    const biasAbs = bias * 2 * threshold - threshold;
    rt = t0 + (threshold ** 2 - biasAbs ** 2) / noise ** 2;
    er = (threshold - biasAbs) / (2 * threshold);
  } else {
    const dn = Math.abs(drift);
    const ztilde = threshold / dn;
    const atilde = (dn / noise) ** 2;
    const neg = drift < 0;
    const biasAdj = neg ? 1 - bias : bias;
    let y0tilde = ((noise ** 2) / 2) * Math.log(biasAdj / (1 - biasAdj));
    if (Math.abs(y0tilde) > threshold) y0tilde = neg ? -threshold : threshold;
    const x0tilde = y0tilde / dn;
    const e1 = Math.exp(-2 * x0tilde * atilde);
    const e2 = Math.exp(2 * ztilde * atilde);
    const e3 = Math.exp(-2 * ztilde * atilde);
    const flagged = (e: number) => !Number.isFinite(e) || e < DBL_MIN;
    if (flagged(e1) || flagged(e2) || flagged(e3)) {
      // PsyNeuLink runs these under np.errstate(over/under='raise') and falls back to the
      // near-deterministic limit: no errors, decision time z/a − x0.
      er = 0;
      rt = ztilde / atilde - x0tilde + t0;
    } else {
      rt = ztilde * Math.tanh(ztilde * atilde) + ((2 * ztilde * (1 - e1)) / (e2 - e3) - x0tilde);
      er = 1 / (1 + e2) - (1 - e1) / (e2 - e3);
      rt = rt + t0;
    }
    if (neg) er = 1 - er;
  }
  out[0] = rt;
  out[1] = er;
}

/** Conditional RT moments (out[2..7]), after PsyNeuLink's ddm_metrics_cond port. */
function conditionalMoments(drift: number, noise: number, threshold: number, bias: number, t0: number, out: Float64Array): void {
  const start = (bias - 0.5) * 2.0 * threshold;
  if (Math.abs(drift) < 0.01) drift = 0.01;
  let X = (drift * start) / noise ** 2;
  let Z = (drift * threshold) / noise ** 2;
  X = Math.max(-100, Math.min(100, X));
  Z = Math.max(-100, Math.min(100, Z));
  if (Math.abs(Z) < 0.0001) Z = 0.0001;

  const Z2 = 2 * Z;
  const c2 = coth(Z2);
  const s2 = csch(Z2);
  const n2d2 = noise ** 2 / drift ** 2;
  const n4d4 = noise ** 4 / drift ** 4;
  const n6d6 = noise ** 6 / drift ** 6;

  const mean = (W: number) => n2d2 * (Z2 * c2 - W * coth(W));
  const variance = (W: number) => n4d4 * (Z2 ** 2 * s2 ** 2 + Z2 * c2 - W ** 2 * csch(W) ** 2 - W * coth(W));
  const third = (W: number) =>
    n6d6 *
    (3 * Z2 ** 2 * s2 ** 2 +
      2 * Z2 ** 3 * c2 * s2 ** 2 +
      3 * Z2 * c2 -
      3 * W ** 2 * csch(W) ** 2 -
      2 * W ** 3 * coth(W) * csch(W) ** 2 -
      3 * W * coth(W));

  const plus = X + Z;
  const minus = -X + Z;
  const varPlus = variance(Z + X);
  const varMinus = variance(Z - X);
  out[2] = mean(plus) + t0;
  out[3] = varPlus;
  out[4] = third(Z + X) / varPlus ** 1.5;
  out[5] = mean(minus) + t0;
  out[6] = varMinus;
  out[7] = third(Z - X) / varMinus ** 1.5;
}

export const DriftDiffusionAnalytical: FunctionDeclaration = {
  type: 'DriftDiffusionAnalytical',
  category: 'distribution',
  help: 'Closed-form drift diffusion model: mean response time, error rate and RT moments for a stimulus strength.',
  stochastic: false,
  params: [
    { name: 'drift_rate', kind: 'number', default: 1.0, help: 'Multiplies the stimulus to give the drift (speed of evidence accumulation).' },
    { name: 'threshold', kind: 'number', default: 1.0, help: 'Distance of each decision boundary from 0.' },
    { name: 'starting_value', kind: 'number', default: 0.0, help: 'Where evidence starts, between −threshold and +threshold.' },
    { name: 'non_decision_time', kind: 'number', default: 0.2, unit: 's', help: 'Time added to every response for encoding and motor execution.' },
    { name: 'noise', kind: 'number', default: 0.5, help: 'Standard deviation of the diffusion (moment-to-moment variability).' },
  ],
  create(spec, shape, env) {
    const params = resolveParams(this.type, this.params, spec, env.path);
    const size = shape.reduce((a, b) => a + b, 0);
    if (size !== 1) {
      throw new ModelError([
        {
          path: env.path,
          message: 'DriftDiffusionAnalytical takes a single number (the stimulus) as its variable',
          expected: 'a variable of one element',
          found: `a variable shaped [${shape.join(', ')}]`,
        },
      ]);
    }
    const driftRate = params.drift_rate as number;
    const threshold = params.threshold as number;
    const startingValue = params.starting_value as number;
    const t0 = params.non_decision_time as number;
    const noise = params.noise as number;
    const row = shape.findIndex((n) => n === 1);
    return {
      type: this.type,
      outputShape: [8],
      params,
      bind: () => ({
        execute(variable: Value, out: Value) {
          const drift = driftRate * variable[row]![0]!;
          let bias = (startingValue + threshold) / (2 * threshold);
          if (bias <= 0) bias = 1e-8;
          if (bias >= 1) bias = 1 - 1e-8;
          const o = out[0]!;
          meanRtAndEr(drift, threshold, bias, noise, t0, o);
          conditionalMoments(drift, noise, threshold, bias, t0, o);
        },
      }),
    };
  },
};
