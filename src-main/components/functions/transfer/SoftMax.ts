/**
 * SoftMax: `e^(gain·x − max) / Σ e^(gain·x − max)`, then filtered by `output`.
 *
 * As in PsyNeuLink: the maximum of gain·x is subtracted before exponentiating (no overflow);
 * MAX_VAL / MAX_INDICATOR pass the softmax values through OneHot (every tied maximum is kept);
 * PROB / PROB_INDICATOR draw through an internal OneHot whose values are the ORIGINAL inputs and
 * whose probabilities are the softmax values, so PROB writes the chosen input element, not its
 * probability. With per_item (the default) each row is its own distribution; with per_item false a
 * multi-row variable is shifted by its global maximum and normalised column by column (numpy's
 * `sum(axis=0)`), which is what PsyNeuLink computes.
 */
import { ModelError } from '../../../model/errors.js';
import { broadcastRow, resolveParams, ownRandomStream } from '../../params.js';
import type { FunctionDeclaration, Value } from '../../types.js';
import type { Codegen } from '../../../compiler/codegen/codegen.js';
import type { V } from '../../../compiler/codegen/ir.js';
import { emitParamRow, paramValue, type EmitParamRow } from '../combination/broadcast.js';
import { emitPairwiseSum, pairwiseSum } from '../combination/sum.js';
import { emitSelectExtreme, emitSelectProbabilistic, extremeRule, selectExtreme, selectProbabilistic } from '../selection/OneHot.js';

const OUTPUTS = ['ALL', 'MAX_VAL', 'MAX_INDICATOR', 'PROB', 'PROB_INDICATOR'] as const;
type Output = (typeof OUTPUTS)[number];

/** sm ← softmax of gain·x over one row (max-shifted). */
function softmaxRow(x: Float64Array, gain: Float64Array, sm: Float64Array): void {
  const n = x.length;
  let max = -Infinity;
  let nan = false;
  for (let i = 0; i < n; i++) {
    const v = gain[i]! * x[i]!;
    sm[i] = v;
    if (v !== v) nan = true;
    else if (v > max) max = v;
  }
  if (nan) max = NaN;
  for (let i = 0; i < n; i++) sm[i] = Math.exp(sm[i]! - max);
  const s = 0 + pairwiseSum(sm, 0, n);
  for (let i = 0; i < n; i++) sm[i] = sm[i]! / s;
}

/** The compiled twin of `softmaxRow` over `n` doubles (sm is scratch). */
function emitSoftmaxRow(cg: Codegen, x: V, n: number, gain: EmitParamRow, sm: V): void {
  const ir = cg.ir;
  const b = ir.b;
  const max = ir.variable(ir.num(-Infinity), 'max');
  const nan = ir.intVariable(ir.int(0), 'nan');
  ir.loop(n, (i) => {
    const v = ir.mul(paramValue(ir, gain, i), ir.load(x, i));
    ir.store(v, sm, i);
    const m = max.get();
    nan.set(b.CreateOr(nan.get(), b.CreateZExt(ir.ne(v, v), ir.i32)));
    max.set(ir.select(ir.gt(v, m), v, m));
  }, 'smax');
  const shift = ir.select(b.CreateICmpNE(nan.get(), ir.int(0)), ir.num(NaN), max.get());
  ir.loop(n, (i) => ir.store(ir.exp(ir.sub(ir.load(sm, i), shift)), sm, i), 'sexp');
  const s = ir.add(ir.num(0), emitPairwiseSum(ir, sm, 0, n));
  ir.loop(n, (i) => ir.store(ir.div(ir.load(sm, i), s), sm, i), 'snorm');
}

