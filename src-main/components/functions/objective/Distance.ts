/** Distance: one number comparing the two rows of the variable with a distance metric. */
import { ModelError } from '../../../model/errors.js';
import { resolveParams } from '../../params.js';
import type { FunctionDeclaration, Value } from '../../types.js';
import { DISTANCE_METRICS, type DistanceMetric, distance, emitDistance } from './metrics.js';

export const Distance: FunctionDeclaration = {
  type: 'Distance',
  category: 'objective',
  help: 'How far apart the two input rows are, by the chosen metric.',
  stochastic: false,
  params: [
    {
      name: 'metric',
      kind: 'enum',
      default: 'difference',
      values: DISTANCE_METRICS,
      help: 'The measure: summed or largest absolute difference, Euclidean distance, 1 − |cosine| or 1 − |correlation|, cross-entropy, energy, dot product.',
    },
    {
      name: 'normalize',
      kind: 'boolean',
      default: false,
      help: 'Divide by the row length (by its square for energy); ignored by max_abs_diff, cosine and correlation.',
    },
  ],
  create(spec, shape, env) {
    const params = resolveParams(this.type, this.params, spec, env.path);
    if (shape.length !== 2 || shape[0] !== shape[1]) {
      throw new ModelError([
        {
          path: env.path,
          message: 'Distance compares two rows of equal length',
          expected: 'a variable of two equal-length rows',
          found: `a variable shaped [${shape.join(', ')}]`,
        },
      ]);
    }
    const metric = params.metric as DistanceMetric;
    const normalize = params.normalize as boolean;
    const n = shape[0]!;
    return {
      type: this.type,
      outputShape: [1],
      params,
      bind() {
        const scratch = new Float64Array(n);
        return {
          execute(variable: Value, out: Value) {
            out[0]![0] = distance(metric, variable[0]!, variable[1]!, n, normalize, scratch);
          },
        };
      },
      emit(cg, variable, out) {
        const scratch = cg.scratch([n], 'Distance.scratch').rows[0]!.ptr;
        const d = emitDistance(cg.ir, metric, variable.rows[0]!.ptr, variable.rows[1]!.ptr, n, normalize, scratch);
        cg.ir.store(d, out.rows[0]!.ptr, 0);
      },
    };
  },
};
