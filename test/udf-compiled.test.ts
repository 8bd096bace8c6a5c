/**
 * UserDefinedFunction's compiled form (emit): the expression program in native code gives the
 * interpreter's numbers (1e-12 relative; NaN, ±inf and their propagation the same) for random
 * inputs, across the whole expression language: precedence, broadcasting, element-wise if/else,
 * reductions, indexing, comparisons, and/or/not, **, 2-D and ragged variables, folded constants.
 */
import { describe, expect, it } from 'vitest';
import { CodegenUnsupported } from '../src-main/compiler/codegen/codegen.js';
import { createFunction } from '../src-main/components/functions/index.js';
import type { FunctionInstance, FunctionSpec, Shape } from '../src-main/components/types.js';
import { allocValue } from '../src-main/components/types.js';
import { makeBuildEnv } from '../src-main/engine/build-env.js';
import { ContextStore, StateLayout } from '../src-main/engine/state.js';
import { compileFunction } from './compiled-function-harness.js';
import { readReferenceJson } from './shared-files.js';

const NODE_PATH = 'nodes.U.function';

function udf(expression: string, extra: Record<string, unknown> = {}): FunctionSpec {
  return { type: 'UserDefinedFunction', expression, ...extra };
}

/** A small deterministic PRNG (mulberry32), so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The shape of a 2-D variable of `rows` rows of `width` (one input port per row). */
function grid(rows: number, width: number): Shape {
  return new Array<number>(rows).fill(width);
}

const SPECIAL = [0, -0, 1, -1, 0.5, NaN, Infinity, -Infinity];

interface InputOptions {
  /** Probability of an element being one of SPECIAL (0, -0, ±1, NaN, ±inf...). */
  special?: number;
  /** Elements drawn from [-scale, scale). */
  scale?: number;
  /** Elements drawn from these values instead. */
  values?: readonly number[];
}

function randomInput(shape: Shape, rand: () => number, opts: InputOptions = {}): Float64Array[] {
  const { special = 0.15, scale = 3, values } = opts;
  return shape.map((n) =>
    Float64Array.from({ length: n }, () =>
      values
        ? values[Math.floor(rand() * values.length)]!
        : rand() < special ? SPECIAL[Math.floor(rand() * SPECIAL.length)]! : (2 * rand() - 1) * scale,
    ),
  );
}

function same(got: number, want: number): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want;
  if (want === 0) return Object.is(got, want); // the sign of a zero too
  return Math.abs(got - want) <= 1e-12 * Math.abs(want) + 1e-15;
}

/**
 * Builds the function for `shape` (inside a model unless `path` says otherwise), compiles it,
 * and checks compiled == interpreted on `trials` random inputs (plus any `inputs` given).
 */
function check(
  expression: string,
  shape: Shape,
  opts: InputOptions & { extra?: Record<string, unknown>; path?: string; trials?: number; inputs?: number[][][] } = {},
): FunctionInstance {
  const { extra = {}, path = NODE_PATH, trials = 6, inputs = [] } = opts;
  const layout = new StateLayout();
  const fn = createFunction(udf(expression, extra), shape, makeBuildEnv(layout, path));
  const store = new ContextStore(layout);
  const bound = fn.bind(store);
  const native = compileFunction(fn, shape);
  const rand = prng(expression.length * 7919 + shape.reduce((a, b) => a * 31 + b, 17));
  const width = fn.outputShape.reduce((a, b) => a + b, 0);
  try {
    const cases = [
      ...inputs.map((rows) => rows.map((r) => Float64Array.from(r))),
      ...Array.from({ length: trials }, () => randomInput(shape, rand, opts)),
    ];
    for (const variable of cases) {
      const out = allocValue(fn.outputShape);
      bound.execute(variable, out);
      const want = out.flatMap((r) => Array.from(r));
      const got = new Float64Array(width);
      native.call(store.buffer, Float64Array.from(variable.flatMap((r) => Array.from(r))), got);
      want.forEach((w, i) => {
        if (!same(got[i]!, w)) {
          expect.fail(
            `${expression} on ${JSON.stringify(variable.map((r) => Array.from(r, String)))}: element ${i} compiled ${got[i]}, interpreted ${w}`,
          );
        }
      });
    }
  } finally {
    native.dispose();
  }
  return fn;
}

