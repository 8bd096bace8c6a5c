/**
 * The compiled twins of the non-stateful functions (transfer SoftMax / LinearMatrix, combination,
 * distribution, selection, objective) in configurations functions.json does not cover: every
 * call must give the interpreter's numbers (1e-12 relative, NaN for NaN) and leave the whole
 * state buffer (RNG streams included) byte for byte as the interpreter leaves it.
 */
import { describe, expect, it } from 'vitest';
import { createFunction } from '../src-main/components/functions/index.js';
import { ONE_HOT_MODES } from '../src-main/components/functions/selection/OneHot.js';
import { DISTANCE_METRICS } from '../src-main/components/functions/objective/metrics.js';
import { libm } from '../src-main/components/functions/distribution/libm.js';
import type { FunctionSpec, Value } from '../src-main/components/types.js';
import { allocValue } from '../src-main/components/types.js';
import { makeBuildEnv } from '../src-main/engine/build-env.js';
import { ContextStore, StateLayout } from '../src-main/engine/state.js';
import { compileFunction } from './compiled-function-harness.js';

type Rows = number[][];

/** A deterministic pseudo-random row generator (no dependence on the streams under test). */
function rows(shape: number[], seed: number, lo = -1, hi = 1): Rows {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  return shape.map((n) => Array.from({ length: n }, () => lo + (hi - lo) * next()));
}

/**
 * Runs `spec` on each variable in turn (cycling through `inputs` for `calls` calls), interpreted
 * and compiled, and compares every output and the final state.
 */
function agree(spec: FunctionSpec, inputs: Rows | Rows[], calls = 1, exact = false): void {
  const list: Rows[] = Array.isArray(inputs[0]![0]) ? (inputs as Rows[]) : [inputs as Rows];
  const shape = list[0]!.map((r) => r.length);
  const layout = new StateLayout();
  const fn = createFunction(spec, shape, makeBuildEnv(layout, 'function'));
  expect(fn.emit, `${spec.type} has a compiled form`).toBeDefined();
  const interpreted = new ContextStore(layout);
  const compiledStore = new ContextStore(layout);
  const bound = fn.bind(interpreted);
  const native = compileFunction(fn, shape);
  try {
    const width = fn.outputShape.reduce((a, b) => a + b, 0);
    for (let k = 0; k < Math.max(calls, list.length); k++) {
      const v = list[k % list.length]!;
      const variable: Value = v.map((r) => Float64Array.from(r));
      const out = allocValue(fn.outputShape);
      bound.execute(variable, out);
      const want = out.flatMap((r) => Array.from(r));
      const got = new Float64Array(width);
      native.call(compiledStore.buffer, Float64Array.from(v.flat()), got);
      got.forEach((g, i) => {
        const w = want[i]!;
        if (exact && !Object.is(g, w) && !(Number.isNaN(g) && Number.isNaN(w))) {
          expect.fail(`${JSON.stringify(spec)} call ${k}, value ${i}: compiled ${g}, interpreted ${w} (expected identical bits)`);
        }
        if (g !== w && !(Math.abs(g - w) <= 1e-12 * Math.abs(w) + 1e-15) && !(Number.isNaN(g) && Number.isNaN(w))) {
          expect.fail(`${JSON.stringify(spec)} call ${k}, value ${i}: compiled ${g}, interpreted ${w}`);
        }
      });
    }
    expect(new Uint8Array(compiledStore.buffer)).toEqual(new Uint8Array(interpreted.buffer));
  } finally {
    native.dispose();
  }
}

const seeds = [1, 2, 3, 4, 5, 6, 7, 8];

