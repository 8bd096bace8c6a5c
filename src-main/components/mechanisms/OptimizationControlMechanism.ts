/**
 * OptimizationControlMechanism (OCM): the composition's controller. Its value is the control
 * allocation, one row per control signal, and each control signal is an output port carrying its
 * allocation. The node itself is never scheduled: the controller (engine/controller.ts) evaluates
 * the composition for every point of its GridSearch grid and writes the chosen allocation here.
 *
 * What this file declares and checks: the control signals (name, allocation_samples,
 * default_allocation, modulation, cost_options, intensity_cost_function,
 * adjustment_cost_function), the GridSearch over their samples, num_trials_per_estimate, and
 * num_estimates with its RANDOMIZATION_CONTROL_SIGNAL (ocm-estimates.ts: PsyNeuLink's semantics
 * and where it is written). Which nodes and parameters the signals
 * control, the objective mechanism and the state features are resolved with the rest of the model.
 */
import type { ContextStore, F64Slot } from '../../engine/state.js';
import { ModelError, describeValue, type ModelIssue } from '../../model/errors.js';
import { isSpecObject, resolveParams } from '../params.js';
import type { FunctionInstance, FunctionSpec, ParamDecl, Value } from '../types.js';
import { ESTIMATE_KEYS, RANDOMIZATION_CONTROL_SIGNAL, randomizationSignal, resolveEstimates, type OcmEstimates } from './ocm-estimates.js';
import { NODE_KEYS } from './TransferMechanism.js';
import type { BoundMechanism, MechanismDeclaration, MechanismInstance, OutputPortInstance } from './types.js';

/** PsyNeuLink's defaultControlAllocation. */
export const DEFAULT_CONTROL_ALLOCATION = 1.0;
/** Most grid points one controller execution may evaluate (each is a simulated trial). */
export const MAX_GRID_POINTS = 1_000_000;

export type Modulation = 'MULTIPLICATIVE' | 'ADDITIVE' | 'OVERRIDE';
const MODULATIONS: readonly Modulation[] = ['MULTIPLICATIVE', 'ADDITIVE', 'OVERRIDE'];
/** PsyNeuLink's CostFunctions; DEFAULTS is NONE (no cost unless cost_options asks for one). */
const COST_OPTIONS = ['NONE', 'INTENSITY', 'ADJUSTMENT', 'DURATION', 'ALL', 'DEFAULTS'] as const;

export interface ControlSignalInfo {
  readonly name: string;
  /** The values the GridSearch tries, in order. */
  readonly samples: readonly number[];
  /** The allocation before the controller first runs. */
  readonly defaultAllocation: number;
  /** How the allocation combines with the controlled parameter's own value. */
  readonly modulation: Modulation;
  /** Computes the intensity cost when INTENSITY is among the cost options, else null (no cost). */
  readonly intensityCost: FunctionInstance | null;
  /**
   * Computes the adjustment cost of the change in intensity (new − current, signed, as
   * PsyNeuLink's ControlSignal.compute_costs) when ADJUSTMENT is among the cost options, else null.
   */
  readonly adjustmentCost: FunctionInstance | null;
  /** JSON path of the signal, for messages. */
  readonly path: string;
}

export interface OcmDetails {
  readonly objectiveMechanism: unknown;
  readonly stateFeatures: unknown;
  readonly stateFeatureFunction: FunctionSpec | null;
  /** The control signals; with num_estimates, the RANDOMIZATION_CONTROL_SIGNAL is the last. */
  readonly signals: readonly ControlSignalInfo[];
  readonly numTrialsPerEstimate: number;
  /** Chooses among the grid's net outcomes (a GridSearch over one row of grid-size values). */
  readonly gridSearch: FunctionInstance;
  /** Allocations the GridSearch chooses among: the product of the user's signals' sample counts. */
  readonly gridSize: number;
  /** Simulations per controller execution: gridSize × num_estimates (the seed varies fastest). */
  readonly evaluations: number;
  /** num_estimates in effect, or null (not given, or nothing to randomise). */
  readonly estimates: OcmEstimates | null;
  /** For the model's warnings (e.g. num_estimates ignored). */
  readonly warnings: readonly string[];
}

export interface OcmInstance extends MechanismInstance {
  readonly ocm: OcmDetails;
}

export function isOcmInstance(m: MechanismInstance): m is OcmInstance {
  return (m as Partial<OcmInstance>).ocm !== undefined;
}

