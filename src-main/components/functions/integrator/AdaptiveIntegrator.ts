/**
 * AdaptiveIntegrator: exponentially weighted moving average of the input,
 * `(1 − rate)·previous_value + rate·variable + noise + offset`, element by element.
 */
import type { FunctionDeclaration, Value } from '../../types.js';
import {
  INITIALIZER_PARAM,
  NOISE_PARAM,
  StateVar,
  checkRange,
  elementParams,
  emitElements,
  emitNoise,
  emitParams,
  emitResetSlots,
  integratorNoise,
  resetViews,
  resolveIntegratorParams,
} from './common.js';

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
                const a = rate[k]!;
                const v = (1 - a) * prev[k]! + a * x[i]! + n.sample(k) + offset[k]!;
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
        const e = emitParams(ir, 'AdaptiveIntegrator', { rate, offset });
        const one = ir.num(1);
        emitElements(ir, variable.rows, (r, i, k) => {
          const a = e.rate(k);
          const pv = ir.load(prev, k);
          const x = ir.load(variable.rows[r]!.ptr, i);
          const v = ir.add(ir.add(ir.add(ir.mul(ir.sub(one, a), pv), ir.mul(a, x)), sample(k)), e.offset(k));
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
