/**
 * LeakyCompetingIntegrator (Usher & McClelland 2001):
 * `previous_value + (variable − rate·previous_value)·time_step_size + noise·√time_step_size + offset`.
 * `leak` is PsyNeuLink's other name for `rate`; noise (a number or each distribution draw) is
 * scaled by √time_step_size.
 */
import type { FunctionDeclaration, Value } from '../../types.js';
import {
  INITIALIZER_PARAM,
  NOISE_PARAM,
  StateVar,
  elementParams,
  emitElements,
  emitNoise,
  emitParams,
  emitResetSlots,
  integratorNoise,
  resetViews,
  resolveAlias,
  resolveIntegratorParams,
} from './common.js';

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
    const noise = integratorNoise(this, params.noise, shape, env);
    const previous = new StateVar(env, 'previous_value', p.initializer!);
    const path = env.path;
    return {
      type: this.type,
      outputShape: [...shape],
      params,
      bind(ctx) {
        const prev = previous.view(ctx);
        const n = noise.bind(ctx);
        return {
          execute(variable: Value, out: Value) {
            let k = 0;
            for (let r = 0; r < variable.length; r++) {
              const x = variable[r]!;
              const o = out[r]!;
              for (let i = 0; i < x.length; i++, k++) {
                const pv = prev[k]!;
                const v = pv + (-rate[k]! * pv + x[i]!) * dt[k]! + n.sample(k) * sqrtDt[k]! + offset[k]!;
                prev[k] = v;
                o[i] = v;
              }
            }
          },
          reset() {
            resetViews([[prev, previous]]);
          },
        };
      },
      emit(cg, variable, out) {
        const ir = cg.ir;
        const prev = cg.slot(previous.slot);
        const sample = emitNoise(cg, noise, path);
        const e = emitParams(ir, 'LeakyCompetingIntegrator', { rate, dt, sqrtDt, offset });
        emitElements(ir, variable.rows, (r, i, k) => {
          const pv = ir.load(prev, k);
          const x = ir.load(variable.rows[r]!.ptr, i);
          const drift = ir.mul(ir.add(ir.mul(ir.neg(e.rate(k)), pv), x), e.dt(k));
          const v = ir.add(ir.add(ir.add(pv, drift), ir.mul(sample(k), e.sqrtDt(k))), e.offset(k));
          ir.store(v, prev, k);
          ir.store(v, out.rows[r]!.ptr, i);
        });
      },
      emitReset(cg) {
        emitResetSlots(cg, [previous]);
      },
    };
  },
};
