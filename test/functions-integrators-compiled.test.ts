/**
 * The compiled twins of the integrators (emit, emitReset, emitIsFinished) against the
 * interpreted ones, beyond functions.json: multi-row variables, per-element parameter arrays,
 * noise as an array and as a distribution, reset, DriftDiffusionIntegrator's isFinished, and
 * interpreted and compiled calls taking turns over the same state bytes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Codegen } from '../src-main/compiler/codegen/codegen.js';
import { IR } from '../src-main/compiler/codegen/ir.js';
import { compileIR } from '../src-main/compiler/jit/index.js';
import { createFunction } from '../src-main/components/functions/index.js';
import type { FunctionInstance, FunctionSpec, Value } from '../src-main/components/types.js';
import { allocValue } from '../src-main/components/types.js';
import { makeBuildEnv } from '../src-main/engine/build-env.js';
import { ContextStore, StateLayout } from '../src-main/engine/state.js';
import { compileFunction, type CompiledFunction } from './compiled-function-harness.js';

const disposers: (() => void)[] = [];
afterAll(() => disposers.forEach((d) => d()));

interface Setup {
  fn: FunctionInstance;
  layout: StateLayout;
  variable: Value;
  native: CompiledFunction;
}

function setup(spec: FunctionSpec, rows: number[][]): Setup {
  const layout = new StateLayout();
  const variable = rows.map((r) => Float64Array.from(r));
  const shape = variable.map((r) => r.length);
  const fn = createFunction(spec, shape, makeBuildEnv(layout, 'function'));
  const native = compileFunction(fn, shape);
  disposers.push(() => native.dispose());
  return { fn, layout, variable, native };
}

function flat(v: Value): number[] {
  return v.flatMap((r) => Array.from(r));
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(g) && Number.isNaN(w)) continue;
    if (!(Math.abs(g - w) <= 1e-12 * Math.abs(w) + 1e-15)) expect.fail(`${what}, value ${i}: compiled ${g}, interpreted ${w}`);
  }
}

function bytes(store: ContextStore): Uint8Array {
  return new Uint8Array(store.buffer);
}

/**
 * Runs `calls` interpreted and compiled executions side by side, resets both (interpreted
 * reset vs compiled reset), then runs `after` more: outputs and whole state agree throughout.
 */
function agree(spec: FunctionSpec, rows: number[][], calls = 4, after = 2): void {
  const { fn, layout, variable, native } = setup(spec, rows);
  const interpreted = new ContextStore(layout);
  const compiled = new ContextStore(layout);
  const bound = fn.bind(interpreted);
  const input = Float64Array.from(flat(variable));
  const width = fn.outputShape.reduce((a, b) => a + b, 0);
  const step = (label: string) => {
    const out = allocValue(fn.outputShape);
    bound.execute(variable, out);
    const got = new Float64Array(width);
    native.call(compiled.buffer, input, got);
    expectClose(got, flat(out), label);
    expect(bytes(compiled)).toEqual(bytes(interpreted));
  };
  for (let k = 0; k < calls; k++) step(`call ${k}`);
  bound.reset!();
  native.reset(compiled.buffer);
  expect(bytes(compiled)).toEqual(bytes(interpreted));
  for (let k = 0; k < after; k++) step(`call ${k} after reset`);
}

const TWO_ROWS = [
  [0.5, -1.25, 2],
  [3.5, 0.125, -0.75],
];
const RAGGED = [[0.5, -1.25, 2], [3.5, 0.125]];

