/**
 * AccumulatorIntegrator: `previous_value·rate + noise + increment`. The input is ignored (it only
 * sets the shape, and how many noise values are drawn).
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
  resolveIntegratorParams,
} from './common.js';

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
              const o = out[r]!;
              for (let i = 0; i < o.length; i++, k++) {
                const v = prev[k]! * rate[k]! + n.sample(k) + increment[k]!;
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
      emit(cg, _variable, out) {
        const ir = cg.ir;
        const prev = cg.slot(previous.slot);
        const sample = emitNoise(cg, noise, path);
        const e = emitParams(ir, 'AccumulatorIntegrator', { rate, increment });
        emitElements(ir, out.rows, (r, i, k) => {
          const v = ir.add(ir.add(ir.mul(ir.load(prev, k), e.rate(k)), sample(k)), e.increment(k));
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
