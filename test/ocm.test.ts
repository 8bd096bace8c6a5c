/**
 * Model-based control: an OptimizationControlMechanism as the composition's controller with a
 * GridSearch, in Interpreted mode (the compiled modes: ocm-compiled.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { selectOptimal } from '../src-main/components/functions/optimization/GridSearch.js';
import { product } from '../src-main/engine/controller.js';
import { MT19937 } from '../src-main/random/mt19937.js';
import type { RunOutput } from '../src-main/runtime/run-model.js';
import { allocations, type Json, model, modelError, run } from './ocm-models.js';

describe('OptimizationControlMechanism with GridSearch (Interpreted)', () => {
  it('enumerates the grid as itertools.product: the last control signal varies fastest', () => {
    expect([...product([[1, 2], [3, 4, 5]])]).toEqual([[1, 3], [1, 4], [1, 5], [2, 3], [2, 4], [2, 5]]);
    expect([...product([[7]])]).toEqual([[7]]);
  });

  it('chooses the allocation whose simulated trial has the best net outcome', () => {
    const x = 1.2;
    const out = run(model({ inputs: [x] }));
    // brute force: the same trial run with each allocation fixed (no controller)
    let best = -Infinity;
    let arg: number[] = [];
    for (const [slope, shift] of product([[0.5, 1, 1.5, 2], [-1, 0, 1]])) {
      const fixed = model({ inputs: [x] });
      const nodes = fixed.nodes as Record<string, Json>;
      nodes.A = { type: 'ProcessingMechanism', function: { type: 'Linear', intercept: 0.5, slope } };
      nodes.B = { type: 'ProcessingMechanism', function: { type: 'Linear', slope: 2, intercept: shift } };
      delete nodes.OCM;
      delete fixed.controller;
      fixed.projections = (fixed.projections as Json[]).filter((p) => p.receiver_parameter === undefined);
      const objective = run(fixed).node_values!.OBJ![0]![0]![0]!;
      if (objective > best) [best, arg] = [objective, [slope!, shift!]];
    }
    expect(arg).toEqual([0.5, 1]);
    expect(allocations(out)[0]).toEqual(arg);
  });

  it('keeps the first of tied grid points unless told to choose among them at random', () => {
    // x = 1: B = 2·slope + 1 + shift, so (0.5, 1) and (1, 0) both reach OBJ = 0
    expect(allocations(run(model({ inputs: [1, 1, 1] })))).toEqual([[0.5, 1], [0.5, 1], [0.5, 1]]);
    expect(selectOptimal([1, 3, 3, 2, 3], 'MAXIMIZE', false, null)).toBe(1);
    expect(selectOptimal([1, 3, 3, 2, 3], 'MINIMIZE', false, null)).toBe(0);
  });

  it('breaks ties at random with reservoir sampling from the GridSearch stream: same seed, same choices', () => {
    // nothing depends on the allocation: all 12 grid points tie
    const obj = { type: 'ObjectiveMechanism', input_ports: [{ name: 'B' }] };
    const projections = [
      { sender: 'A', receiver: 'B' },
      { sender: 'B', receiver: 'OBJ', receiver_port: 'B' },
    ];
    const tied = (seed: number) =>
      model({ obj, projections, inputs: [1, 2, 3, 4, 5], ocm: { function: { type: 'GridSearch', seed, select_randomly_from_optimal_values: true } } });
    const grid = [...product([[0.5, 1, 1.5, 2], [-1, 0, 1]])];
    const expected = (seed: number) => {
      const rng = new MT19937();
      rng.seed(seed);
      return [1, 2, 3, 4, 5].map(() => {
        let chosen = 0;
        for (let i = 1; i < grid.length; i++) if (rng.randomSample() < 1 / (i + 1)) chosen = i;
        return grid[chosen];
      });
    };
    const a = allocations(run(tied(11)));
    expect(a).toEqual(expected(11));
    expect(allocations(run(tied(11)))).toEqual(a);
    expect(allocations(run(tied(12)))).toEqual(expected(12));
    expect(allocations(run(tied(12)))).not.toEqual(a);
  });

  describe('costs', () => {
    // OBJ = B = 2·(slope·x + 0.5) with x = 1, so the outcome grows with the slope
    const obj = { type: 'ObjectiveMechanism', input_ports: [{ name: 'B' }] };
    const projections = [
      { sender: 'A', receiver: 'B' },
      { sender: 'B', receiver: 'OBJ', receiver_port: 'B' },
      { sender: 'OCM', sender_port: 'slope', receiver: 'A', receiver_parameter: 'slope' },
    ];
    const withSignal = (signal: Json) => run(model({ obj, projections, inputs: [1], signals: [{ name: 'slope', allocation_samples: [0.5, 1, 1.5, 2], ...signal }] }));

    it('INTENSITY with a Linear intensity_cost_function is subtracted from the outcome', () => {
      // net = 2·slope + 1 − 3·slope: the cheapest slope wins
      expect(allocations(withSignal({ cost_options: 'INTENSITY', intensity_cost_function: { type: 'Linear', slope: 3 } }))[0]).toEqual([0.5]);
      // net = 2·slope + 1 − slope: the largest slope still wins
      expect(allocations(withSignal({ cost_options: 'INTENSITY', intensity_cost_function: { type: 'Linear', slope: 1 } }))[0]).toEqual([2]);
    });

    it('INTENSITY alone uses Exponential: net = 2·slope + 1 − e^slope is best at slope 0.5 of these', () => {
      // 2·0.5 − e^0.5 = −0.65, 2 − e = −0.72, 3 − e^1.5 = −1.48, 4 − e² = −3.39
      expect(allocations(withSignal({ cost_options: 'INTENSITY', allocation_samples: [1, 0.5, 1.5, 2] }))[0]).toEqual([0.5]);
    });

    it('by default there is no cost (PsyNeuLink CostFunctions.DEFAULTS is NONE), even with a cost function given', () => {
      expect(allocations(withSignal({}))[0]).toEqual([2]);
      expect(allocations(withSignal({ intensity_cost_function: { type: 'Linear', slope: 3 } }))[0]).toEqual([2]);
    });

    it('ADJUSTMENT costs the signed change from the current allocation; a signal’s costs add up before the max(0, ·)', () => {
      // OBJ = −(B − 3)² with B = 2·(slope·x + 0.5); cost = max(0, 0.5·slope + 0.8·(slope − current slope))
      const xs = [1.2, 0.4, 2.5, 0.9, 0.4];
      const samples = [0.5, 1, 1.5, 2];
      const m = model({
        inputs: xs,
        signals: [{ name: 'slope', allocation_samples: samples, cost_options: ['INTENSITY', 'ADJUSTMENT'], intensity_cost_function: { type: 'Linear', slope: 0.5 }, adjustment_cost_function: { type: 'Linear', slope: 0.8 } }],
        projections: [
          { sender: 'A', receiver: 'B' },
          { sender: 'B', receiver: 'OBJ', receiver_port: 'B' },
          { sender: 'OCM', sender_port: 'slope', receiver: 'A', receiver_parameter: 'slope' },
        ],
      });
      let current = 1; // the default allocation
      const expected = xs.map((x) => {
        const net = (a: number) => -((2 * (a * x + 0.5) - 3) ** 2) - Math.max(0, 0.5 * a + 0.8 * (a - current));
        current = samples.reduce((best, a) => (net(a) > net(best) ? a : best));
        return [current];
      });
      expect(allocations(run(m))).toEqual(expected);
      // without the adjustment cost the choices differ (the test would not see it otherwise)
      const signals = [{ ...((m.nodes as Record<string, Json>).OCM!.control_signals as Json[])[0], cost_options: 'INTENSITY' }];
      const intensityOnly = { ...m, nodes: { ...(m.nodes as Record<string, Json>), OCM: { ...(m.nodes as Record<string, Json>).OCM, control_signals: signals } } };
      expect(allocations(run(intensityOnly))).not.toEqual(expected);
    });

    it('DURATION (and ALL) are refused with a message naming the option', () => {
      for (const option of ['DURATION', 'ALL']) {
        const e = modelError(model({ signals: [{ name: 'slope', allocation_samples: [1, 2], cost_options: ['INTENSITY', option] }], projections: [
          { sender: 'A', receiver: 'B' },
          { sender: 'B', receiver: 'OBJ', receiver_port: 'B' },
          { sender: 'OCM', sender_port: 'slope', receiver: 'A', receiver_parameter: 'slope' },
        ] }));
        expect(e.issues[0]!.path).toBe('nodes.OCM.control_signals[0].cost_options[1]');
        expect(e.message).toMatch(/DURATION cost.* is not supported yet/);
      }
    });

    it('a negative cost counts as zero', () => {
      // net = 2·slope + 1 − max(0, 3·slope): with negative slopes the cost is 0 and the larger slope wins
      expect(allocations(withSignal({ cost_options: 'INTENSITY', intensity_cost_function: { type: 'Linear', slope: 3 }, allocation_samples: [-2, -1] }))[0]).toEqual([-1]);
    });
  });

  it('AFTER applies the allocation from the next trial on; BEFORE applies it in the same trial', () => {
    const after = run(model({ inputs: [1.2, 1.2] }));
    const before = run(model({ inputs: [1.2, 1.2], top: { controller_mode: 'BEFORE' } }));
    // default allocation (slope 1, shift 0): B = 2·(1.2 + 0.5) = 3.4; chosen (0.5, 1): B = 2·(0.6 + 0.5) + 1 = 3.2
    const b = (out: RunOutput) => out.results.map((r) => r[0]![0]!);
    expect(b(after)[0]).toBeCloseTo(3.4, 12);
    expect(b(after)[1]).toBeCloseTo(3.2, 12);
    expect(b(before)[0]).toBeCloseTo(3.2, 12);
    expect(b(before)[1]).toBeCloseTo(3.2, 12);
    expect(allocations(after)).toEqual([[0.5, 1], [0.5, 1]]);
    expect(allocations(before)).toEqual([[0.5, 1], [0.5, 1]]);
  });

  it('simulations leave the real run untouched: values, integrators and random streams', () => {
    // A integrates with noise; the controller can only choose A's default allocation, so the real
    // run must be exactly the run without a controller.
    const noisy = (withController: boolean): Json => {
      const m = model({
        inputs: [1, 2, 3, 4],
        signals: [{ name: 'slope', allocation_samples: [1] }],
        projections: [
          { sender: 'A', receiver: 'B' },
          { sender: 'B', receiver: 'OBJ', receiver_port: 'B' },
          ...(withController ? [{ sender: 'OCM', sender_port: 'slope', receiver: 'A', receiver_parameter: 'slope' }] : []),
        ],
      });
      const nodes = m.nodes as Record<string, Json>;
      nodes.A = { type: 'TransferMechanism', integrator_mode: true, integration_rate: 0.3, noise: { type: 'NormalDist', standard_deviation: 0.5, seed: 9 } };
      if (!withController) {
        delete nodes.OCM;
        delete m.controller;
      }
      return m;
    };
    const controlled = run(noisy(true));
    const plain = run(noisy(false));
    for (const node of ['A', 'B', 'OBJ']) expect(controlled.node_values![node]).toEqual(plain.node_values![node]);
    expect(new Set(controlled.node_values!.A!.map((v) => v[0]![0])).size).toBe(4);
  });

  it('a state_feature_function runs once per controller execution, in the real context', () => {
    // shift is chosen from the predicted input p = AdaptiveIntegrator(rate 0.5) of x: the best
    // shift brings B = 2·(p + 0.5) + shift closest to 3, i.e. shift ≈ 2 − 2p
    const m = model({
      inputs: [1, 1, 1],
      signals: [{ name: 'shift', allocation_samples: [-2, -1, 0, 1, 2], modulation: 'ADDITIVE' }],
      projections: [
        { sender: 'A', receiver: 'B' },
        { sender: 'B', receiver: 'OBJ', receiver_port: 'B' },
        { sender: 'OCM', sender_port: 'shift', receiver: 'B', receiver_parameter: 'intercept' },
      ],
      ocm: { state_feature_function: { type: 'AdaptiveIntegrator', rate: 0.5 } },
    });
    // p = 0.5, 0.75, 0.875 → 2 − 2p = 1, 0.5, 0.25 → shifts 1, 0 or 1 (tie keeps the first: 0), 0
    expect(allocations(run(m))).toEqual([[1], [0], [0]]);
  });

  describe('model errors name the path', () => {
    it('an unknown receiver_parameter', () => {
      const m = model();
      (m.projections as Json[])[2]!.receiver_parameter = 'gain';
      const e = modelError(m);
      expect(e.issues[0]!.path).toBe('projections[2].receiver_parameter');
      expect(e.message).toMatch(/A has no parameter "gain" that control can modulate/);
    });

    it('a controller that is not an OptimizationControlMechanism', () => {
      const e = modelError(model({ top: { controller: 'B' } }));
      expect(e.issues[0]!.path).toBe('controller');
      expect(e.message).toMatch(/must be an OptimizationControlMechanism/);
    });

    it('an unknown control signal, a state feature that is not an input node, a missing objective', () => {
      const m = model({ ocm: { state_features: ['B'], objective_mechanism: 'A' } });
      expect(modelError(m).issues.map((i) => i.path)).toEqual(['nodes.OCM.objective_mechanism']);
      const n = model({ ocm: { state_features: ['B'] } });
      (n.projections as Json[])[2]!.sender_port = 'gain_signal';
      expect(modelError(n).issues.map((i) => i.path)).toEqual(['nodes.OCM.state_features[0]', 'projections[2].sender_port']);
    });
  });
});
