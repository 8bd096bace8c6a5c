/**
 * Builds the in-memory Composition from a (structurally valid) model file: seeds, mechanisms,
 * projections with their matrices, the scheduling graph and conditions, the results layout,
 * and the state layout of one context. Every problem found is reported, with its JSON path.
 */
import { mechanismDeclaration, MECHANISMS } from '../components/mechanisms/index.js';
import type { ControlContext } from '../components/mechanisms/ocm-estimates.js';
import { isOcmInstance } from '../components/mechanisms/OptimizationControlMechanism.js';
import type { MechanismInstance } from '../components/mechanisms/types.js';
import { isMatrix } from '../components/params.js';
import { ModelError, describeValue, jsonPath, type ModelIssue } from '../model/errors.js';
import { SchedulerCounters, TIME_SCALES, useablePairs } from '../scheduler/clock.js';
import { compileCondition, type Condition, type ConditionCompiler } from '../scheduler/conditions.js';
import { buildSchedulingGraph } from '../scheduler/graph.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { makeBuildEnv } from './build-env.js';
import { buildControllerPlan, resolveControllerNodes, type ControllerPlan } from './controller.js';
import { assignSeeds } from './seeds.js';
import { ContextStore, StateLayout, type F64Slot, type Slot } from './state.js';

export interface ProjectionInstance {
  sender: number;
  senderPort: number;
  receiver: number;
  receiverPort: number;
  /** [sender size × receiver size]. */
  matrix: Float64Array[];
  /** Index in the model's `projections` list. */
  index: number;
}

export interface CounterSlots {
  countsTotal: F64Slot;
  countsUseable: F64Slot;
  time: F64Slot;
  justRan: F64Slot;
  finished: F64Slot;
  nwhen: F64Slot;
}

export interface Composition {
  readonly name: string;
  readonly nodeNames: readonly string[];
  readonly nodes: readonly MechanismInstance[];
  readonly projections: readonly ProjectionInstance[];
  /** afferents[node][inputPort] = projections into that port. */
  readonly afferents: readonly (readonly ProjectionInstance[])[][];
  readonly inputNodes: readonly number[];
  readonly outputNodes: readonly number[];
  readonly scheduler: Scheduler;
  /** Per node: a condition that resets its stateful functions at trial start, or null. */
  readonly resetConditions: readonly (Condition | null)[];
  readonly layout: StateLayout;
  readonly counterSlots: CounterSlots;
  /** The condition objects in force (explicit or default), for the compiler. */
  readonly conditionSpecs: { nodes: unknown[]; trial: unknown; run: unknown; reset: unknown[] };
  /** variableSlots[node][port]: the node's input, gathered before it executes. */
  readonly variableSlots: readonly (readonly F64Slot[])[];
  /** externalSlots[node][port]: the current trial's external input of an input node (else empty). */
  readonly externalSlots: readonly (readonly F64Slot[])[];
  /** The run section of the file: inputs per input node, and num_trials. */
  readonly run: { inputs: Record<string, unknown>; num_trials?: number };
  /** The controller (an OptimizationControlMechanism, never scheduled as a node), when there is one. */
  readonly controller?: ControllerPlan;
  readonly warnings: readonly string[];
}