export const SoftMax: FunctionDeclaration = {
  type: 'SoftMax',
  category: 'transfer',
  help: 'Turns a row into probabilities that sum to 1 (e^(gain·x) normalised); can instead report only the winner or a random draw.',
  stochastic: false, // only with output PROB / PROB_INDICATOR; its stream is declared then
  params: [
    { name: 'gain', kind: 'numeric', default: 1.0, help: 'Sharpness: multiplies x before exponentiating (higher = closer to winner-take-all).' },
    {
      name: 'output',
      kind: 'enum',
      default: 'ALL',
      values: OUTPUTS,
      help: 'What is reported: all probabilities, only the largest (its value or 1), or one element drawn at random with those probabilities (its input value or 1).',
    },
    { name: 'per_item', kind: 'boolean', default: true, help: 'With several input rows, make each row its own distribution.' },
    { name: 'seed', kind: 'integer', default: undefined, help: 'Seed of the random draw used by the PROB outputs.' },
  ],
  create(spec, shape, env) {
    const params = resolveParams(this.type, this.params, spec, env.path);
    const output = params.output as Output;
    const perItem = params.per_item as boolean;
    const width = Math.max(0, ...shape);
    const gain = broadcastRow(params.gain, width, `${env.path}.gain`, 'SoftMax.gain');
    const prob = output === 'PROB' || output === 'PROB_INDICATOR';
    const whole = !perItem && shape.length > 1;
    if (whole && shape.some((n) => n !== width)) {
      throw new ModelError([
        {
          path: `${env.path}.per_item`,
          parameter: 'per_item',
          message: 'SoftMax with per_item false normalises across rows, which needs rows of equal length',
          expected: 'rows of equal length, or per_item true',
          found: `rows of lengths ${shape.join(', ')}`,
        },
      ]);
    }
    if (whole && prob) {
      throw new ModelError([
        {
          path: `${env.path}.output`,
          parameter: 'output',
          message: `SoftMax cannot draw (output ${output}) across several rows with per_item false; PsyNeuLink has no defined result there`,
          expected: 'per_item true, a single row, or output ALL / MAX_VAL / MAX_INDICATOR',
          found: `per_item false with ${shape.length} rows`,
        },
      ]);
    }
    const slot = prob ? ownRandomStream(env, params.seed) : undefined;
    const rule = output === 'MAX_VAL' || output === 'MAX_INDICATOR' ? extremeRule(output) : undefined;
    return {
      type: this.type,
      outputShape: [...shape],
      params,
      bind(ctx) {
        const rng = slot ? ctx.rng(slot) : undefined;
        const rowSm = shape.map((n) => new Float64Array(n));
        const cum = new Float64Array(width);
        const one: Value = [new Float64Array(0)];
        const oneOut: Value = [new Float64Array(0)];
        const colSum = new Float64Array(width);
        return {
          rng,
          execute(variable: Value, out: Value) {
            if (whole) {
              // global max shift, then column-wise normalisation (np.sum(axis=0))
              let max = -Infinity;
              let nan = false;
              for (let r = 0; r < variable.length; r++) {
                const x = variable[r]!;
                for (let i = 0; i < width; i++) {
                  const v = gain[i]! * x[i]!;
                  if (v !== v) nan = true;
                  else if (v > max) max = v;
                }
              }
              if (nan) max = NaN;
              colSum.fill(0);
              for (let r = 0; r < variable.length; r++) {
                const x = variable[r]!;
                const o = out[r]!;
                for (let i = 0; i < width; i++) {
                  o[i] = Math.exp(gain[i]! * x[i]! - max);
                  colSum[i] = colSum[i]! + o[i]!;
                }
              }
              for (let r = 0; r < variable.length; r++) {
                const o = out[r]!;
                for (let i = 0; i < width; i++) o[i] = o[i]! / colSum[i]!;
              }
              if (rule) selectExtreme(out, out, rule);
              return;
            }
            for (let r = 0; r < variable.length; r++) {
              const x = variable[r]!;
              const o = out[r]!;
              const row = rowSm[r]!;
              softmaxRow(x, gain, row);
              if (output === 'ALL') {
                o.set(row);
              } else if (rule) {
                one[0] = row;
                oneOut[0] = o;
                selectExtreme(one, oneOut, rule);
              } else {
                selectProbabilistic(x, row, rng!, output === 'PROB_INDICATOR', cum, o);
              }
            }
          },
        };
      },
      emit(cg, variable, out) {
        const ir = cg.ir;
        const b = ir.b;
        const g = emitParamRow(ir, 'SoftMax.gain', gain);
        if (whole) {
          const max = ir.variable(ir.num(-Infinity), 'max');
          const nan = ir.intVariable(ir.int(0), 'nan');
          for (const row of variable.rows) {
            ir.loop(width, (i) => {
              const v = ir.mul(paramValue(ir, g, i), ir.load(row.ptr, i));
              const m = max.get();
              nan.set(b.CreateOr(nan.get(), b.CreateZExt(ir.ne(v, v), ir.i32)));
              max.set(ir.select(ir.gt(v, m), v, m));
            }, 'smax');
          }
          const shift = ir.select(b.CreateICmpNE(nan.get(), ir.int(0)), ir.num(NaN), max.get());
          const colSum = cg.scratch([width], 'SoftMax.colsum').rows[0]!.ptr;
          ir.loop(width, (i) => ir.store(ir.num(0), colSum, i), 'zero');
          variable.rows.forEach((row, r) => {
            const o = out.rows[r]!.ptr;
            ir.loop(width, (i) => {
              const e = ir.exp(ir.sub(ir.mul(paramValue(ir, g, i), ir.load(row.ptr, i)), shift));
              ir.store(e, o, i);
              ir.store(ir.add(ir.load(colSum, i), ir.load(o, i)), colSum, i);
            }, 'sexp');
          });
          for (const row of out.rows) {
            ir.loop(width, (i) => ir.store(ir.div(ir.load(row.ptr, i), ir.load(colSum, i)), row.ptr, i), 'snorm');
          }
          if (rule) emitSelectExtreme(cg, out, out, rule);
          return;
        }
        const sm = cg.scratch(shape, 'SoftMax.sm');
        const cumPtr = prob ? cg.scratch([width], 'SoftMax.cum').rows[0]!.ptr : undefined;
        const random = slot ? cg.rng(slot) : undefined;
        variable.rows.forEach((row, r) => {
          const o = out.rows[r]!;
          const smRow = sm.rows[r]!.ptr;
          emitSoftmaxRow(cg, row.ptr, row.len, g, smRow);
          if (output === 'ALL') {
            ir.loop(row.len, (i) => ir.store(ir.load(smRow, i), o.ptr, i), 'cp');
          } else if (rule) {
            emitSelectExtreme(cg, { rows: [{ ptr: smRow, len: row.len }] }, { rows: [o] }, rule);
          } else {
            emitSelectProbabilistic(cg, row.ptr, smRow, row.len, random!, output === 'PROB_INDICATOR', cumPtr!, o.ptr);
          }
        });
      },
    };
  },
};
