/**
 * The non-stateful functions (transfer, LinearMatrix, combination, distribution, selection,
 * objective) and matrix specifications: PsyNeuLink's formulas and quirks, reproducible draws, and
 * errors that name the JSON path, what was expected and what was found.
 */
import { describe, expect, it } from 'vitest';
import { createFunction } from '../src-main/components/functions/index.js';
import { resolveMatrix } from '../src-main/components/matrix.js';
import type { FunctionSpec, Shape } from '../src-main/components/types.js';
import { allocValue } from '../src-main/components/types.js';
import { makeBuildEnv } from '../src-main/engine/build-env.js';
import { ContextStore, StateLayout } from '../src-main/engine/state.js';
import { ModelError } from '../src-main/model/errors.js';
import { MT19937 } from '../src-main/random/mt19937.js';

const PATH = 'nodes.A.function';

/** One function in one fresh context: `call(x)` executes it and returns its output rows. */
function make(spec: FunctionSpec, shape: Shape) {
  const layout = new StateLayout();
  const fn = createFunction(spec, shape, makeBuildEnv(layout, PATH));
  const ctx = new ContextStore(layout);
  const bound = fn.bind(ctx);
  const call = (x: number[][]): number[][] => {
    const out = allocValue(fn.outputShape);
    bound.execute(
      x.map((r) => Float64Array.from(r)),
      out,
    );
    return out.map((r) => Array.from(r));
  };
  return { fn, call, ctx };
}

/** The ModelError thrown by `f` (fails the test if none is thrown). */
function modelError(f: () => unknown): ModelError {
  try {
    f();
  } catch (e) {
    if (e instanceof ModelError) return e;
    throw e;
  }
  expect.fail('expected a ModelError');
}

function uniformDraws(seed: number, n: number): number[] {
  const r = new MT19937();
  r.seed(seed);
  return Array.from({ length: n }, () => r.randomSample());
}

describe('parameter errors', () => {
  it('an unknown parameter is reported at its JSON path with the known names', () => {
    const err = modelError(() => make({ type: 'Tanh', slope: 2 }, [3]));
    expect(err.issues[0]!.path).toBe('nodes.A.function.slope');
    expect(err.issues[0]!.expected).toContain('gain');
  });

  it('DriftDiffusionAnalytical takes non_decision_time, not the old name t0', () => {
    const err = modelError(() => make({ type: 'DriftDiffusionAnalytical', t0: 0.3 }, [1]));
    expect(err.issues[0]!.path).toBe('nodes.A.function.t0');
    expect(err.issues[0]!.expected).toContain('non_decision_time');
  });

  it('an array parameter of the wrong length names the parameter and both lengths', () => {
    const err = modelError(() => make({ type: 'Exponential', rate: [1, 2] }, [3]));
    expect(err.issues[0]!.path).toBe('nodes.A.function.rate');
    expect(err.message).toMatch(/2 values but the variable has 3/);
  });

  it('a negative NormalDist standard deviation is rejected', () => {
    const err = modelError(() => make({ type: 'NormalDist', standard_deviation: -1 }, [1]));
    expect(err.issues[0]!.path).toBe('nodes.A.function.standard_deviation');
  });
});

