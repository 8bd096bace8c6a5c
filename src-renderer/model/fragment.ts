/**
 * Copy/paste of parts of a model. A fragment is model-format JSON holding some nodes, the
 * projections between them and their conditions: `{"format": "cogstudio-fragment", "version": 1,
 * "nodes": {...}, "projections": [...], "conditions": {...}}`. Text pasted from outside (a
 * fragment or a whole model file) is checked with the shared schemas before it touches the model.
 */
import type { ModelDocument } from '../../shared/ipc/protocol.js';
import {
  ConditionSchema,
  MAX_NESTING_DEPTH,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  NodeSpecSchema,
  ProjectionSpecSchema,
  nodeNameProblems,
} from '../../shared/model/schema.js';
import { freeName, isObject, projections, type NodeSpec, type ProjectionSpec } from './document.js';

export const FRAGMENT_FORMAT = 'cogstudio-fragment';

export interface Fragment {
  nodes: Record<string, NodeSpec>;
  projections: ProjectionSpec[];
  conditions: Record<string, unknown>;
}

/** The selected nodes with the projections among them and their conditions. */
export function extractFragment(model: ModelDocument, names: readonly string[]): Fragment {
  const chosen = new Set(names.filter((n) => isObject(model.nodes[n])));
  const nodes = Object.fromEntries(Object.entries(model.nodes).filter(([n]) => chosen.has(n))) as Record<string, NodeSpec>;
  const m = model as Record<string, unknown>;
  const conditions = isObject(m.conditions) ? Object.fromEntries(Object.entries(m.conditions).filter(([n]) => chosen.has(n))) : {};
  return { nodes, projections: projections(model).filter((p) => chosen.has(p.sender) && chosen.has(p.receiver)), conditions };
}

export function fragmentText(fragment: Fragment): string {
  return JSON.stringify({ format: FRAGMENT_FORMAT, version: MODEL_FORMAT_VERSION, ...fragment }, null, 2);
}

/** Where an issue lies, as `.a.b[0]`. */
function where(path: readonly PropertyKey[]): string {
  return path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('');
}

function firstIssue(r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }): string | null {
  const i = r.success ? undefined : r.error?.issues[0];
  return i ? `${where(i.path).replace(/^\./, '')}${i.path.length ? ': ' : ''}${i.message}` : null;
}

/** Whether a parsed JSON value nests deeper than `limit` (checked without recursion: pasted text is untrusted). */
function nestsDeeper(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

export type FragmentResult = { fragment: Fragment } | { error: string };

/**
 * Reads pasted text as a fragment (or a whole model file). Every node, projection and condition
 * is checked; projections must join pasted nodes. The first problems are reported, by name.
 */
export function parseFragment(text: string): FragmentResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { error: 'the pasted text is not CogStudio model JSON (copy nodes in the studio, or paste a model file)' };
  }
  // the schemas recurse into conditions: a hostile depth is refused before they run
  if (nestsDeeper(data, MAX_NESTING_DEPTH)) return { error: `the pasted JSON is nested more than ${MAX_NESTING_DEPTH} levels deep` };
  if (!isObject(data) || !isObject(data.nodes)) return { error: 'the pasted JSON has no "nodes" object, so it is not a model or a fragment of one' };
  if (data.format !== undefined && data.format !== FRAGMENT_FORMAT && data.format !== MODEL_FORMAT) return { error: `the pasted JSON is of format ${JSON.stringify(data.format)}, not ${FRAGMENT_FORMAT} or ${MODEL_FORMAT}` };
  if (data.version !== undefined && data.version !== MODEL_FORMAT_VERSION) return { error: `the pasted JSON is format version ${JSON.stringify(data.version)}; this studio reads version ${MODEL_FORMAT_VERSION}` };
  const errors: string[] = [];
  const names = Object.keys(data.nodes);
  if (names.length === 0) errors.push('the pasted JSON has no nodes');
  for (const [name, spec] of Object.entries(data.nodes)) {
    for (const p of nodeNameProblems(name)) errors.push(`node name ${JSON.stringify(name)}: ${p}`);
    const problem = firstIssue(NodeSpecSchema.safeParse(spec));
    if (problem) errors.push(`node ${name}: ${problem}`);
  }
  const list = data.projections === undefined ? [] : data.projections;
  if (!Array.isArray(list)) errors.push('"projections" must be a list');
  else {
    list.forEach((p, i) => {
      const problem = firstIssue(ProjectionSpecSchema.safeParse(p));
      if (problem) return errors.push(`projection ${i + 1}: ${problem}`);
      const q = p as ProjectionSpec;
      for (const end of [q.sender, q.receiver]) if (!(end in (data.nodes as object))) errors.push(`projection ${i + 1}: ${end} is not one of the pasted nodes`);
    });
  }
  const conditions = data.conditions === undefined ? {} : data.conditions;
  if (!isObject(conditions)) errors.push('"conditions" must be an object keyed by node name');
  else {
    for (const [name, c] of Object.entries(conditions)) {
      if (!(name in data.nodes)) errors.push(`condition of ${name}: ${name} is not one of the pasted nodes`);
      const problem = firstIssue(ConditionSchema.safeParse(c));
      if (problem) errors.push(`condition of ${name}: ${problem}`);
    }
  }
  if (errors.length) return { error: `cannot paste: ${errors.slice(0, 3).join('; ')}${errors.length > 3 ? ` (and ${errors.length - 3} more)` : ''}` };
  return { fragment: { nodes: data.nodes as Record<string, NodeSpec>, projections: list as ProjectionSpec[], conditions: conditions as Record<string, unknown> } };
}

/** Fresh names for pasted nodes: a free name stays, a taken one becomes `BASE-N` (N the first free). */
export function pasteNames(existing: Iterable<string>, names: readonly string[]): Record<string, string> {
  const taken = new Set(existing);
  const out: Record<string, string> = {};
  for (const name of names) {
    const fresh = taken.has(name) ? freeName(name.replace(/-\d+$/, '') || name, (n) => taken.has(n)) : name;
    taken.add(fresh);
    out[name] = fresh;
  }
  return out;
}
