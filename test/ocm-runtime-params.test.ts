/**
 * Compiled control reads a controlled parameter at run time — one code for the whole grid
 * instead of a variant per allocation — exactly when the sentinel build provably generates each
 * variant's IR (compiler/codegen/controlled-params.ts); a parameter the component derives in JS
 * keeps its variants. Either way every compiled mode gives the Interpreted results.
 */
import { describe, expect, it } from 'vitest';
import { buildComposition } from '../src-main/engine/composition.js';
import { generateModule } from '../src-main/compiler/codegen/composition.js';
import { expectSameAsInterpreted, model, type Json } from './ocm-models.js';

const spaced = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / Math.max(1, n - 1));

/** Codes compiled per controlled node. */
function compiledVariants(m: Json): Record<string, number> {
  return generateModule(buildComposition(m as never), { withScheduler: true }).controlledVariants;
}

/** reward and a stimulus → DDM → OBJ = reward / RT (· P(upper) for the analytical DDM); the OCM's two signals on the DDM's `params`. */
function ddmModel(fn: Json, params: [string, string], samples: [number[], number[]]): Json {
  const analytical = fn.type === 'DriftDiffusionAnalytical';
  return {
    format: 'cogstudio-model',
    version: 1,
    name: 'ocm_ddm',
    nodes: {
      reward: { type: 'TransferMechanism', size: 1 },
      Stimulus: { type: 'TransferMechanism', size: 1 },
      Decision: { type: 'DDM', seed: 3, function: fn, output_ports: [{ name: 'DECISION_VARIABLE' }, { name: 'RESPONSE_TIME' }, ...(analytical ? [{ name: 'PROBABILITY_UPPER_THRESHOLD' }] : [])] },
      OBJ: { type: 'ObjectiveMechanism', function: { type: 'LinearCombination', operation: 'product' }, input_ports: [{ name: 'reward' }, ...(analytical ? [{ name: 'p_upper' }] : []), { name: 'rt', exponent: -1 }] },
      OCM: {
        type: 'OptimizationControlMechanism',
        objective_mechanism: 'OBJ',
        state_features: ['reward', 'Stimulus'],
        function: { type: 'GridSearch', seed: 2 },
        control_signals: [
          { name: 'first', allocation_samples: samples[0] },
          { name: 'second', allocation_samples: samples[1] },
        ],
      },
    },
    projections: [
      { sender: 'Stimulus', receiver: 'Decision' },
      { sender: 'reward', receiver: 'OBJ', receiver_port: 'reward' },
      ...(analytical ? [{ sender: 'Decision', sender_port: 'PROBABILITY_UPPER_THRESHOLD', receiver: 'OBJ', receiver_port: 'p_upper' }] : []),
      { sender: 'Decision', sender_port: 'RESPONSE_TIME', receiver: 'OBJ', receiver_port: 'rt' },
      { sender: 'OCM', sender_port: 'first', receiver: 'Decision', receiver_parameter: params[0] },
      { sender: 'OCM', sender_port: 'second', receiver: 'Decision', receiver_parameter: params[1] },
    ],
    ...(analytical ? {} : { termination: { trial: { type: 'WhenFinished', dependency: 'Decision' } } }),
    controller: 'OCM',
    run: { inputs: { Stimulus: [[0.8], [0.3], [-0.4]], reward: [[10], [15], [5]] } },
  };
}

const integrator = { type: 'DriftDiffusionIntegrator', rate: 1, threshold: 1, noise: 0.5, time_step_size: 0.01, seed: 7 };
const analytical = { type: 'DriftDiffusionAnalytical', drift_rate: 1, threshold: 1, noise: 0.8, starting_value: 0.1, non_decision_time: 0.3 };

