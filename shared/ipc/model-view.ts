/**
 * What both the renderer and the hosts read off a model document without the engine: default
 * port names (as PsyNeuLink names them, model-format.md "Output ports") and the default number
 * of trials.
 */

interface NodeLike {
  type?: unknown;
  input_ports?: unknown;
  output_ports?: unknown;
}

const RESULT_PORT_TYPES = new Set(['TransferMechanism', 'RecurrentTransferMechanism', 'LCAMechanism']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Output port names of a node spec, defaults included. */
export function outputPortNames(spec: NodeLike): string[] {
  if (Array.isArray(spec.output_ports) && spec.output_ports.length) {
    return spec.output_ports.map((p: unknown, i) => (isObject(p) && typeof p.name === 'string' ? p.name : `OutputPort-${i}`));
  }
  if (typeof spec.type === 'string' && RESULT_PORT_TYPES.has(spec.type)) return ['RESULT'];
  if (spec.type === 'ObjectiveMechanism') return ['OUTCOME'];
  if (spec.type === 'DDM') return ['DECISION_VARIABLE', 'RESPONSE_TIME'];
  return ['OutputPort-0'];
}

/** Input port names of a node spec, defaults included. */
export function inputPortNames(spec: NodeLike): string[] {
  if (Array.isArray(spec.input_ports) && spec.input_ports.length) {
    return spec.input_ports.map((p: unknown, i) => (isObject(p) && typeof p.name === 'string' ? p.name : `InputPort-${i}`));
  }
  return ['InputPort-0'];
}

/** Default trial count of a model: run.num_trials, else the longest input list (at least 1). */
export function defaultTrials(model: object): number {
  const run = (model as { run?: unknown }).run;
  if (!isObject(run)) return 1;
  if (typeof run.num_trials === 'number') return run.num_trials;
  if (isObject(run.inputs)) {
    const lengths = Object.values(run.inputs).map((v) => (Array.isArray(v) ? v.length : 0));
    if (lengths.length) return Math.max(1, ...lengths);
  }
  return 1;
}