const OCM_PARAMS: ParamDecl[] = [
  { name: 'objective_mechanism', kind: 'string', default: undefined, help: 'The ObjectiveMechanism whose value is the outcome to optimise.' },
  { name: 'state_feature_function', kind: 'function', default: undefined, help: 'Applied to each state feature (e.g. an AdaptiveIntegrator to predict the next input).' },
  { name: 'num_trials_per_estimate', kind: 'integer', default: undefined, help: 'Trials simulated per grid point (1 when unset).' },
  { name: 'modulation', kind: 'enum', default: 'MULTIPLICATIVE', values: MODULATIONS, help: 'How control signals change their parameters unless a signal says otherwise: multiply, add or replace.' },
];
/** Keys handled here rather than as typed parameters. */
const LIST_KEYS = ['state_features', 'control_signals'] as const;
const SIGNAL_KEYS = ['name', 'allocation_samples', 'default_allocation', 'modulation', 'cost_options', 'intensity_cost_function', 'adjustment_cost_function'];

function costOptionsOf(v: unknown, path: string, issues: ModelIssue[], node: string): Set<string> {
  const list = v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
  const out = new Set<string>();
  list.forEach((o, i) => {
    const p = Array.isArray(v) ? `${path}[${i}]` : path;
    if (typeof o !== 'string' || !(COST_OPTIONS as readonly string[]).includes(o)) {
      issues.push({ path: p, node, parameter: 'cost_options', message: `unknown cost option ${describeValue(o)}`, expected: `one of ${COST_OPTIONS.join(', ')} (or a list of them)`, found: describeValue(o) });
    } else if (o === 'DURATION' || o === 'ALL') {
      // PsyNeuLink integrates the combined costs with a stateful SimpleIntegrator up to three times
      // per evaluation (TransferWithCosts, ControlSignal._update, the controller's costs getter):
      // not reproduced until it is pinned down against PsyNeuLink itself.
      issues.push({ path: p, node, parameter: 'cost_options', message: `${node}: the ${o === 'ALL' ? 'DURATION cost (part of ALL)' : 'DURATION cost'} is not supported yet (INTENSITY and ADJUSTMENT are)`, expected: 'INTENSITY, ADJUSTMENT or NONE (or a list of them)', found: describeValue(o) });
    } else if (o === 'INTENSITY' || o === 'ADJUSTMENT') {
      out.add(o);
    }
  });
  return out;
}

/** A signal's `<kind>_cost_function` (one number to one number) when that cost is enabled, else null. */
function costFunction(
  s: Record<string, unknown>,
  kind: 'intensity' | 'adjustment',
  defaultType: string,
  enabled: boolean,
  signalPath: string,
  env: Parameters<MechanismDeclaration['create']>[1],
  issues: ModelIssue[],
): FunctionInstance | null {
  const key = `${kind}_cost_function`;
  const path = `${signalPath}.${key}`;
  const spec = s[key];
  if (spec !== undefined && !isSpecObject(spec)) {
    issues.push({ path, node: env.node, message: `${key} must be a function object`, expected: '{"type": "Linear", "slope": 0.4}', found: describeValue(spec) });
    return null;
  }
  if (!enabled) return null;
  const fnSpec = (spec as FunctionSpec | undefined) ?? { type: defaultType };
  try {
    const fn = env.createFunction(fnSpec, [1], path);
    if (fn.outputShape.length !== 1 || fn.outputShape[0] !== 1) {
      issues.push({ path, node: env.node, message: `the ${kind} cost function must turn one number into one number`, found: fnSpec.type });
    }
    return fn;
  } catch (e) {
    if (e instanceof ModelError) issues.push(...e.issues);
    else throw e;
    return null;
  }
}

/**
 * The control signals of `spec.control_signals`. A plain ControlMechanism (`plain`) computes its
 * allocation, so it has no allocation_samples, and `defaultAllocation` is its own
 * default_allocation (PsyNeuLink: a signal without one takes its ControlMechanism's).
 */
