/**
 * A plain ControlMechanism as the composition's controller: each trial its function maps the
 * objective mechanism's OUTCOME to the allocation of its control signals, which modulates the
 * controlled parameters — Interpreted, and every compiled mode with the same numbers (real JIT).
 */
import { describe, expect, it } from 'vitest';
import { runModel } from '../src-main/runtime/run-model.js';
import { expectSameAsInterpreted, type Json, modelError, run } from './ocm-models.js';

/**
 * T (Linear, slope controlled MULTIPLICATIVE on 1) → OBJ (sum of T) → CM (Linear 0.5·outcome + 0.25).
 * Input 2 every trial, so T = 2·allocation and the next allocation is 0.5·T + 0.25.
 */
function model(opts: { cm?: Json; top?: Json; signals?: Json[]; projections?: Json[] } = {}): Json {
  return {
    format: 'cogstudio-model',
    version: 1,
    name: 'cm_test',
    nodes: {
      T: { type: 'TransferMechanism', function: { type: 'Linear' } },
      OBJ: { type: 'ObjectiveMechanism', input_ports: [{ name: 'T' }] },
      CM: {
        type: 'ControlMechanism',
        objective_mechanism: 'OBJ',
        function: { type: 'Linear', slope: 0.5, intercept: 0.25 },
        control_signals: opts.signals ?? [{ name: 'gain' }],
        ...opts.cm,
      },
    },
    projections: opts.projections ?? [
      { sender: 'T', receiver: 'OBJ', receiver_port: 'T' },
      { sender: 'CM', sender_port: 'gain', receiver: 'T', receiver_parameter: 'slope' },
    ],
    controller: 'CM',
    run: { inputs: { T: [[2], [2], [2], [2]] }, num_trials: 4 },
    ...opts.top,
  };
}

/** T's value each trial. */
const outputs = (m: Json) => run(m).node_values!.T!.map((rows) => rows[0]![0]!);
const allocations = (m: Json) => run(m).node_values!.CM!.map((rows) => rows[0]![0]!);

/** gain multiplies T's slope, shift adds to T's intercept: T = 2·a + a. */
function twoSignals(): Json {
  return model({
    signals: [{ name: 'gain' }, { name: 'shift', modulation: 'ADDITIVE', default_allocation: 0 }],
    projections: [
      { sender: 'T', receiver: 'OBJ', receiver_port: 'T' },
      { sender: 'CM', sender_port: 'gain', receiver: 'T', receiver_parameter: 'slope' },
      { sender: 'CM', sender_port: 'shift', receiver: 'T', receiver_parameter: 'intercept' },
    ],
  });
}

