/**
 * Model-based control: the composition's controller (an OptimizationControlMechanism) and how it
 * runs, as PsyNeuLink's Composition._execute_controller / OCM._execute / Composition.evaluate do
 * in Python mode:
 *
 * - It runs once per trial: BEFORE the trial's first pass (after the trial's resets, with the
 *   trial's inputs in place) or AFTER the trial ended (the default); the allocation it chooses
 *   applies from then on, so in AFTER mode trial t+1 uses the allocation chosen after trial t and
 *   the first trial uses the default allocation.
 * - State features: each shadows the external input of an input node's port (every input port is
 *   shadowed; the ones `state_features` does not name are added, as PsyNeuLink's
 *   state_feature_default SHADOW_INPUTS does), passed through `state_feature_function` once per
 *   controller execution, in the real context (an integrator there accumulates across trials).
 * - For every grid point (itertools.product over the control signals, last signal fastest) it
 *   simulates num_trials_per_estimate trials from a copy of the current state with the state
 *   features as inputs and the point's allocation applied, reads the objective mechanism's
 *   OUTCOME, and scores net_outcome = outcome − Σ max(0, cost of each signal), a signal's cost
 *   being the sum of its enabled costs (ControlSignal.compute_costs): INTENSITY of the allocation,
 *   ADJUSTMENT of its change from the signal's current allocation (signed). Each simulation
 *   starts from the same copy (PsyNeuLink initialises each simulation context from a frozen copy
 *   of the real one, random streams included), so simulations never touch the real context:
 *   node values, integrators, counters and random streams are as the real trial left them.
 * - GridSearch picks the point (its tie-breaking draws come from its own stream, in the real
 *   context) and the allocation is written as the OCM's value.
 * - With num_estimates (components/mechanisms/ocm-estimates.ts has PsyNeuLink's semantics and its
 *   sources): the RANDOMIZATION_CONTROL_SIGNAL is the grid's last dimension (seeds 1…n, fastest),
 *   each of its random variables' streams is re-seeded as its node executes whenever the signal's
 *   allocation differs from the stream's seed (real run and simulations alike), the n estimates
 *   of each allocation are averaged (meanOfEstimates, numpy's order of additions) and GridSearch
 *   picks among the means; the chosen allocation carries seed 1.
 *
 * A control signal changes a parameter that components bake in when they are built, so each
 * controlled node is built once per combination of its signals' possible allocations (a variant),
 * over the same state slots as the original (ReplayLayout); the active variant follows the
 * OCM's value in the store.
 */
import { functionDeclaration } from '../components/functions/index.js';
import { mechanismDeclaration } from '../components/mechanisms/index.js';
import { isControlMechanismInstance } from '../components/mechanisms/ControlMechanism.js';
import { meanOfEstimates } from '../components/mechanisms/ocm-estimates.js';
import { isOcmInstance, type ControlSignalInfo, type Modulation, type OcmInstance } from '../components/mechanisms/OptimizationControlMechanism.js';
import type { BoundMechanism, MechanismInstance, NodeSpec } from '../components/mechanisms/types.js';
import { isNumeric } from '../components/params.js';
import type { BoundFunction, FunctionInstance, FunctionSpec, Value } from '../components/types.js';
import { ModelError, describeValue, jsonPath, type ModelIssue } from '../model/errors.js';
import { TS, type SchedulerCounters } from '../scheduler/clock.js';
import type { ConditionContext } from '../scheduler/conditions.js';
import type { Scheduler, SchedulerLimits } from '../scheduler/scheduler.js';
import { makeBuildEnv } from './build-env.js';
import { ControlMechanismRuntime } from './control-mechanism.js';
import type { MT19937 } from '../random/mt19937.js';
import { ReplayLayout, type ContextStore, type RngSlot, type Slot, type StateLayout } from './state.js';

export type ControllerMode = 'AFTER' | 'BEFORE';

/** Most variants built ahead (validated at load time) per controlled node; more are built on first use. */
const EAGER_VARIANTS = 4096;

export interface StateFeature {
  node: number;
  port: number;
  /** state_feature_function for this feature (own state), or null for the plain input. */
  fn: FunctionInstance | null;
}

