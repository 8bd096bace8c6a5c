/**
 * LinearMatrix: each row of the variable (a row vector) times `matrix` ([input × output]).
 *
 * Without a matrix it is the identity of the variable's width. With `normalize`, as in PsyNeuLink,
 * the variable is divided by its norm (the Frobenius norm of the whole variable) and each matrix
 * row by its own norm — both only when they are not all zero — before multiplying.
 */
import type { V } from '../../../compiler/codegen/ir.js';
import { ModelError } from '../../../model/errors.js';
import { MATRIX_KEYWORDS, resolveMatrix } from '../../matrix.js';
import { resolveParams } from '../../params.js';
import type { FunctionDeclaration, Value } from '../../types.js';

export const LinearMatrix: FunctionDeclaration = {
  type: 'LinearMatrix',
  category: 'transfer',
  help: 'Weighted sums: the input row times a weight matrix (one output per matrix column).',
  stochastic: false,
  params: [
    {
      name: 'matrix',
      kind: 'matrix',
      default: undefined,
      values: MATRIX_KEYWORDS,
      help: 'Weights, one row per input element and one column per output element; identity when left out.',
    },
    { name: 'normalize', kind: 'boolean', default: false, help: 'Divide the input and each matrix row by their lengths first (gives cosine similarities).' },
  ],
  create(spec, shape, env) {
    const params = resolveParams(this.type, this.params, spec, env.path);
    const width = shape[0] ?? 0;
    if (shape.some((n) => n !== width)) {
      throw new ModelError([
        {
          path: env.path,
          message: 'LinearMatrix needs every row of its variable to have the same length (the number of matrix rows)',
          expected: `rows of length ${width}`,
          found: `rows of lengths ${shape.join(', ')}`,
        },
      ]);
    }
    const spec_ = params.matrix ?? 'IDENTITY_MATRIX';
    const cols = Array.isArray(spec_) && Array.isArray(spec_[0]) ? (spec_[0] as unknown[]).length : width;
    const matrix = resolveMatrix(spec_, width, cols, `${env.path}.matrix`);
    const normalize = params.normalize as boolean;
    let used = matrix;
    if (normalize && matrix.some((r) => r.some((x) => x !== 0))) {
      used = matrix.map((r) => {
        let ss = 0;
        for (let i = 0; i < r.length; i++) ss += r[i]! * r[i]!;
        const norm = Math.sqrt(ss);
        return r.map((x) => x / norm);
      });
    }
    return {
      type: this.type,
      outputShape: shape.map(() => cols),
      params,
      bind: () => ({
        execute(variable: Value, out: Value) {
          let norm = 1;
          if (normalize) {
            let ss = 0;
            let any = false;
            for (const x of variable) {
              for (let i = 0; i < x.length; i++) {
                ss += x[i]! * x[i]!;
                if (x[i] !== 0) any = true;
              }
            }
            if (any) norm = Math.sqrt(ss);
          }
          for (let r = 0; r < variable.length; r++) {
            const x = variable[r]!;
            const o = out[r]!;
            o.fill(0);
            for (let i = 0; i < width; i++) {
              const xi = normalize ? x[i]! / norm : x[i]!;
              const m = used[i]!;
              for (let j = 0; j < cols; j++) o[j] = o[j]! + xi * m[j]!;
            }
          }
        },
      }),
      emit(cg, variable, out) {
        const ir = cg.ir;
        const b = ir.b;
        const flat = new Float64Array(width * cols);
        used.forEach((row, i) => flat.set(row, i * cols));
        const m = flat.length ? ir.constArray('LinearMatrix.matrix', flat) : ir.num(0);
        let norm: V = ir.num(1);
        if (normalize) {
          const ss = ir.variable(ir.num(0), 'ss');
          const any = ir.intVariable(ir.int(0), 'any');
          for (const row of variable.rows) {
            ir.loop(row.len, (i) => {
              const x = ir.load(row.ptr, i);
              ss.set(ir.add(ss.get(), ir.mul(x, x)));
              any.set(b.CreateOr(any.get(), b.CreateZExt(ir.ne(x, ir.num(0)), ir.i32)));
            }, 'ss');
          }
          norm = ir.select(b.CreateICmpNE(any.get(), ir.int(0)), ir.sqrt(ss.get()), ir.num(1));
        }
        variable.rows.forEach((row, r) => {
          const o = out.rows[r]!.ptr;
          ir.loop(cols, (j) => ir.store(ir.num(0), o, j), 'zero');
          ir.loop(width, (i) => {
            const x = ir.load(row.ptr, i);
            const xi = normalize ? ir.div(x, norm) : x;
            const base = b.CreateMul(i, ir.int(cols));
            ir.loop(cols, (j) => {
              const w = ir.load(m, b.CreateAdd(base, j), 'w');
              ir.store(ir.add(ir.load(o, j), ir.mul(xi, w)), o, j);
            }, 'j');
          }, 'i');
        });
      },
    };
  },
};