describe('compiled integrators agree with the interpreted ones', () => {
  const cases: [string, FunctionSpec, number[][]][] = [
    ['SimpleIntegrator, per-element rate/offset/initializer', { type: 'SimpleIntegrator', rate: [0.1, 0.2, 0.3, 0.4, 0.5], offset: [1, -1, 0.5, 0, 2], initializer: [1, 2, 3, 4, 5] }, RAGGED],
    ['SimpleIntegrator, column-broadcast rate', { type: 'SimpleIntegrator', rate: [0.1, 0.7, -0.3], offset: 0.25 }, TWO_ROWS],
    ['SimpleIntegrator, noise array', { type: 'SimpleIntegrator', noise: [0.1, -0.2, 0.3, 0.4, -0.5], rate: 0.5 }, RAGGED],
    ['SimpleIntegrator, NormalDist noise', { type: 'SimpleIntegrator', noise: { type: 'NormalDist', mean: 0.5, standard_deviation: 2, seed: 7 } }, RAGGED],
    ['AdaptiveIntegrator, per-element rate and offset', { type: 'AdaptiveIntegrator', rate: [0.1, 0.9, 0.5, 1, 0], offset: [0, 1, 2, 3, 4], initializer: 0.5 }, RAGGED],
    ['AdaptiveIntegrator, noise array', { type: 'AdaptiveIntegrator', rate: 0.3, noise: [1, 2, 3, 4, 5, 6] }, TWO_ROWS],
    ['AdaptiveIntegrator, NormalDist noise', { type: 'AdaptiveIntegrator', rate: 0.3, noise: { type: 'NormalDist', seed: 3 } }, TWO_ROWS],
    ['AccumulatorIntegrator, per-element rate/increment', { type: 'AccumulatorIntegrator', rate: [1, 0.5, 2, 1.5, 0.9], increment: [0.1, 0, -0.2, 1, 3], initializer: [1, -1, 2, -2, 0] }, RAGGED],
    ['AccumulatorIntegrator, NormalDist noise', { type: 'AccumulatorIntegrator', rate: 0.9, noise: { type: 'NormalDist', standard_deviation: 0.5, seed: 11 } }, TWO_ROWS],
    ['AccumulatorIntegrator, noise array', { type: 'AccumulatorIntegrator', increment: 1, noise: [0.5, 0.25, 0.125] }, TWO_ROWS],
    ['LeakyCompetingIntegrator, per-element leak and dt', { type: 'LeakyCompetingIntegrator', leak: [0.1, 0.2, 0.3, 0.4, 0.5], time_step_size: [0.1, 0.01, 0.5, 1, 0.2], offset: [0, 0.1, 0, 0.1, 0] }, RAGGED],
    ['LeakyCompetingIntegrator, noise array', { type: 'LeakyCompetingIntegrator', rate: 0.4, noise: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], time_step_size: 0.3 }, TWO_ROWS],
    ['LeakyCompetingIntegrator, NormalDist noise', { type: 'LeakyCompetingIntegrator', noise: { type: 'NormalDist', seed: 5 }, time_step_size: [0.1, 0.2, 0.3] }, TWO_ROWS],
    ['DriftDiffusionIntegrator, per-element everything', {
      type: 'DriftDiffusionIntegrator', rate: [0.5, 1, 2, -1, 0.25], noise: [0, 0.5, 1, 0.1, 2], offset: [0, 0.1, -0.1, 0, 0.2],
      threshold: [1, 2, 0.5, 10, 3], time_step_size: [0.1, 0.5, 1, 0.01, 0.2], starting_value: [0, 0.5, -0.5, 0, 1], non_decision_time: [0.2, 0, 0.1, 0.3, 0], seed: 9,
    }, RAGGED],
    ['DriftDiffusionIntegrator, uniform params, two rows', { type: 'DriftDiffusionIntegrator', rate: 2, noise: 0.5, threshold: 1.5, time_step_size: 0.1, seed: 2 }, TWO_ROWS],
    ['OrnsteinUhlenbeckIntegrator, per-element arrays and noise', {
      type: 'OrnsteinUhlenbeckIntegrator', rate: [0.5, 1, 2, -1, 0.25], decay: [0.1, 0.2, -0.5, 1, 0], offset: [0, 1, 0, 1, 0],
      time_step_size: [0.1, 0.2, 0.3, 0.4, 0.5], noise: 0.3, initializer: [1, 2, 3, 4, 5], non_decision_time: 0.25, seed: 4,
    }, RAGGED],
    ['FitzHughNagumoIntegrator RK4, per-element arrays', {
      type: 'FitzHughNagumoIntegrator', integration_method: 'RK4', a_v: [-1 / 3, -0.5, -0.2, -1, -0.3], threshold: [-1, 0.5, 0.2, 0, 1],
      mode: [1, 0.5, 0, 0.25, 0.75], uncorrelated_activity: [0, 0.1, 0.2, 0.3, 0.4], time_step_size: [0.05, 0.1, 0.01, 0.2, 0.05], initial_v: [0, 0.5, -0.5, 1, 0], initial_w: [0.1, 0, -0.1, 0.2, 0],
    }, RAGGED],
    ['FitzHughNagumoIntegrator EULER, per-element arrays', {
      type: 'FitzHughNagumoIntegrator', integration_method: 'EULER', b_v: [0.1, 0.2, 0.3], c_w: [0.7, 0.5, 0.1], time_constant_v: [1, 2, 0.5], t_0: 1,
    }, TWO_ROWS],
    ['DualAdaptiveIntegrator product, per-element arrays', {
      type: 'DualAdaptiveIntegrator', short_term_gain: [1, 2, 0.5, 3, 1], long_term_bias: [0, 0.1, -0.2, 0.3, 0], short_term_rate: [0.9, 0.8, 0.7, 0.6, 0.5],
      initial_short_term_avg: [0.1, 0.2, 0.3, 0.4, 0.5], initial_long_term_avg: 0.25, offset: [0, 1, 0, 1, 0],
    }, RAGGED],
    ['DualAdaptiveIntegrator sum', { type: 'DualAdaptiveIntegrator', operation: 'sum', long_term_gain: 2, short_term_bias: 0.5 }, TWO_ROWS],
    ['DualAdaptiveIntegrator s-l', { type: 'DualAdaptiveIntegrator', operation: 's-l', long_term_rate: [0.1, 0.2, 0.3] }, TWO_ROWS],
    ['DualAdaptiveIntegrator l-s', { type: 'DualAdaptiveIntegrator', operation: 'l-s', offset: -0.5 }, TWO_ROWS],
  ];
  for (const [name, spec, rows] of cases) it(name, () => agree(spec, rows));

  it('resets to initial values that mix 0 and −0 bit for bit', () => {
    agree({ type: 'SimpleIntegrator', initializer: [0, -0, 0, -0, 1] }, RAGGED, 1, 0);
  });

  it('interpreted and compiled calls take turns over the same state', () => {
    const spec: FunctionSpec = { type: 'DriftDiffusionIntegrator', rate: [1, 2, 3], noise: 0.7, threshold: 5, time_step_size: 0.2, seed: 1 };
    const { fn, layout, variable, native } = setup(spec, [[0.5, -0.25, 1]]);
    const reference = new ContextStore(layout);
    const shared = new ContextStore(layout);
    const ref = fn.bind(reference);
    const mixed = fn.bind(shared);
    const input = Float64Array.from(flat(variable));
    for (let k = 0; k < 6; k++) {
      const want = allocValue(fn.outputShape);
      ref.execute(variable, want);
      if (k % 2 === 0) {
        const got = new Float64Array(6);
        native.call(shared.buffer, input, got);
        expectClose(got, flat(want), `call ${k} (compiled)`);
      } else {
        const got = allocValue(fn.outputShape);
        mixed.execute(variable, got);
        expectClose(flat(got), flat(want), `call ${k} (interpreted)`);
      }
      expect(bytes(shared)).toEqual(bytes(reference));
    }
  });
});