/** A controlled node: its variants, keyed by the allocations of the signals that control it. */
export interface ControlledNode {
  node: number;
  /** Indices of the control signals that modulate this node, ascending. */
  signals: number[];
  /** The node built for the given allocations (cached). */
  variant(allocations: readonly number[]): MechanismInstance;
  /** Each modulated parameter (in first-projection order): its own value and who modulates it, in projection order. */
  params: ModulatedParam[];
  /** The modulated parameters' values (in `params` order) under the given allocations, as variant() uses them. */
  valuesAt(allocations: readonly number[]): unknown[];
  /** The node built with these values of the modulated parameters (in `params` order; not cached). */
  buildWith(values: readonly unknown[]): MechanismInstance;
}

/** A parameter of a controlled node and the signals that modulate it. */
export interface ModulatedParam {
  param: string;
  base: unknown;
  /** In projection order; `signal` indexes the OCM's control signals. */
  targets: { signal: number; modulation: Modulation }[];
}

/** num_estimates: the RANDOMIZATION_CONTROL_SIGNAL and the random streams whose seed it sets. */
export interface Randomization {
  /** The signal's index (the last). */
  signal: number;
  /** Estimates per allocation. */
  num: number;
  /** Per randomised node (node order): its random streams. */
  nodes: { node: number; streams: RngSlot[] }[];
}

export interface ControllerPlan {
  /** The OCM's node index. */
  index: number;
  /** The objective mechanism's node index. */
  objective: number;
  mode: ControllerMode;
  ocm: OcmInstance;
  features: StateFeature[];
  controlled: ControlledNode[];
  randomization: Randomization | null;
}

