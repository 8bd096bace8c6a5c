/**
 * Reduce: reduces each ROW of the variable to one number — the sum (in numpy's pairwise order)
 * or the product of its elements after `exponents` and `weights` (numpy-broadcast, so a flat array
 * gives one value per element) — then scales and offsets it. The output is one row with one value
 * per input row.
 */
import type { V } from '../../../compiler/codegen/ir.js';
import { resolveParams } from '../../params.js';
import type { FunctionDeclaration, Value } from '../../types.js';
import { broadcastToShape, emitParamRow, emitPower, omitNulls, paramAt, paramValue, power } from './broadcast.js';
import { emitPairwiseSum, pairwiseSum } from './sum.js';

export const Reduce: FunctionDeclaration = {
  type: 'Reduce',
  category: 'combination',
  help: 'Collapses each input row to a single number by adding (or multiplying) its elements.',
  stochastic: false,
  params: [
    { name: 'weights', kind: 'numeric', default: undefined, help: 'Multiplies each element before reducing (a number, or one value per element).' },
    { name: 'exponents', kind: 'numeric', default: undefined, help: 'Power each element is raised to before weighting.' },
    { name: 'operation', kind: 'enum', default: 'sum', values: ['sum', 'product'], help: 'Add or multiply the elements of each row.' },
    { name: 'scale', kind: 'number', default: 1.0, help: 'Multiplies each reduced value.' },
    { name: 'offset', kind: 'number', default: 0.0, help: 'Added after scaling.' },
  ],
  create(spec, shape, env) {
    const params = resolveParams(this.type, this.params, omitNulls(spec), env.path);
    const isSet = (v: unknown) => v !== undefined && v !== null;
    const weights = isSet(params.weights) ? broadcastToShape(params.weights, shape, `${env.path}.weights`, 'Reduce.weights') : null;
    const exponents = isSet(params.exponents) ? broadcastToShape(params.exponents, shape, `${env.path}.exponents`, 'Reduce.exponents') : null;
    const sum = params.operation === 'sum';
    const scale = (params.scale as number | null) ?? 1;
    const offset = (params.offset as number | null) ?? 0;
    const width = Math.max(0, ...shape);
    return {
      type: this.type,
      outputShape: [shape.length],
      params,
      bind() {
        const scratch = new Float64Array(width);
        return {
          execute(variable: Value, out: Value) {
            const o = out[0]!;
            for (let r = 0; r < variable.length; r++) {
              const x = variable[r]!;
              const n = x.length;
              const e = exponents?.[r];
              const w = weights?.[r];
              for (let i = 0; i < n; i++) {
                let t = x[i]!;
                if (e) t = power(t, e[i]!);
                if (w) t *= w[i]!;
                scratch[i] = t;
              }
              let acc: number;
              if (sum) {
                acc = 0 + pairwiseSum(scratch, 0, n);
              } else {
                acc = 1;
                for (let i = 0; i < n; i++) acc *= scratch[i]!;
              }
              o[r] = acc * scale + offset;
            }
          },
        };
      },
      emit(cg, variable, out) {
        const ir = cg.ir;
        const scratch = cg.scratch([width], 'Reduce.terms').rows[0]!.ptr;
        const o = out.rows[0]!.ptr;
        variable.rows.forEach((row, r) => {
          const n = row.len;
          const e = exponents ? emitParamRow(ir, `Reduce.exponents${r}`, exponents[r]!) : undefined;
          const w = weights ? emitParamRow(ir, `Reduce.weights${r}`, weights[r]!) : undefined;
          ir.loop(n, (i) => {
            let t = ir.load(row.ptr, i);
            if (e !== undefined) t = emitPower(ir, t, paramAt(e, i));
            if (w !== undefined) t = ir.mul(t, paramValue(ir, w, i));
            ir.store(t, scratch, i);
          }, 'Reduce');
          let acc: V;
          if (sum) {
            acc = ir.add(ir.num(0), emitPairwiseSum(ir, scratch, 0, n));
          } else {
            const prod = ir.variable(ir.num(1), 'prod');
            ir.loop(n, (i) => prod.set(ir.mul(prod.get(), ir.load(scratch, i))), 'prod');
            acc = prod.get();
          }
          ir.store(ir.add(ir.mul(acc, ir.num(scale)), ir.num(offset)), o, r);
        });
      },
    };
  },
};
