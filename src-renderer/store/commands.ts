/**
 * Every edit of the model is a Command: a label for the Edit menu and a pure function from one
 * model document to the next. The store keeps the documents before each command, so undo/redo
 * replays exactly; commands never mutate their input.
 */
import type { ModelDocument } from '../../shared/ipc/protocol.js';
import { carriesSignal, controlSignals, freeName, isObject, projections, type ControlSignalSpec, type NodeSpec, type Position, type ProjectionSpec } from '../model/document.js';
import { pasteNames, type Fragment } from '../model/fragment.js';

export interface Command {
  readonly label: string;
  apply(model: ModelDocument): ModelDocument;
}

function withNodes(model: ModelDocument, nodes: Record<string, unknown>): ModelDocument {
  return { ...model, nodes };
}

function withProjections(model: ModelDocument, list: ProjectionSpec[]): ModelDocument {
  return { ...model, projections: list };
}

/** Moves nodes to new positions (one command per drag, however many nodes moved). */
export function moveNodes(positions: Record<string, Position>): Command {
  const names = Object.keys(positions);
  return {
    label: names.length === 1 ? `Move ${names[0]}` : `Move ${names.length} nodes`,
    apply(model) {
      const nodes = { ...model.nodes };
      for (const [name, pos] of Object.entries(positions)) {
        const spec = nodes[name];
        if (!isObject(spec)) continue;
        const studio = isObject(spec.studio) ? spec.studio : {};
        nodes[name] = { ...spec, studio: { ...studio, position: { x: Math.round(pos.x), y: Math.round(pos.y) } } };
      }
      return withNodes(model, nodes);
    },
  };
}

/** Positions from an automatic layout, applied as one undoable step. */
export function applyLayout(positions: Record<string, Position>): Command {
  return { ...moveNodes(positions), label: 'Auto-layout' };
}

/**
 * Deletes nodes and projections. A deleted node takes with it its projections, its condition,
 * its run inputs and its place in output_nodes, so the model stays consistent.
 */
export function deleteElements(nodeNames: readonly string[], projectionIndices: readonly number[]): Command {
  const gone = new Set(nodeNames);
  const dropped = new Set(projectionIndices);
  const what = [...nodeNames];
  if (projectionIndices.length) what.push(projectionIndices.length === 1 ? 'a projection' : `${projectionIndices.length} projections`);
  return {
    label: `Delete ${what.join(', ')}`,
    apply(model) {
      const nodes = Object.fromEntries(Object.entries(model.nodes).filter(([n]) => !gone.has(n)));
      const kept = projections(model).filter((p, i) => !dropped.has(i) && !gone.has(p.sender) && !gone.has(p.receiver));
      const next: ModelDocument = { ...model, nodes, projections: kept };
      const m = model as Record<string, unknown>;
      if (isObject(m.conditions)) next.conditions = Object.fromEntries(Object.entries(m.conditions).filter(([n]) => !gone.has(n)));
      if (Array.isArray(m.output_nodes)) next.output_nodes = m.output_nodes.filter((n) => !gone.has(n as string));
      if (isObject(m.run) && isObject(m.run.inputs)) {
        next.run = { ...m.run, inputs: Object.fromEntries(Object.entries(m.run.inputs).filter(([n]) => !gone.has(n))) };
      }
      if (typeof m.controller === 'string' && gone.has(m.controller)) delete next.controller;
      return next;
    },
  };
}

/** Adds a mechanism node; the name must be new. */
export function addNode(name: string, spec: NodeSpec, position: Position): Command {
  return {
    label: `Add ${name}`,
    apply(model) {
      if (name in model.nodes) throw new Error(`a node named ${name} already exists`);
      const studio = isObject(spec.studio) ? spec.studio : {};
      return withNodes(model, { ...model.nodes, [name]: { ...spec, studio: { ...studio, position } } });
    },
  };
}

/** Connects two nodes with a MappingProjection (identity or all-ones matrix by default). */
export function connect(projection: ProjectionSpec): Command {
  return {
    label: `Connect ${projection.sender} → ${projection.receiver}`,
    apply: (model) => withProjections(model, [...projections(model), projection]),
  };
}

