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
import type { IR, V } from '../../../compiler/codegen/ir.js';
import { ModelError } from '../../../model/errors.js';
import { resolveParams } from '../../params.js';
import type { FunctionDeclaration, Value } from '../../types.js';
import { libm } from './libm.js';

/** Smallest normal double: numpy flags anything below as underflow. */
const DBL_MIN = 2.2250738585072014e-308;

// The C library's functions (as the compiled twin calls), since the moments below subtract nearly
// equal terms and would amplify V8's last-bit differences; squares are exact products.
const { tanh, sinh, exp, log, pow } = libm;
function sq(x: number): number {
  return x * x;
}
function coth(x: number): number {
  return 1 / tanh(x);
}
function csch(x: number): number {
  return 1 / sinh(x);
}

/** Mean RT and lower-threshold probability (out[0], out[1]). */
function meanRtAndEr(drift: number, threshold: number, bias: number, noise: number, t0: number, out: Float64Array): void {
  let rt: number;
  let er: number;
  if (Math.abs(drift) < 1e-8) {
    // limit drift → 0 (Srivastava et al. 2016), on the absolute starting point
    const biasAbs = bias * 2 * threshold - threshold;
    rt = t0 + (sq(threshold) - sq(biasAbs)) / sq(noise);
    er = (threshold - biasAbs) / (2 * threshold);
  } else {
    const dn = Math.abs(drift);
    const ztilde = threshold / dn;
    const atilde = sq(dn / noise);
    const neg = drift < 0;
    const biasAdj = neg ? 1 - bias : bias;
    let y0tilde = (sq(noise) / 2) * log(biasAdj / (1 - biasAdj));
    if (Math.abs(y0tilde) > threshold) y0tilde = neg ? -threshold : threshold;
    const x0tilde = y0tilde / dn;
    const e1 = exp(-2 * x0tilde * atilde);
    const e2 = exp(2 * ztilde * atilde);
    const e3 = exp(-2 * ztilde * atilde);
    const flagged = (e: number) => !Number.isFinite(e) || e < DBL_MIN;
    if (flagged(e1) || flagged(e2) || flagged(e3)) {
      // PsyNeuLink runs these under np.errstate(over/under='raise') and falls back to the
      // near-deterministic limit: no errors, decision time z/a − x0.
      er = 0;
      rt = ztilde / atilde - x0tilde + t0;
    } else {
      rt = ztilde * tanh(ztilde * atilde) + ((2 * ztilde * (1 - e1)) / (e2 - e3) - x0tilde);
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
  let X = (drift * start) / sq(noise);
  let Z = (drift * threshold) / sq(noise);
  X = Math.max(-100, Math.min(100, X));
  Z = Math.max(-100, Math.min(100, Z));
  if (Math.abs(Z) < 0.0001) Z = 0.0001;

  const Z2 = 2 * Z;
  const c2 = coth(Z2);
  const s2 = csch(Z2);
  const n2d2 = sq(noise) / sq(drift);
  const n4d4 = pow(noise, 4) / pow(drift, 4);
  const n6d6 = pow(noise, 6) / pow(drift, 6);

  const mean = (W: number) => n2d2 * (Z2 * c2 - W * coth(W));
  const variance = (W: number) => n4d4 * (sq(Z2) * sq(s2) + Z2 * c2 - sq(W) * sq(csch(W)) - W * coth(W));
  const third = (W: number) =>
    n6d6 *
    (3 * sq(Z2) * sq(s2) +
      2 * pow(Z2, 3) * c2 * sq(s2) +
      3 * Z2 * c2 -
      3 * sq(W) * sq(csch(W)) -
      2 * pow(W, 3) * coth(W) * sq(csch(W)) -
      3 * W * coth(W));

  const plus = X + Z;
  const minus = -X + Z;
  const varPlus = variance(Z + X);
  const varMinus = variance(Z - X);
  out[2] = mean(plus) + t0;
  out[3] = varPlus;
  out[4] = third(Z + X) / pow(varPlus, 1.5);
  out[5] = mean(minus) + t0;
  out[6] = varMinus;
  out[7] = third(Z - X) / pow(varMinus, 1.5);
}

/**
 * The parameters in compiled code: values read through num() (constants, or read at run time when
 * a controller or a sweep sets them), and the bias derived from them as the interpreter derives it.
 * Everything computed from them is IR, in the interpreter's order of operations (the same bits;
 * libm's log and pow are the interpreter's own functions), so that no parameter is folded into
 * the code in JavaScript: a controlled threshold or noise can then be read at run time.
 */
interface DdaParams {
  threshold: V;
  bias: V;
  noise: V;
  t0: V;
}

/** bias = (starting_value + threshold) / (2·threshold), kept inside (0, 1) as the interpreter does. */
function emitBias(ir: IR, startingValue: V, threshold: V): V {
  const c = (x: number) => ir.num(x);
  let bias = ir.div(ir.add(startingValue, threshold), ir.mul(c(2), threshold));
  // `if (bias <= 0)` and `if (bias >= 1)`: ordered comparisons, false for NaN as in JavaScript
  bias = ir.select(ir.ge(c(0), bias), c(1e-8), bias);
  return ir.select(ir.ge(bias, c(1)), c(1 - 1e-8), bias);
}

/**
 * The compiled twin of `meanRtAndEr` (returns [rt, er]). Every branch is computed and the
 * interpreter's choice made with selects.
 */
function emitMeanRtAndEr(ir: IR, drift: V, k: DdaParams): [V, V] {
  const { threshold, bias, noise, t0 } = k;
  const b = ir.b;
  const c = (x: number) => ir.num(x);
  const isq = (x: V) => ir.mul(x, x);
  // drift ≈ 0
  const biasAbs = ir.sub(ir.mul(ir.mul(bias, c(2)), threshold), threshold);
  const rtSmall = ir.add(t0, ir.div(ir.sub(isq(threshold), isq(biasAbs)), isq(noise)));
  const erSmall = ir.div(ir.sub(threshold, biasAbs), ir.mul(c(2), threshold));
  // the starting point, for either sign of the drift
  const y0 = (neg: boolean) => {
    const biasAdj = neg ? ir.sub(c(1), bias) : bias;
    const y0tilde = ir.mul(ir.div(isq(noise), c(2)), ir.log(ir.div(biasAdj, ir.sub(c(1), biasAdj))));
    return ir.select(ir.gt(ir.fabs(y0tilde), threshold), neg ? ir.neg(threshold) : threshold, y0tilde);
  };
  const dn = ir.fabs(drift);
  const ztilde = ir.div(threshold, dn);
  const atilde = isq(ir.div(dn, noise));
  const neg = ir.lt(drift, c(0));
  const y0tilde = ir.select(neg, y0(true), y0(false));
  const x0tilde = ir.div(y0tilde, dn);
  const e1 = ir.exp(ir.mul(ir.mul(c(-2), x0tilde), atilde));
  const e2 = ir.exp(ir.mul(ir.mul(c(2), ztilde), atilde));
  const e3 = ir.exp(ir.mul(ir.mul(c(-2), ztilde), atilde));
  const flagged = (e: V) => b.CreateOr(b.CreateNot(ir.lt(ir.fabs(e), c(Infinity))), ir.lt(e, c(DBL_MIN)));
  const anyFlagged = b.CreateOr(b.CreateOr(flagged(e1), flagged(e2)), flagged(e3));
  // the near-deterministic fallback
  const rtLimit = ir.add(ir.sub(ir.div(ztilde, atilde), x0tilde), t0);
  // the closed form
  const e23 = ir.sub(e2, e3);
  const one_e1 = ir.sub(c(1), e1);
  let rtFull = ir.add(
    ir.mul(ztilde, ir.tanh(ir.mul(ztilde, atilde))),
    ir.sub(ir.div(ir.mul(ir.mul(c(2), ztilde), one_e1), e23), x0tilde),
  );
  const erFull = ir.sub(ir.div(c(1), ir.add(c(1), e2)), ir.div(one_e1, e23));
  rtFull = ir.add(rtFull, t0);
  const rtDrift = ir.select(anyFlagged, rtLimit, rtFull);
  let erDrift = ir.select(anyFlagged, c(0), erFull);
  erDrift = ir.select(neg, ir.sub(c(1), erDrift), erDrift);
  const small = ir.lt(dn, c(1e-8));
  return [ir.select(small, rtSmall, rtDrift), ir.select(small, erSmall, erDrift)];
}

/** The compiled twin of `conditionalMoments`: the six values out[2..7]. */
function emitConditionalMoments(ir: IR, drift0: V, k: DdaParams): V[] {
  const { threshold, bias, noise, t0 } = k;
  const c = (x: number) => ir.num(x);
  const isq = (x: V) => ir.mul(x, x);
  const ipow = (x: V, e: number) => ir.pow(x, c(e));
  const coth = (x: V) => ir.div(c(1), ir.tanh(x));
  const csch = (x: V) => ir.div(c(1), ir.libm('sinh', x));
  const start = ir.mul(ir.mul(ir.sub(bias, c(0.5)), c(2.0)), threshold);
  const drift = ir.select(ir.lt(ir.fabs(drift0), c(0.01)), c(0.01), drift0);
  let X = ir.div(ir.mul(drift, start), isq(noise));
  let Z = ir.div(ir.mul(drift, threshold), isq(noise));
  X = ir.max(c(-100), ir.min(c(100), X));
  Z = ir.max(c(-100), ir.min(c(100), Z));
  Z = ir.select(ir.lt(ir.fabs(Z), c(0.0001)), c(0.0001), Z);

  const Z2 = ir.mul(c(2), Z);
  const c2 = coth(Z2);
  const s2 = csch(Z2);
  const n2d2 = ir.div(isq(noise), isq(drift));
  const n4d4 = ir.div(ipow(noise, 4), ipow(drift, 4));
  const n6d6 = ir.div(ipow(noise, 6), ipow(drift, 6));

  const mean = (W: V) => ir.mul(n2d2, ir.sub(ir.mul(Z2, c2), ir.mul(W, coth(W))));
  const variance = (W: V) =>
    ir.mul(
      n4d4,
      ir.sub(
        ir.sub(ir.add(ir.mul(isq(Z2), isq(s2)), ir.mul(Z2, c2)), ir.mul(isq(W), isq(csch(W)))),
        ir.mul(W, coth(W)),
      ),
    );
  const third = (W: V) => {
    const t1 = ir.mul(ir.mul(c(3), isq(Z2)), isq(s2));
    const t2 = ir.mul(ir.mul(ir.mul(c(2), ipow(Z2, 3)), c2), isq(s2));
    const t3 = ir.mul(ir.mul(c(3), Z2), c2);
    const t4 = ir.mul(ir.mul(c(3), isq(W)), isq(csch(W)));
    const t5 = ir.mul(ir.mul(ir.mul(c(2), ipow(W, 3)), coth(W)), isq(csch(W)));
    const t6 = ir.mul(ir.mul(c(3), W), coth(W));
    return ir.mul(n6d6, ir.sub(ir.sub(ir.sub(ir.add(ir.add(t1, t2), t3), t4), t5), t6));
  };

  const plus = ir.add(X, Z);
  const minus = ir.add(ir.neg(X), Z);
  const varPlus = variance(ir.add(Z, X));
  const varMinus = variance(ir.sub(Z, X));
  return [
    ir.add(mean(plus), t0),
    varPlus,
    ir.div(third(ir.add(Z, X)), ipow(varPlus, 1.5)),
    ir.add(mean(minus), t0),
    varMinus,
    ir.div(third(ir.sub(Z, X)), ipow(varMinus, 1.5)),
  ];
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
      emit(cg, variable, out) {
        const ir = cg.ir;
        const drift = ir.mul(ir.num(driftRate), ir.load(variable.rows[row]!.ptr, 0, 'stimulus'));
        const thr = ir.num(threshold);
        const k: DdaParams = { threshold: thr, bias: emitBias(ir, ir.num(startingValue), thr), noise: ir.num(noise), t0: ir.num(t0) };
        const o = out.rows[0]!.ptr;
        const [rt, er] = emitMeanRtAndEr(ir, drift, k);
        ir.store(rt, o, 0);
        ir.store(er, o, 1);
        emitConditionalMoments(ir, drift, k).forEach((x, i) => ir.store(x, o, 2 + i));
      },
    };
  },
};
