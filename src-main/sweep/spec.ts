/**
 * What a sweep varies and how its grid is laid out: `NODE.PARAM=START:STOP:N` (or a list
 * `NODE.PARAM=v1,v2,…`) parsed and checked against the model, the grid as the cartesian product
 * (last parameter fastest, like itertools.product), and the model with one point's values set.
 */
import { functionDeclaration } from '../components/functions/index.js';
import { mechanismDeclaration } from '../components/mechanisms/index.js';
import type { ParamDecl } from '../components/types.js';
import type { ModelLike } from '../engine/composition.js';
import { MAX_SWEEP_POINTS, SWEEPABLE_PARAM_KINDS, type SweepRange } from '../../shared/ipc/protocol.js';

/** A sweep request the user got wrong (an unknown node, a bad range, …); the message says how to fix it. */
export class SweepSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepSpecError';
  }
}

/** Most points one sweep may have (a limit message beats hours of work started by a typo). */
export { MAX_SWEEP_POINTS };

/** One swept parameter: where it lives in the node spec and the values it takes. */
export interface SweptParam {
  /** `NODE.PARAM`, or `NODE.function.PARAM` when the mechanism has a parameter of the same name. */
  label: string;
  node: string;
  param: string;
  /** On the mechanism itself, or on its `function` object. */
  level: 'mechanism' | 'function';
  values: number[];
}

/** The user's form of a swept parameter, as the studio sends it. */
export type ParamRange = SweepRange;

const SCALAR_KINDS = new Set(SWEEPABLE_PARAM_KINDS);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nodesOf(model: ModelLike): Record<string, Record<string, unknown>> {
  return isObject(model.nodes) ? (model.nodes as Record<string, Record<string, unknown>>) : {};
}

/** Splits `NODE<sep>REST` where NODE is one of the model's node names (names may contain the separator). */
export function splitNodePrefix(text: string, nodeNames: readonly string[], sep: string): { node: string; rest: string } | null {
  const matches = nodeNames.filter((n) => text.startsWith(n + sep)).sort((a, b) => b.length - a.length);
  return matches.length ? { node: matches[0]!, rest: text.slice(matches[0]!.length + sep.length) } : null;
}

/**
 * The parameters of a node a sweep can set to a number: mechanism-level ones, then its
 * function's (a name on both, e.g. a DDM's `seed`, means the mechanism's unless written
 * `NODE.function.PARAM`).
 */
export function sweepableParams(spec: Record<string, unknown>): { name: string; level: 'mechanism' | 'function'; decl: ParamDecl }[] {
  const decl = mechanismDeclaration(spec.type);
  if (!decl) return [];
  const fnType = isObject(spec.function) && typeof spec.function.type === 'string' ? spec.function.type : decl.defaultFunction;
  const fdecl = functionDeclaration(fnType);
  const mech = decl.params.filter((d) => SCALAR_KINDS.has(d.kind)).map((d) => ({ name: d.name, level: 'mechanism' as const, decl: d }));
  const fn = (fdecl?.params ?? []).filter((d) => SCALAR_KINDS.has(d.kind)).map((d) => ({ name: d.name, level: 'function' as const, decl: d }));
  return [...mech, ...fn];
}

/** Evenly spaced values from start to stop inclusive (n = 1: just start). */
export function linspace(start: number, stop: number, n: number): number[] {
  if (n === 1) return [start];
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? stop : start + ((stop - start) * i) / (n - 1)));
}

/** Resolves `NODE.PARAM` against the model, naming the valid nodes/parameters when it does not fit. */
export function resolveTarget(model: ModelLike, target: string): Omit<SweptParam, 'values'> & { decl: ParamDecl } {
  const nodes = nodesOf(model);
  const names = Object.keys(nodes);
  const split = splitNodePrefix(target, names, '.');
  if (!split) {
    const bare = names.includes(target);
    throw new SweepSpecError(
      bare
        ? `"${target}" names a node but no parameter: write NODE.PARAM, e.g. ${target}.${sweepableParams(nodes[target]!)[0]?.name ?? 'PARAM'}`
        : `--param ${JSON.stringify(target)}: no node of that name; the model's nodes are ${names.join(', ')}`,
    );
  }
  const spec = nodes[split.node]!;
  const options = sweepableParams(spec);
  const explicitFn = split.rest.startsWith('function.');
  const name = explicitFn ? split.rest.slice('function.'.length) : split.rest;
  const found = options.find((o) => o.name === name && (!explicitFn || o.level === 'function'));
  if (!found) {
    const decl = mechanismDeclaration(spec.type);
    const other = decl?.params.find((d) => d.name === name);
    const why = other ? ` (${name} is ${/^[aeiou]/.test(other.kind) ? 'an' : 'a'} ${other.kind} parameter, not one a single number can set)` : '';
    const valid = options.map((o) => (options.some((x) => x.name === o.name && x.level !== o.level) && o.level === 'function' ? `function.${o.name}` : o.name));
    throw new SweepSpecError(`${split.node} (${String(spec.type)}) has no parameter ${JSON.stringify(name)} a sweep can set${why}; its sweepable parameters are ${valid.join(', ') || 'none'}`);
  }
  const ambiguous = options.some((o) => o.name === found.name && o.level !== found.level);
  return { label: `${split.node}.${ambiguous && found.level === 'function' ? 'function.' : ''}${found.name}`, node: split.node, param: found.name, level: found.level, decl: found.decl };
}