/** Sets one parameter of a node (undefined removes it, restoring PsyNeuLink's default). */
export function setNodeParameter(node: string, key: string, value: unknown): Command {
  return {
    label: `Set ${node}.${key}`,
    apply(model) {
      const spec = model.nodes[node];
      if (!isObject(spec)) return model;
      const next: Record<string, unknown> = { ...spec };
      if (value === undefined) delete next[key];
      else next[key] = value;
      return withNodes(model, { ...model.nodes, [node]: next });
    },
  };
}

/** The first free name `${base}-N` (N from 0, as PsyNeuLink numbers unnamed mechanisms). */
export function uniqueNodeName(model: ModelDocument, base: string): string {
  return freeName(base, (n) => n in model.nodes);
}

/**
 * Replaces node names in a condition object (its `dependency` and `dependencies` arguments),
 * recursively; `names` maps old names to new ones.
 */
function renameInCondition(cond: unknown, names: Readonly<Record<string, string>>): unknown {
  const ref = (v: unknown) => (typeof v === 'string' && Object.prototype.hasOwnProperty.call(names, v) ? names[v] : v);
  if (Array.isArray(cond)) return cond.map((c) => renameInCondition(c, names));
  if (!isObject(cond)) return cond;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cond)) {
    out[k] = k === 'dependency' ? ref(v) : k === 'dependencies' && Array.isArray(v) ? v.map(ref) : renameInCondition(v, names);
  }
  return out;
}

/**
 * Renames a node, and every reference to it: projections, conditions (keys and dependencies),
 * termination, run inputs, output_nodes, the controller, and an OCM's objective_mechanism,
 * state_features and random_variables. The node keeps its place in the file's node order.
 */
export function renameNode(from: string, to: string): Command {
  return {
    label: `Rename ${from} to ${to}`,
    apply(model) {
      if (from === to) return model;
      if (!to.trim()) throw new Error('a node name cannot be empty');
      if (to.length > 200) throw new Error('a node name has at most 200 characters');
      if (!(from in model.nodes)) throw new Error(`there is no node named ${from}`);
      if (to in model.nodes) throw new Error(`a node named ${to} already exists`);
      const ref = (n: unknown) => (n === from ? to : n);
      const nodes = Object.fromEntries(
        Object.entries(model.nodes).map(([n, spec]) => {
          let s: unknown = spec;
          if (isObject(spec) && (spec.objective_mechanism === from || Array.isArray(spec.state_features) || Array.isArray(spec.random_variables))) {
            const o: Record<string, unknown> = { ...spec };
            if (o.objective_mechanism === from) o.objective_mechanism = to;
            if (Array.isArray(spec.state_features)) o.state_features = spec.state_features.map((f: unknown) => (isObject(f) && f.node === from ? { ...f, node: to } : ref(f)));
            if (Array.isArray(spec.random_variables)) o.random_variables = spec.random_variables.map(ref);
            s = o;
          }
          return [n === from ? to : n, s];
        }),
      );
      const next: ModelDocument = {
        ...model,
        nodes,
        projections: projections(model).map((p) => (p.sender === from || p.receiver === from ? { ...p, sender: ref(p.sender) as string, receiver: ref(p.receiver) as string } : p)),
      };
      const m = model as Record<string, unknown>;
      if (isObject(m.conditions)) next.conditions = Object.fromEntries(Object.entries(m.conditions).map(([n, c]) => [n === from ? to : n, renameInCondition(c, { [from]: to })]));
      if (m.termination !== undefined) next.termination = renameInCondition(m.termination, { [from]: to });
      if (Array.isArray(m.output_nodes)) next.output_nodes = m.output_nodes.map(ref);
      if (m.controller === from) next.controller = to;
      if (isObject(m.run) && isObject(m.run.inputs)) {
        next.run = { ...m.run, inputs: Object.fromEntries(Object.entries(m.run.inputs).map(([n, v]) => [n === from ? to : n, v])) };
      }
      return next;
    },
  };
}

/** Gives a node a function of another type (its old function's parameters go; undefined = the mechanism's default). */
export function setFunctionType(node: string, type: string | undefined): Command {
  return { ...setNodeParameter(node, 'function', type === undefined ? undefined : { type }), label: `Set ${node}.function to ${type ?? 'default'}` };
}