export interface ModelLike {
  name?: unknown;
  seed?: unknown;
  nodes?: unknown;
  projections?: unknown;
  conditions?: unknown;
  termination?: unknown;
  controller?: unknown;
  controller_mode?: unknown;
  run?: unknown;
  output_nodes?: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Mechanism types of the format that are refused for now, with why (none at the moment). */
export const UNSUPPORTED_YET: Readonly<Record<string, string>> = {};

/** Largest weight matrix (elements) a model may declare: refused with a message before allocating. */
export const MAX_MATRIX_ELEMENTS = 1 << 25;

export function checkMatrixSize(rows: number, cols: number, path: string, node?: string): void {
  if (rows * cols > MAX_MATRIX_ELEMENTS) {
    throw new ModelError([{ path, node, parameter: 'matrix', message: `a ${rows}×${cols} weight matrix has more than ${MAX_MATRIX_ELEMENTS} weights (the limit); use smaller layers`, expected: `at most ${MAX_MATRIX_ELEMENTS} weights`, found: `${rows * cols}` }]);
  }
}

/** Resolves a projection matrix spec to [rows × cols] rows. */
export function projectionMatrix(spec: unknown, rows: number, cols: number, path: string): Float64Array[] {
  checkMatrixSize(rows, cols, path);
  const fail = (expected: string) =>
    new ModelError([{ path, parameter: 'matrix', message: `the matrix does not fit a ${rows}-element sender and a ${cols}-element receiver`, expected, found: describeValue(spec) }]);
  if (spec === undefined || spec === null) {
    return Array.from({ length: rows }, (_, i) => {
      const r = new Float64Array(cols);
      if (rows === cols) r[i] = 1;
      else r.fill(1);
      return r;
    });
  }
  if (typeof spec === 'number') {
    if (!Number.isFinite(spec)) throw fail('a finite number');
    if (rows !== cols) throw fail(`a ${rows}×${cols} matrix (a number means k × identity, which needs equal sizes)`);
    return Array.from({ length: rows }, (_, i) => {
      const r = new Float64Array(cols);
      r[i] = spec;
      return r;
    });
  }
  if (spec === 'IDENTITY_MATRIX') {
    if (rows !== cols) throw fail(`a ${rows}×${cols} matrix (IDENTITY_MATRIX needs equal sizes)`);
    return projectionMatrix(1, rows, cols, path);
  }
  if (spec === 'FULL_CONNECTIVITY_MATRIX') return Array.from({ length: rows }, () => new Float64Array(cols).fill(1));
  if (spec === 'HOLLOW_MATRIX') {
    if (rows !== cols) throw fail(`a ${rows}×${cols} matrix (HOLLOW_MATRIX needs equal sizes)`);
    return Array.from({ length: rows }, (_, i) => {
      const r = new Float64Array(cols).fill(1);
      r[i] = 0;
      return r;
    });
  }
  if (!isMatrix(spec)) throw fail(`a ${rows}×${cols} array of numbers, a number, or IDENTITY_MATRIX / FULL_CONNECTIVITY_MATRIX / HOLLOW_MATRIX`);
  if (spec.length !== rows || spec[0]!.length !== cols) {
    throw new ModelError([{ path, parameter: 'matrix', message: `the matrix is ${spec.length}×${spec[0]!.length} but the sender has ${rows} elements and the receiver ${cols}`, expected: `shape [${rows} × ${cols}]`, found: `shape [${spec.length} × ${spec[0]!.length}]` }]);
  }
  return spec.map((r) => Float64Array.from(r));
}

function collect<T>(issues: ModelIssue[], f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof ModelError) {
      issues.push(...e.issues);
      return undefined;
    }
    if (e instanceof RangeError) {
      issues.push({ path: '', message: e.message });
      return undefined;
    }
    throw e;
  }
}

/** Size of a sender output port (all rows of its value, flattened). */
function portSize(m: MechanismInstance, port: number): number {
  return m.outputPorts[port]!.shape.reduce((a, b) => a + b, 0);
}

