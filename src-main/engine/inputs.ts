/**
 * Run inputs as the model file writes them — `{ NODE: [trial input, ...] }`, each trial input
 * one array per input port or a flat array for a single port — checked and turned into one
 * Float64Array per port per trial. Fewer trials than requested cycle.
 */
import { ModelError, describeValue, jsonPath, type ModelIssue } from '../model/errors.js';
import type { Composition } from './composition.js';

/** inputs[k][trial][port] for the k-th input node of the composition. */
export interface PreparedInputs {
  nodes: number[];
  trials: Float64Array[][][];
  /** The number of trials the run takes when none is given (the longest input list). */
  defaultTrials: number;
  warnings: string[];
}

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

export function prepareInputs(comp: Composition, inputs: Record<string, unknown>, source = 'run.inputs'): PreparedInputs {
  const issues: ModelIssue[] = [];
  const warnings: string[] = [];
  const index = new Map(comp.nodeNames.map((n, i) => [n, i]));
  for (const name of Object.keys(inputs)) {
    const k = index.get(name);
    if (k === undefined) {
      issues.push({ path: jsonPath(source, name), message: `inputs are given for an unknown node ${JSON.stringify(name)}`, expected: `one of the input nodes ${comp.inputNodes.map((i) => comp.nodeNames[i]).join(', ')}` });
    } else if (!comp.inputNodes.includes(k)) {
      const why = comp.controller?.index === k ? 'is the controller' : 'receives projections';
      issues.push({ path: jsonPath(source, name), node: name, message: `${name} ${why}, so it takes no external input`, expected: `one of the input nodes ${comp.inputNodes.map((i) => comp.nodeNames[i]).join(', ')}` });
    }
  }
  let defaultTrials = 0;
  const trials = comp.inputNodes.map((node) => {
    const name = comp.nodeNames[node]!;
    const ports = comp.nodes[node]!.inputPorts;
    const list = inputs[name];
    if (list === undefined) {
      warnings.push(`no inputs for input node ${name}: it receives zeros`);
      return [ports.map((p) => new Float64Array(p.size))];
    }
    if (!Array.isArray(list) || list.length === 0) {
      issues.push({ path: jsonPath(source, name), node: name, message: `inputs for ${name} must be a non-empty list of trial inputs`, expected: 'an array over trials', found: describeValue(list) });
      return [];
    }
    defaultTrials = Math.max(defaultTrials, list.length);
    return list.map((trial: unknown, t: number) => {
      const path = jsonPath(source, name, t);
      const want = `${ports.length === 1 ? `${ports[0]!.size} numbers` : `${ports.length} arrays of ${ports.map((p) => p.size).join(', ')} numbers`}`;
      let rows: unknown[];
      if (typeof trial === 'number' && ports.length === 1 && ports[0]!.size === 1) rows = [[trial]];
      else if (isNumberArray(trial) && ports.length === 1) rows = [trial];
      else if (Array.isArray(trial) && trial.length === ports.length && trial.every(isNumberArray)) rows = trial;
      else if (Array.isArray(trial) && ports.length === 1 && trial.length === 1 && isNumberArray(trial[0])) rows = trial;
      else {
        issues.push({ path, node: name, message: `trial ${t} input of ${name} has the wrong shape`, expected: want, found: describeValue(trial) });
        return [];
      }
      return rows.map((r, p) => {
        const row = r as number[];
        if (row.length !== ports[p]!.size) {
          issues.push({ path: ports.length === 1 ? path : `${path}[${p}]`, node: name, message: `trial ${t} input of ${name} has ${row.length} numbers but port ${ports[p]!.name} has size ${ports[p]!.size}`, expected: want, found: describeValue(r) });
        }
        return Float64Array.from(row);
      });
    });
  });
  if (issues.length) throw new ModelError(issues);
  return { nodes: [...comp.inputNodes], trials, defaultTrials: defaultTrials || 1, warnings };
}
