/**
 * Stability and its fixed-metric forms Energy and Entropy: compares the variable v with its
 * transformation t = (matrix with its diagonal zeroed) · v, optionally passed through
 * `transfer_fct`, using a Distance metric. With the default metric "energy" this is
 * −½ Σᵢⱼ vᵢ Wᵢⱼ vⱼ; "cross-entropy" (Entropy) gives −Σ v·log(t).
 */
import { CodegenUnsupported } from '../../../compiler/codegen/codegen.js';
import { ModelError } from '../../../model/errors.js';
import { MATRIX_KEYWORDS, resolveMatrix } from '../../matrix.js';
import { isSpecObject, resolveParams } from '../../params.js';
import type { BuildEnv, FunctionDeclaration, FunctionInstance, FunctionSpec, ParamDecl, Shape, Value } from '../../types.js';
import { DISTANCE_METRICS, type DistanceMetric, distance, emitDistance } from './metrics.js';

const MATRIX_PARAM: ParamDecl = {
  name: 'matrix',
  kind: 'matrix',
  default: 'HOLLOW_MATRIX',
  values: MATRIX_KEYWORDS,
  help: 'Weights between the elements (square, one row and column per element); its diagonal is ignored.',
};
const NORMALIZE_PARAM: ParamDecl = {
  name: 'normalize',
  kind: 'boolean',
  default: false,
  help: 'Divide the result by the number of elements (by its square for energy).',
};
const TRANSFER_PARAM: ParamDecl = {
  name: 'transfer_fct',
  kind: 'function',
  default: undefined,
  help: 'Optional function applied to the weighted input before the comparison, e.g. {"type": "Logistic"}.',
};

function stabilityInstance(
  decl: FunctionDeclaration,
  spec: FunctionSpec,
  shape: Shape,
  env: BuildEnv,
  fixedMetric: DistanceMetric | undefined,
): FunctionInstance {
  const params = resolveParams(decl.type, decl.params, spec, env.path);
  if (shape.length !== 1) {
    throw new ModelError([
      {
        path: env.path,
        message: `${decl.type} evaluates a single array; its variable must have exactly one row`,
        expected: 'one row',
        found: `a variable shaped [${shape.join(', ')}]`,
      },
    ]);
  }
  const n = shape[0]!;
  const metric = fixedMetric ?? (params.metric as DistanceMetric);
  const normalize = params.normalize as boolean;
  const spec_ = params.matrix ?? 'HOLLOW_MATRIX';
  const matrix = resolveMatrix(spec_, n, n, `${env.path}.matrix`);
  for (let i = 0; i < n; i++) matrix[i]![i] = 0; // self-connections do not count
  const transfer = isSpecObject(params.transfer_fct)
    ? env.createFunction(params.transfer_fct as FunctionSpec, [n], `${env.path}.transfer_fct`)
    : undefined;
  if (transfer && (transfer.outputShape.length !== 1 || transfer.outputShape[0] !== n)) {
    throw new ModelError([
      {
        path: `${env.path}.transfer_fct`,
        parameter: 'transfer_fct',
        message: `${decl.type}.transfer_fct must keep the shape of its input`,
        expected: `an output of ${n} elements`,
        found: `an output shaped [${transfer.outputShape.join(', ')}]`,
      },
    ]);
  }
  return {
    type: decl.type,
    outputShape: [1],
    params,
    bind(ctx) {
      const boundTransfer = transfer?.bind(ctx);
      const weighted: Value = [new Float64Array(n)];
      const transformed: Value = transfer ? [new Float64Array(n)] : weighted;
      const scratch = new Float64Array(n);
      return {
        execute(variable: Value, out: Value) {
          const v = variable[0]!;
          const w = weighted[0]!;
          for (let i = 0; i < n; i++) {
            const m = matrix[i]!;
            let s = 0;
            for (let j = 0; j < n; j++) s += m[j]! * v[j]!;
            w[i] = s;
          }
          if (boundTransfer) boundTransfer.execute(weighted, transformed);
          out[0]![0] = distance(metric, v, transformed[0]!, n, normalize, scratch);
        },
      };
    },
    emit(cg, variable, out) {
      const ir = cg.ir;
      const b = ir.b;
      if (transfer && !transfer.emit) {
        throw new CodegenUnsupported(env.path, `transfer_fct ${transfer.type}`, 'has no compiled form yet');
      }
      const flat = new Float64Array(n * n);
      matrix.forEach((row, i) => flat.set(row, i * n));
      const m = n ? ir.constArray(`${decl.type}.matrix`, flat) : ir.num(0);
      const v = variable.rows[0]!.ptr;
      const weighted = cg.scratch([n], `${decl.type}.weighted`);
      const w = weighted.rows[0]!.ptr;
      ir.loop(n, (i) => {
        const base = b.CreateMul(i, ir.int(n));
        const s = ir.variable(ir.num(0), 's');
        ir.loop(n, (j) => s.set(ir.add(s.get(), ir.mul(ir.load(m, b.CreateAdd(base, j), 'w'), ir.load(v, j)))), 'j');
        ir.store(s.get(), w, i);
      }, 'i');
      let transformed = weighted;
      if (transfer) {
        transformed = cg.scratch([n], `${decl.type}.transformed`);
        transfer.emit!(cg, weighted, transformed);
      }
      const scratch = cg.scratch([n], `${decl.type}.scratch`).rows[0]!.ptr;
      ir.store(emitDistance(ir, metric, v, transformed.rows[0]!.ptr, n, normalize, scratch), out.rows[0]!.ptr, 0);
    },
  };
}

export const Stability: FunctionDeclaration = {
  type: 'Stability',
  category: 'objective',
  help: 'How settled a pattern is under a weight matrix: compares it with its own weighted input (energy by default).',
  stochastic: false,
  params: [
    MATRIX_PARAM,
    {
      name: 'metric',
      kind: 'enum',
      default: 'energy',
      values: DISTANCE_METRICS,
      help: 'How the pattern is compared with its weighted input (energy, cross-entropy, or a Distance metric).',
    },
    TRANSFER_PARAM,
    NORMALIZE_PARAM,
  ],
  create(spec, shape, env) {
    return stabilityInstance(this, spec, shape, env, undefined);
  },
};

export const Energy: FunctionDeclaration = {
  type: 'Energy',
  category: 'objective',
  help: 'Hopfield-style energy of a pattern: −½ Σ_{i≠j} vᵢ·wᵢⱼ·vⱼ (lower = more stable).',
  stochastic: false,
  params: [NORMALIZE_PARAM, MATRIX_PARAM],
  create(spec, shape, env) {
    return stabilityInstance(this, spec, shape, env, 'energy');
  },
};

export const Entropy: FunctionDeclaration = {
  type: 'Entropy',
  category: 'objective',
  help: 'Cross-entropy of a pattern with its weighted input: −Σ v·log(Wv), W all ones off the diagonal.',
  stochastic: false,
  params: [NORMALIZE_PARAM, TRANSFER_PARAM],
  create(spec, shape, env) {
    return stabilityInstance(this, spec, shape, env, 'cross-entropy');
  },
};
