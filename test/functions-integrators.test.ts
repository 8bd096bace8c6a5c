/**
 * The stateful integrator functions: state carried between calls and kept in the context store,
 * reset, noise (its scaling and its draw order), DriftDiffusionIntegrator's bounds and finish,
 * and parameter errors.
 */
import { describe, expect, it } from 'vitest';
import { createFunction } from '../src-main/components/functions/index.js';
import type { BuildEnv, FunctionInstance, FunctionSpec, Shape, Value } from '../src-main/components/types.js';
import { allocValue } from '../src-main/components/types.js';
import { makeBuildEnv } from '../src-main/engine/build-env.js';
import { ContextStore, StateLayout } from '../src-main/engine/state.js';
import { ModelError } from '../src-main/model/errors.js';
import { MT19937 } from '../src-main/random/mt19937.js';
import { readReferenceJson } from './shared-files.js';

/**
 * A NormalDist for noise tests (normal(mean, standard_deviation) from its own stream seeded
 * RandomState([seed])), so that these tests do not depend on the distribution functions.
 */
function normalDist(spec: FunctionSpec, layout: StateLayout, path: string): FunctionInstance {
  const mean = (spec.mean as number | undefined) ?? 0;
  const sd = (spec.standard_deviation as number | undefined) ?? 1;
  const slot = layout.rng(`${path}.random_state`, (spec.seed as number | undefined) ?? 0);
  return {
    type: 'NormalDist',
    outputShape: [1],
    params: { mean, standard_deviation: sd },
    bind(ctx) {
      const rng = ctx.rng(slot);
      return {
        rng,
        execute(_variable: Value, out: Value) {
          out[0]![0] = rng.normal(mean, sd);
        },
      };
    },
  };
}

function testEnv(layout: StateLayout, path: string): BuildEnv {
  return {
    path,
    layout,
    createFunction: (spec, shape, p) =>
      spec.type === 'NormalDist' ? normalDist(spec, layout, p) : createFunction(spec, shape, testEnv(layout, p)),
  };
}

/** One function in one fresh context: `call(x)` executes it and returns its output, flattened. */
function make(spec: FunctionSpec, shape: Shape, path = 'nodes.A.function') {
  const layout = new StateLayout();
  const fn = createFunction(spec, shape, testEnv(layout, path));
  const ctx = new ContextStore(layout);
  const bound = fn.bind(ctx);
  const out = allocValue(fn.outputShape);
  const call = (x: number[] | number[][]): number[] => {
    const rows = (typeof x[0] === 'number' ? [x] : x) as number[][];
    bound.execute(
      rows.map((r) => Float64Array.from(r)),
      out,
    );
    return out.flatMap((r) => Array.from(r));
  };
  return { fn, layout, ctx, bound, out, call };
}

function modelError(f: () => unknown): ModelError {
  try {
    f();
  } catch (e) {
    if (e instanceof ModelError) return e;
    throw e;
  }
  throw new Error('expected a ModelError');
}

/** The first n standard normals of numpy's RandomState([seed]). */
function standardNormals(seed: number, n: number): number[] {
  const r = new MT19937();
  r.seed(seed);
  return Array.from({ length: n }, () => r.standardNormal());
}

