/**
 * Parameter resolution shared by every component: defaults applied, unknown names and wrong
 * kinds reported together with their JSON paths.
 */
import { IssueList, ModelError, describeValue, jsonPath, type ModelIssue } from '../model/errors.js';
import type { RngSlot } from '../engine/state.js';
import type { BuildEnv, ParamDecl } from './types.js';

export type ResolvedParams = Record<string, unknown>;

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** True for a finite number or a (nested, rectangular or ragged) array of finite numbers. */
export function isNumeric(v: unknown, depth = 0): boolean {
  if (isFiniteNumber(v)) return true;
  if (depth > 3 || !Array.isArray(v) || v.length === 0) return false;
  return v.every((x) => isNumeric(x, depth + 1));
}

export function isMatrix(v: unknown): v is number[][] {
  return (
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((r) => Array.isArray(r) && r.length === (v[0] as unknown[]).length && r.every(isFiniteNumber))
  );
}

function checkKind(decl: ParamDecl, v: unknown): string | null {
  switch (decl.kind) {
    case 'number':
      return isFiniteNumber(v) ? null : 'a finite number';
    case 'integer':
      return Number.isInteger(v) ? null : 'an integer';
    case 'numeric':
      return isNumeric(v) ? null : 'a finite number or an array of finite numbers';
    case 'boolean':
      return typeof v === 'boolean' ? null : 'true or false';
    case 'string':
      return typeof v === 'string' ? null : 'a string';
    case 'enum':
      return typeof v === 'string' && decl.values!.includes(v)
        ? null
        : `one of ${decl.values!.map((x) => JSON.stringify(x)).join(', ')}`;
    case 'matrix':
      if (isFiniteNumber(v) || isMatrix(v)) return null;
      if (typeof v === 'string' && (decl.values ?? []).includes(v)) return null;
      return `a matrix (an array of equal-length rows of numbers)${decl.values?.length ? ', a number, or one of ' + decl.values.join(', ') : ' or a number'}`;
    case 'function':
      return isSpecObject(v) ? null : 'a function object like {"type": "Linear"}';
    case 'noise':
      return isNumeric(v) || isSpecObject(v) ? null : 'a number, an array of numbers, or a distribution like {"type": "NormalDist"}';
    case 'condition':
      return isSpecObject(v) ? null : 'a condition object like {"type": "AtTrialStart"}';
    case 'range':
      return v === null || (Array.isArray(v) && v.length === 2 && v.every((x) => x === null || isFiniteNumber(x)))
        ? null
        : 'null or [low, high]';
  }
}

export function isSpecObject(v: unknown): v is { type: string } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { type?: unknown }).type === 'string';
}

/**
 * Applies `decls` to `spec`: each declared parameter gets its value or PsyNeuLink's default;
 * unknown names and wrong kinds are collected. `ignore` names keys handled by the caller.
 */
export function resolveParams(
  owner: string,
  decls: readonly ParamDecl[],
  spec: Record<string, unknown>,
  path: string,
  ignore: readonly string[] = ['type'],
  node?: string,
): ResolvedParams {
  const issues = new IssueList();
  collectParamIssues(owner, decls, spec, path, issues.issues, ignore, node);
  issues.throwIfAny();
  const out: ResolvedParams = {};
  for (const d of decls) out[d.name] = spec[d.name] !== undefined ? spec[d.name] : structuredClone(d.default);
  return out;
}

export function collectParamIssues(
  owner: string,
  decls: readonly ParamDecl[],
  spec: Record<string, unknown>,
  path: string,
  issues: ModelIssue[],
  ignore: readonly string[] = ['type'],
  node?: string,
): void {
  const known = new Map(decls.map((d) => [d.name, d]));
  for (const key of Object.keys(spec)) {
    if (ignore.includes(key)) continue;
    const decl = known.get(key);
    const p = jsonPath(...splitPath(path), key);
    if (!decl) {
      issues.push({
        path: p,
        node,
        parameter: key,
        message: `${owner} has no parameter ${JSON.stringify(key)}`,
        expected: decls.length ? `one of ${decls.map((d) => d.name).join(', ')}` : 'no parameters',
      });
      continue;
    }
    const v = spec[key];
    if (v === undefined || (v === null && decl.default === undefined)) continue;
    const want = checkKind(decl, v);
    if (want) issues.push({ path: p, node, parameter: key, message: `${owner}.${key} has the wrong type`, expected: want, found: describeValue(v) });
  }
}

/** Splits a dotted/bracketed JSON path back into segments (for re-joining with a key). */
export function splitPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path))) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3]!) as string);
  }
  return out;
}

export function paramError(path: string, message: string, extra: Partial<ModelIssue> = {}): ModelError {
  return new ModelError([{ path, message, ...extra }]);
}

/** A scalar-or-array parameter broadcast to a row of length n (throws on a mismatched length). */
export function broadcastRow(v: unknown, n: number, path: string, what: string): Float64Array {
  const flat = flattenNumbers(v);
  if (flat.length === 1) return new Float64Array(n).fill(flat[0]!);
  if (flat.length === n) return Float64Array.from(flat);
  throw paramError(path, `${what} has ${flat.length} values but the variable has ${n} elements`, {
    expected: `1 or ${n} values`,
    found: describeValue(v),
  });
}

export function flattenNumbers(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.flatMap(flattenNumbers);
  return [];
}

/** A stochastic component's own random stream (`PATH.random_state`), seeded by its `seed` (0 when absent). */
export function ownRandomStream(env: BuildEnv, seed: unknown): RngSlot {
  return env.layout.rng(`${env.path}.random_state`, (seed as number | undefined) ?? 0);
}