interface ModelFields {
  controller?: unknown;
  controller_mode?: unknown;
  projections?: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The controller's and its objective mechanism's node indices (or null without a controller),
 * checking `controller`, `controller_mode` and `objective_mechanism`; problems go to `issues`.
 */
export function resolveControllerNodes(
  model: ModelFields,
  nodes: Record<string, Record<string, unknown>>,
  index: ReadonlyMap<string, number>,
  issues: ModelIssue[],
): { index: number; objective: number; mode: ControllerMode } | null {
  const names = [...index.keys()];
  const ocms = names.filter((n) => isObject(nodes[n]) && CONTROLLER_TYPES.includes(nodes[n]!.type as string));
  if (model.controller_mode !== undefined && model.controller_mode !== 'AFTER' && model.controller_mode !== 'BEFORE') {
    issues.push({ path: 'controller_mode', message: 'controller_mode must be "AFTER" or "BEFORE"', expected: '"AFTER" (the default) or "BEFORE"', found: describeValue(model.controller_mode) });
  }
  const mode: ControllerMode = model.controller_mode === 'BEFORE' ? 'BEFORE' : 'AFTER';
  if (model.controller === undefined) {
    for (const n of ocms) {
      issues.push({ path: jsonPath('nodes', n), node: n, message: `${n} is an ${nodes[n]!.type as string} but not the model's controller`, expected: `"controller": ${JSON.stringify(n)} at the top level` });
    }
    return null;
  }
  const name = model.controller;
  const k = typeof name === 'string' ? index.get(name) : undefined;
  if (k === undefined) {
    issues.push({ path: 'controller', message: 'controller names an unknown node', expected: ocms.length ? `one of ${ocms.join(', ')}` : 'the name of an OptimizationControlMechanism node', found: describeValue(name) });
    return null;
  }
  const type = isObject(nodes[name as string]) ? nodes[name as string]!.type : undefined;
  if (!CONTROLLER_TYPES.includes(type as string)) {
    issues.push({ path: 'controller', node: name as string, message: `the controller ${name as string} is a ${typeof type === 'string' ? type : 'node without a type'}; a controller must be an OptimizationControlMechanism or a ControlMechanism`, expected: ocms.length ? `one of ${ocms.join(', ')}` : 'an OptimizationControlMechanism node', found: describeValue(name) });
    return null;
  }
  for (const n of ocms) {
    if (n !== name) issues.push({ path: jsonPath('nodes', n), node: n, message: `${n} is an ${nodes[n]!.type as string} but the controller is ${name as string}; a model has one controller` });
  }
  const objPath = jsonPath('nodes', name as string, 'objective_mechanism');
  const objName = nodes[name as string]!.objective_mechanism;
  const objectives = names.filter((n) => isObject(nodes[n]) && nodes[n]!.type === 'ObjectiveMechanism');
  const o = typeof objName === 'string' ? index.get(objName) : undefined;
  if (o === undefined || !isObject(nodes[objName as string]) || nodes[objName as string]!.type !== 'ObjectiveMechanism') {
    issues.push({ path: objPath, node: name as string, parameter: 'objective_mechanism', message: `${name as string} needs an objective_mechanism: the ObjectiveMechanism node whose value it optimises`, expected: objectives.length ? `one of ${objectives.join(', ')}` : 'the name of an ObjectiveMechanism node', found: describeValue(objName) });
    return null;
  }
  return { index: k, objective: o, mode };
}

/** Node types that can be the controller (a ControlMechanism also only as the controller, for now). */
const CONTROLLER_TYPES: readonly string[] = ['OptimizationControlMechanism', 'ControlMechanism'];

export interface PlanInput {
  model: ModelFields;
  nodeNames: readonly string[];
  index: ReadonlyMap<string, number>;
  nodes: readonly MechanismInstance[];
  /** The spec each node was built from (seeds assigned). */
  specs: readonly Record<string, unknown>[];
  /** The state slots each node declared when it was built, in order. */
  nodeSlots: readonly (readonly Slot[])[];
  inputNodes: readonly number[];
  layout: StateLayout;
  controller: { index: number; objective: number; mode: ControllerMode };
}

/** The controller's plan: state features, what each control signal modulates, and the node variants. */
export function buildControllerPlan(input: PlanInput): ControllerPlan {
  const issues: ModelIssue[] = [];
  const { nodeNames, nodes, controller } = input;
  const ocmNode = nodes[controller.index]!;
  if (!isOcmInstance(ocmNode)) throw new Error('the controller node is not an OptimizationControlMechanism');
  const ocmName = nodeNames[controller.index]!;
  const ocmPath = jsonPath('nodes', ocmName);
  const signals = ocmNode.ocm.signals;

  const objective = nodes[controller.objective]!;
  const outcome = objective.outputPorts[0];
  if (!outcome || outcome.shape.reduce((a, b) => a + b, 0) !== 1) {
    issues.push({ path: jsonPath('nodes', nodeNames[controller.objective]!), node: nodeNames[controller.objective], message: `the objective mechanism ${nodeNames[controller.objective]} must compute one number (its OUTCOME port has ${outcome ? outcome.shape.reduce((a, b) => a + b, 0) : 0})` });
  }

  // a plain ControlMechanism simulates nothing, so it shadows no inputs
  const features = isControlMechanismInstance(ocmNode) ? [] : stateFeaturesOf(input, ocmNode, ocmPath, issues);
  // projections carry the user's signals; the RANDOMIZATION_CONTROL_SIGNAL sets seeds, not parameters
  const targets = controlTargetsOf(input, ocmNode.ocm.estimates ? signals.slice(0, -1) : signals, issues);
  if (issues.length) throw new ModelError(issues);
  const controlled = [...new Set(targets.map((t) => t.node))].sort((a, b) => a - b).map((k) => controlledNode(input, k, targets.filter((t) => t.node === k), signals));
  return { index: controller.index, objective: controller.objective, mode: controller.mode, ocm: ocmNode, features, controlled, randomization: randomizationOf(input, ocmNode) };
}

function randomizationOf(input: PlanInput, ocm: OcmInstance): Randomization | null {
  const estimates = ocm.ocm.estimates;
  if (!estimates) return null;
  const nodes = estimates.randomVariables
    .map((name) => input.index.get(name)!)
    .sort((a, b) => a - b)
    .map((node) => ({ node, streams: input.nodeSlots[node]!.filter((s): s is RngSlot => s.kind === 'rng') }));
  return { signal: ocm.ocm.signals.length - 1, num: estimates.num, nodes };
}

function stateFeaturesOf(input: PlanInput, ocm: OcmInstance, ocmPath: string, issues: ModelIssue[]): StateFeature[] {
  const { nodeNames, index, nodes, inputNodes } = input;
  const listed = (ocm.ocm.stateFeatures ?? []) as unknown[];
  const chosen: { node: number; port: number }[] = [];
  const inputNames = inputNodes.map((k) => nodeNames[k]!).join(', ');
  listed.forEach((f, i) => {
    const path = `${ocmPath}.state_features[${i}]`;
    const nodeName = typeof f === 'string' ? f : isObject(f) ? f.node : undefined;
    const k = typeof nodeName === 'string' ? index.get(nodeName) : undefined;
    if (k === undefined) {
      issues.push({ path, node: ocm.name, message: 'a state feature names an unknown node', expected: `an input node (${inputNames}) or {"node", "port"}`, found: describeValue(f) });
      return;
    }
    if (!inputNodes.includes(k)) {
      issues.push({ path, node: ocm.name, message: `state feature ${nodeName as string} is not an input node: a state feature shadows the external input of an input node`, expected: `one of ${inputNames}`, found: describeValue(f) });
      return;
    }
    let port = 0;
    if (isObject(f) && f.port !== undefined) {
      port = nodes[k]!.inputPorts.findIndex((p) => p.name === f.port);
      if (port < 0) {
        issues.push({ path: `${path}.port`, node: ocm.name, message: `${nodeName as string} has no input port ${describeValue(f.port)}`, expected: `one of ${nodes[k]!.inputPorts.map((p) => p.name).join(', ')}`, found: describeValue(f.port) });
        return;
      }
    }
    if (chosen.some((c) => c.node === k && c.port === port)) {
      issues.push({ path, node: ocm.name, message: `the input of ${nodeName as string} is a state feature twice` });
      return;
    }
    chosen.push({ node: k, port });
  });
  // PsyNeuLink shadows every INPUT port the list leaves out (state_feature_default = SHADOW_INPUTS).
  for (const k of inputNodes) {
    nodes[k]!.inputPorts.forEach((_, port) => {
      if (!chosen.some((c) => c.node === k && c.port === port)) chosen.push({ node: k, port });
    });
  }
  const fnSpec = ocm.ocm.stateFeatureFunction;
  const fnPath = `${ocmPath}.state_feature_function`;
  return chosen.map((c) => {
    let fn: FunctionInstance | null = null;
    if (fnSpec) {
      const size = nodes[c.node]!.inputPorts[c.port]!.size;
      try {
        fn = makeBuildEnv(input.layout, fnPath).createFunction(fnSpec as FunctionSpec, [size], fnPath);
        if (fn.outputShape.length !== 1 || fn.outputShape[0] !== size) {
          issues.push({ path: fnPath, node: ocm.name, message: `state_feature_function must keep the shape of the input it is applied to (${size} numbers)`, found: describeValue(fn.outputShape) });
        }
      } catch (e) {
        if (!(e instanceof ModelError)) throw e;
        if (!issues.some((x) => x.path.startsWith(fnPath))) issues.push(...e.issues);
      }
    }
    return { ...c, fn };
  });
}

interface ControlTarget {
  node: number;
  signal: number;
  param: string;
  level: 'mechanism' | 'function';
  /** The parameter's own value (from the node spec, or its default). */
  base: unknown;
  modulation: Modulation;
  path: string;
}

const MODULATABLE = new Set(['number', 'numeric', 'noise']);

function controlTargetsOf(input: PlanInput, signals: readonly ControlSignalInfo[], issues: ModelIssue[]): ControlTarget[] {
  const { nodeNames, index, specs, controller } = input;
  const ocmName = nodeNames[controller.index]!;
  const out: ControlTarget[] = [];
  const projections = Array.isArray(input.model.projections) ? input.model.projections : [];
  projections.forEach((p: unknown, i: number) => {
    if (!isObject(p) || p.receiver_parameter === undefined) return;
    const path = `projections[${i}]`;
    if (p.sender !== ocmName) {
      issues.push({ path: `${path}.sender`, message: `a control projection (with receiver_parameter) must come from the controller ${ocmName}`, expected: JSON.stringify(ocmName), found: describeValue(p.sender) });
      return;
    }
    let signal = 0;
    if (p.sender_port !== undefined) {
      signal = signals.findIndex((s) => s.name === p.sender_port);
      if (signal < 0) {
        issues.push({ path: `${path}.sender_port`, node: ocmName, message: `${ocmName} has no control signal ${describeValue(p.sender_port)}`, expected: `one of ${signals.map((s) => s.name).join(', ')}`, found: describeValue(p.sender_port) });
        return;
      }
    } else if (signals.length > 1) {
      issues.push({ path: `${path}.sender_port`, node: ocmName, message: `${ocmName} has several control signals: name the one this projection carries`, expected: `one of ${signals.map((s) => s.name).join(', ')}` });
      return;
    }
    const k = typeof p.receiver === 'string' ? index.get(p.receiver) : undefined;
    if (k === undefined || k === controller.index) {
      issues.push({ path: `${path}.receiver`, message: k === undefined ? 'a control projection goes to an unknown node' : 'the controller cannot control itself', expected: `one of ${nodeNames.filter((_, j) => j !== controller.index).join(', ')}`, found: describeValue(p.receiver) });
      return;
    }
    const name = nodeNames[k]!;
    const spec = specs[k]!;
    const decl = mechanismDeclaration(spec.type)!;
    const fnSpec = (isObject(spec.function) ? spec.function : { type: decl.defaultFunction }) as FunctionSpec;
    const fdecl = functionDeclaration(fnSpec.type);
    const param = p.receiver_parameter;
    const mech = decl.params.filter((d) => MODULATABLE.has(d.kind) && d.name !== 'seed');
    const fnParams = (fdecl?.params ?? []).filter((d) => MODULATABLE.has(d.kind) && d.name !== 'seed');
    const options = [...mech.map((d) => d.name), ...fnParams.map((d) => d.name)];
    const m = mech.find((d) => d.name === param);
    const f = m ? undefined : fnParams.find((d) => d.name === param);
    if (typeof param !== 'string' || (!m && !f)) {
      issues.push({ path: `${path}.receiver_parameter`, node: name, parameter: typeof param === 'string' ? param : undefined, message: `${name} has no parameter ${describeValue(param)} that control can modulate`, expected: `one of ${[...new Set(options)].join(', ')}`, found: describeValue(param) });
      return;
    }
    const base = m ? (spec[param] ?? m.default) : (fnSpec[param] ?? f!.default);
    const modulation = signals[signal]!.modulation;
    if (!isNumeric(base) && modulation !== 'OVERRIDE') {
      issues.push({ path: `${path}.receiver_parameter`, node: name, parameter: param, message: `${name}.${param} has no numeric value for ${modulation} control to modulate`, expected: `a numeric ${param} on ${name}, or modulation OVERRIDE`, found: describeValue(base) });
      return;
    }
    if (out.some((t) => t.node === k && t.param === param && t.signal === signal)) {
      issues.push({ path, node: name, parameter: param, message: `${signals[signal]!.name} controls ${name}.${param} twice` });
      return;
    }
    out.push({ node: k, signal, param, level: m ? 'mechanism' : 'function', base, modulation, path });
  });
  return out;
}

/** The parameter's value under `allocation` of each target (PsyNeuLink's ParameterPort: OVERRIDE wins, else base·Πmult + Σadd). */
function modulated(base: unknown, targets: readonly ControlTarget[], value: (t: ControlTarget) => number): unknown {
  const overrides = targets.filter((t) => t.modulation === 'OVERRIDE');
  if (overrides.length) return value(overrides[overrides.length - 1]!);
  let mult = 1;
  let add = 0;
  for (const t of targets) {
    if (t.modulation === 'MULTIPLICATIVE') mult *= value(t);
    else add += value(t);
  }
  const apply = (x: unknown): unknown => (Array.isArray(x) ? x.map(apply) : (x as number) * mult + add);
  return apply(base);
}

function controlledNode(input: PlanInput, k: number, targets: readonly ControlTarget[], signals: readonly ControlSignalInfo[]): ControlledNode {
  const name = input.nodeNames[k]!;
  const path = jsonPath('nodes', name);
  const baseSpec = input.specs[k]!;
  const decl = mechanismDeclaration(baseSpec.type)!;
  const used = [...new Set(targets.map((t) => t.signal))].sort((a, b) => a - b);
  const cache = new Map<string, MechanismInstance>();
  const groups = [...new Set(targets.map((t) => t.param))].map((param) => targets.filter((t) => t.param === param));
  const valuesAt = (allocations: readonly number[]): unknown[] => {
    const valueOf = (t: ControlTarget) => allocations[used.indexOf(t.signal)]!;
    return groups.map((group) => modulated(group[0]!.base, group, valueOf));
  };
  const instantiate = (values: readonly unknown[], where: string): MechanismInstance => {
    const spec = structuredClone(baseSpec) as NodeSpec;
    groups.forEach((group, i) => {
      const { param, level } = group[0]!;
      if (level === 'mechanism') spec[param] = values[i];
      else spec.function = { ...(isObject(spec.function) ? spec.function : { type: decl.defaultFunction }), [param]: values[i] };
    });
    const layout = new ReplayLayout(input.nodeSlots[k]!);
    try {
      const inst = decl.create(spec, { ...makeBuildEnv(layout, path), node: name });
      layout.finish();
      return inst;
    } catch (e) {
      if (e instanceof ModelError) throw new ModelError(e.issues.map((x) => ({ ...x, message: `${x.message} (with ${where})` })));
      if (e instanceof RangeError) throw new ModelError([{ path: targets[0]!.path, node: name, message: `${name} cannot be controlled this way: with ${where}, ${e.message}` }]);
      throw e;
    }
  };
  const buildWith = (values: readonly unknown[]) => instantiate(values, groups.map((g, i) => `${g[0]!.param} = ${describeValue(values[i])}`).join(', '));
  const variant = (allocations: readonly number[]): MechanismInstance => {
    const key = allocations.join('|');
    let inst = cache.get(key);
    if (!inst) {
      inst = instantiate(valuesAt(allocations), describeAllocation(targets, signals, allocations, used));
      cache.set(key, inst);
    }
    return inst;
  };
  // Build ahead every variant a run can use (each signal's samples and default), so that bad
  // values are reported when the model loads.
  const choices = used.map((s) => allocationChoices(signals[s]!));
  const total = choices.reduce((a, c) => a * c.length, 1);
  if (total <= EAGER_VARIANTS) {
    const issues: ModelIssue[] = [];
    for (const combo of product(choices)) {
      try {
        variant(combo);
      } catch (e) {
        if (!(e instanceof ModelError)) throw e;
        issues.push(...e.issues);
        break;
      }
    }
    if (issues.length) throw new ModelError(issues);
  } else {
    variant(used.map((s) => signals[s]!.defaultAllocation));
  }
  const params = groups.map((g) => ({ param: g[0]!.param, base: g[0]!.base, targets: g.map((t) => ({ signal: t.signal, modulation: t.modulation })) }));
  return { node: k, signals: used, variant, params, valuesAt, buildWith };
}

function describeAllocation(targets: readonly ControlTarget[], signals: readonly ControlSignalInfo[], allocations: readonly number[], used: readonly number[]): string {
  return used.map((s, i) => `${signals[s]!.name} = ${allocations[i]} on ${[...new Set(targets.filter((t) => t.signal === s).map((t) => t.param))].join(', ')}`).join('; ');
}

/** The allocations a control signal can take: its default, then its samples (distinct, in that order). */
export function allocationChoices(signal: ControlSignalInfo): number[] {
  return [...new Set([signal.defaultAllocation, ...signal.samples])];
}

/** itertools.product: every combination, the last list varying fastest. */
export function* product(lists: readonly (readonly number[])[]): Generator<number[]> {
  const n = lists.length;
  if (lists.some((l) => l.length === 0)) return;
  const idx = new Array<number>(n).fill(0);
  for (;;) {
    yield idx.map((i, d) => lists[d]![i]!);
    let d = n - 1;
    while (d >= 0) {
      if (++idx[d]! < lists[d]!.length) break;
      idx[d] = 0;
      d--;
    }
    if (d < 0) return;
  }
}

/** What the controller needs from the execution context it runs in. */
export interface ControllerHost {
  readonly store: ContextStore;
  readonly counters: SchedulerCounters;
  readonly mechanisms: readonly BoundMechanism[];
  readonly external: readonly Value[];
  readonly conditionContext: ConditionContext;
  readonly comp: { readonly scheduler: Scheduler };
  executeStep(nodes: readonly number[]): void;
  beginTrial(): void;
  setInstance(node: number, instance: MechanismInstance): void;
}

/** The controller bound to one execution context. */
export class ControllerRuntime {
  private readonly features: { fn: BoundFunction | null; out: Value; value: Float64Array }[];
  private readonly costs: { intensity: BoundFunction | null; adjustment: BoundFunction | null }[];
  /** Each signal's allocation when the controller execution began (the adjustment cost's reference). */
  private readonly current: Float64Array;
  private readonly grid: BoundFunction;
  /** net_outcome of every simulation (grid order; with num_estimates the seed varies fastest). */
  private readonly values: Float64Array;
  /** With num_estimates: the mean of each allocation's estimates, which GridSearch chooses among. */
  private readonly means: Float64Array | null;
  /** With num_estimates: each node's random streams that the RANDOMIZATION_CONTROL_SIGNAL seeds. */
  private readonly randomStreams: (readonly MT19937[] | undefined)[] = [];
  private readonly chosen: Value = [new Float64Array(1)];
  private readonly costIn: Value = [new Float64Array(1)];
  private readonly costOut: Value = [new Float64Array(1)];
  /** Runs a plain ControlMechanism controller instead of the grid search. */
  private readonly plain: ControlMechanismRuntime | null;

