/**
 * Shared machinery of elementwise transfer functions: numeric parameters are scalars or arrays
 * broadcast over each row of the variable, and the formula is applied element by element.
 */
import { broadcastRow, resolveParams } from '../../params.js';
import type { IR, V } from '../../../compiler/codegen/ir.js';
import type { BuildEnv, FunctionDeclaration, FunctionInstance, FunctionSpec, Shape, Value } from '../../types.js';

/** Per-element parameter values: `p[name][i]` for element i of a row. */
export type ElementParams = Record<string, Float64Array>;

/** Per-element parameter values in generated code: `p.name` is element i's value. */
export type EmitElementParams = Record<string, V>;

/** The compiled twin of an elementwise kernel: the same formula in IR. */
export type EmitKernel = (ir: IR, x: V, p: EmitElementParams) => V;

/**
 * Builds an elementwise function instance. `kernel(x, i, p)` computes element i of a row from
 * x and the broadcast numeric parameters `p`.
 */
export function elementwiseInstance(
  decl: FunctionDeclaration,
  spec: FunctionSpec,
  shape: Shape,
  env: BuildEnv,
  kernel: (x: number, i: number, p: ElementParams) => number,
  emitKernel?: EmitKernel,
): FunctionInstance {
  const params = resolveParams(decl.type, decl.params, spec, env.path);
  const width = Math.max(0, ...shape);
  const numeric: ElementParams = {};
  for (const d of decl.params) {
    if (d.kind === 'numeric' || d.kind === 'number') {
      numeric[d.name] = broadcastRow(params[d.name], width, `${env.path}.${d.name}`, `${decl.type}.${d.name}`);
    }
  }
  return {
    type: decl.type,
    outputShape: [...shape],
    params,
    bind: () => ({
      execute(variable: Value, out: Value) {
        for (let r = 0; r < variable.length; r++) {
          const x = variable[r]!;
          const o = out[r]!;
          for (let i = 0; i < x.length; i++) o[i] = kernel(x[i]!, i, numeric);
        }
      },
    }),
    emit: emitKernel
      ? (cg, variable, out) => {
          const ir = cg.ir;
          // uniform parameters become constants; per-element ones a constant array
          const arrays: Record<string, V | number> = {};
          for (const [name, row] of Object.entries(numeric)) {
            arrays[name] = row.every((x) => x === row[0]) ? (row[0] ?? 0) : ir.constArray(`${decl.type}.${name}`, row);
          }
          variable.rows.forEach((row, r) => {
            const dst = out.rows[r]!;
            ir.loop(row.len, (i) => {
              const p: EmitElementParams = {};
              for (const [name, a] of Object.entries(arrays)) p[name] = typeof a === 'number' ? ir.num(a) : ir.load(a, i, name);
              ir.store(emitKernel(ir, ir.load(row.ptr, i), p), dst.ptr, i);
            }, decl.type);
          });
        }
      : undefined,
  };
}