describe('integrator state', () => {
  it('carries over from one call to the next (SimpleIntegrator sums its input)', () => {
    const { call } = make({ type: 'SimpleIntegrator', rate: 2 }, [2]);
    expect(call([1, 3])).toEqual([2, 6]);
    expect(call([1, 3])).toEqual([4, 12]);
    expect(call([0.5, 0])).toEqual([5, 12]);
  });

  it('starts from the initializer, one value per element', () => {
    const { call } = make({ type: 'SimpleIntegrator', initializer: [10, 20] }, [2]);
    expect(call([1, 1])).toEqual([11, 21]);
  });

  it('integrates every row of a several-row variable; an array parameter may give one value per column', () => {
    const { call } = make({ type: 'SimpleIntegrator', rate: [1, 10] }, [2, 2]);
    expect(call([
      [1, 1],
      [2, 2],
    ])).toEqual([1, 10, 2, 20]);
  });

  it('is written into the preallocated output rows', () => {
    const { call, out } = make({ type: 'AdaptiveIntegrator', rate: 0.5 }, [3]);
    const rows = [...out];
    call([2, 4, 6]);
    expect(out[0]).toBe(rows[0]);
    expect(Array.from(out[0]!)).toEqual([1, 2, 3]);
  });

  it('reset() puts previous_value back to the initializer', () => {
    const { call, bound } = make({ type: 'AdaptiveIntegrator', rate: 0.25, initializer: [4, 8] }, [2]);
    const first = call([1, 2]);
    call([1, 2]);
    call([5, 5]);
    bound.reset!();
    expect(call([1, 2])).toEqual(first);
  });

  it('lives in the context store: two contexts of one model do not share it', () => {
    const layout = new StateLayout();
    const fn = createFunction({ type: 'SimpleIntegrator' }, [1], makeBuildEnv(layout, 'f'));
    const a = fn.bind(new ContextStore(layout));
    const b = fn.bind(new ContextStore(layout));
    const out = allocValue(fn.outputShape);
    a.execute([Float64Array.of(1)], out);
    a.execute([Float64Array.of(1)], out);
    b.execute([Float64Array.of(1)], out);
    expect(out[0]![0]).toBe(1);
    a.execute([Float64Array.of(1)], out);
    expect(out[0]![0]).toBe(3);
  });

  it('lives in the context store: restoring a snapshot rolls the integrator and its stream back', () => {
    const { ctx, call } = make({ type: 'DriftDiffusionIntegrator', noise: 1, seed: 5 }, [2]);
    call([1, 1]);
    const saved = ctx.snapshot();
    const next = call([1, 1]);
    call([1, 1]);
    ctx.restore(saved);
    expect(call([1, 1])).toEqual(next);
  });

  it('names its slots after the function path', () => {
    const { layout } = make({ type: 'FitzHughNagumoIntegrator' }, [1], 'nodes.LC.function');
    expect(layout.entries.map((s) => s.name)).toEqual([
      'nodes.LC.function.previous_v',
      'nodes.LC.function.previous_w',
      'nodes.LC.function.previous_time',
    ]);
  });
});

describe('integrator formulas', () => {
  it('AccumulatorIntegrator ignores its input: previous·rate + increment', () => {
    const { call } = make({ type: 'AccumulatorIntegrator', rate: 0.5, increment: 1, initializer: 2 }, [2]);
    expect(call([100, -100])).toEqual([2, 2]);
    expect(call([7, 7])).toEqual([2, 2]);
    const grows = make({ type: 'AccumulatorIntegrator', increment: 1 }, [1]);
    grows.call([0]);
    expect(grows.call([0])).toEqual([2]);
  });

  it('LeakyCompetingIntegrator: previous + (input − leak·previous)·dt + offset, leak being rate', () => {
    const { call } = make({ type: 'LeakyCompetingIntegrator', leak: 0.5, time_step_size: 0.1, offset: 0.25, initializer: 2 }, [1]);
    expect(call([1])[0]).toBeCloseTo(2 + (1 - 0.5 * 2) * 0.1 + 0.25, 14);
  });

  it('LeakyCompetingIntegrator scales noise by √time_step_size', () => {
    const { call } = make({ type: 'LeakyCompetingIntegrator', rate: 0, noise: 3, time_step_size: 0.25 }, [2]);
    expect(call([0, 0])).toEqual([1.5, 1.5]);
  });

  it('DualAdaptiveIntegrator updates each average as (1 − avg)·term_rate + avg·input, as PsyNeuLink does', () => {
    const spec = { type: 'DualAdaptiveIntegrator', short_term_rate: 0.6, long_term_rate: 0.2, initial_short_term_avg: 0.5, initial_long_term_avg: 0.25 };
    const s = (1 - 0.5) * 0.6 + 0.5 * 2;
    const l = (1 - 0.25) * 0.2 + 0.25 * 2;
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    const want = { product: (1 - sig(s)) * sig(l), sum: 1 - sig(s) + sig(l), 's-l': 1 - sig(s) - sig(l), 'l-s': sig(l) - (1 - sig(s)) };
    for (const [operation, v] of Object.entries(want)) {
      expect(make({ ...spec, operation, offset: 1 }, [1]).call([2])[0]).toBeCloseTo(v + 1, 14);
    }
  });

  it('FitzHughNagumoIntegrator EULER with the default parameters takes one forward step', () => {
    const { call } = make({ type: 'FitzHughNagumoIntegrator', integration_method: 'EULER' }, [1]);
    // dv/dt = v − v³/3 − w + I = 1 and dw/dt = (v + 0.7 − 0.8w)/12.5 = 0.056 at v = w = 0, I = 1
    const [v, w, t] = call([1]);
    expect(v).toBeCloseTo(0.05, 15);
    expect(w).toBeCloseTo(0.0028, 15);
    expect(t).toBeCloseTo(0.05, 15);
  });

  it('FitzHughNagumoIntegrator reset() restores v, w and time', () => {
    const { call, bound } = make({ type: 'FitzHughNagumoIntegrator', initial_v: 0.3, initial_w: -0.2, t_0: 2 }, [2]);
    const first = call([0.5, 1]);
    call([0.5, 1]);
    bound.reset!();
    expect(call([0.5, 1])).toEqual(first);
    expect(first.slice(4)).toEqual([2.05, 2.05]);
  });

  it('OrnsteinUhlenbeckIntegrator draws ONE normal per call, shared by all elements, scaled by √(dt·noise)', () => {
    const { call } = make({ type: 'OrnsteinUhlenbeckIntegrator', decay: 0, rate: 0, noise: 4, time_step_size: 0.25, seed: 9 }, [3]);
    const [z1, z2] = standardNormals(9, 2);
    expect(call([1, 2, 3])).toEqual([z1!, z1!, z1!, 0.25, 0.25, 0.25]);
    expect(call([1, 2, 3]).slice(0, 3)).toEqual([z1! + z2!, z1! + z2!, z1! + z2!]);
  });
});