describe('j_udf expressions', () => {
  const c = readReferenceJson<{ model: { nodes: Record<string, { function: FunctionSpec }> } }>('j_udf.json');
  for (const node of ['U1', 'U2']) {
    it(node, () => {
      const { type: _t, expression, ...extra } = c.model.nodes[node]!.function;
      check(expression as string, [4], { extra, trials: 20 });
      check(expression as string, [4], { extra, trials: 20, special: 0.4 });
    });
  }
  it('the functions.json case (a 1-D variable on its own)', () => {
    check('a * variable[0] + exp(-b)', [2], { extra: { a: 2, b: 0.5 }, path: 'function' });
  });
});

describe('precedence', () => {
  for (const e of [
    '-variable[0] ** 2',
    '-2 ** 2 + variable[0][0]',
    '2 ** variable[0][0] ** 2',
    'variable[0][0] ** -variable[0][1]',
    '1 + 2 * variable[0] - 4 / variable[0] / 2',
    '(1 + variable[0]) * 3 - variable[0] - 1',
    'variable[0] + 1 > 2 * variable[0]',
    'not variable[0] < 0 and variable[0] > -1',
    '1 or variable[0] and 0',
    'variable[0] if variable[0] > 0 else 2 if variable[0] < -1 else 3',
    '+variable[0] - -variable[0]',
  ]) {
    it(e, () => void check(e, [5]));
  }
});

describe('element-wise if/else', () => {
  it('per element, with broadcast operands', () => {
    check('variable if variable > 0 else -variable', [7]);
    check('variable[0] if variable[1] else 0.5', [4, 4]);
    check('1 if variable[0][0] > 0 else variable[0]', [6]);
    check('variable if [1, 0, 1] else [[10], [20]]', grid(2, 3));
    check('variable if variable > 0 else [1, 2, 3]', grid(4, 3));
  });
  it('large (loops)', () => {
    check('variable * 2 if variable > 0.5 else variable - 1', [100]);
    check('variable if w else -1', grid(30, 40), { extra: { w: [Array.from({ length: 40 }, (_, i) => i % 3)] } });
  });
});

describe('reductions', () => {
  it('min/max/sum over all elements, small and large', () => {
    for (const n of [1, 3, 7, 8, 9, 16, 17, 24, 25, 40, 127, 128, 129, 300, 1000]) {
      check('[sum(variable[0]), min(variable[0]), max(variable[0])]', [n], { special: 0.02 });
      check('[sum(variable[0]), min(variable[0]), max(variable[0])]', [n], { special: 0 });
    }
  });
  it("sum adds in the interpreter's (numpy's pairwise) order", () => {
    // 1e16 and -1e16 somewhere among small numbers: which of these 1e16 absorbs depends on the
    // order of the additions, so another order gives another (small) number
    const rand = prng(42);
    const cancelling = (n: number): number[] => {
      const x = Array.from({ length: n }, () => [1, 3, 0.5, 1.5][Math.floor(rand() * 4)]!);
      x[Math.floor(rand() * n)] = 1e16;
      let j = Math.floor(rand() * n);
      while (x[j] === 1e16) j = (j + 1) % n;
      x[j] = -1e16;
      return x;
    };
    for (const n of [5, 8, 13, 16, 23, 40, 64, 100, 128, 129, 200, 300, 777]) {
      check('sum(variable[0])', [n], { trials: 0, inputs: Array.from({ length: 10 }, () => [cancelling(n)]) });
    }
    const rows = () => {
      const flat = cancelling(300);
      return Array.from({ length: 10 }, (_, r) => flat.slice(r * 30, (r + 1) * 30));
    };
    check('sum(variable)', grid(10, 30), { trials: 0, inputs: Array.from({ length: 10 }, rows) });    // numpy starts from -0: the sum of negative zeros is -0
    check('sum(variable[0])', [3], { trials: 0, inputs: [[[-0, -0, -0]], [[-0, 0, -0]], [[0, 0, 0]]] });
  });
  it('over 2-D values and expressions', () => {
    check('sum(variable) + max(variable * 2) - min(variable + 1)', grid(3, 5));
    check('sum(variable * variable) / len(variable[0])', grid(20, 20), { special: 0 });
  });
  it('NaN wins min and max in any position', () => {
    check('[min(variable[0]), max(variable[0])]', [5], {
      trials: 0,
      inputs: [[[NaN, 1, 2, 3, 4]], [[1, 2, NaN, 0, 4]], [[1, 2, 3, 4, NaN]], [[-0, 0, -0, 0, 0]], [[0, -0, Infinity, -Infinity, 0]]],
    });
  });
  it('with several arguments: element-wise', () => {
    check('min(variable[0], 0.5)', [6]);
    check('max(variable[0], variable[1], [0, 1, 2])', [3, 3]);
    check('sum(variable[0], variable[1])', [3, 3]);
    check('max(variable, [[0], [1]])', grid(2, 30));
  });
  it('empty rows: sum is 0', () => {
    check('[sum(variable[1]), sum(variable[0])]', [3, 0]);
  });
});

