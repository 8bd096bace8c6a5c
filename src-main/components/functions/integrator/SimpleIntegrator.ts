/** SimpleIntegrator: `previous_value + rate·variable + noise + offset`, element by element. */
import type { FunctionDeclaration } from '../../types.js';
import { INITIALIZER_PARAM, NOISE_PARAM, elementParams, previousValueIntegrator, resolveIntegratorParams } from './common.js';

export const SimpleIntegrator: FunctionDeclaration = {
  type: 'SimpleIntegrator',
  category: 'integrator',
  help: 'Running sum of the input: previous_value + rate·variable + noise + offset on each call.',
  stochastic: false,
  params: [
    { name: 'rate', kind: 'numeric', default: 1.0, help: 'Multiplies the input before it is added to the running sum.' },
    NOISE_PARAM,
    { name: 'offset', kind: 'numeric', default: 0.0, help: 'Constant added to the running sum on each call.' },
    INITIALIZER_PARAM,
  ],
  create(spec, shape, env) {
    const params = resolveIntegratorParams(this, spec, env);
    const p = elementParams(this, params, shape, env);
    const rate = p.rate!;
    const offset = p.offset!;
    return previousValueIntegrator(
      this, params, shape, env, p.initializer!, { rate, offset },
      (pv, x, noise, k) => pv + x * rate[k]! + noise + offset[k]!,
      (ir, pv, x, noise, e, k) => ir.add(ir.add(ir.add(pv, ir.mul(x, e.rate(k))), noise), e.offset(k)),
    );
  },
};
