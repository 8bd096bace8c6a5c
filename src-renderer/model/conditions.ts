/**
 * What the conditions editor needs to know about scheduling conditions (model-format.md
 * "Conditions"): the kind of input each argument takes, a valid new condition of a type, the
 * problems of a condition tree (the shared zod schema plus node references), and pure edits of a
 * nested condition at a path. Components stay thin; these functions are unit-tested.
 */
import {
  CONDITION_ARGUMENTS,
  CONDITION_OPTIONAL_ARGUMENTS,
  CONDITION_TYPES,
  ConditionSchema,
  THRESHOLD_COMPARATORS,
  TIME_SCALES,
} from '../../shared/model/schema.js';
import { isObject } from './document.js';

export { CONDITION_TYPES, THRESHOLD_COMPARATORS, TIME_SCALES };

export type Condition = Record<string, unknown> & { type: string };
/** Where a nested condition sits in its root: `['conditions', 0, 'condition']`. */
export type ConditionPath = readonly (string | number)[];

export type ArgKind =
  | 'node' // one node name (a select of existing nodes)
  | 'nodes' // a list of node names (checkboxes)
  | 'count' // a whole number
  | 'number'
  | 'text'
  | 'timeScale'
  | 'comparator'
  | 'boolean'
  | 'indices' // a whole number or a list of them
  | 'condition' // one nested condition
  | 'conditions'; // a list of nested conditions

const KIND_OF: Readonly<Record<string, ArgKind>> = {
  dependency: 'node',
  dependencies: 'nodes',
  n: 'count',
  time_scale: 'timeScale',
  comparator: 'comparator',
  parameter: 'text',
  indices: 'indices',
  threshold: 'number',
  atol: 'number',
  rtol: 'number',
  start: 'number',
  end: 'number',
  repeat: 'number',
  t: 'number',
  start_inclusive: 'boolean',
  end_inclusive: 'boolean',
  inclusive: 'boolean',
  condition: 'condition',
  conditions: 'conditions',
};

export interface ArgInfo {
  name: string;
  kind: ArgKind;
  optional: boolean;
  help: string;
}

const HELP: Readonly<Record<string, string>> = {
  dependency: 'The node this condition watches.',
  dependencies: 'The nodes this condition watches (none ticked: every node, where allowed).',
  n: 'How many (passes, trials or calls).',
  time_scale: 'The time scale the calls are counted in (default: the trial).',
  comparator: 'How the value is compared with the threshold (default <=).',
  parameter: 'The parameter of the dependency compared (default: its value).',
  indices: 'Element(s) of the parameter compared: a whole number or a list, e.g. 0, 1.',
  threshold: 'The value the parameter is compared with.',
  atol: 'Absolute tolerance of the comparison.',
  rtol: 'Relative tolerance of the comparison.',
  start: 'First time (ms) of the interval.',
  end: 'Last time (ms) of the interval.',
  repeat: 'Period (ms) after which the interval repeats.',
  t: 'Time (ms) at which the condition becomes true.',
  start_inclusive: 'Whether the start time is part of the interval.',
  end_inclusive: 'Whether the end time is part of the interval.',
  inclusive: 'Whether time t itself counts.',
};

/** The arguments of a condition type, in the format's order, with their kinds. */
export function conditionArgs(type: string): ArgInfo[] {
  const optional = new Set(CONDITION_OPTIONAL_ARGUMENTS[type] ?? []);
  return (CONDITION_ARGUMENTS[type] ?? []).map((name) => ({ name, kind: KIND_OF[name] ?? 'text', optional: optional.has(name), help: HELP[name] ?? '' }));
}

export function isConditionType(type: string): boolean {
  return (CONDITION_TYPES as readonly string[]).includes(type);
}

/**
 * A valid new condition of `type`: required arguments get a first value (the first node for a
 * dependency, n = 1, an empty list of conditions, Always inside Not/NWhen). Arguments of the
 * condition it replaces are kept where the new type takes them and they still fit.
 */
export function newCondition(type: string, nodes: readonly string[], previous?: unknown): Condition {
  const out: Condition = { type };
  for (const arg of conditionArgs(type)) {
    const old = isObject(previous) ? previous[arg.name] : undefined;
    if (old !== undefined && argProblem(type, arg.name, old) === null) {
      out[arg.name] = old;
      continue;
    }
    if (arg.optional) continue;
    out[arg.name] = firstValue(arg.kind, nodes);
  }
  return out;
}

function firstValue(kind: ArgKind, nodes: readonly string[]): unknown {
  switch (kind) {
    case 'node':
      return nodes[0] ?? '';
    case 'nodes':
      return [];
    case 'count':
      return 1;
    case 'number':
      return 0;
    case 'condition':
      return { type: 'Always' };
    case 'conditions':
      return [];
    default:
      return '';
  }
}

