/**
 * Every edit of the model is a Command: a label for the Edit menu and a pure function from one
 * model document to the next. The store keeps the documents before each command, so undo/redo
 * replays exactly; commands never mutate their input.
 */
import type { ModelDocument } from '../../shared/ipc/protocol.js';
import { isObject, projections, type NodeSpec, type Position, type ProjectionSpec } from '../model/document.js';

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
