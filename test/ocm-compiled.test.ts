/**
 * Model-based control compiled (real LLVM JIT): every compiled mode gives exactly the
 * Interpreted mode's results, node values (the OCM's allocations included) and execution order,
 * over generated variants — grids, maximise/minimise, BEFORE/AFTER, random tie-breaking from the
 * controller's seed, costs, several trials per estimate, noise in the simulated model, a state
 * feature function, num_estimates, random controllers from a seeded generator — and evaluations
 * split across threads give the single-threaded answer.
 */
import { describe, expect, it } from 'vitest';
import { ModeUnavailableError, ModelSession, runModel, type ExecutionMode } from '../src-main/runtime/run-model.js';
import fc from 'fast-check';
import { allocations, expectSameAsInterpreted, expectThreadsSameAsInterpreted, model, ocmModelArb, run, type Json } from './ocm-models.js';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 1_000_000);
const RUNS = Number(process.env.FC_RUNS ?? 12);

/** A integrates its input with NormalDist noise (its own stream) before B: noise inside every simulation. */
function noisyModel(opts: { seed: number; rate: number[]; top?: Json; ocm?: Json }): Json {
  const m = model({
    inputs: [1, 0.5, 2, -1, 1.5],
    signals: [
      { name: 'rate', allocation_samples: opts.rate },
      { name: 'shift', allocation_samples: [-1, 0, 1], modulation: 'ADDITIVE', default_allocation: 0 },
    ],
    projections: [
      { sender: 'A', receiver: 'B' },
      { sender: 'B', receiver: 'OBJ', receiver_port: 'B' },
      { sender: 'OCM', sender_port: 'rate', receiver: 'A', receiver_parameter: 'integration_rate' },
      { sender: 'OCM', sender_port: 'shift', receiver: 'B', receiver_parameter: 'intercept' },
    ],
    top: opts.top,
    ocm: opts.ocm,
  });
  (m.nodes as Record<string, Json>).A = {
    type: 'TransferMechanism',
    integrator_mode: true,
    integration_rate: 0.5,
    noise: { type: 'NormalDist', standard_deviation: 0.7, seed: opts.seed },
  };
  return m;
}