/** Sets one parameter of a node's function (undefined removes it); a node without a function object gets one of `defaultType`. */
export function setFunctionParameter(node: string, defaultType: string, key: string, value: unknown): Command {
  return {
    label: `Set ${node}.function.${key}`,
    apply(model) {
      const spec = model.nodes[node];
      if (!isObject(spec)) return model;
      const fn: Record<string, unknown> = isObject(spec.function) ? { ...spec.function } : { type: defaultType };
      if (value === undefined) delete fn[key];
      else fn[key] = value;
      return withNodes(model, { ...model.nodes, [node]: { ...spec, function: fn } });
    },
  };
}

/** Sets (or, with undefined, removes) the matrix of projection `index`. */
export function setProjectionMatrix(index: number, matrix: unknown): Command {
  return {
    label: 'Set projection matrix',
    apply(model) {
      const list = projections(model);
      const p = list[index];
      if (!p) return model;
      const next: ProjectionSpec = { ...p };
      if (matrix === undefined) delete next.matrix;
      else next.matrix = matrix;
      return withProjections(model, list.map((q, i) => (i === index ? next : q)));
    },
  };
}

/** Sets (or, with undefined, removes) the run inputs of a node: one entry per trial. */
export function setRunInputs(node: string, inputs: unknown[] | undefined): Command {
  return {
    label: `Set inputs of ${node}`,
    apply(model) {
      const m = model as Record<string, unknown>;
      const run = isObject(m.run) ? m.run : {};
      const current = isObject(run.inputs) ? run.inputs : {};
      const next: Record<string, unknown> = { ...current };
      if (inputs === undefined) delete next[node];
      else next[node] = inputs;
      return { ...model, run: { ...run, inputs: next } };
    },
  };
}

/** Sets (or, with undefined, removes) the scheduling condition of a node. */
export function setCondition(node: string, condition: Record<string, unknown> | undefined): Command {
  return {
    label: `Set condition of ${node}`,
    apply(model) {
      const m = model as Record<string, unknown>;
      const next: Record<string, unknown> = { ...(isObject(m.conditions) ? m.conditions : {}) };
      if (condition === undefined) delete next[node];
      else next[node] = condition;
      return { ...model, conditions: next };
    },
  };
}

/** Sets (or, with undefined, removes) the termination condition of a time scale (`trial` or `run`). */
export function setTermination(scale: 'trial' | 'run', condition: Record<string, unknown> | undefined): Command {
  return {
    label: `Set ${scale} termination`,
    apply(model) {
      const m = model as Record<string, unknown>;
      const next: Record<string, unknown> = { ...(isObject(m.termination) ? m.termination : {}) };
      if (condition === undefined) delete next[scale];
      else next[scale] = condition;
      const out: ModelDocument = { ...model, termination: next };
      if (Object.keys(next).length === 0) delete out.termination;
      return out;
    },
  };
}

/** How far each paste moves the copied nodes from where they were (flow units). */
export const PASTE_OFFSET = 40;

/**
 * Adds a copied fragment as new nodes under fresh names (`pasteNames`), moved by `offset`: the
 * projections among them and their conditions come too, renamed to the new nodes. One undo step.
 */
export function pasteFragment(fragment: Fragment, offset: Position): Command {
  const count = Object.keys(fragment.nodes).length;
  return {
    label: count === 1 ? `Paste ${Object.keys(fragment.nodes)[0]}` : `Paste ${count} nodes`,
    apply(model) {
      const names = pasteNames(Object.keys(model.nodes), Object.keys(fragment.nodes));
      const nodes: Record<string, unknown> = { ...model.nodes };
      let i = 0;
      for (const [name, spec] of Object.entries(fragment.nodes)) {
        const studio = isObject(spec.studio) ? spec.studio : {};
        const at = isObject(studio.position) && Number.isFinite(studio.position.x) && Number.isFinite(studio.position.y) ? (studio.position as Position) : { x: 30 * i, y: 30 * i };
        nodes[names[name]!] = { ...spec, studio: { ...studio, position: { x: Math.round(at.x + offset.x), y: Math.round(at.y + offset.y) } } };
        i++;
      }
      const m = model as Record<string, unknown>;
      const next: ModelDocument = {
        ...model,
        nodes,
        projections: [...projections(model), ...fragment.projections.map((p) => ({ ...p, sender: names[p.sender] ?? p.sender, receiver: names[p.receiver] ?? p.receiver }))],
      };
      const conds = Object.entries(fragment.conditions);
      if (conds.length) {
        next.conditions = { ...(isObject(m.conditions) ? m.conditions : {}), ...Object.fromEntries(conds.map(([n, c]) => [names[n] ?? n, renameInCondition(c, names)])) };
      }
      return next;
    },
  };
}