export function signalsOf(
  spec: Record<string, unknown>,
  env: Parameters<MechanismDeclaration['create']>[1],
  defaultModulation: Modulation,
  plain: { defaultAllocation: unknown } | null = null,
): ControlSignalInfo[] {
  const issues: ModelIssue[] = [];
  const path = `${env.path}.control_signals`;
  const list = spec.control_signals;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ModelError([{ path, node: env.node, message: `${env.node} needs at least one control signal`, expected: '[{"name": "...", "allocation_samples": [...]}]', found: describeValue(list) }]);
  }
  const names = new Set<string>();
  const signals: ControlSignalInfo[] = [];
  list.forEach((raw: unknown, i: number) => {
    const p = `${path}[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      issues.push({ path: p, node: env.node, message: 'a control signal must be an object', expected: '{"name": "...", "allocation_samples": [...]}', found: describeValue(raw) });
      return;
    }
    const s = raw as Record<string, unknown>;
    for (const key of Object.keys(s)) {
      if (!SIGNAL_KEYS.includes(key)) issues.push({ path: `${p}.${key}`, node: env.node, message: `a control signal has no ${JSON.stringify(key)}`, expected: `one of ${SIGNAL_KEYS.join(', ')}` });
    }
    const name = s.name;
    if (typeof name !== 'string' || !name) {
      issues.push({ path: `${p}.name`, node: env.node, message: 'each control signal needs a name (projections name it as their sender_port)', expected: 'a non-empty string', found: describeValue(name) });
    } else if (names.has(name)) {
      issues.push({ path: `${p}.name`, node: env.node, message: `${env.node} has two control signals named ${JSON.stringify(name)}` });
    } else {
      names.add(name);
    }
    const samples = plain ? [] : s.allocation_samples;
    const samplesOk = plain !== null || (Array.isArray(samples) && samples.length > 0 && samples.every((x) => typeof x === 'number' && Number.isFinite(x)));
    if (plain && s.allocation_samples !== undefined) {
      issues.push({ path: `${p}.allocation_samples`, node: env.node, message: `${env.node} is a ControlMechanism: its function computes the allocation, so its control signals have no allocation_samples (an OptimizationControlMechanism searches them)` });
    } else if (!samplesOk) {
      issues.push({ path: `${p}.allocation_samples`, node: env.node, message: 'allocation_samples must list the values the GridSearch tries', expected: 'a non-empty array of finite numbers', found: describeValue(samples) });
    }
    const def = s.default_allocation ?? plain?.defaultAllocation ?? DEFAULT_CONTROL_ALLOCATION;
    if (typeof def !== 'number' || !Number.isFinite(def)) {
      issues.push({ path: `${p}.default_allocation`, node: env.node, message: 'default_allocation must be a number', expected: 'a finite number', found: describeValue(def) });
    }
    const modulation = s.modulation ?? defaultModulation;
    if (!MODULATIONS.includes(modulation as Modulation)) {
      issues.push({ path: `${p}.modulation`, node: env.node, message: `unknown modulation ${describeValue(modulation)}`, expected: `one of ${MODULATIONS.join(', ')}`, found: describeValue(modulation) });
    }
    const costs = costOptionsOf(s.cost_options, `${p}.cost_options`, issues, env.node);
    // PsyNeuLink's defaults: Exponential for the intensity cost, Linear for the adjustment cost
    const intensityCost = costFunction(s, 'intensity', 'Exponential', costs.has('INTENSITY'), p, env, issues);
    const adjustmentCost = costFunction(s, 'adjustment', 'Linear', costs.has('ADJUSTMENT'), p, env, issues);
    if (samplesOk && typeof name === 'string' && typeof def === 'number') {
      signals.push({ name, samples: samples as number[], defaultAllocation: def, modulation: modulation as Modulation, intensityCost, adjustmentCost, path: p });
    }
  });
  if (issues.length) throw new ModelError(issues);
  return signals;
}

export const OptimizationControlMechanism: MechanismDeclaration = {
  type: 'OptimizationControlMechanism',
  help: 'The composition’s controller: simulates a trial for every combination of its control signals’ allocation samples and applies the one with the best net outcome (objective minus costs).',
  params: OCM_PARAMS,
  defaultFunction: 'GridSearch',
  defaultOutputPorts: [],
  standardOutputPorts: [],
  create(spec, env) {
    const { estimates, warnings } = resolveEstimates(spec, env, env.controlContext);
    const p = resolveParams(this.type, this.params, spec, env.path, [...NODE_KEYS, ...LIST_KEYS, ...ESTIMATE_KEYS], env.node);
    const perEstimate = (p.num_trials_per_estimate as number | undefined | null) ?? 1;
    if (perEstimate < 1) {
      throw new ModelError([{ path: `${env.path}.num_trials_per_estimate`, node: env.node, parameter: 'num_trials_per_estimate', message: 'num_trials_per_estimate must be at least 1', expected: 'an integer ≥ 1', found: describeValue(perEstimate) }]);
    }
    for (const key of ['size', 'input_ports', 'output_ports'] as const) {
      if (spec[key] !== undefined) {
        throw new ModelError([{ path: `${env.path}.${key}`, node: env.node, message: `an OptimizationControlMechanism has no ${key}: its ports are its control signals`, found: describeValue(spec[key]) }]);
      }
    }
    const userSignals = signalsOf(spec, env, p.modulation as Modulation);
    const gridSize = userSignals.reduce((a, s) => a * s.samples.length, 1);
    const evaluations = gridSize * (estimates?.num ?? 1);
    if (evaluations > MAX_GRID_POINTS) {
      const what = estimates ? `${gridSize} points × ${estimates.num} estimates = ${evaluations} simulations` : `${gridSize} points (each a simulated trial)`;
      throw new ModelError([{ path: `${env.path}.control_signals`, node: env.node, message: `${env.node}'s grid has ${what}; the limit is ${MAX_GRID_POINTS}`, expected: estimates ? 'fewer allocation_samples or num_estimates' : 'fewer allocation_samples' }]);
    }
    const clash = estimates ? userSignals.findIndex((s) => s.name === RANDOMIZATION_CONTROL_SIGNAL) : -1;
    if (clash >= 0) {
      throw new ModelError([{ path: `${env.path}.control_signals[${clash}].name`, node: env.node, message: `${env.node}: with num_estimates, ${RANDOMIZATION_CONTROL_SIGNAL} is the name of the signal that seeds the estimates; rename this one` }]);
    }
    // PsyNeuLink appends the RANDOMIZATION_CONTROL_SIGNAL after the user's signals (the grid's last dimension)
    const signals = estimates ? [...userSignals, randomizationSignal(estimates.num, `${env.path}.num_estimates`)] : userSignals;
    const fnSpec = spec.function === undefined ? { type: 'GridSearch' } : spec.function;
    if (!isSpecObject(fnSpec) || fnSpec.type !== 'GridSearch') {
      throw new ModelError([{ path: `${env.path}.function`, node: env.node, parameter: 'function', message: `${env.node}'s function must be a GridSearch`, expected: '{"type": "GridSearch", "seed": 0}', found: describeValue(spec.function) }]);
    }
    const gridSearch = env.createFunction(fnSpec as FunctionSpec, [gridSize], `${env.path}.function`);
    const sfSpec = p.state_feature_function as FunctionSpec | undefined;
    if (spec.state_features !== undefined && !Array.isArray(spec.state_features)) {
      throw new ModelError([{ path: `${env.path}.state_features`, node: env.node, message: 'state_features must be a list of node names or {"node", "port"} objects', found: describeValue(spec.state_features) }]);
    }

    const ocm: OcmDetails = {
      objectiveMechanism: p.objective_mechanism,
      stateFeatures: spec.state_features,
      stateFeatureFunction: sfSpec ?? null,
      signals,
      numTrialsPerEstimate: perEstimate,
      gridSearch,
      gridSize,
      evaluations,
      estimates,
      warnings,
    };
    return controlInstance(this.type, env, p, gridSearch, ocm);
  },
};