describe('OptimizationControlMechanism in the compiled modes', () => {
  it('the default grid, AFTER and BEFORE', () => {
    const after = expectSameAsInterpreted(model({ inputs: [1.2, 0.3, -0.7, 2] }));
    const before = expectSameAsInterpreted(model({ inputs: [1.2, 0.3, -0.7, 2], top: { controller_mode: 'BEFORE' } }));
    expect(allocations(after)).toEqual(allocations(before));
    expect(after.results).not.toEqual(before.results);
  });

  it('MINIMIZE, a single signal, a one-point grid', () => {
    expectSameAsInterpreted(model({ inputs: [1, 2, 3], ocm: { function: { type: 'GridSearch', direction: 'MINIMIZE', seed: 1 } } }));
    expectSameAsInterpreted(model({ inputs: [1, 2], signals: [{ name: 'slope', allocation_samples: [0.25, 3, -1] }], projections: [
      { sender: 'A', receiver: 'B' },
      { sender: 'B', receiver: 'OBJ', receiver_port: 'B' },
      { sender: 'OCM', sender_port: 'slope', receiver: 'A', receiver_parameter: 'slope' },
    ] }));
    expectSameAsInterpreted(model({ inputs: [1, 2], signals: [{ name: 'slope', allocation_samples: [2] }, { name: 'shift', allocation_samples: [1], modulation: 'ADDITIVE' }] }));
  });

  it('ties broken at random from the GridSearch seed draw the same numbers in every mode', () => {
    const obj = { type: 'ObjectiveMechanism', input_ports: [{ name: 'B' }] };
    const projections = [
      { sender: 'A', receiver: 'B' },
      { sender: 'B', receiver: 'OBJ', receiver_port: 'B' },
      { sender: 'OCM', sender_port: 'slope', receiver: 'A', receiver_parameter: 'slope' },
      { sender: 'OCM', sender_port: 'shift', receiver: 'B', receiver_parameter: 'intercept' },
    ];
    for (const seed of [11, 12]) {
      // OBJ does not depend on the allocation's shift within a slope... all 12 points tie with a flat objective
      const flat = model({ obj: { type: 'ObjectiveMechanism', function: { type: 'UserDefinedFunction', expression: '0 * variable[0] + 1' }, input_ports: [{ name: 'B' }] }, inputs: [1, 2, 3, 4, 5], ocm: { function: { type: 'GridSearch', seed, select_randomly_from_optimal_values: true } } });
      const out = expectSameAsInterpreted(flat);
      expect(new Set(allocations(out).map((a) => a.join())).size).toBeGreaterThan(1);
      // ties only between some points (x = 1: (0.5, 1) and (1, 0) reach the same outcome)
      expectSameAsInterpreted(model({ obj, projections, inputs: [1, 1, 1], ocm: { function: { type: 'GridSearch', seed, select_randomly_from_optimal_values: true } } }));
    }
  });

  it('costs on and off: INTENSITY with Linear, Exponential (the default) and negative costs; ADJUSTMENT', () => {
    const projections = [
      { sender: 'A', receiver: 'B' },
      { sender: 'B', receiver: 'OBJ', receiver_port: 'B' },
      { sender: 'OCM', sender_port: 'slope', receiver: 'A', receiver_parameter: 'slope' },
    ];
    const obj = { type: 'ObjectiveMechanism', input_ports: [{ name: 'B' }] };
    for (const signal of [
      {},
      { cost_options: 'INTENSITY', intensity_cost_function: { type: 'Linear', slope: 3 } },
      { cost_options: 'INTENSITY' },
      { cost_options: ['INTENSITY'], intensity_cost_function: { type: 'Linear', slope: 3 }, allocation_samples: [-2, -1, 0.5] },
      { cost_options: 'NONE', intensity_cost_function: { type: 'Exponential', rate: 2 } },
      { cost_options: 'ADJUSTMENT' },
      { cost_options: ['ADJUSTMENT', 'INTENSITY'], adjustment_cost_function: { type: 'Linear', slope: -0.7 }, intensity_cost_function: { type: 'Exponential', rate: 0.5 } },
    ]) {
      expectSameAsInterpreted(model({ obj, projections, inputs: [1, -0.5, 2], signals: [{ name: 'slope', allocation_samples: [0.5, 1, 1.5, 2], ...signal }] }));
    }
  });

  it('noise in the simulated model: every simulation starts from the same copy of the random streams', () => {
    for (const mode of ['AFTER', 'BEFORE']) {
      const out = expectSameAsInterpreted(noisyModel({ seed: 9, rate: [0.2, 0.5, 0.9], top: { controller_mode: mode } }));
      expect(new Set(allocations(out).map((a) => a.join())).size).toBeGreaterThan(1);
    }
  });

  it('several trials per estimate, and a state_feature_function', () => {
    expectSameAsInterpreted(noisyModel({ seed: 4, rate: [0.1, 0.6], ocm: { num_trials_per_estimate: 3 } }));
    expectSameAsInterpreted(model({ inputs: [1, 1, 1, 0.2], ocm: { state_feature_function: { type: 'AdaptiveIntegrator', rate: 0.5 } } }));
  });

  it('a run continues across modes: compiled controller state is the interpreter’s state', () => {
    const m = noisyModel({ seed: 3, rate: [0.3, 0.8] });
    const split: [ExecutionMode, number][] = [['LLVMRun', 2], ['Interpreted', 1], ['LLVM', 1], ['LLVMExec', 2], ['LLVMRun', 1]];
    const runs = (modes: ExecutionMode[]) => {
      const session = new ModelSession(m as never);
      try {
        return split.map(([, numTrials], i) => session.run({ mode: modes[i]!, numTrials, recordNodeValues: true }));
      } finally {
        session.dispose();
      }
    };
    const mixed = runs(split.map(([mode]) => mode));
    const interpreted = runs(split.map(() => 'Interpreted'));
    expect(mixed.map((p) => p.results)).toEqual(interpreted.map((p) => p.results));
    expect(mixed.map((p) => p.node_values)).toEqual(interpreted.map((p) => p.node_values));
  });

  it('evaluations split across threads give the single-threaded results, ties included', () => {
    // 8 × 8 × 6 = 384 grid points; ties at random so the order of the draws matters
    const m = noisyModel({ seed: 21, rate: [0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 0.95] });
    const nodes = m.nodes as Record<string, Json>;
    nodes.OBJ = { type: 'ObjectiveMechanism', function: { type: 'UserDefinedFunction', expression: 'min(-(variable[0] - 3) ** 2, -0.5)' }, input_ports: [{ name: 'B' }] };
    const ocm = nodes.OCM as Json;
    ocm.function = { type: 'GridSearch', seed: 8, select_randomly_from_optimal_values: true };
    ocm.control_signals = [
      ...(ocm.control_signals as Json[]).map((s) => (s.name === 'shift' ? { ...s, allocation_samples: [-1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2] } : s)),
      { name: 'gain', allocation_samples: [0.5, 0.75, 1, 1.25, 1.5, 2] },
    ];
    (m.projections as Json[]).push({ sender: 'OCM', sender_port: 'gain', receiver: 'B', receiver_parameter: 'slope' });
    const ref = expectThreadsSameAsInterpreted(m, [1, 2, 3, 7]);
    expect(new Set(allocations(ref).map((a) => a.join())).size).toBeGreaterThan(1);
  });

  it('threads are used only once a controller execution takes long enough', () => {
    const m = model({ inputs: [1, 2, 3] });
    const session = new ModelSession(m as never);
    try {
      const compiled = session.choose('LLVMRun').compiled!;
      compiled.setControllerThreads!(4, 1, 1e12);
      session.run({ mode: 'LLVMRun' });
      expect(compiled.controllerThreadsUsed!()).toBe(1);
      compiled.setControllerThreads!(4, 1, 0);
      session.run({ mode: 'LLVMRun' });
      expect(compiled.controllerThreadsUsed!()).toBe(4);
      // 12 grid points, at least 4 per thread: 3 threads
      compiled.setControllerThreads!(4, 4, 0);
      session.run({ mode: 'LLVMRun' });
      expect(compiled.controllerThreadsUsed!()).toBe(3);
    } finally {
      session.dispose();
    }
  });

  it('a node with more allocation combinations than are compiled is refused by name; Auto runs it interpreted', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => i / n);
    const m = model({ inputs: [1], signals: [{ name: 'slope', allocation_samples: many(40) }, { name: 'shift', allocation_samples: many(30), modulation: 'ADDITIVE' }] });
    (m.projections as Json[])[3]!.receiver = 'A';
    (m.projections as Json[])[3]!.receiver_parameter = 'intercept';
    expect(() => runModel({ model: m as never, mode: 'LLVMRun' })).toThrow(ModeUnavailableError);
    expect(() => runModel({ model: m as never, mode: 'LLVMExec' })).toThrow(/A: control of its parameters — its control signals give 1271 combinations of allocations; at most 1024 are compiled/);
    const auto = run(m, 'Auto');
    expect(auto.executed_mode).toBe('Interpreted');
    expect(auto.warnings.some((w) => w.startsWith('Auto:') && w.includes('1271 combinations'))).toBe(true);
    expect(auto.results).toEqual(run(m).results);
  });

  it(`random controllers: every compiled mode = Interpreted (fast-check seed ${SEED}, ${RUNS} models)`, async () => {
    console.log(`ocm property: fast-check seed ${SEED}, ${RUNS} runs (FC_SEED / FC_RUNS to change)`);
    const property = fc.asyncProperty(ocmModelArb(), async (m) => {
      // let the test worker talk to vitest between models (a long synchronous test times its RPC out)
      await new Promise((resolve) => setImmediate(resolve));
      expectSameAsInterpreted(m);
    });
    await fc.assert(property, { seed: SEED, numRuns: RUNS });
  }, 600_000);

  it('a simulation that cannot end stops the run with the scheduler’s error in every mode', () => {
    // B waits for A's third call but only two passes are allowed: the BEFORE controller's first simulation hits the limit
    const m = model({ inputs: [1, 2], top: { controller_mode: 'BEFORE' } });
    m.conditions = { B: { type: 'AfterNCalls', dependency: 'A', n: 3, time_scale: 'TRIAL' } };
    m.termination = { trial: { type: 'AfterNCalls', dependency: 'B', n: 1, time_scale: 'TRIAL' } };
    for (const mode of ['Interpreted', 'LLVM', 'LLVMExec', 'LLVMRun'] as const) {
      expect(() => runModel({ model: m as never, mode, limits: { maxPassesPerTrial: 2 } }), mode).toThrow(/did not end after 2 passes/);
    }
  });
});
