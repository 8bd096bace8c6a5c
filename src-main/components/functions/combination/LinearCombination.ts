/**
 * LinearCombination: combines the ROWS of the variable into one row, element by element:
 * each element is raised to `exponents`, multiplied by `weights` (both numpy-broadcast against
 * the variable, see broadcast.ts), then the rows are summed or multiplied, and the result is
 * scaled and offset (scalars or one value per element).
 *
 * `cross-entropy` combines the first two rows as v1·log(v2) per element (0 where both are 0).
 */
import { ModelError } from '../../../model/errors.js';
import { broadcastRow, resolveParams } from '../../params.js';
import type { FunctionDeclaration, Value } from '../../types.js';
import type { V } from '../../../compiler/codegen/ir.js';
import { broadcastToShape, emitParamRow, emitPower, omitNulls, paramAt, paramValue, power } from './broadcast.js';

export const LinearCombination: FunctionDeclaration = {
  type: 'LinearCombination',
  category: 'combination',
  help: 'Adds (or multiplies) the input rows element by element, with optional per-row weights and exponents, then scales and offsets.',
  stochastic: false,
  params: [
    {
      name: 'weights',
      kind: 'numeric',
      default: undefined,
      help: 'Multiplies each element before combining; one value per row is written [[w0], [w1], ...].',
    },
    {
      name: 'exponents',
      kind: 'numeric',
      default: undefined,
      help: 'Power each element is raised to before weighting; one value per row is written [[e0], [e1], ...].',
    },
    {
      name: 'operation',
      kind: 'enum',
      default: 'sum',
      values: ['sum', 'product', 'cross-entropy'],
      help: 'How the rows are combined: added, multiplied, or v1·log(v2) of the first two rows.',
    },
    { name: 'scale', kind: 'numeric', default: 1.0, help: 'Multiplies the combined row (a number or one value per element).' },
    { name: 'offset', kind: 'numeric', default: 0.0, help: 'Added after scaling (a number or one value per element).' },
  ],
  create(spec, shape, env) {
    const params = resolveParams(this.type, this.params, omitNulls(spec), env.path);
    const cols = shape[0] ?? 0;
    if (shape.length === 0 || shape.some((n) => n !== cols)) {
      throw new ModelError([
        {
          path: env.path,
          message: 'LinearCombination combines rows element by element, so every row of its variable must have the same length',
          expected: 'rows of equal length',
          found: shape.length ? `rows of lengths ${shape.join(', ')}` : 'no rows',
        },
      ]);
    }
    const operation = params.operation as 'sum' | 'product' | 'cross-entropy';
    if (operation === 'cross-entropy' && shape.length < 2) {
      throw new ModelError([
        {
          path: `${env.path}.operation`,
          parameter: 'operation',
          message: 'LinearCombination with operation "cross-entropy" needs a variable of two rows',
          expected: 'two rows',
          found: `${shape.length} row`,
        },
      ]);
    }
    const isSet = (v: unknown) => v !== undefined && v !== null;
    const weights = isSet(params.weights) ? broadcastToShape(params.weights, shape, `${env.path}.weights`, 'LinearCombination.weights') : null;
    const exponents = isSet(params.exponents)
      ? broadcastToShape(params.exponents, shape, `${env.path}.exponents`, 'LinearCombination.exponents')
      : null;
    const scale = broadcastRow(params.scale ?? 1, cols, `${env.path}.scale`, 'LinearCombination.scale');
    const offset = broadcastRow(params.offset ?? 0, cols, `${env.path}.offset`, 'LinearCombination.offset');
    const rows = shape.length;
    const term = (variable: Value, r: number, c: number): number => {
      let t = variable[r]![c]!;
      if (exponents) t = power(t, exponents[r]![c]!);
      if (weights) t *= weights[r]![c]!;
      return t;
    };
    return {
      type: this.type,
      outputShape: [cols],
      params,
      bind: () => ({
        execute(variable: Value, out: Value) {
          const o = out[0]!;
          for (let c = 0; c < cols; c++) {
            let acc: number;
            if (operation === 'sum') {
              acc = 0;
              for (let r = 0; r < rows; r++) acc += term(variable, r, c);
            } else if (operation === 'product') {
              acc = 1;
              for (let r = 0; r < rows; r++) acc *= term(variable, r, c);
            } else {
              const v1 = term(variable, 0, c);
              const v2 = term(variable, 1, c);
              acc = v1 === 0 && v2 === 0 ? 0 : v1 * Math.log(v2);
            }
            o[c] = acc * scale[c]! + offset[c]!;
          }
        },
      }),
      emit(cg, variable, out) {
        const ir = cg.ir;
        const exps = exponents?.map((row, r) => emitParamRow(ir, `LinearCombination.exponents${r}`, row));
        const wts = weights?.map((row, r) => emitParamRow(ir, `LinearCombination.weights${r}`, row));
        const sc = emitParamRow(ir, 'LinearCombination.scale', scale);
        const off = emitParamRow(ir, 'LinearCombination.offset', offset);
        const o = out.rows[0]!.ptr;
        const emitTerm = (r: number, c: V): V => {
          let t = ir.load(variable.rows[r]!.ptr, c);
          if (exps) t = emitPower(ir, t, paramAt(exps[r]!, c));
          if (wts) t = ir.mul(t, paramValue(ir, wts[r]!, c));
          return t;
        };
        ir.loop(cols, (c) => {
          let acc: V;
          if (operation === 'sum') {
            acc = ir.num(0);
            for (let r = 0; r < rows; r++) acc = ir.add(acc, emitTerm(r, c));
          } else if (operation === 'product') {
            acc = ir.num(1);
            for (let r = 0; r < rows; r++) acc = ir.mul(acc, emitTerm(r, c));
          } else {
            const v1 = emitTerm(0, c);
            const v2 = emitTerm(1, c);
            const zeros = ir.b.CreateAnd(ir.eq(v1, ir.num(0)), ir.eq(v2, ir.num(0)));
            acc = ir.select(zeros, ir.num(0), ir.mul(v1, ir.log(v2)));
          }
          ir.store(ir.add(ir.mul(acc, paramValue(ir, sc, c)), paramValue(ir, off, c)), o, c);
        }, 'LinearCombination');
      },
    };
  },
};