  constructor(
    private readonly host: ControllerHost,
    readonly plan: ControllerPlan,
  ) {
    const store = host.store;
    this.features = plan.features.map((f) => ({
      fn: f.fn ? f.fn.bind(store) : null,
      out: f.fn ? f.fn.outputShape.map((n) => new Float64Array(n)) : [],
      value: new Float64Array(host.external[f.node]![f.port]!.length),
    }));
    const signals = plan.ocm.ocm.signals;
    this.costs = signals.map((s) => ({ intensity: s.intensityCost?.bind(store) ?? null, adjustment: s.adjustmentCost?.bind(store) ?? null }));
    this.current = new Float64Array(signals.length);
    this.grid = plan.ocm.ocm.gridSearch.bind(store);
    this.values = new Float64Array(plan.ocm.ocm.evaluations);
    this.means = plan.randomization ? new Float64Array(plan.ocm.ocm.gridSize) : null;
    for (const r of plan.randomization?.nodes ?? []) this.randomStreams[r.node] = r.streams.map((slot) => store.rng(slot));
    this.plain = isControlMechanismInstance(plan.ocm) ? new ControlMechanismRuntime(host, plan, plan.ocm) : null;
  }

  get mode(): ControllerMode {
    return this.plan.mode;
  }

  /** Whether nodes must call reseed() as they execute (num_estimates is in effect). */
  get randomizes(): boolean {
    return this.plan.randomization !== null;
  }

