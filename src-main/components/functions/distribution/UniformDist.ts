/** UniformDist: one draw `uniform(low, high)` per call; the variable is ignored. */
import { resolveParams, ownRandomStream } from '../../params.js';
import type { FunctionDeclaration, Value } from '../../types.js';

export const UniformDist: FunctionDeclaration = {
  type: 'UniformDist',
  category: 'distribution',
  help: 'A random number equally likely anywhere between low and high, drawn anew on every call.',
  stochastic: true,
  params: [
    { name: 'low', kind: 'number', default: 0.0, help: 'Lower end of the range.' },
    { name: 'high', kind: 'number', default: 1.0, help: 'Upper end of the range.' },
    { name: 'seed', kind: 'integer', default: undefined, help: 'Seed of this function’s own random stream.' },
  ],
  create(spec, _shape, env) {
    const params = resolveParams(this.type, this.params, spec, env.path);
    const low = params.low as number;
    const high = params.high as number;
    const slot = ownRandomStream(env, params.seed);
    return {
      type: this.type,
      outputShape: [1],
      params,
      bind(ctx) {
        const rng = ctx.rng(slot);
        return {
          rng,
          execute(_variable: Value, out: Value) {
            out[0]![0] = rng.uniform(low, high);
          },
        };
      },
      emit(cg, _variable, out) {
        const ir = cg.ir;
        ir.store(cg.rng(slot).uniform(ir.num(low), ir.num(high)), out.rows[0]!.ptr, 0);
      },
    };
  },
};