/** Why `value` does not fit argument `arg` of a `type` condition (null: it fits), in plain words. */
export function argProblem(type: string, arg: string, value: unknown): string | null {
  const probe: Record<string, unknown> = { type };
  for (const a of conditionArgs(type)) if (!a.optional) probe[a.name] = firstValue(a.kind, ['X']);
  probe[arg] = value;
  const r = ConditionSchema.safeParse(probe);
  if (r.success) return null;
  const issue = r.error.issues.find((i) => i.path[0] === arg);
  return issue ? plainMessage(issue) : null;
}

interface ZodIssueLike {
  code: string;
  message: string;
  minimum?: unknown;
  expected?: unknown;
  format?: unknown;
  inclusive?: boolean;
}

function plainMessage(issue: ZodIssueLike): string {
  if (issue.code === 'too_small') return `must be at least ${String(issue.minimum)}${issue.inclusive === false ? ' (exclusive)' : ''}`;
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'must be a whole number';
  if (issue.code === 'invalid_type' && issue.expected === 'number') return 'must be a number';
  if (issue.code === 'invalid_format' || (issue.code === 'invalid_type' && issue.format === 'safeint')) return 'must be a whole number';
  return issue.message;
}

export interface ConditionProblem {
  path: ConditionPath;
  message: string;
}

/**
 * What is wrong with a condition tree: the shared schema's issues (with paths relative to the
 * root) and references to nodes the model does not have.
 */
export function conditionProblems(cond: unknown, nodes: readonly string[]): ConditionProblem[] {
  const r = ConditionSchema.safeParse(cond);
  const out: ConditionProblem[] = r.success ? [] : r.error.issues.map((i) => ({ path: i.path as (string | number)[], message: plainMessage(i as ZodIssueLike) }));
  const known = new Set(nodes);
  const walk = (c: unknown, path: (string | number)[]) => {
    if (!isObject(c)) return;
    if (typeof c.dependency === 'string' && c.dependency && !known.has(c.dependency)) out.push({ path: [...path, 'dependency'], message: `there is no node named ${c.dependency}` });
    if (Array.isArray(c.dependencies)) {
      c.dependencies.forEach((d, i) => typeof d === 'string' && !known.has(d) && out.push({ path: [...path, 'dependencies', i], message: `there is no node named ${d}` }));
    }
    if (Array.isArray(c.conditions)) c.conditions.forEach((x, i) => walk(x, [...path, 'conditions', i]));
    if (c.condition !== undefined) walk(c.condition, [...path, 'condition']);
  };
  walk(cond, []);
  return out;
}

/** The condition at `path` inside `root` (undefined when there is none). */
export function conditionAt(root: unknown, path: ConditionPath): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (typeof key === 'number' ? !Array.isArray(cur) : !isObject(cur)) return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

/**
 * A copy of `root` with the value at `path` replaced (undefined removes an object key, or the
 * list item at a numeric last key). Nothing is mutated.
 */
export function replaceAt(root: unknown, path: ConditionPath, value: unknown): unknown {
  if (path.length === 0) return value;
  const [key, ...rest] = path;
  if (typeof key === 'number') {
    const list = Array.isArray(root) ? root : [];
    if (rest.length === 0 && value === undefined) return list.filter((_, i) => i !== key);
    const next = [...list];
    next[key] = replaceAt(list[key], rest, value);
    return next;
  }
  const obj: Record<string, unknown> = isObject(root) ? { ...root } : {};
  const inner = replaceAt(obj[key!], rest, value);
  if (inner === undefined) delete obj[key!];
  else obj[key!] = inner;
  return obj;
}

/** A one-line summary: `EveryNCalls(A, 2)`, `All(AfterNCalls(B, 3), Not(JustRan(C)))`. */
export function describeCondition(cond: unknown): string {
  if (!isObject(cond) || typeof cond.type !== 'string') return '?';
  const parts: string[] = [];
  for (const a of conditionArgs(cond.type)) {
    const v = cond[a.name];
    if (v === undefined) continue;
    if (a.kind === 'conditions') parts.push(...(Array.isArray(v) ? v.map(describeCondition) : []));
    else if (a.kind === 'condition') parts.push(describeCondition(v));
    else if (a.kind === 'node') parts.push(String(v));
    else if (a.kind === 'nodes') parts.push(Array.isArray(v) ? `[${v.join(', ')}]` : String(v));
    else parts.push(a.name === 'n' ? String(v) : `${a.name}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return `${cond.type}(${parts.join(', ')})`;
}