describe('transfer functions', () => {
  it('array parameters broadcast element by element (Exponential rate per element)', () => {
    const { call } = make({ type: 'Exponential', rate: [1, 2, 3], scale: 2, offset: 1 }, [3]);
    const [y] = call([[1, 1, 1]]);
    y!.forEach((v, i) => expect(v).toBeCloseTo(2 * Math.exp(i + 1) + 1, 12));
  });

  it('Tanh is scale·tanh(gain·(x + bias − x_0) + offset) and saturates instead of giving NaN', () => {
    const { call } = make({ type: 'Tanh', gain: 2, bias: 0.5, x_0: 0.25, offset: 0.1, scale: 3 }, [2]);
    const [y] = call([[0.3, -1000]]);
    expect(y![0]).toBeCloseTo(3 * Math.tanh(2 * (0.3 + 0.5 - 0.25) + 0.1), 14);
    expect(y![1]).toBe(-3);
  });

  it('ReLU keeps leak·gain·(x − bias) below the threshold', () => {
    const { call } = make({ type: 'ReLU', gain: 2, bias: 1, leak: 0.1 }, [2]);
    expect(call([[3, 0]])[0]).toEqual([4, 2 * -1 * 0.1]);
  });

  it('Gaussian divides by sqrt(2π·σ) as PsyNeuLink computes it, not sqrt(2π)·σ', () => {
    const { call } = make({ type: 'Gaussian', standard_deviation: 4 }, [1]);
    expect(call([[0]])[0]![0]).toBeCloseTo(1 / Math.sqrt(2 * Math.PI * 4), 15);
  });

  it('SoftMax subtracts the maximum, so huge inputs do not overflow', () => {
    const { call } = make({ type: 'SoftMax' }, [2]);
    const [y] = call([[1000, 1000 + Math.log(3)]]);
    expect(y![0]).toBeCloseTo(0.25, 12);
    expect(y![1]).toBeCloseTo(0.75, 12);
  });

  it('SoftMax per_item (the default) normalises each row on its own', () => {
    const { call } = make({ type: 'SoftMax' }, [2, 2]);
    const y = call([
      [0, 0],
      [0, Math.log(3)],
    ]);
    expect(y[0]).toEqual([0.5, 0.5]);
    expect(y[1]![1]).toBeCloseTo(0.75, 15);
  });

  it('SoftMax with per_item false normalises a multi-row variable column by column, as numpy sum(axis=0) does', () => {
    const { call } = make({ type: 'SoftMax', per_item: false }, [2, 2]);
    const y = call([
      [0, 5],
      [0, 5],
    ]);
    expect(y).toEqual([
      [0.5, 0.5],
      [0.5, 0.5],
    ]);
  });

  it('SoftMax MAX_VAL keeps every tied maximum with its probability', () => {
    const { call } = make({ type: 'SoftMax', output: 'MAX_VAL' }, [3]);
    const [y] = call([[2, 2, 1]]);
    const p = Math.E / (2 * Math.E + 1);
    expect(y![0]).toBeCloseTo(p, 15);
    expect(y![1]).toBeCloseTo(p, 15);
    expect(y![2]).toBe(0);
  });

  it('SoftMax PROB writes the chosen INPUT value, drawn from its own seeded stream', () => {
    const x = [0.5, 1.5, -2.0, 0.25];
    const { call } = make({ type: 'SoftMax', output: 'PROB', gain: 2, seed: 7 }, [4]);
    const e = x.map((v) => Math.exp(2 * v - 3));
    const s = e.reduce((a, b) => a + b, 0);
    const cum: number[] = [];
    e.reduce((a, v, i) => (cum[i] = a + v / s), 0);
    for (const u of uniformDraws(7, 5)) {
      const k = cum.findIndex((c) => c > u);
      // v × indicator, as PsyNeuLink computes it (so a negative input not chosen gives −0)
      expect(call([x])[0]).toEqual(x.map((v, i) => v * (i === k ? 1 : 0)));
    }
  });

  it('SoftMax PROB is reproducible: the same seed gives the same sequence of choices', () => {
    const spec = { type: 'SoftMax', output: 'PROB_INDICATOR', seed: 3 };
    const a = make(spec, [5]);
    const b = make(spec, [5]);
    const x = [[0.1, 0.2, 0.3, 0.2, 0.1]];
    const seqA = Array.from({ length: 20 }, () => a.call(x)[0]!.indexOf(1));
    const seqB = Array.from({ length: 20 }, () => b.call(x)[0]!.indexOf(1));
    expect(seqA).toEqual(seqB);
    expect(new Set(seqA).size).toBeGreaterThan(1);
  });

  it('SoftMax only declares a random stream when it draws', () => {
    const layout = new StateLayout();
    createFunction({ type: 'SoftMax' }, [3], makeBuildEnv(layout, PATH));
    expect(layout.entries).toHaveLength(0);
    createFunction({ type: 'SoftMax', output: 'PROB' }, [3], makeBuildEnv(layout, PATH));
    expect(layout.entries.map((s) => s.name)).toEqual([`${PATH}.random_state`]);
  });
});