describe('DriftDiffusionIntegrator', () => {
  it('returns [position, time] with time starting at non_decision_time', () => {
    const { call } = make({ type: 'DriftDiffusionIntegrator', rate: 2, time_step_size: 0.1, non_decision_time: 0.3, starting_value: 0.1 }, [1]);
    const [x1, t1] = call([1]);
    expect(x1).toBeCloseTo(0.1 + 2 * 1 * 0.1, 15);
    expect(t1).toBeCloseTo(0.4, 15);
    expect(call([1])[1]).toBeCloseTo(0.5, 15);
  });

  it('clips the position to ±threshold', () => {
    const { call } = make({ type: 'DriftDiffusionIntegrator', rate: 1, threshold: 1 }, [2]);
    expect(call([0.7, -3]).slice(0, 2)).toEqual([0.7, -1]);
    expect(call([0.7, 0.5]).slice(0, 2)).toEqual([1, -0.5]);
  });

  it('isFinished() once |position| reaches the threshold', () => {
    const { call, bound } = make({ type: 'DriftDiffusionIntegrator', rate: 0.4, threshold: 1 }, [1]);
    expect(bound.isFinished!()).toBe(false);
    call([1]);
    call([1]);
    expect(bound.isFinished!()).toBe(false);
    call([1]);
    expect(bound.isFinished!()).toBe(true);
    bound.reset!();
    expect(bound.isFinished!()).toBe(false);
    call([-3]);
    expect(bound.isFinished!()).toBe(true);
  });

  it('reset() restores the starting value and the non-decision time but not the stream', () => {
    const { call, bound } = make({ type: 'DriftDiffusionIntegrator', noise: 1, starting_value: 0.5, non_decision_time: 0.2, seed: 3 }, [1]);
    const [z1, z2] = standardNormals(3, 2);
    expect(call([0])).toEqual([0.5 + z1!, 1.2]);
    bound.reset!();
    expect(call([0])).toEqual([0.5 + z2!, 1.2]);
  });

  it('draws one standard normal per element, in element order, from its own seeded stream', () => {
    const { call } = make({ type: 'DriftDiffusionIntegrator', noise: [1, 2, 3], rate: 0, seed: 42 }, [3]);
    const z = standardNormals(42, 3);
    expect(call([0, 0, 0]).slice(0, 3)).toEqual([z[0]!, 2 * z[1]!, 3 * z[2]!]);
  });

  it('scales its noise by √time_step_size and draws even when noise is 0', () => {
    const quiet = make({ type: 'DriftDiffusionIntegrator', seed: 1 }, [1]);
    quiet.call([0]);
    expect(quiet.bound.rng!.standardNormal()).toBe(standardNormals(1, 2)[1]);
    const { call } = make({ type: 'DriftDiffusionIntegrator', noise: 0.5, time_step_size: 0.04, rate: 0, seed: 1 }, [1]);
    expect(call([0])[0]).toBeCloseTo(0.5 * 0.2 * standardNormals(1, 1)[0]!, 15);
  });

  it('is reproducible: the same seed gives the same run, another seed another run', () => {
    const run = (seed: number) => {
      const { call } = make({ type: 'DriftDiffusionIntegrator', noise: 1, seed }, [4]);
      return [call([1, 2, 3, 4]), call([1, 2, 3, 4])].flat();
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });
});

describe('noise from a distribution', () => {
  const file = readReferenceJson<{ cases: { name: string; function: FunctionSpec; variable: number[]; calls: number; expected: number[][] }[] }>(
    'functions.json',
  );
  const fnoise = file.cases.filter((c) => c.name.includes('FNOISE') && c.function.type.endsWith('Integrator'));

  it('has reference cases to check', () => {
    expect(fnoise.map((c) => c.function.type).sort()).toEqual([
      'AccumulatorIntegrator',
      'AdaptiveIntegrator',
      'LeakyCompetingIntegrator',
      'SimpleIntegrator',
    ]);
  });

  for (const c of fnoise) {
    it(`is drawn once per element in element order (${c.name} matches PsyNeuLink)`, () => {
      const { call } = make(c.function, [c.variable.length]);
      const got = Array.from({ length: c.calls }, () => call(c.variable)).flat();
      const want = c.expected.flat(2);
      expect(got.length).toBe(want.length);
      got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(1e-12 + 1e-9 * Math.abs(want[i]!)));
    });
  }

  it('continues its stream across calls and is not rewound by reset()', () => {
    const { call, bound } = make({ type: 'SimpleIntegrator', noise: { type: 'NormalDist', seed: 4 } }, [2]);
    const z = standardNormals(4, 4);
    expect(call([0, 0])).toEqual([z[0]!, z[1]!]);
    bound.reset!();
    expect(call([0, 0])).toEqual([z[2]!, z[3]!]);
  });
});

