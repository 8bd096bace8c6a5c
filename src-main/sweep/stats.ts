/**
 * The numbers a sweep reports per grid point: statistics over the run's trials of the output
 * nodes' ports (`NODE[.PORT]:mean|final|std|min|max`), and for DDM nodes `NODE:rt` (mean
 * RESPONSE_TIME) and `NODE:accuracy` (fraction of trials whose DECISION_VARIABLE is positive —
 * the upper threshold, PsyNeuLink's "correct" response).
 */
import type { Composition } from '../engine/composition.js';
import { SweepSpecError, splitNodePrefix } from './spec.js';

export const STAT_KINDS = ['mean', 'final', 'std', 'min', 'max', 'rt', 'accuracy'] as const;
export type StatKind = (typeof STAT_KINDS)[number];

/** One output column: a statistic of one number of the results (its index in a trial's results, flattened). */
export interface StatColumn {
  name: string;
  kind: StatKind;
  index: number;
}

/** One output port as it appears in a trial's results. */
interface PortPlace {
  node: string;
  nodeType: string;
  port: string;
  offset: number;
  length: number;
}

function portPlaces(comp: Composition): PortPlace[] {
  let offset = 0;
  return comp.outputNodes.flatMap((k) =>
    comp.nodes[k]!.outputPorts.map((p) => {
      const length = p.shape.reduce((a, b) => a + b, 0);
      const place = { node: comp.nodeNames[k]!, nodeType: comp.nodes[k]!.type, port: p.name, offset, length };
      offset += length;
      return place;
    }),
  );
}

function columnsOfPort(p: PortPlace, kind: StatKind): StatColumn[] {
  return Array.from({ length: p.length }, (_, i) => ({
    name: `${p.node}.${p.port}${p.length > 1 ? `[${i}]` : ''}:${kind}`,
    kind,
    index: p.offset + i,
  }));
}

/** Default columns: mean and final of every element of every output port. */
export function defaultStats(comp: Composition): StatColumn[] {
  return portPlaces(comp).flatMap((p) => [...columnsOfPort(p, 'mean'), ...columnsOfPort(p, 'final')]);
}

/** Parses `NODE[.PORT]:STAT` against the model's output ports. */
export function parseStat(comp: Composition, arg: string): StatColumn[] {
  const colon = arg.lastIndexOf(':');
  const kind = arg.slice(colon + 1) as StatKind;
  if (colon <= 0 || !STAT_KINDS.includes(kind)) {
    throw new SweepSpecError(`--stat ${JSON.stringify(arg)}: expected NODE[.PORT]:STAT with STAT one of ${STAT_KINDS.join(', ')}`);
  }
  const target = arg.slice(0, colon);
  const places = portPlaces(comp);
  const outputs = [...new Set(places.map((p) => p.node))];
  let node = target;
  let port: string | undefined;
  if (!outputs.includes(target)) {
    const split = splitNodePrefix(target, outputs, '.');
    if (!split) {
      const isNode = comp.nodeNames.includes(target) || comp.nodeNames.some((n) => target.startsWith(n + '.'));
      throw new SweepSpecError(
        `--stat ${JSON.stringify(arg)}: ${isNode ? 'statistics are of output nodes' : 'no node of that name'}; the model's output nodes are ${outputs.join(', ')}`,
      );
    }
    node = split.node;
    port = split.rest;
  }
  const ofNode = places.filter((p) => p.node === node);
  if (kind === 'rt' || kind === 'accuracy') {
    if (ofNode[0]!.nodeType !== 'DDM') throw new SweepSpecError(`--stat ${arg}: ${kind} is a statistic of DDM nodes; ${node} is a ${ofNode[0]!.nodeType}`);
    const want = kind === 'rt' ? 'RESPONSE_TIME' : 'DECISION_VARIABLE';
    const p = ofNode.find((x) => x.port === want);
    if (!p) throw new SweepSpecError(`--stat ${arg}: ${kind} needs ${node}'s ${want} output port, which this model does not declare (its ports are ${ofNode.map((x) => x.port).join(', ')})`);
    return [{ name: `${node}:${kind}`, kind, index: p.offset }];
  }
  const chosen = port === undefined ? ofNode : ofNode.filter((p) => p.port === port);
  if (chosen.length === 0) throw new SweepSpecError(`--stat ${JSON.stringify(arg)}: ${node} has no output port ${JSON.stringify(port)}; its ports are ${ofNode.map((p) => p.port).join(', ')}`);
  return chosen.flatMap((p) => columnsOfPort(p, kind));
}

/** Computes the columns over a run's results (trials × width doubles, ports in order); NaN for a run without trials. */
export function computeStats(flat: { results: Float64Array; width: number }, columns: readonly StatColumn[]): number[] {
  const trials = flat.width > 0 ? Math.floor(flat.results.length / flat.width) : 0;
  return columns.map((c) => {
    const xs = Array.from({ length: trials }, (_, t) => flat.results[t * flat.width + c.index]!);
    if (xs.length === 0) return NaN;
    switch (c.kind) {
      case 'mean':
      case 'rt':
        return mean(xs);
      case 'accuracy':
        return xs.filter((x) => x > 0).length / xs.length;
      case 'final':
        return xs[xs.length - 1]!;
      case 'std': {
        // population standard deviation (numpy's default, ddof = 0)
        const m = mean(xs);
        return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
      }
      case 'min':
        return xs.reduce((a, b) => Math.min(a, b));
      case 'max':
        return xs.reduce((a, b) => Math.max(a, b));
    }
  });
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}
