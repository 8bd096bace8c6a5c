/**
 * Reading a model document (model-format v1) as the editor needs it: node specs, ports with
 * PsyNeuLink's default names, projections, and the studio's layout data under `studio` keys.
 * The document object is never mutated: edits build new objects (see commands.ts).
 */
import type { ModelDocument } from '../../shared/ipc/protocol.js';

export { defaultTrials, inputPortNames, outputPortNames } from '../../shared/ipc/model-view.js';

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

/** Total input size when the file states it (size, or the sum of input port sizes). */
export function inputSize(spec: NodeSpec): number | undefined {
  if (typeof spec.size === 'number') return spec.size;
  if (Array.isArray(spec.input_ports)) {
    const sizes = spec.input_ports.map((p) => p?.size);
    if (sizes.every((s): s is number => typeof s === 'number')) return sizes.reduce((a, b) => a + b, 0);
  }
  return undefined;
}

/** An input node: no (mapping) projection arrives at it, so the run's inputs feed it. */
export function isInputNode(model: ModelDocument, name: string): boolean {
  return !projections(model).some((p) => p.receiver === name && typeof p.receiver_parameter !== 'string');
}

/** Stable id of projection `index` (projections are an ordered list in the file). */
export function projectionId(index: number): string {
  return `projection-${index}`;
}

export function projectionIndex(id: string): number {
  return id.startsWith('projection-') ? Number(id.slice('projection-'.length)) : -1;
}

/** The first `${base}-N` (N = 0, 1, …) that `taken` refuses. */
export function freeName(base: string, taken: (name: string) => boolean): string {
  for (let i = 0; ; i++) if (!taken(`${base}-${i}`)) return `${base}-${i}`;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Mechanism types whose `control_signals` the Inspector edits (an OCM searches its signals' allocation_samples). */
export const CONTROL_TYPES: readonly string[] = ['OptimizationControlMechanism', 'ControlMechanism'];

/** One entry of a control mechanism's `control_signals` (model-format.md, Control). */
export interface ControlSignalSpec {
  name?: string;
  allocation_samples?: unknown;
  default_allocation?: unknown;
  modulation?: string;
  cost_options?: unknown;
  [k: string]: unknown;
}

/** A control mechanism's signals as listed in the file (anything that is not a list reads as none). */
export function controlSignals(spec: NodeSpec | undefined): ControlSignalSpec[] {
  const list = spec?.control_signals;
  return Array.isArray(list) ? list.map((s) => (isObject(s) ? (s as ControlSignalSpec) : {})) : [];
}

/**
 * Whether projection `p` carries the signal named `name` of the controller `ocm` (which has
 * `count` signals): a control projection naming it as its sender_port, or naming none when the
 * controller has a single signal.
 */
export function carriesSignal(p: ProjectionSpec, ocm: string, name: string | undefined, count: number): boolean {
  return p.sender === ocm && typeof p.receiver_parameter === 'string' && (p.sender_port === undefined ? count === 1 : p.sender_port === name);
}

/** The control projections that carry signal `index` of the controller `ocm`, with their indices in projections(). */
export function signalProjections(model: ModelDocument, ocm: string, index: number): { projection: ProjectionSpec; index: number }[] {
  const signals = controlSignals(model.nodes[ocm] as NodeSpec | undefined);
  const name = signals[index]?.name;
  return projections(model)
    .map((projection, i) => ({ projection, index: i }))
    .filter(({ projection }) => carriesSignal(projection, ocm, name, signals.length));
}

