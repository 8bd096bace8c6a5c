/**
 * An OptimizationControlMechanism's num_estimates, with PsyNeuLink's Python-mode semantics
 * (src-main/components/mechanisms/ocm-estimates.ts): bad settings are refused naming node and
 * parameter; without a random stream to vary (or with random_variables []) it is ignored with a
 * warning; initial_seed and same_seed_for_all_allocations change nothing; the
 * RANDOMIZATION_CONTROL_SIGNAL re-seeds the real run (checked on the public reference model against
 * MT19937 draws); the choice is the argmax of each allocation's mean over estimates, each estimate
 * computed independently by a controller-free run; and every compiled mode, on 1 or 2 controller
 * threads, gives the Interpreted numbers bit for bit.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { meanOfEstimates } from '../src-main/components/mechanisms/ocm-estimates.js';
import { ModelError } from '../src-main/model/errors.js';
import { validateStructure } from '../src-main/model/validate-structure.js';
import { MT19937 } from '../src-main/random/mt19937.js';
import type { ExecutionMode } from '../src-main/runtime/run-model.js';
import { COMPILED, allocations, expectSameAsInterpreted, expectThreadsSameAsInterpreted, model, modelError, run, type Json } from './ocm-models.js';
import { readReferenceJson } from './shared-files.js';

const nodesOf = (m: Json) => m.nodes as Record<string, Json>;
const INPUTS = [1.2, 2.4, 0.2, 1.6, -0.8];

/** A (stateless) adds NormalDist noise from its own stream (seed 9) to slope·x + 0.5; B = 2·A + shift; OBJ = −(B − 3)². */
function noisy(ocm: Json = {}, top: Json = {}): Json {
  const m = model({ inputs: INPUTS, ocm, top });
  nodesOf(m).A = { type: 'TransferMechanism', function: { type: 'Linear', intercept: 0.5 }, noise: { type: 'NormalDist', standard_deviation: 0.8, seed: 9 } };
  return m;
}

function issuesOf(m: Json): { path: string; node?: string; parameter?: string; message: string }[] {
  return modelError(m).issues;
}

describe('OCM num_estimates: settings', () => {
  it.each([0, -2, 2.5, '3', true, 1001])('num_estimates %j is refused, naming node and parameter', (n) => {
    const issues = issuesOf(noisy({ num_estimates: n }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'nodes.OCM.num_estimates', node: 'OCM', parameter: 'num_estimates' });
    expect(issues[0]!.message).toMatch(/^OCM: num_estimates must be a positive whole number/);
  });

  it('random_variables must be "ALL" or nodes with a random stream; all problems at once', () => {
    const issues = issuesOf(noisy({ num_estimates: 2, random_variables: ['A', 'Nope', 'B', 'OCM', 'A', 7] }));
    expect(issues.map((i) => [i.path, i.parameter])).toEqual([
      ['nodes.OCM.random_variables[1]', 'random_variables'],
      ['nodes.OCM.random_variables[2]', 'random_variables'],
      ['nodes.OCM.random_variables[3]', 'random_variables'],
      ['nodes.OCM.random_variables[4]', 'random_variables'],
      ['nodes.OCM.random_variables[5]', 'random_variables'],
    ]);
    expect(issues.map((i) => i.message)).toEqual([
      'OCM: random_variables names an unknown node',
      'OCM: B has no random stream (no seed) for num_estimates to vary',
      'OCM: random_variables cannot name the controller OCM itself',
      'OCM: random_variables names A twice',
      'OCM: random_variables names an unknown node',
    ]);
    expect(issuesOf(noisy({ num_estimates: 2, random_variables: 'SOME' }))[0]).toMatchObject({ path: 'nodes.OCM.random_variables', message: 'OCM: random_variables must be "ALL" or a list of node names' });
  });

  it('initial_seed and same_seed_for_all_allocations are checked, and a signal may not take the randomization signal’s name', () => {
    const issues = issuesOf(noisy({ num_estimates: 2, initial_seed: -1, same_seed_for_all_allocations: 'yes' }));
    expect(issues.map((i) => i.path)).toEqual(['nodes.OCM.initial_seed', 'nodes.OCM.same_seed_for_all_allocations']);
    expect(issues[0]!.message).toMatch(/^OCM: initial_seed must be a seed/);
    const m = noisy({ num_estimates: 2 });
    const ocm = nodesOf(m).OCM!;
    ocm.control_signals = [{ name: 'RANDOMIZATION_CONTROL_SIGNAL', allocation_samples: [1, 2] }];
    m.projections = (m.projections as Json[]).filter((p) => p.sender_port !== 'shift').map((p) => (p.sender_port === 'slope' ? { ...p, sender_port: 'RANDOMIZATION_CONTROL_SIGNAL' } : p));
    expect(issuesOf(m)[0]).toMatchObject({ path: 'nodes.OCM.control_signals[0].name', node: 'OCM' });
  });

  it('the simulations (grid points × estimates) count against the grid limit', () => {
    const m = noisy({ num_estimates: 1000 });
    nodesOf(m).OCM!.control_signals = [{ name: 'slope', allocation_samples: Array.from({ length: 1001 }, (_, i) => i / 1000) }];
    m.projections = (m.projections as Json[]).filter((p) => p.sender_port !== 'shift');
    expect(issuesOf(m)[0]!.message).toBe("OCM's grid has 1001 points × 1000 estimates = 1001000 simulations; the limit is 1000000");
  });

  it('a projection cannot carry the RANDOMIZATION_CONTROL_SIGNAL (it sets seeds, not parameters)', () => {
    const m = noisy({ num_estimates: 2 });
    (m.projections as Json[]).push({ sender: 'OCM', sender_port: 'RANDOMIZATION_CONTROL_SIGNAL', receiver: 'B', receiver_parameter: 'slope' });
    expect(issuesOf(m)[0]).toMatchObject({ path: 'projections[4].sender_port', message: 'OCM has no control signal "RANDOMIZATION_CONTROL_SIGNAL"' });
  });
});