export function buildComposition(model: ModelLike): Composition {
  const issues: ModelIssue[] = [];
  const warnings: string[] = [];
  if (!isObject(model.nodes) || Object.keys(model.nodes).length === 0) {
    throw new ModelError([{ path: 'nodes', message: 'a model needs at least one node', expected: 'an object of named nodes', found: describeValue(model.nodes) }]);
  }
  const topSeed = typeof model.seed === 'number' && Number.isInteger(model.seed) ? model.seed : 0;
  const nodesSpec = assignSeeds(model.nodes, topSeed) as Record<string, Record<string, unknown>>;
  const nodeNames = Object.keys(nodesSpec);
  const index = new Map(nodeNames.map((n, i) => [n, i]));
  const layout = new StateLayout();

  // Mechanisms (ObjectiveMechanisms after the others: their input port sizes follow what they
  // monitor; OptimizationControlMechanisms last: num_estimates randomises the nodes with random streams)
  const nodes: (MechanismInstance | undefined)[] = new Array(nodeNames.length);
  const effectiveSpecs: Record<string, unknown>[] = new Array(nodeNames.length);
  const nodeSlots: Slot[][] = nodeNames.map(() => []);
  const rank = (i: number) => ({ ObjectiveMechanism: 1, OptimizationControlMechanism: 2 })[nodesSpec[nodeNames[i]!]?.type as string] ?? 0;
  const order = nodeNames.map((_, i) => i).sort((a, b) => rank(a) - rank(b));
  const controlContext = (self: string): ControlContext => ({
    nodeNames,
    randomNodes: nodeNames.filter((name, k) => name !== self && nodeSlots[k]!.some((slot) => slot.kind === 'rng')),
  });
  const controlContexts: (ControlContext | undefined)[] = [];
  for (const i of order) {
    const name = nodeNames[i]!;
    let spec = nodesSpec[name]!;
    const path = jsonPath('nodes', name);
    if (!isObject(spec)) {
      issues.push({ path, node: name, message: `node ${name} must be an object with a "type"`, found: describeValue(spec) });
      continue;
    }
    if (typeof spec.type === 'string' && UNSUPPORTED_YET[spec.type]) {
      issues.push({ path: `${path}.type`, node: name, message: `${name}: ${UNSUPPORTED_YET[spec.type]}` });
      continue;
    }
    const decl = mechanismDeclaration(spec.type);
    if (!decl) {
      issues.push({ path: `${path}.type`, node: name, message: `node ${name} has an unknown mechanism type`, expected: `one of ${[...Object.keys(MECHANISMS), ...Object.keys(UNSUPPORTED_YET)].join(', ')}`, found: describeValue(spec.type) });
      continue;
    }
    if (spec.type === 'ObjectiveMechanism') spec = withMonitoredSizes(spec, name, model.projections, index, nodes);
    if (rank(i) === 2) controlContexts[i] = controlContext(name);
    const env = { ...makeBuildEnv(layout, path), node: name, controlContext: controlContexts[i] };
    const s = spec;
    effectiveSpecs[i] = s;
    const before = layout.entries.length;
    const node = collect(issues, () => decl.create(s as never, env));
    nodes[i] = node;
    nodeSlots[i] = layout.entries.slice(before);
    if (node && isOcmInstance(node)) warnings.push(...node.ocm.warnings);
  }
  const ctrl = resolveControllerNodes(model, nodesSpec, index, issues);

  // Projections
  const projections: ProjectionInstance[] = [];
  const projSpecs = model.projections === undefined ? [] : model.projections;
  if (!Array.isArray(projSpecs)) {
    issues.push({ path: 'projections', message: 'projections must be a list', expected: 'an array', found: describeValue(projSpecs) });
  } else {
    projSpecs.forEach((p: unknown, i: number) => {
      const path = `projections[${i}]`;
      if (!isObject(p)) {
        issues.push({ path, message: 'a projection must be an object with sender and receiver', found: describeValue(p) });
        return;
      }
      if (p.receiver_parameter !== undefined) {
        // control projection: resolved with the controller
        if (model.controller === undefined) issues.push({ path: `${path}.receiver_parameter`, message: `projection ${i} is a control projection, but the model has no controller`, expected: 'a top-level "controller" naming an OptimizationControlMechanism' });
        return;
      }
      const s = typeof p.sender === 'string' ? index.get(p.sender) : undefined;
      const r = typeof p.receiver === 'string' ? index.get(p.receiver) : undefined;
      if (s === undefined) issues.push({ path: `${path}.sender`, message: `projection ${i} comes from an unknown node`, expected: `one of ${nodeNames.join(', ')}`, found: describeValue(p.sender) });
      if (r === undefined) issues.push({ path: `${path}.receiver`, message: `projection ${i} goes to an unknown node`, expected: `one of ${nodeNames.join(', ')}`, found: describeValue(p.receiver) });
      if (s === undefined || r === undefined) return;
      const sm = nodes[s];
      const rm = nodes[r];
      if (!sm || !rm) return;
      let sp = 0;
      if (p.sender_port !== undefined) {
        sp = sm.outputPorts.findIndex((x) => x.name === p.sender_port);
        if (sp < 0 && p.sender_port === 'RESULT') sp = 0;
        if (sp < 0) {
          issues.push({ path: `${path}.sender_port`, node: nodeNames[s], message: `${nodeNames[s]} has no output port ${describeValue(p.sender_port)}`, expected: `one of ${sm.outputPorts.map((x) => x.name).join(', ')}`, found: describeValue(p.sender_port) });
          return;
        }
      }
      let rp = 0;
      if (p.receiver_port !== undefined) {
        rp = rm.inputPorts.findIndex((x) => x.name === p.receiver_port);
        if (rp < 0) {
          issues.push({ path: `${path}.receiver_port`, node: nodeNames[r], message: `${nodeNames[r]} has no input port ${describeValue(p.receiver_port)}`, expected: `one of ${rm.inputPorts.map((x) => x.name).join(', ')}`, found: describeValue(p.receiver_port) });
          return;
        }
      }
      const matrix = collect(issues, () => projectionMatrix(p.matrix, portSize(sm, sp), rm.inputPorts[rp]!.size, `${path}.matrix`));
      if (matrix) projections.push({ sender: s, senderPort: sp, receiver: r, receiverPort: rp, matrix, index: i });
    });
  }

  if (issues.length) throw new ModelError(issues);
  const mechs = nodes as MechanismInstance[];
  const n = mechs.length;

  const afferents: ProjectionInstance[][][] = mechs.map((m) => m.inputPorts.map(() => []));
  for (const p of projections) afferents[p.receiver]![p.receiverPort]!.push(p);
  const senders = mechs.map((_, r) => [...new Set(projections.filter((p) => p.receiver === r).map((p) => p.sender))]);
  const graph = buildSchedulingGraph(n, senders);
  // The controller is not a scheduled node: it runs before or after each trial.
  const controllerIndex = ctrl ? ctrl.index : -1;
  const scheduled = mechs.map((_, i) => i).filter((i) => i !== controllerIndex);
  const inputNodes = scheduled.filter((i) => senders[i]!.filter((s) => s !== i).length === 0);

  // Output nodes: no efferents to other nodes, or members of a terminal cycle.
  let outputNodes: number[];
  if (model.output_nodes !== undefined) {
    const list = Array.isArray(model.output_nodes) ? model.output_nodes : [];
    outputNodes = [];
    list.forEach((name, i) => {
      const k = typeof name === 'string' ? index.get(name) : undefined;
      if (k === undefined) issues.push({ path: `output_nodes[${i}]`, message: 'output_nodes names an unknown node', expected: `one of ${nodeNames.join(', ')}`, found: describeValue(name) });
      else outputNodes.push(k);
    });
  } else {
    // projections to the controller's objective mechanism do not count; neither it nor the controller is an output
    const objective = ctrl ? ctrl.objective : -1;
    const counted = projections.filter((p) => p.receiver !== objective);
    const comp = graph.component;
    const projectsOut = (i: number) => counted.some((p) => p.sender === i && p.receiver !== i);
    const inCycle = (i: number) => comp.some((c, j) => j !== i && c === comp[i]);
    const cycleLeaks = (c: number) => counted.some((p) => comp[p.sender] === c && comp[p.receiver] !== c);
    outputNodes = scheduled.filter((i) => i !== objective && (!projectsOut(i) || (inCycle(i) && !cycleLeaks(comp[i]!))));
  }

  // Conditions
  let nwhenCount = 0;
  let timeDependent = false;
  const compiler: ConditionCompiler = {
    node(name, path) {
      const k = typeof name === 'string' ? index.get(name) : undefined;
      if (k === undefined) {
        issues.push({ path, message: 'the condition names an unknown node', expected: `one of ${nodeNames.join(', ')}`, found: describeValue(name) });
        return 0;
      }
      return k;
    },
    allNodes: scheduled,
    allocNWhen: () => nwhenCount++,
    issues,
  };
  const markTime = (spec: unknown) => {
    const s = JSON.stringify(spec ?? null);
    if (/"type":"(AtPass|BeforePass|AfterPass|AfterNPasses|EveryNPasses|AtTrialStart|TimeInterval|TimeTermination)"/.test(s) || /"time_scale":"(TIME_STEP|PASS|CONSIDERATION_SET_EXECUTION)"/.test(s)) timeDependent = true;
  };
  const condSpecs = isObject(model.conditions) ? model.conditions : {};
  if (model.conditions !== undefined && !isObject(model.conditions)) {
    issues.push({ path: 'conditions', message: 'conditions must be an object keyed by node name', found: describeValue(model.conditions) });
  }
  for (const key of Object.keys(condSpecs)) {
    if (!index.has(key)) issues.push({ path: jsonPath('conditions', key), message: `conditions names an unknown node ${JSON.stringify(key)}`, expected: `one of ${nodeNames.join(', ')}` });
  }
  const nodeConditionSpecs: unknown[] = mechs.map((_, i) => {
    const spec = condSpecs[nodeNames[i]!];
    if (spec !== undefined) return spec;
    const parents = graph.parents[i]!;
    if (parents.length === 0) return { type: 'Always' };
    return { type: 'All', conditions: parents.map((p) => ({ type: 'EveryNCalls', dependency: nodeNames[p], n: 1 })) };
  });
  const conditions: Condition[] = nodeConditionSpecs.map((spec, i) => {
    markTime(spec);
    return compileCondition(spec, jsonPath('conditions', nodeNames[i]!), compiler);
  });
  const term = isObject(model.termination) ? model.termination : {};
  if (model.termination !== undefined && !isObject(model.termination)) {
    issues.push({ path: 'termination', message: 'termination must be an object with "trial" and/or "run"', found: describeValue(model.termination) });
  }
  for (const key of Object.keys(term)) {
    if (key !== 'trial' && key !== 'run') issues.push({ path: jsonPath('termination', key), message: `termination has no ${JSON.stringify(key)} (only "trial" and "run")` });
  }
  markTime(term.trial);
  markTime(term.run);
  const trialTermination = term.trial !== undefined ? compileCondition(term.trial, 'termination.trial', compiler) : compileCondition({ type: 'AllHaveRun' }, 'termination.trial', compiler);
  const runTermination = term.run !== undefined ? compileCondition(term.run, 'termination.run', compiler) : null;
  const resetConditions = mechs.map((m, i) => {
    if (m.resetWhen === undefined || m.resetWhen === null) return null;
    markTime(m.resetWhen);
    return compileCondition(m.resetWhen, jsonPath('nodes', nodeNames[i]!, 'reset_stateful_function_when'), compiler);
  });

  // Controller: state features, control projections, variants of the controlled nodes
  let controller: ControllerPlan | undefined;
  if (ctrl && !issues.length) {
    controller = collect(issues, () =>
      buildControllerPlan({ model, nodeNames, index, nodes: mechs, specs: effectiveSpecs, nodeSlots, inputNodes, layout, controller: ctrl }),
    );
  }

  // Run section
  const run = isObject(model.run) ? model.run : {};
  const inputs = isObject(run.inputs) ? run.inputs : {};
  if (issues.length) throw new ModelError(issues);

  const counterSlots: CounterSlots = {
    countsTotal: layout.f64('scheduler.counts_total', new Float64Array(TIME_SCALES.length * n)),
    countsUseable: layout.f64('scheduler.counts_useable', new Float64Array(n * n)),
    time: layout.f64('scheduler.time', new Float64Array(5)),
    justRan: layout.f64('scheduler.just_ran', new Float64Array(n)),
    finished: layout.f64('scheduler.is_finished', new Float64Array(n)),
    nwhen: layout.f64('scheduler.nwhen', new Float64Array(Math.max(1, nwhenCount))),
  };
  const variableSlots = mechs.map((m, k) => m.inputPorts.map((p) => layout.f64(`${nodeNames[k]}.variable.${p.name}`, new Float64Array(p.size))));
  const externalSlots = mechs.map((m, k) => (inputNodes.includes(k) ? m.inputPorts.map((p) => layout.f64(`${nodeNames[k]}.external.${p.name}`, new Float64Array(p.size))) : []));
  const describeTermination = JSON.stringify(term.trial ?? { type: 'AllHaveRun' });
  const queue = graph.queue.map((set) => set.filter((k) => k !== controllerIndex)).filter((set) => set.length > 0);
  const scheduler = new Scheduler(queue, conditions, trialTermination, runTermination, timeDependent, nodeNames, describeTermination);

  computeDefaultValues(mechs, effectiveSpecs, nodeNames, controlContexts);

  return {
    name: typeof model.name === 'string' ? model.name : 'model',
    nodeNames,
    nodes: mechs,
    projections,
    afferents,
    inputNodes,
    outputNodes,
    scheduler,
    resetConditions,
    layout,
    counterSlots,
    conditionSpecs: {
      nodes: nodeConditionSpecs,
      trial: term.trial ?? { type: 'AllHaveRun' },
      run: term.run,
      reset: mechs.map((m) => (m.resetWhen === null ? undefined : m.resetWhen)),
    },
    variableSlots,
    externalSlots,
    run: { inputs, num_trials: typeof run.num_trials === 'number' ? run.num_trials : undefined },
    controller,
    warnings,
  };
}

