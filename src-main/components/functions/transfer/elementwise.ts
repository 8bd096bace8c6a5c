/**
 * Shared machinery of elementwise transfer functions: numeric parameters are scalars or arrays
 * broadcast over each row of the variable, and the formula is applied element by element.
 */
import { broadcastRow, resolveParams } from '../../params.js';
import type { BuildEnv, FunctionDeclaration, FunctionInstance, FunctionSpec, Shape, Value } from '../../types.js';

/** Per-element parameter values: `p[name][i]` for element i of a row. */
export type ElementParams = Record<string, Float64Array>;

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
  };
}