describe('indexing', () => {
  it('constant indices, negative ones included', () => {
    check('variable[-1][-2] + variable[0, -1] * variable[1][0]', [3, 3]);
    check('[variable[0][-1], variable[-1][0], variable[1, 1]]', [2, 4]);
    check('variable[-1] * 2', [3, 5]);
    check('w[-1] * variable[0] + w[0, 1]', [3], { extra: { w: [[1, 2, 3], [4, 5, 6]] } });
    check('[variable[0], variable[1]][-1][2]', [4, 4]);
    check('(variable * 2)[1][-1]', [3, 3]);
  });
  it('rows of different lengths (ragged)', () => {
    check('[variable[1], variable[0] * 2]', [2, 3]);
    check('sum(variable[0]) + sum(variable[1]) + variable[1][-1] + len(variable)', [2, 3]);
    check('[sum(variable[0]), max(variable[1]), len(variable[1])]', [5, 30]);
  });
  it('len is static', () => {
    check('len(variable[0]) + variable[0]', [4]);
    check('len(variable) * variable', grid(3, 2));
  });
});

describe('comparisons, and/or/not', () => {
  it('comparisons give 1.0/0.0 (NaN compares false, != true)', () => {
    for (const op of ['<', '<=', '>', '>=', '==', '!=']) {
      check(`variable[0] ${op} variable[1]`, [9, 9], { special: 0.5 });
      check(`variable ${op} 0`, [9], { special: 0.5 });
    }
    check('variable[0] == variable[0]', [6], { special: 0.5 });
    check('0 < variable[0] < 1 <= variable[1] + 1', [8, 8], { special: 0.3 });
  });
  it('and/or return an operand per element, as Python (NaN is true)', () => {
    check('variable[0] and variable[1]', [8, 8], { special: 0.5 });
    check('variable[0] or variable[1]', [8, 8], { special: 0.5 });
    check('variable[0] and variable[1] or 7', [8, 8], { special: 0.5 });
    check('variable[0] or 2 and variable[1]', [8, 8], { special: 0.5 });
    check('not variable', [10], { special: 0.5 });
    check('not not variable[0] or not variable[1]', [30, 30], { special: 0.5 });
  });
});

describe('**', () => {
  it('element-wise with C pow special cases (1 ** nan, nan ** 0, (-1) ** inf are 1)', () => {
    check('variable[0] ** variable[1]', [9, 9], { special: 0.5 });
    check('abs(variable) ** 0.5 + variable ** 2 + variable ** 3 + 2 ** variable', [10], { special: 0.3 });
    check('variable ** -1 + variable ** 0 + 1 ** variable', [10], { special: 0.5 });
    check('(-1) ** variable + variable ** 0.5', [20], { special: 0.5 });
  });
});