/**
 * The node of a controller (an OCM, or a plain ControlMechanism: control-mechanism.ts): its value
 * is the allocation, one row per control signal, each signal an output port carrying its row.
 */
export function controlInstance(type: string, env: Parameters<MechanismDeclaration['create']>[1], p: Record<string, unknown>, fn: FunctionInstance, ocm: OcmDetails): OcmInstance {
  const signals = ocm.signals;
  const valueSlots: F64Slot[] = signals.map((s, r) => env.layout.f64(`${env.node}.value[${r}]`, [s.defaultAllocation]));
  const outputPorts: OutputPortInstance[] = signals.map((s, r) => ({
    name: s.name,
    shape: [1],
    slot: [env.layout.f64(`${env.node}.${s.name}`, [s.defaultAllocation])],
    bind: () => (owner: Value, out: Value) => out[0]!.set(owner[r]!),
    emit: (cg, owner, out) => cg.ir.store(cg.ir.load(owner.rows[r]!.ptr, 0), out.rows[0]!.ptr, 0),
  }));
  return {
    type,
    name: env.node,
    inputPorts: [{ name: 'OUTCOME', size: 1 }],
    valueShape: signals.map(() => 1),
    outputPorts,
    function: fn,
    params: p,
    valueSlots,
    ocm,
    bind(ctx: ContextStore): BoundMechanism {
      const value: Value = valueSlots.map((s) => ctx.f64(s));
      const portValues: Value[] = outputPorts.map((port) => port.slot.map((s) => ctx.f64(s)));
      return {
        value,
        portValues,
        // The allocation is written by the controller; executing only refreshes the ports.
        execute() {
          outputPorts.forEach((_, r) => portValues[r]![0]!.set(value[r]!));
          return 1;
        },
        isFinished: () => true,
        reset() {},
      };
    },
    // Compiled twin of execute: the control signals carry the allocation (compiler/codegen/controller.ts writes it).
    emit(cg) {
      const value = cg.slots(valueSlots);
      outputPorts.forEach((port) => port.emit(cg, value, cg.slots(port.slot)));
      return cg.ir.bool(true);
    },
    emitReset() {},
  };
}