describe('integrator parameter errors', () => {
  it('an unknown parameter name is a ModelError naming its JSON path', () => {
    const e = modelError(() => make({ type: 'AdaptiveIntegrator', rat: 0.5 }, [2], 'nodes.T.function'));
    expect(e.issues[0]!.path).toBe('nodes.T.function.rat');
    expect(e.issues[0]!.expected).toContain('rate');
  });

  it('a parameter of the wrong kind is a ModelError naming its path', () => {
    const e = modelError(() => make({ type: 'FitzHughNagumoIntegrator', integration_method: 'rk4' }, [1], 'nodes.LC.function'));
    expect(e.issues[0]!.path).toBe('nodes.LC.function.integration_method');
  });

  it('an array parameter of the wrong length is a ModelError naming its path', () => {
    const e = modelError(() => make({ type: 'SimpleIntegrator', offset: [1, 2, 3] }, [2], 'nodes.T.function'));
    expect(e.issues[0]!.path).toBe('nodes.T.function.offset');
    expect(e.message).toContain('2 elements');
  });

  it('AdaptiveIntegrator rejects a rate outside [0, 1]', () => {
    const e = modelError(() => make({ type: 'AdaptiveIntegrator', rate: [0.5, 1.5] }, [2], 'nodes.T.function'));
    expect(e.issues[0]!.path).toBe('nodes.T.function.rate');
  });

  it('DriftDiffusionIntegrator noise must be a number, not a distribution', () => {
    const e = modelError(() => make({ type: 'DriftDiffusionIntegrator', noise: { type: 'NormalDist' } }, [1], 'nodes.D.function'));
    expect(e.issues[0]!.path).toBe('nodes.D.function.noise');
  });

  it('two names of one parameter with different values are a ModelError; one of them is fine', () => {
    const e = modelError(() => make({ type: 'DriftDiffusionIntegrator', starting_value: 0.1, initializer: 0.2 }, [1], 'nodes.D.function'));
    expect(e.issues[0]!.path).toBe('nodes.D.function.initializer');
    expect(make({ type: 'DriftDiffusionIntegrator', initializer: 0.2 }, [1]).call([0])[0]).toBeCloseTo(0.2, 15);
    expect(make({ type: 'LeakyCompetingIntegrator', rate: 0.3, leak: 0.3 }, [1]).fn.params.leak).toBe(0.3);
  });
});