describe('SoftMax compiled', () => {
  it('PROB and PROB_INDICATOR with a seed draw the same elements, call after call', () => {
    for (const output of ['PROB', 'PROB_INDICATOR']) {
      agree({ type: 'SoftMax', output, gain: 2.5, seed: 17 }, seeds.map((s) => rows([5], s)), 40);
      agree({ type: 'SoftMax', output, gain: [1, 2, 3, 4, 5, 6], seed: 3 }, seeds.map((s) => rows([6, 6, 6], s)), 20);
    }
  });
  it('PROB with a vanishing probability mass returns the input without drawing', () => {
    agree({ type: 'SoftMax', output: 'PROB', gain: 0, seed: 5 }, [[[0, 0, 0]], [[1, 2, 3]]], 6);
  });
  it('ALL, MAX_VAL and MAX_INDICATOR per item and across rows', () => {
    for (const output of ['ALL', 'MAX_VAL', 'MAX_INDICATOR']) {
      for (const per_item of [true, false]) {
        agree({ type: 'SoftMax', output, per_item, gain: 1.7 }, seeds.map((s) => rows([4, 4, 4], s, -5, 5)));
        agree({ type: 'SoftMax', output, per_item, gain: [0.5, 1, 2, -1] }, seeds.map((s) => rows([4, 4], s, -5, 5)));
        agree({ type: 'SoftMax', output, per_item }, [[[1, 3, 3, 0]], [[2, 2, 2, 2]]]);
      }
    }
  });
  it('long rows (numpy pairwise summation) and NaN / infinite inputs', () => {
    agree({ type: 'SoftMax', gain: 0.3 }, seeds.map((s) => rows([20], s, -10, 10)));
    agree({ type: 'SoftMax', gain: 0.3 }, seeds.map((s) => rows([300], s, -10, 10)));
    agree({ type: 'SoftMax', output: 'MAX_VAL', gain: 1 }, [[[1, NaN, 2]], [[Infinity, 1, 2]], [[-Infinity, -Infinity, 0]]]);
    agree({ type: 'SoftMax', per_item: false }, [[[1, NaN], [2, 3]], [[Infinity, 0], [1, 1]]]);
  });
});

describe('LinearMatrix compiled', () => {
  it('explicit, keyword and scalar matrices over several rows', () => {
    agree({ type: 'LinearMatrix', matrix: [[1, -2, 0.5, 4], [0, 3, -1, 2], [0.25, 0, 7, -3]] }, seeds.map((s) => rows([3, 3], s)));
    agree({ type: 'LinearMatrix', matrix: rows([4, 4, 4, 4], 11).map((r) => r.slice(0, 2)) }, seeds.map((s) => rows([4], s)));
    agree({ type: 'LinearMatrix' }, seeds.map((s) => rows([5, 5], s)));
    agree({ type: 'LinearMatrix', matrix: 'HOLLOW_MATRIX' }, seeds.map((s) => rows([3], s)));
    agree({ type: 'LinearMatrix', matrix: 'FULL_CONNECTIVITY_MATRIX' }, seeds.map((s) => rows([3], s)));
    agree({ type: 'LinearMatrix', matrix: -2.5 }, seeds.map((s) => rows([3], s)));
    agree({ type: 'LinearMatrix' }, [[[Infinity, 1, NaN]]]);
  });
  it('normalize (including an all-zero variable and an all-zero matrix)', () => {
    const m = rows([3, 3, 3], 21);
    agree({ type: 'LinearMatrix', matrix: m, normalize: true }, [...seeds.map((s) => rows([3, 3], s)), [[0, 0, 0], [0, 0, 0]]]);
    agree({ type: 'LinearMatrix', matrix: [[0, 0], [0, 0]], normalize: true }, [[[1, 2]], [[0, 0]]]);
  });
});