/** A native `int fin(state)` from a function's emitIsFinished (as the harness does for execute). */
function compileIsFinished(fn: FunctionInstance): (state: ArrayBuffer) => number {
  if (!fn.emitIsFinished) throw new Error(`${fn.type} has no compiled isFinished`);
  const ir = new IR(`test.${fn.type}.isFinished`);
  const cg = new Codegen(ir);
  ir.define('fin', ir.i32, [['state', ir.i8p]], ([state]) => {
    cg.state = state!;
    ir.ret(ir.b.CreateZExt(fn.emitIsFinished!(cg), ir.i32));
  });
  const native = compileIR(ir.print(), { optLevel: 2 });
  disposers.push(() => native.dispose());
  const f = native.fn<(s: ArrayBuffer) => number>('fin', 'int fin(void *state)');
  return (s) => f(s);
}

describe('DriftDiffusionIntegrator: compiled isFinished agrees with the interpreted one', () => {
  const specs: [string, FunctionSpec, number[][]][] = [
    ['reaches the upper bound', { type: 'DriftDiffusionIntegrator', rate: 1, threshold: 1, time_step_size: 0.3, seed: 0 }, [[1]]],
    ['reaches the lower bound, noisy', { type: 'DriftDiffusionIntegrator', rate: 1, noise: 0.5, threshold: 0.8, time_step_size: 0.1, seed: 3 }, [[-1, 2]]],
    ['element 0 decides (per-element thresholds)', { type: 'DriftDiffusionIntegrator', rate: [1, 1], threshold: [2, 0.1], seed: 0 }, [[0.5, 1]]],
    ['starts at the bound', { type: 'DriftDiffusionIntegrator', threshold: 1, starting_value: 1, seed: 0 }, [[0]]],
    ['threshold 0', { type: 'DriftDiffusionIntegrator', threshold: 0, seed: 0 }, [[0]]],
  ];
  for (const [name, spec, rows] of specs) {
    it(name, () => {
      const { fn, layout, variable, native } = setup(spec, rows);
      const finished = compileIsFinished(fn);
      const interpreted = new ContextStore(layout);
      const compiled = new ContextStore(layout);
      const bound = fn.bind(interpreted);
      const input = Float64Array.from(flat(variable));
      const seen = new Set<boolean>();
      const check = () => {
        const want = bound.isFinished!();
        seen.add(want);
        expect(finished(compiled.buffer) !== 0).toBe(want);
        // and the compiled isFinished over the interpreter's own bytes
        expect(finished(interpreted.buffer) !== 0).toBe(want);
      };
      check();
      for (let k = 0; k < 8; k++) {
        bound.execute(variable, allocValue(fn.outputShape));
        native.call(compiled.buffer, input, new Float64Array(fn.outputShape.reduce((a, b) => a + b, 0)));
        check();
      }
      bound.reset!();
      native.reset(compiled.buffer);
      check();
      if (name === 'reaches the upper bound') expect([...seen].sort()).toEqual([false, true]);
    });
  }

  it('is false for an empty variable', () => {
    const layout = new StateLayout();
    const fn = createFunction({ type: 'DriftDiffusionIntegrator', seed: 0 }, [0], makeBuildEnv(layout, 'function'));
    const finished = compileIsFinished(fn);
    const store = new ContextStore(layout);
    expect(fn.bind(store).isFinished!()).toBe(false);
    expect(finished(store.buffer)).toBe(0);
  });
});

describe('every integrator has its compiled twins', () => {
  const types = [
    'SimpleIntegrator', 'AdaptiveIntegrator', 'AccumulatorIntegrator', 'DriftDiffusionIntegrator',
    'OrnsteinUhlenbeckIntegrator', 'LeakyCompetingIntegrator', 'FitzHughNagumoIntegrator', 'DualAdaptiveIntegrator',
  ];
  for (const type of types) {
    it(type, () => {
      const fn = createFunction({ type }, [2], makeBuildEnv(new StateLayout(), 'function'));
      expect(fn.emit).toBeTypeOf('function');
      expect(fn.emitReset).toBeTypeOf('function');
      if (type === 'DriftDiffusionIntegrator') expect(fn.emitIsFinished).toBeTypeOf('function');
    });
  }
});