function parseNumber(text: string, what: string): number {
  const v = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(v)) throw new SweepSpecError(`${what} must be a finite number, not ${JSON.stringify(text)}`);
  return v;
}

/** Checks a range and gives its values. */
export function rangeValues(target: string, start: number, stop: number, n: number): number[] {
  if (!Number.isFinite(start) || !Number.isFinite(stop)) throw new SweepSpecError(`${target}: START and STOP must be finite numbers`);
  if (!Number.isInteger(n) || n < 1 || n > MAX_SWEEP_POINTS) throw new SweepSpecError(`${target}: the number of points N must be a whole number from 1 to ${MAX_SWEEP_POINTS}, not ${n}`);
  return linspace(start, stop, n);
}

/** Parses one `--param` argument: `NODE.PARAM=START:STOP:N` or `NODE.PARAM=v1,v2,…`. */
export function parseParamArg(model: ModelLike, arg: string): SweptParam {
  const eq = arg.lastIndexOf('=');
  if (eq <= 0) throw new SweepSpecError(`--param ${JSON.stringify(arg)}: expected NODE.PARAM=START:STOP:N or NODE.PARAM=v1,v2,...`);
  const target = arg.slice(0, eq);
  const range = arg.slice(eq + 1);
  const where = resolveTarget(model, target);
  let values: number[];
  if (range.includes(':')) {
    const parts = range.split(':');
    if (parts.length !== 3) throw new SweepSpecError(`--param ${target}: the range ${JSON.stringify(range)} must be START:STOP:N`);
    const n = parts[2]!.trim() === '' ? NaN : Number(parts[2]);
    if (!Number.isInteger(n)) throw new SweepSpecError(`${target}: the number of points N must be a whole number, not ${JSON.stringify(parts[2])}`);
    values = rangeValues(target, parseNumber(parts[0]!, `${target} START`), parseNumber(parts[1]!, `${target} STOP`), n);
  } else {
    values = range.split(',').map((s) => parseNumber(s, `${target} value`));
  }
  return checkValues({ ...where, values });
}

/** Resolves a studio-style range. */
export function paramFromRange(model: ModelLike, r: ParamRange): SweptParam {
  return checkValues({ ...resolveTarget(model, r.target), values: rangeValues(r.target, r.start, r.stop, r.n) });
}

function checkValues(p: Omit<SweptParam, 'values'> & { decl: ParamDecl; values: number[] }): SweptParam {
  if (p.decl.kind === 'integer') {
    const bad = p.values.find((v) => !Number.isInteger(v));
    if (bad !== undefined) throw new SweepSpecError(`${p.label} takes whole numbers, but the range gives ${bad}; choose START, STOP and N so every point is a whole number`);
  }
  return { label: p.label, node: p.node, param: p.param, level: p.level, values: p.values };
}

/** Checks the parameter list as a whole and gives the grid size. */
export function checkGrid(params: readonly SweptParam[]): number {
  if (params.length === 0) throw new SweepSpecError('a sweep needs at least one --param NODE.PARAM=START:STOP:N');
  const seen = new Set<string>();
  for (const p of params) {
    if (seen.has(p.label)) throw new SweepSpecError(`${p.label} is swept twice`);
    seen.add(p.label);
  }
  const size = params.reduce((a, p) => a * p.values.length, 1);
  if (size > MAX_SWEEP_POINTS) {
    throw new SweepSpecError(`the grid has ${size} points (${params.map((p) => p.values.length).join(' × ')}), more than the limit of ${MAX_SWEEP_POINTS}; use fewer points per parameter`);
  }
  return size;
}

/** The values of grid point `index` (last parameter varies fastest). */
export function pointValues(params: readonly SweptParam[], index: number): number[] {
  const out = new Array<number>(params.length);
  for (let i = params.length - 1; i >= 0; i--) {
    const n = params[i]!.values.length;
    out[i] = params[i]!.values[index % n]!;
    index = Math.floor(index / n);
  }
  return out;
}

/** A copy of the model with each swept parameter set to its value at this point. */
export function modelAt(model: ModelLike, params: readonly SweptParam[], values: readonly number[]): ModelLike {
  const copy = structuredClone(model);
  const nodes = nodesOf(copy);
  params.forEach((p, i) => {
    const spec = nodes[p.node]!;
    if (p.level === 'mechanism') spec[p.param] = values[i];
    else {
      const decl = mechanismDeclaration(spec.type);
      const fn = isObject(spec.function) ? spec.function : { type: decl!.defaultFunction };
      spec.function = { ...fn, [p.param]: values[i] };
    }
  });
  return copy;
}
