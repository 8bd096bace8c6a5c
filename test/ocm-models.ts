/** Models with a controller (an OptimizationControlMechanism) shared by the OCM tests. */
import fc from 'fast-check';
import { expect } from 'vitest';
import { buildComposition } from '../src-main/engine/composition.js';
import { ModelError } from '../src-main/model/errors.js';
import { ModelSession, runModel, type ExecutionMode, type RunOutput } from '../src-main/runtime/run-model.js';

export type Json = Record<string, unknown>;

/** The ModelError building the model throws (the engine's own checks, past the file's structure). */
export function modelError(m: Json): ModelError {
  try {
    buildComposition(m as never);
  } catch (e) {
    if (e instanceof ModelError) return e;
    throw e;
  }
  throw new Error('expected a ModelError');
}

/**
 * A → B → OBJ, inputs x to A. The controller OCM has signal `slope` on A's Linear slope
 * (MULTIPLICATIVE on 1, default allocation 1) and signal `shift` on B's Linear intercept
 * (ADDITIVE on 0, default allocation 0), so B = 2·(slope·x + 0.5) + shift, and OBJ = −(B − 3)².
 */
export function model(opts: { signals?: Json[]; projections?: Json[]; ocm?: Json; top?: Json; inputs?: number[]; obj?: Json } = {}): Json {
  const inputs = opts.inputs ?? [1.2];
  return {
    format: 'cogstudio-model',
    version: 1,
    name: 'ocm_test',
    nodes: {
      A: { type: 'ProcessingMechanism', function: { type: 'Linear', intercept: 0.5 } },
      B: { type: 'ProcessingMechanism', function: { type: 'Linear', slope: 2 } },
      OBJ: opts.obj ?? { type: 'ObjectiveMechanism', function: { type: 'UserDefinedFunction', expression: '-(variable[0] - 3) ** 2' }, input_ports: [{ name: 'B' }] },
      OCM: {
        type: 'OptimizationControlMechanism',
        objective_mechanism: 'OBJ',
        state_features: ['A'],
        function: { type: 'GridSearch', seed: 5 },
        control_signals: opts.signals ?? [
          { name: 'slope', allocation_samples: [0.5, 1, 1.5, 2] },
          { name: 'shift', allocation_samples: [-1, 0, 1], modulation: 'ADDITIVE', default_allocation: 0 },
        ],
        ...opts.ocm,
      },
    },
    projections: opts.projections ?? [
      { sender: 'A', receiver: 'B' },
      { sender: 'B', receiver: 'OBJ', receiver_port: 'B' },
      { sender: 'OCM', sender_port: 'slope', receiver: 'A', receiver_parameter: 'slope' },
      { sender: 'OCM', sender_port: 'shift', receiver: 'B', receiver_parameter: 'intercept' },
    ],
    controller: 'OCM',
    run: { inputs: { A: inputs.map((x) => [x]) }, num_trials: inputs.length },
    ...opts.top,
  };
}

export function run(m: Json, mode: ExecutionMode = 'Interpreted'): RunOutput {
  return runModel({ model: m as never, mode, recordNodeValues: true, recordExecutionOrder: true });
}

export const COMPILED: ExecutionMode[] = ['LLVM', 'LLVMExec', 'LLVMRun', 'Auto'];

/** Every compiled mode (none falling back) gives the Interpreted results, node values and execution order. */
export function expectSameAsInterpreted(m: Json): RunOutput {
  const ref = run(m);
  for (const mode of COMPILED) {
    const out = run(m, mode);
    expect(out.executed_mode, mode).toBe(mode === 'Auto' ? 'LLVMRun' : mode);
    expect(out.warnings.filter((w) => w.startsWith('Auto:')), `${mode} fell back`).toEqual([]);
    expect(out.results, `${mode} results`).toEqual(ref.results);
    expect(out.node_values, `${mode} node values`).toEqual(ref.node_values);
    expect(out.execution_order, `${mode} execution order`).toEqual(ref.execution_order);
  }
  return ref;
}

/**
 * LLVMRun, LLVMExec and LLVM with the controller's evaluations split over each of `threadCounts`
 * threads give the Interpreted results and node values; returns the Interpreted run.
 */
export function expectThreadsSameAsInterpreted(m: Json, threadCounts: readonly number[]): RunOutput {
  const ref = run(m);
  for (const mode of ['LLVMRun', 'LLVMExec', 'LLVM'] as const) {
    for (const threads of threadCounts) {
      const session = new ModelSession(m as never);
      try {
        const compiled = session.choose(mode).compiled!;
        compiled.setControllerThreads!(threads, 1, 0);
        const out = session.run({ mode, recordNodeValues: true });
        expect(compiled.controllerThreadsUsed!()).toBe(threads);
        expect(out.results, `${mode} × ${threads} threads`).toEqual(ref.results);
        expect(out.node_values, `${mode} × ${threads} threads`).toEqual(ref.node_values);
      } finally {
        session.dispose();
      }
    }
  }
  return ref;
}

