/**
 * Reading a model document (model-format v1) as the editor needs it: node specs, ports with
 * PsyNeuLink's default names, projections, and the studio's layout data under `studio` keys.
 * The document object is never mutated: edits build new objects (see commands.ts).
 */
import type { ModelDocument } from '../../shared/ipc/protocol.js';

export interface Position {
  x: number;
  y: number;
}

export interface NodeSpec {
  type: string;
  size?: number;
  input_ports?: { name?: string; size?: number }[];
  output_ports?: { name?: string }[];
  function?: { type?: string; [k: string]: unknown };
  studio?: { position?: Position; [k: string]: unknown };
  [k: string]: unknown;
}

export interface ProjectionSpec {
  sender: string;
  receiver: string;
  sender_port?: string;
  receiver_port?: string;
  receiver_parameter?: string;
  matrix?: unknown;
  [k: string]: unknown;
}

export function emptyModel(name = 'untitled'): ModelDocument {
  return { format: 'cogstudio-model', version: 1, name, seed: 0, nodes: {}, projections: [] };
}

export function nodeEntries(model: ModelDocument): [string, NodeSpec][] {
  return Object.entries(model.nodes).filter((e): e is [string, NodeSpec] => isObject(e[1]));
}

export function projections(model: ModelDocument): ProjectionSpec[] {
  const p = (model as { projections?: unknown }).projections;
  return Array.isArray(p) ? p.filter((x): x is ProjectionSpec => isObject(x) && typeof x.sender === 'string' && typeof x.receiver === 'string') : [];
}

export function positionOf(spec: NodeSpec): Position | undefined {
  const p = spec.studio?.position;
  return p && Number.isFinite(p.x) && Number.isFinite(p.y) ? p : undefined;
}

const RESULT_PORT_TYPES = new Set(['TransferMechanism', 'RecurrentTransferMechanism', 'LCAMechanism']);

/** Output port names as the engine names them (model-format.md, "Output ports"). */
export function outputPortNames(spec: NodeSpec): string[] {
  if (Array.isArray(spec.output_ports) && spec.output_ports.length) {
    return spec.output_ports.map((p, i) => (typeof p?.name === 'string' ? p.name : `OutputPort-${i}`));
  }
  if (RESULT_PORT_TYPES.has(spec.type)) return ['RESULT'];
  if (spec.type === 'ObjectiveMechanism') return ['OUTCOME'];
  if (spec.type === 'DDM') return ['DECISION_VARIABLE', 'RESPONSE_TIME'];
  return ['OutputPort-0'];
}

export function inputPortNames(spec: NodeSpec): string[] {
  if (Array.isArray(spec.input_ports) && spec.input_ports.length) {
    return spec.input_ports.map((p, i) => (typeof p?.name === 'string' ? p.name : `InputPort-${i}`));
  }
  return ['InputPort-0'];
}

/** Total input size when the file states it (size, or the sum of input port sizes). */
export function inputSize(spec: NodeSpec): number | undefined {
  if (typeof spec.size === 'number') return spec.size;
  if (Array.isArray(spec.input_ports)) {
    const sizes = spec.input_ports.map((p) => p?.size);
    if (sizes.every((s): s is number => typeof s === 'number')) return sizes.reduce((a, b) => a + b, 0);
  }
  return undefined;
}

/** Default trial count of the model: run.num_trials, else the longest input list. */
export function defaultTrials(model: ModelDocument): number {
  const run = (model as { run?: { num_trials?: unknown; inputs?: unknown } }).run;
  if (typeof run?.num_trials === 'number') return run.num_trials;
  if (isObject(run?.inputs)) {
    const lengths = Object.values(run.inputs).map((v) => (Array.isArray(v) ? v.length : 0));
    if (lengths.length) return Math.max(1, ...lengths);
  }
  return 1;
}

/** Stable id of projection `index` (projections are an ordered list in the file). */
export function projectionId(index: number): string {
  return `projection-${index}`;
}

export function projectionIndex(id: string): number {
  return id.startsWith('projection-') ? Number(id.slice('projection-'.length)) : -1;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