/** `model` with the control signals of `ocm` replaced (the node's other keys kept). */
function withSignals(model: ModelDocument, ocm: string, signals: ControlSignalSpec[]): ModelDocument {
  const spec = model.nodes[ocm];
  return isObject(spec) ? withNodes(model, { ...model.nodes, [ocm]: { ...spec, control_signals: signals } }) : model;
}

/**
 * Changes keys of control signal `index` of `ocm` (an undefined value removes the key). A new
 * name is also given to the control projections that carry the signal (their sender_port).
 */
export function updateControlSignal(ocm: string, index: number, patch: Readonly<Record<string, unknown>>): Command {
  return {
    label: `Edit ${ocm}'s control signal ${index + 1}`,
    apply(model) {
      const signals = controlSignals(model.nodes[ocm] as NodeSpec | undefined);
      const old = signals[index];
      if (!old) return model;
      const next: ControlSignalSpec = { ...old };
      for (const [k, v] of Object.entries(patch)) {
        if (v === undefined) delete next[k];
        else next[k] = v;
      }
      const renamed = typeof patch.name === 'string' && patch.name !== old.name;
      const list = projections(model).map((p) => (renamed && carriesSignal(p, ocm, old.name, signals.length) ? { ...p, sender_port: patch.name as string } : p));
      return withProjections(withSignals(model, ocm, signals.map((s, i) => (i === index ? next : s))), list);
    },
  };
}

/**
 * Adds a control signal to `ocm` under a free name, sampling 1 (an OCM's grid gains nothing until
 * its samples are edited). Projections that named no signal now name the first one, which they
 * carried: with two signals, one without a sender_port would be ambiguous.
 */
export function addControlSignal(ocm: string, withSamples: boolean): Command {
  return {
    label: `Add a control signal to ${ocm}`,
    apply(model) {
      const signals = controlSignals(model.nodes[ocm] as NodeSpec | undefined);
      const name = freeName('signal', (n) => signals.some((s) => s.name === n));
      const first = signals.length === 1 ? signals[0]!.name : undefined;
      const list = projections(model).map((p) => (first !== undefined && p.sender === ocm && typeof p.receiver_parameter === 'string' && p.sender_port === undefined ? { ...p, sender_port: first } : p));
      const added: ControlSignalSpec = withSamples ? { name, allocation_samples: [1] } : { name };
      return withProjections(withSignals(model, ocm, [...signals, added]), list);
    },
  };
}

/** Removes control signal `index` of `ocm` and the control projections that carry it. */
export function removeControlSignal(ocm: string, index: number): Command {
  return {
    label: `Remove ${ocm}'s control signal ${index + 1}`,
    apply(model) {
      const signals = controlSignals(model.nodes[ocm] as NodeSpec | undefined);
      const gone = signals[index];
      if (!gone) return model;
      return withProjections(
        withSignals(model, ocm, signals.filter((_, i) => i !== index)),
        projections(model).filter((p) => !carriesSignal(p, ocm, gone.name, signals.length)),
      );
    },
  };
}

/** A control projection: signal `signal` of `ocm` sets parameter `parameter` of `node`. */
export function addControlTarget(ocm: string, signal: string, node: string, parameter: string): Command {
  return {
    label: `Control ${node}.${parameter} by ${ocm}.${signal}`,
    apply: (model) => withProjections(model, [...projections(model), { sender: ocm, sender_port: signal, receiver: node, receiver_parameter: parameter }]),
  };
}