describe('OCM num_estimates: when it changes nothing', () => {
  const MODES: ExecutionMode[] = ['Interpreted', ...COMPILED];

  it.each(MODES)('no random stream in the model: ignored with PsyNeuLink’s warning, results as without (%s)', (mode) => {
    const plain = run(model(), mode);
    const out = run(model({ ocm: { num_estimates: 3 } }), mode);
    expect(out.results).toEqual(plain.results);
    expect(out.node_values).toEqual(plain.node_values);
    expect(out.warnings).toContain('OCM: num_estimates = 3 is ignored: no node of the model has a random stream, so there is nothing to randomise (PsyNeuLink warns and sets num_estimates to None: no RANDOMIZATION_CONTROL_SIGNAL)');
  });

  it('random_variables [] in a noisy model: ignored with a warning', () => {
    const plain = run(noisy());
    const out = run(noisy({ num_estimates: 3, random_variables: [] }));
    expect(out.results).toEqual(plain.results);
    expect(out.node_values).toEqual(plain.node_values);
    expect(out.warnings.some((w) => w.includes('random_variables is empty'))).toBe(true);
  });

  it('null is the same as leaving it out; initial_seed and same_seed_for_all_allocations have no effect', () => {
    const plain = run(noisy());
    const withNull = run(noisy({ num_estimates: null, random_variables: null, initial_seed: null, same_seed_for_all_allocations: null }));
    expect(withNull.results).toEqual(plain.results);
    expect(withNull.node_values).toEqual(plain.node_values);
    expect(withNull.warnings).toEqual(plain.warnings);
    const three = run(noisy({ num_estimates: 3 }));
    for (const extra of [{ initial_seed: 7 }, { same_seed_for_all_allocations: true }, { same_seed_for_all_allocations: false, initial_seed: 0 }, { random_variables: 'ALL' }, { random_variables: ['A'] }]) {
      const out = run(noisy({ num_estimates: 3, ...extra }));
      expect(out.results, JSON.stringify(extra)).toEqual(three.results);
      expect(out.node_values, JSON.stringify(extra)).toEqual(three.node_values);
    }
  });
});

