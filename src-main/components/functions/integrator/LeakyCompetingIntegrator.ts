/**
 * LeakyCompetingIntegrator (Usher & McClelland 2001):
 * `previous_value + (variable − rate·previous_value)·time_step_size + noise·√time_step_size + offset`.
 * `leak` is PsyNeuLink's other name for `rate`; noise (a number or each distribution draw) is
 * scaled by √time_step_size.
 */
import type { FunctionDeclaration } from '../../types.js';
import { INITIALIZER_PARAM, NOISE_PARAM, elementParams, previousValueIntegrator, resolveAlias, resolveIntegratorParams } from './common.js';

export const LeakyCompetingIntegrator: FunctionDeclaration = {
  type: 'LeakyCompetingIntegrator',
  category: 'integrator',
  help: 'Leaky accumulation: previous_value + (variable − leak·previous_value)·time_step_size + noise·√time_step_size + offset.',
  stochastic: false,
  params: [
    { name: 'rate', kind: 'numeric', default: 1.0, help: 'Leak: how fast the value decays toward zero (also called leak).' },
    { name: 'leak', kind: 'numeric', default: undefined, help: 'Another name for rate.' },
    { ...NOISE_PARAM, help: 'Added on each call after scaling by √time_step_size: a number, one per element, or a distribution.' },
    { name: 'offset', kind: 'numeric', default: 0.0, help: 'Constant added to the value on each call.' },
    { name: 'time_step_size', kind: 'numeric', default: 0.1, help: 'Integration step (dt/τ); also scales the noise by its square root.' },
    INITIALIZER_PARAM,
  ],
  create(spec, shape, env) {
    const params = resolveIntegratorParams(this, spec, env);
    const rate = resolveAlias(this, spec, params, 'rate', 'leak', shape, env);
    const p = elementParams(this, params, shape, env, ['rate', 'leak']);
    const offset = p.offset!;
    const dt = p.time_step_size!;
    const sqrtDt = dt.map(Math.sqrt);
    return previousValueIntegrator(
      this, params, shape, env, p.initializer!, { rate, dt, sqrtDt, offset },
      (pv, x, noise, k) => pv + (-rate[k]! * pv + x) * dt[k]! + noise * sqrtDt[k]! + offset[k]!,
      (ir, pv, x, noise, e, k) => {
        const drift = ir.mul(ir.add(ir.mul(ir.neg(e.rate(k)), pv), x), e.dt(k));
        return ir.add(ir.add(ir.add(pv, drift), ir.mul(noise, e.sqrtDt(k))), e.offset(k));
      },
    );
  },
};