  /**
   * Before node k executes: its random streams take the RANDOMIZATION_CONTROL_SIGNAL's allocation
   * as their seed, re-created only if it differs from the seed they were made with (PsyNeuLink's
   * seed ParameterPort, updated as the node executes, and `_random_state_getter`).
   */
  reseed(k: number): void {
    const streams = this.randomStreams[k];
    if (!streams) return;
    const seed = this.host.mechanisms[this.plan.index]!.value[this.plan.randomization!.signal]![0]! >>> 0;
    for (const rng of streams) rng.reseedIfChanged(seed);
  }

  /** Makes each controlled node the variant for the allocation stored as the OCM's value. */
  sync(): void {
    if (this.plain) return this.plain.sync();
    const value = this.host.mechanisms[this.plan.index]!.value;
    for (const c of this.plan.controlled) {
      this.host.setInstance(c.node, c.variant(c.signals.map((s) => value[s]![0]!)));
    }
  }

  /** Runs the controller if it runs before trials (call after the trial's resets). */
  beforeTrial(limits: SchedulerLimits): void {
    if (this.plan.mode === 'BEFORE') this.execute(limits, this.host.counters.time[TS.TRIAL]!);
  }

  /** Runs the controller if it runs after trials (call once the trial has ended). */
  afterTrial(limits: SchedulerLimits): void {
    if (this.plan.mode === 'AFTER') this.execute(limits, this.host.counters.time[TS.TRIAL]! - 1);
  }