describe('LinearCombination compiled', () => {
  it('product, sum and cross-entropy with scalar, per-row, per-element weights and exponents', () => {
    for (const operation of ['sum', 'product']) {
      agree({ type: 'LinearCombination', operation }, seeds.map((s) => rows([4, 4, 4], s)));
      agree({ type: 'LinearCombination', operation, weights: [[2], [-1], [0.5]], exponents: [[1], [2], [3]] }, seeds.map((s) => rows([4, 4, 4], s, 0.1, 2)));
      agree({ type: 'LinearCombination', operation, weights: 0.5, exponents: 0.5, scale: 2, offset: -1 }, seeds.map((s) => rows([3, 3], s, 0, 2)));
      agree(
        { type: 'LinearCombination', operation, exponents: [2, 1, 0.5, -1], weights: [[1, 2, 3, 4], [-1, -2, -3, -4]], scale: [1, 2, 3, 4], offset: 0.25 },
        seeds.map((s) => rows([4, 4], s, 0.1, 3)),
      );
      agree({ type: 'LinearCombination', operation, scale: null, offset: null }, [[[1, 2]], [[3, 4]]]);
    }
    agree({ type: 'LinearCombination', operation: 'cross-entropy' }, [...seeds.map((s) => rows([5, 5], s, 0, 1)), [[0, 1, 0, 2, -1], [0, 0, 1, 0.5, 2]]]);
    agree({ type: 'LinearCombination', operation: 'cross-entropy', weights: [[1], [2]], exponents: [[1], [2]] }, seeds.map((s) => rows([3, 3], s, 0, 1)));
  });
  it('exponents where |x| = 1, powers of negative numbers, reciprocals', () => {
    agree({ type: 'LinearCombination', exponents: 0.5 }, [[[1, -1, -4, 0], [-1, 1, 9, -0]]]);
    agree({ type: 'LinearCombination', exponents: -1 }, [[[1, -1, -4, 0], [-1, 1, 9, -0]]]);
    agree({ type: 'LinearCombination', exponents: [0.5, 3, 2, 1, -1] }, [[[1, -1, -4, 0, 3], [-1, 1, 9, -0, 7]]]);
  });
  it('identical bits where weighted powers cancel', () => {
    const a = rows([64], 5, 0.5, 2)[0]!;
    const b = a.map((x) => (x ** 0.65) ** (1 / 0.79) * (1 + 1e-9));
    agree({ type: 'LinearCombination', exponents: [[0.65], [0.79]], weights: [[1], [-1]] }, [[a, b]], 1, libm.native);
    agree({ type: 'LinearCombination', exponents: [[0.65, -1], [0.79, 0.5]], weights: [[1], [-1]] }, [[a.slice(0, 2), b.slice(0, 2)]], 1, libm.native);
    agree({ type: 'Reduce', exponents: [0.65, 0.79, -1, 3], weights: [1, -1, 1, -1] }, [[[1.3, 1.3 ** (0.65 / 0.79), 0.7, 0.7 ** (-1 / 3)]]], 1, libm.native);
  });
});

describe('Reduce compiled', () => {
  it('sum and product of rows of different lengths, long rows, tables of exponents and weights', () => {
    for (const operation of ['sum', 'product']) {
      agree({ type: 'Reduce', operation }, seeds.map((s) => rows([3, 7, 1], s)));
      agree({ type: 'Reduce', operation, weights: 2, exponents: 3, scale: 0.5, offset: 1 }, seeds.map((s) => rows([2, 5], s)));
      agree({ type: 'Reduce', operation, weights: [1, -1, 2, 0.5], exponents: [[1, 2, 3, 0.5], [2, 2, 2, 2]] }, seeds.map((s) => rows([4, 4], s, 0, 2)));
    }
    agree({ type: 'Reduce' }, seeds.map((s) => rows([9, 64, 130, 300], s)));
    agree({ type: 'Reduce', operation: 'sum', scale: null, offset: null }, [[[1, 2, 3]]]);
  });
});

describe('distributions compiled', () => {
  it('NormalDist and UniformDist share the stream draw for draw', () => {
    agree({ type: 'NormalDist', mean: -1, standard_deviation: 3, seed: 99 }, [[[0]]], 51);
    agree({ type: 'NormalDist', standard_deviation: 0, seed: 2 }, [[[0]]], 3);
    agree({ type: 'NormalDist' }, [[[0]]], 7);
    agree({ type: 'UniformDist', low: -5, high: -2, seed: 4242 }, [[[0]]], 50);
    agree({ type: 'UniformDist' }, [[[1]]], 3);
  });
  it('DriftDiffusionAnalytical over drifts and parameters (small-drift limit, clamps, overflow fallback)', () => {
    const stimuli = [0, 1e-12, -1e-9, 2e-9, 0.003, -0.004, 0.02, -0.3, 0.5, 1, -2, 7, 40, -60, 1e3, -1e6, 1e12];
    const params: FunctionSpec[] = [
      { type: 'DriftDiffusionAnalytical' },
      { type: 'DriftDiffusionAnalytical', drift_rate: 0.7, threshold: 0.6, starting_value: 0.54, non_decision_time: 0.42, noise: 0.65 },
      { type: 'DriftDiffusionAnalytical', drift_rate: 2, threshold: 2, starting_value: -1.5, noise: 1 },
      { type: 'DriftDiffusionAnalytical', drift_rate: 1, threshold: 1, starting_value: 5, noise: 0.1 },
      { type: 'DriftDiffusionAnalytical', drift_rate: 1, threshold: 1, starting_value: -1, noise: 0.3 },
      { type: 'DriftDiffusionAnalytical', drift_rate: 3, threshold: 25, starting_value: 0.2, noise: 0.05 },
    ];
    for (const p of params) agree(p, stimuli.map((x) => [[x]]), 1, libm.native);
    agree({ type: 'DriftDiffusionAnalytical' }, [[[], [0.3]], [[], [-0.3]]]);
  });
  it('DriftDiffusionAnalytical: identical bits over a sweep of parameters (its moments cancel heavily)', () => {
    const r = rows([240], 77, 0, 1)[0]!;
    for (let k = 0; k < 40; k++) {
      const [a, b, c, d, e, f] = r.slice(6 * k, 6 * k + 6) as [number, number, number, number, number, number];
      const threshold = 0.1 + 3 * a;
      const spec = { type: 'DriftDiffusionAnalytical', drift_rate: 0.1 + 2 * b, threshold, starting_value: (2 * c - 1) * threshold, noise: 0.05 + d, non_decision_time: e };
      agree(spec, [[[(f - 0.5) * 10 ** (4 * e - 2)]], [[-(f - 0.5) * 1e-3]], [[f * 1e-8]]], 1, libm.native);
    }
  });
});