describe('ControlMechanism as the controller (Interpreted)', () => {
  it('AFTER (default): trial t uses the allocation computed after trial t−1, the first the default (1)', () => {
    // a = 1 → T = 2 → a = 1.25 → T = 2.5 → a = 1.5 → T = 3 → a = 1.75 → T = 3.5 → a = 2
    expect(outputs(model())).toEqual([2, 2.5, 3, 3.5]);
    expect(allocations(model())).toEqual([1.25, 1.5, 1.75, 2]);
  });

  it('BEFORE: the allocation comes from the previous trial’s outcome (0 before the first) and applies at once', () => {
    // a = 0.5·0 + 0.25 → T = 0.5 → a = 0.5 → T = 1 → a = 0.75 → T = 1.5 → a = 1 → T = 2
    const m = model({ top: { controller_mode: 'BEFORE' } });
    expect(outputs(m)).toEqual([0.5, 1, 1.5, 2]);
    expect(allocations(m)).toEqual([0.25, 0.5, 0.75, 1]);
  });

  it('default_allocation (the mechanism’s, or a signal’s own) is the first trial’s modulating value', () => {
    expect(outputs(model({ cm: { default_allocation: 3 } }))[0]).toBe(6);
    expect(outputs(model({ cm: { default_allocation: 3 }, signals: [{ name: 'gain', default_allocation: 0.5 }] }))[0]).toBe(1);
  });

  it('gives the one allocation to every control signal, each with its own modulation', () => {
    const m = twoSignals();
    // a = (1, 0) → T = 2 → a = 1.25 → T = 3.75 → a = 2.125 → T = 6.375 → a = 3.4375 → T = 10.3125
    expect(outputs(m)).toEqual([2, 3.75, 6.375, 10.3125]);
    expect(run(m).node_values!.CM!.at(-1)).toEqual([[5.40625], [5.40625]]);
  });

  it('every compiled mode (Auto → LLVMRun) gives the Interpreted results, node values and order', () => {
    expect(expectSameAsInterpreted(model()).node_values!.T!.map((r) => r[0]![0])).toEqual([2, 2.5, 3, 3.5]);
    expect(expectSameAsInterpreted(model({ top: { controller_mode: 'BEFORE' } })).node_values!.T!.map((r) => r[0]![0])).toEqual([0.5, 1, 1.5, 2]);
    expectSameAsInterpreted(model({ cm: { default_allocation: 3, function: { type: 'Logistic', gain: 2 } } }));
    expectSameAsInterpreted(twoSignals());
  });

  it("the analytical DDM's threshold (its derived terms computed in the compiled code) is read at run time: every compiled mode gives the Interpreted results", () => {
    const m = model({
      projections: [
        { sender: 'T', receiver: 'OBJ', receiver_port: 'T' },
        { sender: 'T', receiver: 'D' },
        { sender: 'CM', sender_port: 'gain', receiver: 'D', receiver_parameter: 'threshold' },
      ],
    });
    (m.nodes as Record<string, Json>).D = { type: 'DDM', function: { type: 'DriftDiffusionAnalytical' } };
    expectSameAsInterpreted(m);
  });

  it('a parameter the compiler cannot read at run time: compiled modes refuse it naming the node, Auto runs it interpreted', () => {
    // the integrator DDM takes the square root of its time_step_size in JavaScript, so its code folds the value in
    const m = model({
      projections: [
        { sender: 'T', receiver: 'OBJ', receiver_port: 'T' },
        { sender: 'T', receiver: 'D' },
        { sender: 'CM', sender_port: 'gain', receiver: 'D', receiver_parameter: 'time_step_size' },
      ],
    });
    (m.nodes as Record<string, Json>).D = { type: 'DDM', function: { type: 'DriftDiffusionIntegrator', noise: 0.5, time_step_size: 0.1, seed: 4 } };
    for (const mode of ['LLVM', 'LLVMExec', 'LLVMRun'] as const) {
      expect(() => runModel({ model: m as never, mode }), mode).toThrow(/D.*control by a ControlMechanism/);
    }
    const auto = runModel({ model: m as never, mode: 'Auto' });
    expect(auto.executed_mode).toBe('Interpreted');
    expect(auto.results).toEqual(run(m).results);
  });
});

describe('ControlMechanism validation', () => {
  it('needs an objective mechanism, naming the node and field', () => {
    const e = modelError(model({ cm: { objective_mechanism: 'T' } }));
    expect(e.issues).toContainEqual(expect.objectContaining({ path: 'nodes.CM.objective_mechanism', node: 'CM', parameter: 'objective_mechanism' }));
  });

  it('refuses allocation_samples (those are an OptimizationControlMechanism’s)', () => {
    const e = modelError(model({ signals: [{ name: 'gain', allocation_samples: [1, 2] }] }));
    expect(e.issues[0]).toMatchObject({ path: 'nodes.CM.control_signals[0].allocation_samples', node: 'CM' });
    expect(e.issues[0]!.message).toMatch(/function computes the allocation/);
  });

  it('refuses an unknown controlled parameter and a ControlMechanism that is not the controller', () => {
    const bad = modelError(model({ projections: [{ sender: 'T', receiver: 'OBJ', receiver_port: 'T' }, { sender: 'CM', receiver: 'T', receiver_parameter: 'nope' }] }));
    expect(bad.issues[0]).toMatchObject({ path: 'projections[1].receiver_parameter', node: 'T', parameter: 'nope' });
    const m = model();
    delete m.controller;
    m.projections = [{ sender: 'T', receiver: 'OBJ', receiver_port: 'T' }];
    expect(modelError(m).issues[0]).toMatchObject({ path: 'nodes.CM', node: 'CM' });
    expect(modelError(m).issues[0]!.message).toMatch(/ControlMechanism but not the model's controller/);
  });

  it('refuses a function that does not give one number', () => {
    const e = modelError(model({ cm: { function: { type: 'Linear', slope: [1, 2] } } }));
    expect(e.issues[0]!.path.startsWith('nodes.CM.function')).toBe(true);
  });
});