describe('OCM num_estimates: the public reference model (analytical DDM with its own stream)', () => {
  const reference = () => structuredClone(readReferenceJson<{ model: Json }>('i_ocm_gridsearch.json').model);

  it('same allocations (outcomes do not depend on the draw); the signal re-seeds the DDM’s real stream: RandomState([3]) then ([1])', () => {
    const plain = run(reference());
    const m = reference();
    Object.assign(nodesOf(m).OCM!, { num_estimates: 3 });
    const out = run(m);
    // each allocation's three estimates are equal, so their mean selects the same allocations; the
    // OCM's value gains the RANDOMIZATION_CONTROL_SIGNAL's row: seed 1, the chosen sample's
    expect(allocations(out)).toEqual(allocations(plain).map((a) => [...a, 1]));
    // Decision's DECISION_VARIABLE: −threshold if u < P(lower) else +threshold, u from the DDM's
    // stream. Trial 1 runs with the signal's default allocation 3 as seed — the DDM's own seed, so
    // its stream goes on; after the first controller execution the seed is 1: RandomState([1]).
    const decisions = (o: typeof out, us: number[]) =>
      o.results.map((trial, t) => {
        const [dv, , pUpper] = trial.slice(3).map((p) => p[0]!);
        return [dv, (us[t]! < 1 - pUpper! ? -1 : 1) * Math.abs(dv!)];
      });
    const draws = (seed: number, n: number, skip = 0) => {
      const rng = new MT19937();
      rng.seed(seed);
      const u = Array.from({ length: skip + n }, () => rng.randomSample());
      return u.slice(skip);
    };
    for (const [got, want] of decisions(out, [draws(3, 1)[0]!, ...draws(1, 2)])) expect(got).toBe(want);
    for (const [got, want] of decisions(plain, draws(3, 3))) expect(got).toBe(want);
    // and the other outputs are the same numbers
    expect(out.results.map((t) => t.filter((_, p) => p !== 3))).toEqual(plain.results.map((t) => t.filter((_, p) => p !== 3)));
  });

  it('every compiled mode gives the Interpreted numbers', () => {
    const m = reference();
    Object.assign(nodesOf(m).OCM!, { num_estimates: 3 });
    expectSameAsInterpreted(m);
  });
});

describe('OCM num_estimates: the mean over estimates chooses', () => {
  const X1 = 1.2;
  const SLOPES = [0.5, 1, 1.5, 2];
  const SHIFTS = [-1, 0, 1];

  /**
   * Estimate k of allocation (slope, shift) after trial 1, computed without any controller: A's
   * noise is the first draw of RandomState([k]) — except for k = 3, the seed the real trial 1 ran
   * with (the signal's default allocation): that stream is not re-created, so the simulation
   * continues a copy of it (its second draw). A is stateless, so one (or two) trials of the
   * controller-free model with the allocation's parameters give the simulated OBJ.
   */
  function estimate(slope: number, shift: number, k: number): number {
    return withoutController(slope, shift, k, k === 3 ? [X1, X1] : [X1]).OBJ!.at(-1)![0]![0]!;
  }

  /** The model without its controller, A's slope, B's intercept and A's noise seed fixed: node values per trial. */
  function withoutController(slope: number, shift: number, seed: number, inputs: number[]) {
    const m = model({ inputs, projections: [{ sender: 'A', receiver: 'B' }, { sender: 'B', receiver: 'OBJ', receiver_port: 'B' }] });
    const nodes = nodesOf(m);
    nodes.A = { type: 'TransferMechanism', function: { type: 'Linear', slope, intercept: 0.5 }, noise: { type: 'NormalDist', standard_deviation: 0.8, seed } };
    nodes.B = { type: 'ProcessingMechanism', function: { type: 'Linear', slope: 2, intercept: shift } };
    delete nodes.OCM;
    delete m.controller;
    return run(m).node_values!;
  }

  it('the real run draws A’s noise from RandomState([3]) (the signal’s default) in trial 1, then from RandomState([1])', () => {
    const out = run(noisy({ num_estimates: 3 }));
    const chosen = allocations(out);
    const realA = out.node_values!.A!.map((t) => t[0]![0]!);
    expect(realA[0]).toBe(withoutController(1, 0, 3, [INPUTS[0]!]).A![0]![0]![0]);
    // from trial 2 on the slope is the allocation chosen after the trial before; A's noise is the
    // (t−1)-th draw of RandomState([1]) (A is stateless: the earlier trials only consume draws)
    for (let t = 1; t < INPUTS.length; t++) {
      expect(realA[t], `trial ${t + 1}`).toBe(withoutController(chosen[t - 1]![0]!, 0, 1, INPUTS.slice(1, t + 1)).A!.at(-1)![0]![0]);
    }
    // without num_estimates, A's own stream (seed 9)
    const plain = run(noisy());
    expect(plain.node_values!.A![0]![0]![0]).toBe(withoutController(1, 0, 9, [INPUTS[0]!]).A![0]![0]![0]);
  });

  it('the allocation after trial 1 is the argmax of ((e1 + e2) + e3) / 3, which differs from the single-estimate choice', () => {
    const out = run(noisy({ num_estimates: 3 }));
    const plain = run(noisy());
    let best: number[] = [];
    let bestMean = -Infinity;
    for (const slope of SLOPES) {
      for (const shift of SHIFTS) {
        const [e1, e2, e3] = [1, 2, 3].map((k) => estimate(slope, shift, k));
        // numpy's mean of three: 0.0 + ((e1 + e2) + e3) (add.reduce from add's identity; pairwise_sum is a plain loop below 8), / 3
        const mean = (0 + (e1! + e2! + e3!)) / 3;
        if (mean > bestMean) [best, bestMean] = [[slope, shift], mean];
      }
    }
    expect(allocations(out)[0]).toEqual([...best, 1]);
    expect(allocations(plain)[0]).not.toEqual(best);
  });

  it('every compiled mode gives the Interpreted numbers (AFTER and BEFORE; 130 estimates: numpy’s pairwise sum)', () => {
    const ref = expectSameAsInterpreted(noisy({ num_estimates: 3 }));
    expect(new Set(allocations(ref).map((a) => a.join())).size).toBeGreaterThan(1);
    expectSameAsInterpreted(noisy({ num_estimates: 4 }, { controller_mode: 'BEFORE' }));
    expectSameAsInterpreted(noisy({ num_estimates: 130 }));
  });

  it('an integrating noisy node, random ties: 1 and 2 controller threads give the Interpreted numbers', () => {
    const m = noisy({ num_estimates: 5, function: { type: 'GridSearch', seed: 8, select_randomly_from_optimal_values: true } });
    const nodes = nodesOf(m);
    nodes.A = { ...nodes.A, integrator_mode: true, integration_rate: 0.5 };
    // outcomes clipped at −0.5: ties among the means, broken by GridSearch's own stream
    nodes.OBJ = { type: 'ObjectiveMechanism', function: { type: 'UserDefinedFunction', expression: 'min(-(variable[0] - 3) ** 2, -0.5)' }, input_ports: [{ name: 'B' }] };
    const ref = expectThreadsSameAsInterpreted(m, [1, 2]);
    expect(new Set(allocations(ref).map((a) => a.join())).size).toBeGreaterThan(1);
  });
});