/** Fills in the size of each ObjectiveMechanism input port from the output port projecting into it. */
function withMonitoredSizes(
  spec: Record<string, unknown>,
  name: string,
  projections: unknown,
  index: Map<string, number>,
  built: (MechanismInstance | undefined)[],
): Record<string, unknown> {
  const ports = Array.isArray(spec.input_ports) ? (spec.input_ports as unknown[]) : null;
  if (!ports || !Array.isArray(projections)) return spec;
  const input_ports = ports.map((port, k) => {
    if (!isObject(port) || port.size !== undefined) return port;
    const proj = projections.find(
      (p) => isObject(p) && p.receiver === name && p.receiver_parameter === undefined && (p.receiver_port === port.name || (p.receiver_port === undefined && k === 0)),
    ) as Record<string, unknown> | undefined;
    const sender = proj && typeof proj.sender === 'string' ? built[index.get(proj.sender) ?? -1] : undefined;
    if (!sender) return port;
    const sp = proj!.sender_port === undefined ? 0 : sender.outputPorts.findIndex((x) => x.name === proj!.sender_port);
    return sp < 0 ? port : { ...port, size: portSize(sender, sp) };
  });
  return { ...spec, input_ports };
}

/**
 * A node's value and port values start as its function applied to a zero input without noise
 * (what PsyNeuLink computes at construction, e.g. Logistic(0) = 0.5): that is what a recurrent
 * projection carries before its sender first runs. Computed on noise-free copies of the nodes
 * in a scratch layout, so no state or random draw of a real context is touched.
 */
