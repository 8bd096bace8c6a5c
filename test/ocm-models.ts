/** Models with a controller (an OptimizationControlMechanism) shared by the OCM tests. */
import { runModel, type ExecutionMode, type RunOutput } from '../src-main/runtime/run-model.js';

export type Json = Record<string, unknown>;

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

/** The OCM's allocation after each trial. */
export function allocations(out: RunOutput): number[][] {
  return out.node_values!.OCM!.map((rows) => rows.map((r) => r[0]!));
}
