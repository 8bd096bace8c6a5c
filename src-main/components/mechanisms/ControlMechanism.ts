/**
 * ControlMechanism: a composition's controller that computes its control allocation from its
 * objective mechanism's OUTCOME (no simulation, unlike the OptimizationControlMechanism).
 *
 * PsyNeuLink's semantics, read in psyneulink/core/components/mechanisms/modulatory/control/
 * controlmechanism.py (the stored version, commit 00bd8ab6, 2019):
 * - `ControlMechanism.__init__`: `function = function or DefaultAllocationFunction`; the class
 *   docs: "function : TransferFunction : default Linear(slope=1, intercept=0) — determines how the
 *   values of the monitored OutputStates are used to generate its control_allocation". Its input
 *   is the OUTCOME input state, fed by the objective mechanism's OUTCOME. Here the default is
 *   `Linear` slope 1, intercept 0 (the outcome itself); its one result is every control signal's
 *   allocation (DefaultAllocationFunction gives each signal the same value).
 * - `Parameters`: `value` (alias `control_allocation`) defaults to [[defaultControlAllocation]]
 *   = 1.0; `default_allocation` (mechanism level) is used by every control signal without its own
 *   default_allocation: the allocation, hence the modulating value, before the first execution.
 * - `Parameters`: `costs`, `combine_costs` (np.sum) and `net_outcome` (outcome − cost) are
 *   computed for reporting only: a plain ControlMechanism's function never sees them, so they do
 *   not change any result here.
 * Not re-read in this session (the whole repository was too large to fetch; from PsyNeuLink's
 * documented behaviour, the same as the OCM's in engine/controller.ts): the ControlSignal's
 * TransferWithCosts passes the allocation through as its intensity (identity transfer), and
 * composition.py `_execute_controller` runs the controller once per trial, BEFORE the first pass
 * or AFTER the trial (`controller_mode`, default AFTER), so the first trial in AFTER mode sees the
 * default allocation, and in BEFORE mode the first execution sees the objective's initial value.
 * The OCM's node shape, control-signal validation (`signalsOf`) and control targets
 * (engine/controller.ts) are shared; engine/control-mechanism.ts executes it.
 */
import { ModelError, describeValue } from '../../model/errors.js';
import { resolveParams } from '../params.js';
import type { FunctionInstance, ParamDecl } from '../types.js';
import { controlInstance, signalsOf, type Modulation, type OcmInstance } from './OptimizationControlMechanism.js';
import { NODE_KEYS, functionSpecOf } from './TransferMechanism.js';
import type { MechanismDeclaration, MechanismInstance } from './types.js';

/** A plain ControlMechanism node: an OCM-shaped node whose `allocate` maps the outcome to the allocation. */
export interface ControlMechanismInstance extends OcmInstance {
  readonly allocate: FunctionInstance;
}

export function isControlMechanismInstance(m: MechanismInstance): m is ControlMechanismInstance {
  return m.type === 'ControlMechanism' && (m as Partial<ControlMechanismInstance>).allocate !== undefined;
}

const CM_PARAMS: ParamDecl[] = [
  { name: 'objective_mechanism', kind: 'string', default: undefined, help: 'The ObjectiveMechanism whose OUTCOME the function turns into the allocation.' },
  { name: 'default_allocation', kind: 'number', default: undefined, help: 'The allocation of every control signal without its own, before the controller first runs (1 when unset).' },
  { name: 'modulation', kind: 'enum', default: 'MULTIPLICATIVE', values: ['MULTIPLICATIVE', 'ADDITIVE', 'OVERRIDE'], help: 'How control signals change their parameters unless a signal says otherwise: multiply, add or replace.' },
];

export const ControlMechanism: MechanismDeclaration = {
  type: 'ControlMechanism',
  help: 'The composition’s controller: each trial its function turns the objective mechanism’s outcome into the allocation of every control signal.',
  params: CM_PARAMS,
  defaultFunction: 'Linear',
  defaultOutputPorts: [],
  standardOutputPorts: [],
  create(spec, env) {
    const p = resolveParams(this.type, this.params, spec, env.path, [...NODE_KEYS, 'control_signals'], env.node);
    for (const key of ['size', 'input_ports', 'output_ports'] as const) {
      if (spec[key] !== undefined) {
        throw new ModelError([{ path: `${env.path}.${key}`, node: env.node, message: `a ControlMechanism has no ${key}: its input is its objective mechanism's outcome, its ports are its control signals`, found: describeValue(spec[key]) }]);
      }
    }
    const signals = signalsOf(spec, env, p.modulation as Modulation, { defaultAllocation: p.default_allocation ?? undefined });
    const fnPath = `${env.path}.function`;
    const allocate = env.createFunction(functionSpecOf(spec, this, env), [1], fnPath);
    if (allocate.outputShape.length !== 1 || allocate.outputShape[0] !== 1) {
      throw new ModelError([{ path: fnPath, node: env.node, parameter: 'function', message: `${env.node}'s function must turn the outcome (one number) into one allocation`, expected: '{"type": "Linear", "slope": 2}', found: describeValue(allocate.outputShape) }]);
    }
    const node = controlInstance(this.type, env, p, allocate, {
      objectiveMechanism: p.objective_mechanism,
      stateFeatures: [],
      stateFeatureFunction: null,
      signals,
      numTrialsPerEstimate: 1,
      // never searched: engine/control-mechanism.ts runs `allocate` instead of a GridSearch
      gridSearch: allocate,
      gridSize: 1,
      evaluations: 1,
      estimates: null,
      warnings: [],
    });
    return { ...node, allocate } satisfies ControlMechanismInstance;
  },
};