/** The OCM's allocation after each trial. */
export function allocations(out: RunOutput): number[][] {
  return out.node_values!.OCM!.map((rows) => rows.map((r) => r[0]!));
}

const TARGETS = [
  { receiver: 'A', receiver_parameter: 'slope' },
  { receiver: 'A', receiver_parameter: 'intercept' },
  { receiver: 'B', receiver_parameter: 'slope' },
  { receiver: 'B', receiver_parameter: 'intercept' },
] as const;

/** A small number on a grid of 0.25 (so that grid points tie often). */
const quarter = (lo: number, hi: number) => fc.integer({ min: lo * 4, max: hi * 4 }).map((i) => i / 4);

const costArb = fc.oneof(
  fc.constant({}),
  fc.record({ cost_options: fc.constant('INTENSITY') }),
  fc.record({ cost_options: fc.constant(['INTENSITY', 'ADJUSTMENT']), intensity_cost_function: quarter(-1, 1).map((slope) => ({ type: 'Linear', slope })), adjustment_cost_function: quarter(-1, 1).map((slope) => ({ type: 'Linear', slope })) }),
  fc.record({ cost_options: fc.constant('ADJUSTMENT') }),
);

const signalArb = fc.record({
  allocation_samples: fc.array(quarter(-2, 2), { minLength: 1, maxLength: 4 }),
  modulation: fc.constantFrom('MULTIPLICATIVE', 'ADDITIVE', 'OVERRIDE'),
  default_allocation: fc.option(quarter(-1, 2), { nil: undefined }),
  costs: costArb,
  targets: fc.uniqueArray(fc.integer({ min: 0, max: TARGETS.length - 1 }), { minLength: 1, maxLength: 2 }),
});

/**
 * Random controllers over the A → B → OBJ model: 1–3 signals on A's and B's Linear slope and
 * intercept with any modulation, samples on a 0.25 grid (ties), costs on and off, maximise or
 * minimise, random tie-breaking or not, BEFORE or AFTER, 1–2 trials per estimate, a
 * state_feature_function or not, A integrating with noise or not, and num_estimates 1–4 or not
 * (A's noise seed may be one of the estimates' seeds: that estimate continues the real stream).
 */
export function ocmModelArb(): fc.Arbitrary<Json> {
  return fc
    .record({
      signals: fc.array(signalArb, { minLength: 1, maxLength: 3 }),
      direction: fc.constantFrom('MAXIMIZE', 'MINIMIZE'),
      randomTies: fc.boolean(),
      seed: fc.integer({ min: 0, max: 1000 }),
      mode: fc.constantFrom('AFTER', 'BEFORE'),
      perEstimate: fc.integer({ min: 1, max: 2 }),
      featureRate: fc.option(fc.constantFrom(0.3, 0.7, 1), { nil: undefined }),
      noise: fc.option(fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 4 })), { nil: undefined }),
      estimates: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      inputs: fc.array(quarter(-2, 2), { minLength: 2, maxLength: 5 }),
    })
    .map((g) => {
      const signals = g.signals.map((s, i) => ({
        name: `s${i}`,
        allocation_samples: s.allocation_samples,
        modulation: s.modulation,
        ...(s.default_allocation === undefined ? {} : { default_allocation: s.default_allocation }),
        ...s.costs,
      }));
      const control = g.signals.flatMap((s, i) => s.targets.map((t) => ({ sender: 'OCM', sender_port: `s${i}`, ...TARGETS[t]! })));
      const m = model({
        inputs: g.inputs,
        signals,
        projections: [{ sender: 'A', receiver: 'B' }, { sender: 'B', receiver: 'OBJ', receiver_port: 'B' }, ...control],
        ocm: {
          function: { type: 'GridSearch', direction: g.direction, select_randomly_from_optimal_values: g.randomTies, seed: g.seed },
          num_trials_per_estimate: g.perEstimate,
          ...(g.estimates === undefined ? {} : { num_estimates: g.estimates }),
          ...(g.featureRate === undefined ? {} : { state_feature_function: { type: 'AdaptiveIntegrator', rate: g.featureRate } }),
        },
        top: { controller_mode: g.mode },
      });
      if (g.noise !== undefined) {
        (m.nodes as Record<string, Json>).A = {
          type: 'TransferMechanism',
          function: { type: 'Linear', intercept: 0.5 },
          integrator_mode: true,
          integration_rate: 0.6,
          noise: { type: 'NormalDist', standard_deviation: 0.4, seed: g.noise },
        };
      }
      return m;
    });
}
