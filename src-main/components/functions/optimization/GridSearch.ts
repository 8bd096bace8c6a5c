/**
 * GridSearch: picks the best of a grid of evaluated samples. Its variable is one row with the
 * value of every grid point (in grid order); it writes the index of the chosen point.
 *
 * As PsyNeuLink's Python path does: the first point is the initial optimum; a later point
 * replaces it when strictly better (greater for MAXIMIZE, smaller for MINIMIZE). With
 * `select_randomly_from_optimal_values`, a point close to the optimum (numpy's allclose:
 * |v − best| ≤ 1e-8 + 1e-5·|best|) is a tie instead: the k-th tied point replaces the optimum
 * with probability 1/k (reservoir sampling), drawing random_sample() from GridSearch's own stream.
 * Without ties nothing is drawn.
 */
import type { CgValue, Codegen } from '../../../compiler/codegen/codegen.js';
import type { V } from '../../../compiler/codegen/ir.js';
import { ModelError, describeValue } from '../../../model/errors.js';
import type { MT19937 } from '../../../random/mt19937.js';
import { resolveParams, ownRandomStream } from '../../params.js';
import type { FunctionDeclaration, Value } from '../../types.js';

export type Direction = 'MAXIMIZE' | 'MINIMIZE';

/** numpy.allclose(value, best) with its default tolerances. */
function allclose(value: number, best: number): boolean {
  if (value === best) return true;
  if (!Number.isFinite(value) || !Number.isFinite(best)) return false;
  return Math.abs(value - best) <= 1e-8 + 1e-5 * Math.abs(best);
}

/** The index of the chosen point of `values` (the grid in order); -1 for an empty grid. */
export function selectOptimal(values: ArrayLike<number>, direction: Direction, selectRandomly: boolean, rng: MT19937 | null): number {
  if (values.length === 0) return -1;
  let best = values[0]!;
  let chosen = 0;
  let ties = 1;
  for (let i = 1; i < values.length; i++) {
    const v = values[i]!;
    if (selectRandomly && allclose(v, best)) {
      ties++;
      if (rng!.randomSample() < 1 / ties) {
        best = v;
        chosen = i;
      }
    } else if (direction === 'MAXIMIZE' ? v > best : v < best) {
      best = v;
      chosen = i;
      ties = 1;
    }
  }
  return chosen;
}

export const GridSearch: FunctionDeclaration = {
  type: 'GridSearch',
  category: 'optimization',
  help: 'Evaluates every combination of the control signals’ allocation samples and keeps the best.',
  stochastic: true,
  params: [
    { name: 'direction', kind: 'enum', default: 'MAXIMIZE', values: ['MAXIMIZE', 'MINIMIZE'], help: 'Whether the best point has the greatest or the smallest value.' },
    { name: 'select_randomly_from_optimal_values', kind: 'boolean', default: false, help: 'Break ties (values within numpy’s allclose) at random instead of keeping the first.' },
    { name: 'save_samples', kind: 'boolean', default: false, help: 'Keep every sample evaluated (PsyNeuLink bookkeeping; no effect on the choice).' },
    { name: 'save_values', kind: 'boolean', default: false, help: 'Keep every value computed (PsyNeuLink bookkeeping; no effect on the choice).' },
    { name: 'seed', kind: 'integer', default: undefined, help: 'Seed of the stream that breaks ties.' },
  ],
  create(spec, shape, env) {
    const params = resolveParams(this.type, this.params, spec, env.path);
    if (shape.length !== 1) {
      throw new ModelError([{ path: env.path, message: 'GridSearch chooses among one row of values (one per grid point)', expected: 'a variable of one row', found: describeValue(shape) }]);
    }
    const direction = params.direction as Direction;
    const selectRandomly = params.select_randomly_from_optimal_values as boolean;
    const slot = ownRandomStream(env, params.seed);
    return {
      type: this.type,
      outputShape: [1],
      params,
      bind(ctx) {
        const rng = ctx.rng(slot);
        return {
          rng,
          execute(variable: Value, out: Value) {
            out[0]![0] = selectOptimal(variable[0]!, direction, selectRandomly, rng);
          },
        };
      },
      // selectOptimal, compiled: the same comparisons and the same draws from the same stream
      emit(cg: Codegen, variable: CgValue, out: CgValue) {
        const ir = cg.ir;
        const row = variable.rows[0]!;
        const dst = out.rows[0]!.ptr;
        if (row.len === 0) {
          ir.store(ir.num(-1), dst, 0);
          return;
        }
        const rng = selectRandomly ? cg.rng(slot) : null;
        const best = ir.variable(ir.load(row.ptr, 0), 'best');
        const chosen = ir.variable(ir.num(0), 'chosen');
        const ties = ir.variable(ir.num(1), 'ties');
        const finite = (x: V) => ir.lt(ir.fabs(x), ir.num(Infinity));
        ir.loop(row.len - 1, (j) => {
          const i = ir.b.CreateAdd(j, ir.int(1));
          const v = ir.load(row.ptr, i, 'v');
          const b = best.get();
          const take = () => {
            best.set(v);
            chosen.set(ir.sitofp(i));
          };
          const better = () => ir.ifThen(direction === 'MAXIMIZE' ? ir.gt(v, b) : ir.lt(v, b), () => {
            take();
            ties.set(ir.num(1));
          });
          if (!rng) {
            better();
            return;
          }
          const near = ir.le(ir.fabs(ir.sub(v, b)), ir.add(ir.num(1e-8), ir.mul(ir.num(1e-5), ir.fabs(b))));
          const close = ir.b.CreateOr(ir.eq(v, b), ir.b.CreateAnd(ir.b.CreateAnd(finite(v), finite(b)), near));
          ir.ifThen(close, () => {
            ties.set(ir.add(ties.get(), ir.num(1)));
            ir.ifThen(ir.lt(rng.randomSample(), ir.div(ir.num(1), ties.get())), take);
          }, better);
        }, 'grid');
        ir.store(chosen.get(), dst, 0);
      },
    };
  },
};