/** python3 with numpy on this machine (CI may have neither). */
const NUMPY = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

it.skipIf(!NUMPY)('meanOfEstimates is numpy’s np.mean over PsyNeuLink’s reshape of the values, bit for bit (1–300 estimates)', () => {
  const script = `
import json, sys, numpy as np
out = []
for n, vals in json.load(sys.stdin):
    values = np.stack([np.atleast_1d(v) for v in vals], axis=-1)          # OptimizationFunction._sequential_evaluate
    rows = np.reshape(values.transpose(), (len(vals) // n, n, 1))          # OptimizationFunction._evaluate
    out.append([float(x) for x in np.transpose(np.atleast_2d(np.mean(rows, axis=1))).flatten()])
print(json.dumps(out))`;
  const rng = new MT19937();
  rng.seed(11);
  const cases = [1, 2, 3, 5, 7, 8, 9, 16, 17, 129, 130, 300].map((n) => [n, Array.from({ length: 3 * n }, () => rng.normal(0, 1) * 10 ** Math.floor(rng.uniform(-3, 4)))] as const);
  const py = spawnSync('python3', ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8' });
  expect(py.status, py.stderr).toBe(0);
  const want = JSON.parse(py.stdout) as number[][];
  cases.forEach(([n, vals], c) => {
    expect([0, 1, 2].map((g) => meanOfEstimates(vals, g * n, n)), `${n} estimates`).toEqual(want[c]);
  });
});

it('the model file’s structure check names node and parameter; a ModelError, not a crash, in every mode', () => {
  const cases: [Json, string, string][] = [
    [{ num_estimates: 0 }, 'num_estimates', 'node "OCM": num_estimates: at least one estimate is needed'],
    [{ num_estimates: 2.5 }, 'num_estimates', 'node "OCM": num_estimates: the number of estimates must be a whole number'],
    [{ random_variables: 'SOME' }, 'random_variables', 'node "OCM": random_variables: either "ALL" or a list of node names'],
    [{ initial_seed: -1 }, 'initial_seed', 'node "OCM": initial_seed: a seed cannot be negative'],
    [{ same_seed_for_all_allocations: 1 }, 'same_seed_for_all_allocations', 'node "OCM": same_seed_for_all_allocations: either true or false'],
  ];
  for (const [ocm, parameter, message] of cases) {
    expect(validateStructure(noisy(ocm))).toEqual([expect.objectContaining({ path: `nodes.OCM.${parameter}`, node: 'OCM', parameter, message })]);
  }
  for (const mode of ['Interpreted', ...COMPILED] as ExecutionMode[]) {
    expect(() => run(noisy({ num_estimates: 0 }), mode)).toThrow(ModelError);
  }
});