describe('OneHot compiled', () => {
  it('every deterministic mode over several rows, with ties and signs', () => {
    for (const mode of ONE_HOT_MODES.filter((m) => !m.startsWith('PROB'))) {
      agree({ type: 'OneHot', mode }, seeds.map((s) => rows([3, 4], s, -2, 2)));
      agree({ type: 'OneHot', mode }, [[[1, -3, 3], [-3, 0, 3]], [[0, 0, 0], [0, -0, 0]], [[NaN, 1, 2], [0, 0, 0]], [[-Infinity, 2, Infinity], [1, 1, 1]]]);
    }
  });
  it('PROB and PROB_INDICATOR over many draws, zero probabilities and unnormalised mass', () => {
    for (const mode of ['PROB', 'PROB_INDICATOR']) {
      agree({ type: 'OneHot', mode, seed: 8 }, [[[1, 2, 3, 4], [0.1, 0.2, 0.3, 0.4]], [[5, 6, 7, 8], [0, 0.5, 0, 0.5]], [[1, 2, 3, 4], [0, 0, 0, 0]]], 60);
      agree({ type: 'OneHot', mode, seed: 1 }, [[[-1, -2, 3], [0.2, 0.2, 0.2]], [[Infinity, 1, 2], [0, 0.5, 0.1]]], 30);
    }
  });
});

describe('Distance compiled', () => {
  it('every metric, normalized or not, over short, long and degenerate rows', () => {
    for (const metric of DISTANCE_METRICS) {
      for (const normalize of [false, true]) {
        const spec = { type: 'Distance', metric, normalize };
        agree(spec, seeds.map((s) => rows([6, 6], s, 0.01, 1)));
        agree(spec, seeds.map((s) => rows([200, 200], s, -1, 1)));
        agree(spec, [[[0, 0, 0], [0, 0, 0]], [[1, 1, 1], [1, 2, 3]], [[0, 1, 0], [1, 0, 0]], [[1, NaN, 2], [0, 1, 2]]]);
      }
    }
  });
});

describe('Stability, Energy and Entropy compiled', () => {
  const m = rows([4, 4, 4, 4], 31);
  it('with explicit and keyword matrices and every metric', () => {
    for (const metric of DISTANCE_METRICS) {
      agree({ type: 'Stability', metric, matrix: m, normalize: true }, seeds.map((s) => rows([4], s, 0.05, 1)));
    }
    agree({ type: 'Stability', matrix: 'FULL_CONNECTIVITY_MATRIX' }, seeds.map((s) => rows([5], s)));
    agree({ type: 'Energy', matrix: m }, seeds.map((s) => rows([4], s)));
    agree({ type: 'Energy', normalize: true }, seeds.map((s) => rows([12], s)));
    agree({ type: 'Entropy', normalize: true }, seeds.map((s) => rows([6], s, 0.01, 1)));
  });
  it('with a transfer function (its own compiled form is used)', () => {
    agree({ type: 'Stability', metric: 'cross-entropy', transfer_fct: { type: 'Logistic', gain: 2 } }, seeds.map((s) => rows([4], s)));
    agree({ type: 'Entropy', transfer_fct: { type: 'SoftMax', gain: 3 } }, seeds.map((s) => rows([5], s, 0.01, 1)));
    agree({ type: 'Stability', matrix: m, transfer_fct: { type: 'SoftMax', output: 'PROB', seed: 12 } }, seeds.map((s) => rows([4], s)), 24);
  });
});
