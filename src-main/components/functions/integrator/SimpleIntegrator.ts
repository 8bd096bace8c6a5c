/** SimpleIntegrator: `previous_value + rate·variable + noise + offset`, element by element. */
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
                const v = prev[k]! + x[i]! * rate[k]! + n.sample(k) + offset[k]!;
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
        const e = emitParams(ir, 'SimpleIntegrator', { rate, offset });
        emitElements(ir, variable.rows, (r, i, k) => {
          const pv = ir.load(prev, k);
          const x = ir.load(variable.rows[r]!.ptr, i);
          const v = ir.add(ir.add(ir.add(pv, ir.mul(x, e.rate(k))), sample(k)), e.offset(k));
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
