/** NormalDist: one draw `normal(mean, standard_deviation)` per call; the variable is ignored. */
import { paramError, resolveParams, ownRandomStream } from '../../params.js';
import type { FunctionDeclaration, Value } from '../../types.js';

export const NormalDist: FunctionDeclaration = {
  type: 'NormalDist',
  category: 'distribution',
  help: 'A random number from a normal (Gaussian) distribution, drawn anew on every call.',
  stochastic: true,
  params: [
    { name: 'mean', kind: 'number', default: 0.0, help: 'Centre of the distribution.' },
    { name: 'standard_deviation', kind: 'number', default: 1.0, help: 'Spread of the distribution (0 gives the mean).' },
    { name: 'seed', kind: 'integer', default: undefined, help: 'Seed of this function’s own random stream.' },
  ],
  create(spec, _shape, env) {
    const params = resolveParams(this.type, this.params, spec, env.path);
    const mean = params.mean as number;
    const sd = params.standard_deviation as number;
    if (sd < 0) {
      throw paramError(`${env.path}.standard_deviation`, 'NormalDist.standard_deviation must not be negative', {
        parameter: 'standard_deviation',
        expected: 'a number ≥ 0',
        found: String(sd),
      });
    }
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
            out[0]![0] = rng.normal(mean, sd);
          },
        };
      },
      emit(cg, _variable, out) {
        const ir = cg.ir;
        ir.store(cg.rng(slot).normal(ir.num(mean), ir.num(sd)), out.rows[0]!.ptr, 0);
      },
    };
  },
};