  /** One controller execution: state features, a simulation per grid point, the choice. */
  execute(limits: SchedulerLimits, trial: number): void {
    if (this.plain) return this.plain.execute();
    const host = this.host;
    const plan = this.plan;
    const signals = plan.ocm.ocm.signals;
    plan.features.forEach((f, i) => {
      const x = this.features[i]!;
      const input = host.external[f.node]![f.port]!;
      if (x.fn) {
        x.fn.execute([input], x.out);
        x.value.set(x.out[0]!);
      } else {
        x.value.set(input);
      }
    });
    const ocm = host.mechanisms[plan.index]!;
    signals.forEach((_, s) => {
      this.current[s] = ocm.portValues[s]![0]![0]!;
    });
    const snapshot = host.store.snapshot();
    let g = 0;
    for (const allocation of product(signals.map((s) => s.samples))) {
      host.store.restore(snapshot);
      this.values[g++] = this.evaluate(allocation, limits, trial);
    }
    host.store.restore(snapshot);
    this.apply(gridPoint(signals, this.choose()));
  }

  /** GridSearch's choice: a grid point (with num_estimates: the chosen allocation's first estimate, seed 1). */
  private choose(): number {
    const means = this.means;
    if (!means) {
      this.grid.execute([this.values], this.chosen);
      return this.chosen[0]![0]!;
    }
    const n = this.plan.randomization!.num;
    for (let g = 0; g < means.length; g++) means[g] = meanOfEstimates(this.values, g * n, n);
    this.grid.execute([means], this.chosen);
    return this.chosen[0]![0]! * n;
  }