describe('controlled parameters read at run time', () => {
  it('a DriftDiffusionIntegrator rate × threshold grid is one code, with the Interpreted results', () => {
    const m = ddmModel(integrator, ['rate', 'threshold'], [spaced(0.2, 1, 4), spaced(0.6, 1.4, 3)]);
    expect(compiledVariants(m)).toEqual({ Decision: 1 });
    expectSameAsInterpreted(m);
  });

  it('an analytical DDM: drift_rate, threshold and noise are read at run time (what the formulas derive from them is computed in IR), with the Interpreted results', () => {
    const m = ddmModel(analytical, ['drift_rate', 'threshold'], [spaced(0.2, 1, 5), spaced(0.3, 1.8, 4)]);
    expect(compiledVariants(m)).toEqual({ Decision: 1 });
    expectSameAsInterpreted(m);
    const noise = ddmModel(analytical, ['drift_rate', 'noise'], [spaced(0.2, 1, 5), [0.5, 1]]);
    expect(compiledVariants(noise)).toEqual({ Decision: 1 });
    expectSameAsInterpreted(noise);
    // a threshold under |starting value| clamps the bias (to 1e-8 or 1 - 1e-8) on some grid points
    const clamped = ddmModel(analytical, ['threshold', 'noise'], [[0.05, 0.1, 0.5, 1.5], [0.8]]);
    expect(compiledVariants(clamped)).toEqual({ Decision: 1 });
    expectSameAsInterpreted(clamped);
  });

  it('a Logistic gain grid (MULTIPLICATIVE) and an OVERRIDE bias are one code, with the Interpreted results', () => {
    const m = model({
      inputs: [1.2, -0.4, 0.3],
      signals: [
        { name: 'gain', allocation_samples: [0.5, 1, 2, 4, 8] },
        { name: 'bias', allocation_samples: [-1, 0, 0.25], modulation: 'OVERRIDE' },
      ],
      projections: [
        { sender: 'A', receiver: 'B' },
        { sender: 'B', receiver: 'OBJ', receiver_port: 'B' },
        { sender: 'OCM', sender_port: 'gain', receiver: 'A', receiver_parameter: 'gain' },
        { sender: 'OCM', sender_port: 'bias', receiver: 'A', receiver_parameter: 'bias' },
      ],
    });
    (m.nodes as Record<string, Json>).A = { type: 'ProcessingMechanism', function: { type: 'Logistic', gain: 1.5, x_0: 0.2 } };
    expect(compiledVariants(m)).toEqual({ A: 1 });
    expectSameAsInterpreted(m);
  });

  it('one parameter modulated by two signals (MULTIPLICATIVE and ADDITIVE: base·mult + add) is one code, with the Interpreted results', () => {
    const m = model({
      inputs: [1.2, -0.4, 0.3],
      signals: [
        { name: 'gain', allocation_samples: [0.5, 1, 2, 4] },
        { name: 'more', allocation_samples: [-0.3, 0, 0.7], modulation: 'ADDITIVE', default_allocation: 0 },
      ],
      projections: [
        { sender: 'A', receiver: 'B' },
        { sender: 'B', receiver: 'OBJ', receiver_port: 'B' },
        { sender: 'OCM', sender_port: 'more', receiver: 'A', receiver_parameter: 'gain' },
        { sender: 'OCM', sender_port: 'gain', receiver: 'A', receiver_parameter: 'gain' },
      ],
    });
    (m.nodes as Record<string, Json>).A = { type: 'ProcessingMechanism', function: { type: 'Logistic', gain: 1.5, x_0: 0.2 } };
    expect(compiledVariants(m)).toEqual({ A: 1 });
    expectSameAsInterpreted(m);
  });

  it('a parameter the component derives in JS (the integrator’s time_step_size: sqrt(dt·noise)) keeps its variants, with the Interpreted results', () => {
    const m = ddmModel(integrator, ['time_step_size', 'rate'], [[0.01, 0.02], [0.5, 1]]);
    // rate alone is read at run time: a code per time_step_size choice (its default and 2 samples)
    expect(compiledVariants(m)).toEqual({ Decision: 3 });
    expectSameAsInterpreted(m);
    const only = ddmModel(integrator, ['time_step_size', 'time_step_size'], [[0.01, 0.02], [0.5, 1]]);
    (only.nodes as Record<string, Json>).OCM = { ...(only.nodes as Record<string, Json>).OCM as Json, control_signals: [{ name: 'first', allocation_samples: [0.01, 0.02] }] };
    only.projections = (only.projections as Json[]).filter((p) => p.sender_port !== 'second');
    expect(compiledVariants(only)).toEqual({ Decision: 3 });
    expectSameAsInterpreted(only);
  });
});
