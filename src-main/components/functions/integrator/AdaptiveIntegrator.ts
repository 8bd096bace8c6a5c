/**
 * AdaptiveIntegrator: exponentially weighted moving average of the input,
 * `(1 − rate)·previous_value + rate·variable + noise + offset`, element by element.
 */
import type { FunctionDeclaration } from '../../types.js';
import { INITIALIZER_PARAM, NOISE_PARAM, checkRange, elementParams, previousValueIntegrator, resolveIntegratorParams } from './common.js';

export const AdaptiveIntegrator: FunctionDeclaration = {
  type: 'AdaptiveIntegrator',
  category: 'integrator',
  help: 'Moving average of the input: (1 − rate)·previous_value + rate·variable + noise + offset.',
  stochastic: false,
  params: [
    { name: 'rate', kind: 'numeric', default: 1.0, help: 'Weight of the new input, between 0 (ignore it) and 1 (forget the past).' },
    NOISE_PARAM,
    { name: 'offset', kind: 'numeric', default: 0.0, help: 'Constant added to the average on each call.' },
    INITIALIZER_PARAM,
  ],
  create(spec, shape, env) {
    const params = resolveIntegratorParams(this, spec, env);
    const p = elementParams(this, params, shape, env);
    const rate = p.rate!;
    checkRange(this, 'rate', rate, params.rate, 0, 1, env);
    const offset = p.offset!;
    return previousValueIntegrator(
      this, params, shape, env, p.initializer!, { rate, offset },
      (pv, x, noise, k) => (1 - rate[k]!) * pv + rate[k]! * x + noise + offset[k]!,
      (ir, pv, x, noise, e, k) => {
        const a = e.rate(k);
        return ir.add(ir.add(ir.add(ir.mul(ir.sub(ir.num(1), a), pv), ir.mul(a, x)), noise), e.offset(k));
      },
    );
  },
};