describe('element-wise functions', () => {
  it('exp log sqrt abs tanh sin cos', () => {
    for (const f of ['exp', 'log', 'sqrt', 'abs', 'tanh', 'sin', 'cos']) check(`${f}(variable)`, [40], { special: 0.3 });
    check('exp(-abs(variable[0][1])) if variable[0][0] > 1 else sqrt(abs(variable[0][3])) * tanh(variable[0][2])', [4], { special: 0.3 });
  });
});

describe('2-D variables and broadcasting', () => {
  it('small and large, every broadcast pattern', () => {
    check('variable * w + [1, 2, 3, 4]', grid(3, 4), { extra: { w: [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]] } });
    check('variable * [[1], [2], [3]] - variable[0]', grid(3, 4));
    check('variable[0] * [[1], [2], [3]]', grid(2, 5));
    check('variable * col + row', grid(20, 30), {
      extra: { col: Array.from({ length: 20 }, (_, i) => [i - 3]), row: Array.from({ length: 30 }, (_, i) => i / 7) },
    });
    check('variable - sum(variable) / 600', grid(20, 30));
    check('[variable[0] * variable[1], variable[1] - variable[0]]', [50, 50]);
  });
  it('1-D variable on its own (rank 1)', () => {
    check('variable * 2 + variable[0]', [5], { path: 'function' });
    check('variable * w', [40], { path: 'function', extra: { w: Array.from({ length: 40 }, (_, i) => Math.sin(i)) } });
  });
  it('3-D intermediate values', () => {
    check('sum([variable, variable * 2]) + [variable, -variable][1][0]', grid(2, 3));
    check('(variable * t)[1] - sum(variable * t) + [variable, variable][-1]', grid(4, 5), { extra: { t: [[[1]], [[2]], [[3]]] } });
    check('sum(w * variable[0]) + (w * variable[0])[1][0]', [4], { extra: { w: [[[1], [2]], [[3], [4]]] } });
  });
});

describe('lists and constants', () => {
  it('lists mixing constant and run-time items', () => {
    check('[1, variable[0][0], 3]', [4]);
    check('[[1, 2], [variable[0][0], 4], w]', [4], { extra: { w: [7, 8] } });
    check('[variable[0], [1, 2, 3], variable[1]]', [3, 3]);
  });
  it('constant expressions stay constants (no operation at run time)', () => {
    const fn = check('2 ** 3 + exp(-b) + len(variable)', [4], { extra: { b: 0.5 } });
    expect(fn.outputShape).toEqual([1]);
    check('w * 2 + 1', [3], { extra: { w: [[1, 2], [3, 4]] } });
    check('variable[0][0] * 0 + w', [2], { extra: { w: Array.from({ length: 50 }, (_, i) => i * 0.25) } });
    check('variable[0] + sum(w) + max(w) + min(w)', [3], { extra: { w: Array.from({ length: 50 }, (_, i) => Math.cos(i)) } });
  });
});

describe('NaN and inf propagation', () => {
  it('through arithmetic, functions and reductions', () => {
    check('variable / 0 + variable * variable - variable', [12], { special: 0.6 });
    check('log(variable) + sqrt(variable) - exp(variable) * tanh(variable)', [12], { special: 0.6 });
    check('[sum(variable[0]), min(variable[0] * 0), max(variable[0] / variable[0])]', [12], { special: 0.4 });
    check('variable if variable == variable else -1', [12], { special: 0.6 });
    check('sin(variable) + cos(variable)', [12], { special: 0.6 });
  });
});

describe('what cannot be compiled is refused, never miscompiled', () => {
  it('intermediate arrays beyond the working-memory limit throw CodegenUnsupported', () => {
    const layout = new StateLayout();
    const fn = createFunction(udf('variable * 2 + 1'), grid(200, 200), makeBuildEnv(layout, NODE_PATH));
    expect(() => compileFunction(fn, grid(200, 200))).toThrow(CodegenUnsupported);
  });
});