  /** net_outcome of one allocation: simulate, read the objective, subtract the costs. */
  private evaluate(allocation: readonly number[], limits: SchedulerLimits, trial: number): number {
    const host = this.host;
    const plan = this.plan;
    this.apply(allocation);
    let cost = 0;
    allocation.forEach((a, s) => {
      const { intensity, adjustment } = this.costs[s]!;
      if (!intensity && !adjustment) return;
      const ic = intensity ? this.costOf(intensity, a) : 0;
      const ac = adjustment ? this.costOf(adjustment, a - this.current[s]!) : 0;
      cost += Math.max(0, ic + ac);
    });
    plan.features.forEach((f, i) => host.external[f.node]![f.port]!.set(this.features[i]!.value));
    host.counters.time[TS.TRIAL] = trial;
    const scheduler = host.comp.scheduler;
    for (let n = 0; n < plan.ocm.ocm.numTrialsPerEstimate; n++) {
      scheduler.runTrial(host.conditionContext, (nodes) => host.executeStep(nodes), limits, () => host.beginTrial());
    }
    return host.mechanisms[plan.objective]!.portValues[0]![0]![0]! - cost;
  }

  private costOf(fn: BoundFunction, x: number): number {
    this.costIn[0]![0] = x;
    fn.execute(this.costIn, this.costOut);
    return this.costOut[0]![0]!;
  }

  /** Writes `allocation` as the OCM's value (and control signals) and switches the controlled nodes. */
  private apply(allocation: readonly number[]): void {
    const ocm = this.host.mechanisms[this.plan.index]!;
    allocation.forEach((a, s) => {
      ocm.value[s]![0] = a;
    });
    ocm.execute([]);
    this.sync();
  }
}

/** The allocation of grid point `g` (itertools.product order). */
function gridPoint(signals: readonly ControlSignalInfo[], g: number): number[] {
  const out = new Array<number>(signals.length);
  for (let s = signals.length - 1; s >= 0; s--) {
    const n = signals[s]!.samples.length;
    out[s] = signals[s]!.samples[g % n]!;
    g = Math.floor(g / n);
  }
  return out;
}
