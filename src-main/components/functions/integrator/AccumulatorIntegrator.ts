/**
 * AccumulatorIntegrator: `previous_value·rate + noise + increment`. The input is ignored (it only
 * sets the shape, and how many noise values are drawn).
 */
import type { FunctionDeclaration } from '../../types.js';
import { INITIALIZER_PARAM, NOISE_PARAM, elementParams, previousValueIntegrator, resolveIntegratorParams } from './common.js';

export const AccumulatorIntegrator: FunctionDeclaration = {
  type: 'AccumulatorIntegrator',
  category: 'integrator',
  help: 'Grows or decays on its own, ignoring the input: previous_value·rate + increment + noise on each call.',
  stochastic: false,
  params: [
    { name: 'rate', kind: 'numeric', default: 1.0, help: 'Multiplies the previous value (1 = linear growth, otherwise exponential).' },
    { name: 'increment', kind: 'numeric', default: 0.0, help: 'Added to the value on each call.' },
    NOISE_PARAM,
    INITIALIZER_PARAM,
  ],
  create(spec, shape, env) {
    const params = resolveIntegratorParams(this, spec, env);
    const p = elementParams(this, params, shape, env);
    const rate = p.rate!;
    const increment = p.increment!;
    // the input is ignored, as in PsyNeuLink
    return previousValueIntegrator(
      this, params, shape, env, p.initializer!, { rate, increment },
      (pv, _x, noise, k) => pv * rate[k]! + noise + increment[k]!,
      (ir, pv, _x, noise, e, k) => ir.add(ir.add(ir.mul(pv, e.rate(k)), noise), e.increment(k)),
    );
  },
};
