/**
 * React Flow's nodes and edges, derived from the model document and the editor's view state.
 * Node objects are reused while their spec, position, selection and size are unchanged, so
 * React Flow re-renders only the nodes that changed. No simulation data goes into node data.
 */
import type { Edge, Node } from '@xyflow/react';
import type { ModelDocument } from '../../shared/ipc/protocol.js';
import {
  inputPortNames,
  inputSize,
  nodeEntries,
  outputPortNames,
  positionOf,
  projectionId,
  projections,
  type NodeSpec,
  type Position,
} from '../model/document.js';
import type { Selection } from './model-store.js';

export interface MechanismNodeData extends Record<string, unknown> {
  name: string;
  mechanismType: string;
  functionType: string | null;
  size: number | null;
  inputPorts: string[];
  outputPorts: string[];
  role: 'input' | 'output' | 'hidden' | 'single';
}

export type MechanismFlowNode = Node<MechanismNodeData, 'mechanism'>;

export interface DerivedFlow {
  nodes: MechanismFlowNode[];
  edges: Edge[];
}

export interface DeriveInput {
  model: ModelDocument;
  selection: Selection;
  dragging: Readonly<Record<string, Position>>;
  measured: Readonly<Record<string, { width: number; height: number }>>;
  /** Nodes named by a validation issue (outlined on the canvas). */
  flagged?: ReadonlySet<string>;
}

const NONE: ReadonlySet<string> = new Set();

/** Where a node without a stored position goes until the layout has run: a simple grid. */
export function fallbackPosition(index: number): Position {
  return { x: (index % 4) * 240, y: Math.floor(index / 4) * 140 };
}

/** Derives one node's data from its spec (memoised per spec object). */
const dataCache = new WeakMap<object, Map<string, MechanismNodeData>>();
function nodeData(name: string, spec: NodeSpec, role: MechanismNodeData['role']): MechanismNodeData {
  let byName = dataCache.get(spec);
  if (!byName) dataCache.set(spec, (byName = new Map()));
  const cached = byName.get(name);
  if (cached && cached.role === role) return cached;
  const data: MechanismNodeData = {
    name,
    mechanismType: spec.type,
    functionType: typeof spec.function?.type === 'string' ? spec.function.type : null,
    size: inputSize(spec) ?? null,
    inputPorts: inputPortNames(spec),
    outputPorts: outputPortNames(spec),
    role,
  };
  byName.set(name, data);
  return data;
}

export function createFlowDeriver(): (input: DeriveInput) => DerivedFlow {
  let previous = new Map<string, MechanismFlowNode>();
  let last: { input: DeriveInput; output: DerivedFlow } | null = null;
  return (input) => {
    if (last && last.input.model === input.model && last.input.selection === input.selection && last.input.dragging === input.dragging && last.input.measured === input.measured && last.input.flagged === input.flagged) {
      return last.output;
    }
    const { model, selection, dragging, measured } = input;
    const flagged = input.flagged ?? NONE;
    const list = projections(model);
    const senders = new Set(list.filter((p) => !p.receiver_parameter).map((p) => p.sender));
    const receivers = new Set(list.filter((p) => !p.receiver_parameter).map((p) => p.receiver));
    const selectedNodes = new Set(selection.nodes);
    const selectedEdges = new Set(selection.edges);
    const next = new Map<string, MechanismFlowNode>();
    const nodes = nodeEntries(model).map(([name, spec], i): MechanismFlowNode => {
      const role = !senders.has(name) && !receivers.has(name) ? 'single' : !receivers.has(name) ? 'input' : !senders.has(name) ? 'output' : 'hidden';
      const data = nodeData(name, spec, role);
      const position = dragging[name] ?? positionOf(spec) ?? fallbackPosition(i);
      const selected = selectedNodes.has(name);
      const size = measured[name];
      const className = flagged.has(name) ? 'has-issue' : undefined;
      const old = previous.get(name);
      if (old && old.data === data && old.position.x === position.x && old.position.y === position.y && old.selected === selected && old.measured === size && old.className === className) {
        next.set(name, old);
        return old;
      }
      const node: MechanismFlowNode = { id: name, type: 'mechanism', position, data, selected, ...(size ? { measured: size } : {}), ...(className ? { className } : {}) };
      next.set(name, node);
      return node;
    });
    previous = next;
    const edges = list.flatMap((p, i): Edge[] => {
      if (!(p.sender in model.nodes) || !(p.receiver in model.nodes)) return [];
      const control = typeof p.receiver_parameter === 'string';
      const senderSpec = model.nodes[p.sender] as NodeSpec;
      const receiverSpec = model.nodes[p.receiver] as NodeSpec;
      const id = projectionId(i);
      return [
        {
          id,
          source: p.sender,
          target: p.receiver,
          sourceHandle: `out:${control ? outputPortNames(senderSpec)[0] : (p.sender_port ?? outputPortNames(senderSpec)[0])}`,
          targetHandle: `in:${control ? inputPortNames(receiverSpec)[0] : (p.receiver_port ?? inputPortNames(receiverSpec)[0])}`,
          selected: selectedEdges.has(id),
          ...(control ? { className: 'control-projection', label: p.receiver_parameter } : { label: matrixLabel(p.matrix) }),
        },
      ];
    });
    const output = { nodes, edges };
    last = { input, output };
    return output;
  };
}

/** A short caption for a projection's matrix: its shape, keyword or scale. */
export function matrixLabel(matrix: unknown): string | undefined {
  if (Array.isArray(matrix)) return `${matrix.length}×${Array.isArray(matrix[0]) ? matrix[0].length : 0}`;
  if (typeof matrix === 'string') return matrix === 'IDENTITY_MATRIX' ? 'identity' : 'full';
  if (typeof matrix === 'number') return `${matrix}·I`;
  return undefined;
}