describe('matrices', () => {
  it('a matrix of the wrong shape names the expected [rows × cols] and the found shape', () => {
    const err = modelError(() => resolveMatrix([[1, 2, 3]], 2, 3, 'projections[0].matrix'));
    expect(err.issues[0]!.path).toBe('projections[0].matrix');
    expect(err.message).toContain('[2 × 3]');
    expect(err.message).toContain('[1 × 3]');
  });

  it('a ragged matrix is reported as ragged', () => {
    const err = modelError(() => resolveMatrix([[1, 2], [3]], 2, 2, 'm'));
    expect(err.issues[0]!.found).toMatch(/ragged/);
  });

  it('keywords make identity, all-ones, and hollow matrices', () => {
    const rows = (m: Float64Array[]) => m.map((r) => Array.from(r));
    expect(rows(resolveMatrix('IDENTITY_MATRIX', 2, 2, 'm'))).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(rows(resolveMatrix('FULL_CONNECTIVITY_MATRIX', 2, 3, 'm'))).toEqual([
      [1, 1, 1],
      [1, 1, 1],
    ]);
    expect(rows(resolveMatrix('HOLLOW_MATRIX', 2, 2, 'm'))).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('a number k is k × identity and needs a square matrix', () => {
    expect(resolveMatrix(2.5, 2, 2, 'm').map((r) => Array.from(r))).toEqual([
      [2.5, 0],
      [0, 2.5],
    ]);
    expect(modelError(() => resolveMatrix(2.5, 2, 3, 'm')).message).toMatch(/square/);
  });

  it('IDENTITY_MATRIX between layers of different sizes is an error', () => {
    expect(modelError(() => resolveMatrix('IDENTITY_MATRIX', 2, 3, 'm')).message).toMatch(/square/);
  });

  it('RANDOM_CONNECTIVITY_MATRIX is rejected with the reason', () => {
    expect(modelError(() => resolveMatrix('RANDOM_CONNECTIVITY_MATRIX', 2, 2, 'm')).message).toMatch(/reproduced/);
  });

  it('LinearMatrix multiplies the row vector by the matrix (rows = inputs, columns = outputs)', () => {
    const { fn, call } = make({ type: 'LinearMatrix', matrix: [[1, 2, 3], [4, 5, 6]] }, [2]);
    expect(fn.outputShape).toEqual([3]);
    expect(call([[1, 10]])[0]).toEqual([41, 52, 63]);
  });

  it('LinearMatrix without a matrix is the identity', () => {
    expect(make({ type: 'LinearMatrix' }, [3]).call([[1, 2, 3]])[0]).toEqual([1, 2, 3]);
  });

  it('LinearMatrix normalize gives cosine similarities with the matrix rows', () => {
    const { call } = make({ type: 'LinearMatrix', matrix: [[3, 0], [0, 4]], normalize: true }, [2]);
    const [y] = call([[3, 4]]);
    expect(y![0]).toBeCloseTo(0.6, 15);
    expect(y![1]).toBeCloseTo(0.8, 15);
  });

  it('LinearMatrix reports a matrix whose rows do not match the input length at .matrix', () => {
    const err = modelError(() => make({ type: 'LinearMatrix', matrix: [[1, 2]] }, [2]));
    expect(err.issues[0]!.path).toBe('nodes.A.function.matrix');
    expect(err.message).toContain('[2 × 2]');
  });
});

describe('combination functions', () => {
  it('LinearCombination adds the rows with per-row weights [[w0], [w1]]', () => {
    const { fn, call } = make({ type: 'LinearCombination', weights: [[1], [-1]] }, [3, 3]);
    expect(fn.outputShape).toEqual([3]);
    expect(call([
      [5, 6, 7],
      [1, 2, 3],
    ])[0]).toEqual([4, 4, 4]);
  });

  it('LinearCombination applies exponents before weights', () => {
    const { call } = make({ type: 'LinearCombination', exponents: 2, weights: [[2], [1]] }, [1, 1]);
    expect(call([[3], [4]])[0]).toEqual([2 * 9 + 16]);
  });

  it('LinearCombination product with element-wise scale and offset', () => {
    const { call } = make({ type: 'LinearCombination', operation: 'product', scale: [1, 2], offset: [0, 1] }, [2, 2]);
    expect(call([
      [2, 3],
      [4, 5],
    ])[0]).toEqual([8, 31]);
  });

  it('LinearCombination: a flat weights array lines up with the elements of a row (numpy), so a per-row list is an error', () => {
    const err = modelError(() => make({ type: 'LinearCombination', weights: [1, -1] }, [3, 3]));
    expect(err.issues[0]!.path).toBe('nodes.A.function.weights');
    expect(err.message).toContain('[[w0], [w1]');
  });

  it('LinearCombination rejects rows of different lengths', () => {
    expect(modelError(() => make({ type: 'LinearCombination' }, [2, 3])).message).toMatch(/same length/);
  });

  it('Reduce gives one number per row, in one output row', () => {
    const { fn, call } = make({ type: 'Reduce', scale: 2, offset: 1 }, [3, 3]);
    expect(fn.outputShape).toEqual([2]);
    expect(call([
      [1, 2, 3],
      [4, 5, 6],
    ])[0]).toEqual([13, 31]);
  });

  it('Reduce weights given flat apply to the elements of each row', () => {
    const { call } = make({ type: 'Reduce', operation: 'product', weights: [1, -1, 2] }, [3]);
    expect(call([[1, 2, 3]])[0]).toEqual([-12]);
  });
});

describe('distribution functions', () => {
  it('NormalDist draws normal(mean, sd) from its own stream, one per call, ignoring the variable', () => {
    const { call } = make({ type: 'NormalDist', mean: 1, standard_deviation: 2, seed: 42 }, [1]);
    const r = new MT19937();
    r.seed(42);
    expect([call([[1e9]])[0]![0], call([[0]])[0]![0]]).toEqual([r.normal(1, 2), r.normal(1, 2)]);
  });

  it('UniformDist draws low + (high − low)·random_sample()', () => {
    const { call } = make({ type: 'UniformDist', low: -1, high: 3, seed: 5 }, [1]);
    expect(call([[0]])[0]![0]).toBe(-1 + 4 * uniformDraws(5, 1)[0]!);
  });

  it('two contexts of one model draw independent copies of the same stream', () => {
    const layout = new StateLayout();
    const fn = createFunction({ type: 'UniformDist', seed: 9 }, [1], makeBuildEnv(layout, PATH));
    const a = fn.bind(new ContextStore(layout));
    const b = fn.bind(new ContextStore(layout));
    const oa = allocValue([1]);
    const ob = allocValue([1]);
    a.execute([Float64Array.of(0)], oa);
    a.execute([Float64Array.of(0)], oa);
    b.execute([Float64Array.of(0)], ob);
    expect(ob[0]![0]).toBe(uniformDraws(9, 1)[0]);
  });

  it('DriftDiffusionAnalytical returns 8 values; zero drift uses the drift → 0 limit', () => {
    const { fn, call } = make({ type: 'DriftDiffusionAnalytical', threshold: 1, starting_value: 0, noise: 1, non_decision_time: 0.2 }, [1]);
    expect(fn.outputShape).toEqual([8]);
    const [y] = call([[0]]);
    expect(y![0]).toBeCloseTo(0.2 + 1, 15); // t0 + (z² − x0²)/noise²
    expect(y![1]).toBeCloseTo(0.5, 15);
  });

  it('DriftDiffusionAnalytical reports the lower-threshold probability in a fixed frame (flips with the drift sign)', () => {
    const { call } = make({ type: 'DriftDiffusionAnalytical' }, [1]);
    const up = call([[1]])[0]![1]!;
    const down = call([[-1]])[0]![1]!;
    expect(up).toBeLessThan(0.5);
    expect(down).toBeCloseTo(1 - up, 12);
  });

  it('DriftDiffusionAnalytical takes a single number as its variable', () => {
    expect(modelError(() => make({ type: 'DriftDiffusionAnalytical' }, [2])).message).toMatch(/single number/);
  });
});

describe('OneHot', () => {
  it('MAX_ABS_VAL writes the absolute value of the largest-magnitude element', () => {
    expect(make({ type: 'OneHot', mode: 'MAX_ABS_VAL' }, [3]).call([[1, -3, 2]])[0]).toEqual([0, 3, 0]);
  });

  it('MIN_VAL keeps every tied minimum; ARG_MIN keeps only the first', () => {
    expect(make({ type: 'OneHot', mode: 'MIN_VAL' }, [4]).call([[2, -1, 3, -1]])[0]).toEqual([0, -1, 0, -1]);
    expect(make({ type: 'OneHot', mode: 'ARG_MIN' }, [4]).call([[2, -1, 3, -1]])[0]).toEqual([0, -1, 0, 0]);
  });

  it('deterministic modes look at the whole variable, not row by row', () => {
    expect(make({ type: 'OneHot', mode: 'MAX_INDICATOR' }, [2, 2]).call([
      [1, 2],
      [5, 0],
    ])).toEqual([
      [0, 0],
      [1, 0],
    ]);
  });

  it('PROB chooses the first element whose cumulative probability exceeds u = random_sample()', () => {
    const probs = [0.2, 0.3, 0.5];
    const { call } = make({ type: 'OneHot', mode: 'PROB', seed: 11 }, [3, 3]);
    for (const u of uniformDraws(11, 6)) {
      const k = u < 0.2 ? 0 : u < 0.5 ? 1 : 2;
      expect(call([[10, 20, 30], probs])[0]).toEqual([10, 20, 30].map((v, i) => (i === k ? v : 0)));
    }
  });

  it('PROB also selects zero-probability elements right after the chosen one (equal cumulative sums)', () => {
    const { call } = make({ type: 'OneHot', mode: 'PROB_INDICATOR', seed: 1 }, [3, 3]);
    expect(call([[7, 8, 9], [0, 1, 0]])[0]).toEqual([0, 1, 1]);
  });

  it('PROB with all-zero probabilities returns the values without drawing', () => {
    const { call, fn } = make({ type: 'OneHot', mode: 'PROB', seed: 2 }, [2, 2]);
    expect(fn.outputShape).toEqual([2]);
    expect(call([[4, 5], [0, 0]])[0]).toEqual([4, 5]);
    // the stream was not advanced: the next choice uses the first draw
    const u = uniformDraws(2, 1)[0]!;
    expect(call([[4, 5], [0.5, 0.5]])[0]).toEqual(u < 0.5 ? [4, 0] : [0, 5]);
  });

  it('PROB needs a variable of two equal-length rows', () => {
    const err = modelError(() => make({ type: 'OneHot', mode: 'PROB' }, [3]));
    expect(err.issues[0]!.path).toBe('nodes.A.function.mode');
  });
});

describe('objective functions', () => {
  const v1 = [0.2, 0.5, 0.9];
  const v2 = [0.4, 0.1, 0.6];

  it('Distance difference, normalized, divides the summed |v1 − v2| by the length', () => {
    const [y] = make({ type: 'Distance', metric: 'difference', normalize: true }, [3, 3]).call([v1, v2]);
    expect(y![0]).toBeCloseTo((0.2 + 0.4 + 0.3) / 3, 15);
  });

  it('Distance energy, normalized, divides by the length squared', () => {
    const [y] = make({ type: 'Distance', metric: 'energy', normalize: true }, [3, 3]).call([v1, v2]);
    expect(y![0]).toBeCloseTo(-(0.08 + 0.05 + 0.54) / 2 / 9, 15);
  });

  it('Distance max_abs_diff ignores normalize', () => {
    const [y] = make({ type: 'Distance', metric: 'max_abs_diff', normalize: true }, [3, 3]).call([v1, v2]);
    expect(y![0]).toBeCloseTo(0.4, 15);
  });

  it('Distance cross-entropy replaces zeros by machine epsilon', () => {
    const [y] = make({ type: 'Distance', metric: 'cross-entropy' }, [2, 2]).call([
      [1, 0],
      [0, 1],
    ]);
    expect(y![0]).toBeCloseTo(-Math.log(2.220446049250313e-16), 12);
  });

  it('Distance cosine is 1 − |cos θ|', () => {
    const [y] = make({ type: 'Distance', metric: 'cosine' }, [2, 2]).call([
      [1, 0],
      [1, 1],
    ]);
    expect(y![0]).toBeCloseTo(1 - Math.SQRT1_2, 15);
  });

  it('Distance needs two rows of equal length', () => {
    expect(modelError(() => make({ type: 'Distance' }, [3, 2])).message).toMatch(/two rows/);
  });

  it('Stability ignores the diagonal of its matrix (energy = −½ vᵀWv over i ≠ j)', () => {
    const m = [
      [5, -4],
      [-4, 5],
    ];
    const [y] = make({ type: 'Stability', matrix: m, metric: 'energy' }, [2]).call([[1, 0.5]]);
    expect(y![0]).toBeCloseTo(-0.5 * (2 * -4 * 0.5), 15);
  });

  it('Stability applies transfer_fct to the weighted input before comparing', () => {
    const [y] = make({ type: 'Stability', transfer_fct: { type: 'Linear', slope: 2 } }, [2]).call([[1, 2]]);
    expect(y![0]).toBeCloseTo(-0.5 * (1 * 4 + 2 * 2), 15);
  });

  it('Stability metric "entropy" is the cross-entropy of v with its weighted input', () => {
    const [y] = make({ type: 'Stability', metric: 'entropy' }, [3]).call([[0.1, 0.2, 0.7]]);
    expect(y![0]).toBeCloseTo(-(0.1 * Math.log(0.9) + 0.2 * Math.log(0.8) + 0.7 * Math.log(0.3)), 14);
  });

  it('Stability with a non-square matrix names the path and shapes', () => {
    const err = modelError(() => make({ type: 'Stability', matrix: [[0, 1, 1]] }, [3]));
    expect(err.issues[0]!.path).toBe('nodes.A.function.matrix');
    expect(err.message).toContain('[3 × 3]');
  });

  it('Entropy has no matrix parameter (PsyNeuLink fixes it to HOLLOW_MATRIX)', () => {
    const err = modelError(() => make({ type: 'Entropy', matrix: 'IDENTITY_MATRIX' }, [3]));
    expect(err.issues[0]!.path).toBe('nodes.A.function.matrix');
  });
});