function computeDefaultValues(mechs: MechanismInstance[], specs: Record<string, unknown>[], names: string[], controlContexts: readonly (ControlContext | undefined)[]): void {
  const layout = new StateLayout();
  mechs.forEach((m, i) => {
    const decl = mechanismDeclaration(m.type)!;
    const quiet = decl.create(withoutNoise(specs[i]) as never, { ...makeBuildEnv(layout, jsonPath('nodes', names[i]!)), node: names[i]!, controlContext: controlContexts[i] });
    const scratch = new ContextStore(layout);
    const bound = quiet.bind(scratch);
    bound.execute(quiet.inputPorts.map((p) => new Float64Array(p.size)));
    m.valueSlots.forEach((slot, r) => slot.init.set(bound.value[r]!));
    m.outputPorts.forEach((port, k) => port.slot.forEach((slot, r) => slot.init.set(bound.portValues[k]![r]!)));
  });
}

function withoutNoise(v: unknown, depth = 0): unknown {
  if (depth > 64 || typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map((x) => withoutNoise(x, depth + 1));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'noise' ? 0 : withoutNoise(x, depth + 1)]));
}

export function countersFor(comp: Composition, store: ContextStore): SchedulerCounters {
  const s = comp.counterSlots;
  return new SchedulerCounters(comp.nodes.length, s.nwhen.length, {
    countsTotal: store.f64(s.countsTotal),
    countsUseable: store.f64(s.countsUseable),
    time: store.f64(s.time),
    justRan: store.f64(s.justRan),
    finished: store.f64(s.finished),
    nwhen: store.f64(s.nwhen),
  }, useablePairs(comp.conditionSpecs.nodes, comp.nodeNames));
}
