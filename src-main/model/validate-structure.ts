/**
 * Structural validation of a model file: the schema (`shared/model/schema.ts`) plus the checks that
 * need the whole file (projection ends, condition dependencies, input rows, matrix shapes,
 * conditions that wait on each other forever). Every problem is reported, not only the first.
 *
 * The input is untrusted (a parsed file, or an object from the studio): nothing here recurses
 * before the nesting depth is known to be bounded, and nothing throws.
 */
import { z } from 'zod';
import type { $ZodIssue } from 'zod/v4/core';
import {
  ALLOWED_FUNCTION_TYPES,
  CONDITION_ARGUMENTS,
  CONDITION_TYPES,
  CONTROL_MECHANISM_TYPES,
  ConditionSchema,
  DEFAULT_FUNCTION_TYPE,
  FunctionSpecSchema,
  MAX_NESTING_DEPTH,
  MAX_PORT_SIZE,
  MECHANISM_TYPES,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  ModelFileSchema,
  ProjectionSpecSchema,
  RunSpecSchema,
  TRANSFER_FUNCTION_TYPES,
  TRANSFER_MECHANISM_FAMILY,
  TerminationSpecSchema,
  newerVersionMessage,
  nodeNameProblems,
  quoteShort,
  type MechanismType,
} from '../../shared/model/schema.js';
import { describeValue, jsonPath, type ModelIssue } from './errors.js';

type Seg = string | number;
type Obj = Record<string, unknown>;

/** More issues than this are summarised in one last issue. */
export const MAX_REPORTED_ISSUES = 200;
/** Arrays and objects hold at most this many values in all (a bound on work for hostile input). */
const MAX_VALUES = 30_000_000;
/** Arrays longer than this are checked element by element, apart from the rest of the model. */
const LONG_ARRAY = 1_000;
/** Bad trial inputs reported per node before the rest are summarised. */
const MAX_INPUT_ISSUES_PER_NODE = 3;

/** Validates a parsed model file; returns every problem found (empty when the model is valid). */
export function validateStructure(json: unknown): ModelIssue[] {
  if (!isObj(json)) {
    return [
      {
        path: '',
        message: 'a model file is a JSON object',
        expected: `{"format": "${MODEL_FORMAT}", "version": ${MODEL_FORMAT_VERSION}, "nodes": {...}, ...}`,
        found: describeValue(json),
      },
    ];
  }
  const newer = newerVersionIssue(json);
  if (newer) return [newer];

  const scan = scanValues(json);
  if (scan.fatal) return capIssues(scan.issues, scan.uncounted);

  const issues: ModelIssue[] = [...scan.issues];
  const tally = { unlisted: scan.uncounted, exact: true };
  checkSchema(json, scan, { root: json, out: issues, nonFinite: scan.nonFinite, tally });
  issues.push(...new CrossChecker(json, scan.nonFinite).run());
  return capIssues(dedupe(issues), tally.unlisted, tally.exact);
}

interface SchemaContext {
  /** The model the paths start from (for values shown in messages). */
  root: unknown;
  out: ModelIssue[];
  nonFinite: Set<string>;
  /** Issues past the report's limit: how many, and whether that count is complete. */
  tally: { unlisted: number; exact: boolean };
}

/**
 * Runs the schema over the model. Long arrays (long input lists, big matrices) are checked element
 * by element apart from the rest, so that a huge broken file costs the report's worth of work, not
 * a million zod issues: the schema sees a stand-in model whose long arrays keep their first item.
 */
function checkSchema(json: Obj, scan: Scan, cx: SchemaContext): void {
  if (!scan.longArrays.length) {
    schemaIssues(ModelFileSchema, json, [], cx);
    return;
  }
  const standIn = withFirstItemsOnly(json, scan.longArrays);
  schemaIssues(ModelFileSchema, standIn, [], { ...cx, root: standIn });
  for (const path of scan.longArrays) {
    const items = valueAt(json, path) as unknown[];
    const element = elementSchemaAt(path, json);
    if (!element) continue; // free-form data: the schema has nothing to say about it
    const chunk = z.array(element);
    for (let start = 1; start < items.length; start += LONG_ARRAY) {
      if (cx.out.length > MAX_REPORTED_ISSUES) {
        cx.tally.exact = false;
        break;
      }
      const r = chunk.safeParse(items.slice(start, start + LONG_ARRAY), { error: () => GENERIC });
      if (r.success) continue;
      for (const iss of r.error.issues) {
        if (cx.out.length > MAX_REPORTED_ISSUES) cx.tally.unlisted++;
        else {
          const shifted = { ...iss, path: [(iss.path[0] as number) + start, ...iss.path.slice(1)] } as $ZodIssue;
          for (const mapped of mapZodIssue(shifted, json, path)) if (!cx.nonFinite.has(mapped.path)) cx.out.push(mapped);
        }
      }
    }
  }
}

/** A copy of `root` sharing everything but the objects on the way to `paths`, whose arrays keep one item. */
function withFirstItemsOnly(root: Obj, paths: readonly Seg[][]): Obj {
  const copy: Obj = { ...root };
  for (const path of paths) {
    let parent: Obj | unknown[] = copy;
    for (let k = 0; k < path.length; k++) {
      const seg = path[k]!;
      const child: unknown = (parent as Record<Seg, unknown>)[seg];
      const last = k === path.length - 1;
      const next: Obj | unknown[] = last ? (child as unknown[]).slice(0, 1) : Array.isArray(child) ? [...child] : { ...(child as Obj) };
      (parent as Record<Seg, unknown>)[seg] = next;
      parent = next;
    }
  }
  return copy;
}

function unwrapOptional(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
}

/** The option of a union (or the schema itself) that fits a value's kind; undefined when none does. */
function optionFor(schema: z.ZodType, value: unknown): z.ZodType | undefined {
  const s = unwrapOptional(schema);
  if (!(s instanceof z.ZodUnion)) return s;
  const options = (s.options as z.ZodType[]).map(unwrapOptional);
  if (Array.isArray(value)) {
    const arrays = options.filter((o): o is z.ZodArray<z.ZodType> => o instanceof z.ZodArray);
    return arrays.find((o) => value.length === 0 || o.element.safeParse(value[0]).success) ?? arrays[0];
  }
  if (isObj(value)) {
    const objects = options.filter((o): o is z.ZodObject => o instanceof z.ZodObject);
    return objects.find((o) => (o.shape as Record<string, z.ZodType>).type?.safeParse(own(value, 'type')).success) ?? objects[0];
  }
  return undefined;
}

/** The schema of the items of the array at `path`, when the schema describes that array. */
function elementSchemaAt(path: readonly Seg[], root: unknown): z.ZodType | undefined {
  let schema: z.ZodType | undefined = ModelFileSchema;
  let value: unknown = root;
  for (const seg of path) {
    const s: z.ZodType | undefined = optionFor(schema, value);
    if (s instanceof z.ZodObject && typeof seg === 'string') {
      const shape = s.shape as Record<string, z.ZodType>;
      schema = Object.prototype.hasOwnProperty.call(shape, seg) ? shape[seg] : (s.def.catchall as z.ZodType | undefined);
    } else if (s instanceof z.ZodArray && typeof seg === 'number') {
      schema = s.element as z.ZodType;
    } else return undefined;
    if (!schema) return undefined;
    value = valueAt(value, [seg]);
  }
  const array = optionFor(schema, value);
  return array instanceof z.ZodArray ? (array.element as z.ZodType) : undefined;
}

/**
 * Adds the schema's issues about `value` (at `path`) to the report. zod gathers issues with array
 * spreads, which overflow the stack past ~100 000 issues: then the value is checked part by part
 * (losing only the object-level checks of the parts split).
 */
function schemaIssues(schema: z.ZodType, value: unknown, path: Seg[], cx: SchemaContext): void {
  if (cx.out.length > MAX_REPORTED_ISSUES) {
    cx.tally.exact = false; // the report is full: what is left goes unchecked
    return;
  }
  let zodIssues: $ZodIssue[] | undefined;
  try {
    const r = schema.safeParse(value, { error: () => GENERIC });
    zodIssues = r.success ? [] : r.error.issues;
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
  }
  if (zodIssues) {
    for (const iss of zodIssues) {
      if (cx.out.length > MAX_REPORTED_ISSUES) cx.tally.unlisted++;
      else for (const mapped of mapZodIssue(iss, cx.root, path)) if (!cx.nonFinite.has(mapped.path)) cx.out.push(mapped);
    }
    return;
  }
  const inner = unwrapOptional(schema);
  if (inner instanceof z.ZodArray && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) schemaIssues(inner.element as z.ZodType, value[i], [...path, i], cx);
    return;
  }
  if (inner instanceof z.ZodObject && isObj(value)) {
    const shape = inner.shape as Record<string, z.ZodType>;
    const catchall = inner.def.catchall as z.ZodType | undefined;
    for (const key of Object.keys(value)) {
      const sub = Object.prototype.hasOwnProperty.call(shape, key) ? shape[key] : catchall;
      if (sub) schemaIssues(sub, value[key], [...path, key], cx);
    }
    return;
  }
  cx.out.push(issue(path, `${subjectOf(path, cx.root)} has too many problems to list`, { found: describeValue(value) }));
}

function newerVersionIssue(json: Obj): ModelIssue | undefined {
  const v = own(json, 'version');
  const format = own(json, 'format');
  if (typeof v === 'number' && Number.isInteger(v) && v > MODEL_FORMAT_VERSION && (format === undefined || format === MODEL_FORMAT)) {
    return { path: 'version', message: newerVersionMessage(v), expected: `version ${MODEL_FORMAT_VERSION}`, found: String(v) };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function own(o: unknown, key: string): unknown {
  return isObj(o) && Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A JSON path with over-long keys cut (a hostile 1 MB node name must not become a 1 MB message). */
export function pathText(segs: readonly Seg[]): string {
  return jsonPath(...segs.map((s) => (typeof s === 'string' && s.length > 64 ? s.slice(0, 61) + '...' : s)));
}

/** A name quoted for a message: escaped and cut. */
function q(name: unknown): string {
  return typeof name === 'string' ? describeValue(name) : quoteShort(name);
}

function valueAt(root: unknown, segs: readonly Seg[]): unknown {
  let v = root;
  for (const s of segs) {
    if (Array.isArray(v) && typeof s === 'number') v = v[s];
    else if (isObj(v) && typeof s === 'string') v = own(v, s);
    else return undefined;
  }
  return v;
}

function hasKeyAt(root: unknown, segs: readonly Seg[]): boolean {
  if (segs.length === 0) return true;
  const parent = valueAt(root, segs.slice(0, -1));
  const last = segs[segs.length - 1]!;
  if (Array.isArray(parent)) return typeof last === 'number' && last < parent.length;
  return isObj(parent) && typeof last === 'string' && Object.prototype.hasOwnProperty.call(parent, last);
}

function validSize(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_PORT_SIZE ? v : undefined;
}

/** `1 value`, `3 values`. */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function listNames(names: readonly string[], max = 12): string {
  const shown = names.slice(0, max).map(q).join(', ');
  return names.length > max ? `${shown}, … (${names.length} in all)` : shown;
}

function dedupe(issues: ModelIssue[]): ModelIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function capIssues(issues: ModelIssue[], uncounted = 0, exact = true): ModelIssue[] {
  if (issues.length <= MAX_REPORTED_ISSUES && uncounted === 0 && exact) return issues;
  const kept = issues.slice(0, MAX_REPORTED_ISSUES - 1);
  const more = issues.length - kept.length + uncounted;
  kept.push({ path: '', message: `… and ${exact ? `${more} more` : 'more'} problems (fix the ones above first)` });
  return kept;
}

// ---------------------------------------------------------------------------------------------
// Pre-pass: depth, size and JSON-ness of every value, without recursion.

/**
 * Problems that would keep a value from being written as JSON and read back equal: NaN/±Infinity,
 * non-JSON values (functions, typed arrays, ...), nesting too deep or circular, too many values.
 */
export function representabilityIssues(value: unknown): ModelIssue[] {
  if (!isObj(value)) return validateStructure(value);
  return scanValues(value).issues;
}

interface Scan {
  issues: ModelIssue[];
  /** Paths of NaN/±Infinity values (the schema would report them again). */
  nonFinite: Set<string>;
  /** Too deep, too large or unreadable: the schema must not walk it. */
  fatal: boolean;
  /** Problems counted but not described (past the report's limit). */
  uncounted: number;
  /** Paths of arrays longer than LONG_ARRAY (none inside another). */
  longArrays: Seg[][];
}

function scanValues(root: Obj): Scan {
  const issues: ModelIssue[] = [];
  const nonFinite = new Set<string>();
  let fatal = false;
  let count = 0;
  let uncounted = 0;
  const longArrays: Seg[][] = [];
  const longArrayPaths = new Set<string>();
  const stack: { value: object; path: Seg[] }[] = [{ value: root, path: [] }];

  /** Checks a value that is not an array or object; false for those. `at` builds its path (only on a problem). */
  const leaf = (v: unknown, at: () => Seg[], inArray: boolean): boolean => {
    switch (typeof v) {
      case 'number':
        if (!Number.isFinite(v)) {
          if (issues.length >= MAX_REPORTED_ISSUES) {
            uncounted++;
            return true;
          }
          const path = at();
          const p = pathText(path);
          nonFinite.add(p);
          issues.push({
            path: p,
            message: `${subjectOf(path, root)} is ${describeValue(v)}; a model holds finite numbers only`,
            expected: 'a finite number',
            found: describeValue(v),
            ...nodeAndParameter(path),
          });
        }
        return true;
      case 'string':
      case 'boolean':
        return true;
      case 'undefined':
        // An undefined property is an absent one; an undefined array item has no JSON form.
        if (inArray) issues.push({ path: pathText(at()), message: `${subjectOf(at(), root)} is missing (an empty array slot)`, expected: 'a JSON value' });
        return true;
      case 'object':
        return v === null;
      default:
        issues.push({ path: pathText(at()), message: `${subjectOf(at(), root)} is a ${typeof v}, which a model file cannot hold`, expected: 'a JSON value' });
        return true;
    }
  };

  try {
    while (stack.length && !fatal) {
      const { value, path } = stack.pop()!;
      if (path.length > MAX_NESTING_DEPTH) {
        issues.push({
          path: pathText(path.slice(0, MAX_NESTING_DEPTH)),
          message: `the model is nested more than ${MAX_NESTING_DEPTH} levels deep here (or contains itself)`,
          expected: `at most ${MAX_NESTING_DEPTH} levels of arrays and objects`,
        });
        fatal = true;
        break;
      }
      if (Array.isArray(value)) {
        count += value.length;
        if (count > MAX_VALUES) break;
        if (value.length > LONG_ARRAY && !path.some((_, k) => longArrayPaths.has(pathText(path.slice(0, k))))) {
          longArrays.push(path);
          longArrayPaths.add(pathText(path));
        }
        for (let i = 0; i < value.length; i++) {
          const v: unknown = value[i];
          if (!leaf(v, () => [...path, i], true)) stack.push({ value: v as object, path: [...path, i] });
        }
        continue;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        const kind = (value as { constructor?: { name?: unknown } }).constructor?.name;
        issues.push({
          path: pathText(path),
          message: `${subjectOf(path, root)} is ${typeof kind === 'string' ? `a ${kind}` : 'not plain data'}; a model holds plain JSON values (use an array or object)`,
          expected: 'a JSON value',
        });
        continue;
      }
      const keys = Object.keys(value);
      count += keys.length;
      if (count > MAX_VALUES) break;
      for (const k of keys) {
        const v: unknown = (value as Obj)[k];
        if (!leaf(v, () => [...path, k], false)) stack.push({ value: v as object, path: [...path, k] });
      }
    }
  } catch (e) {
    issues.push({ path: '', message: `the model could not be read: ${e instanceof Error ? e.message : quoteShort(e)}` });
    fatal = true;
  }
  if (count > MAX_VALUES) {
    issues.push({ path: '', message: `the model holds more than ${MAX_VALUES.toLocaleString('en-US')} values; it is too large to open` });
    fatal = true;
  }
  return { issues, nonFinite, fatal, uncounted, longArrays };
}

// ---------------------------------------------------------------------------------------------
// Zod issues → issues in the modeller's words.

/** Messages zod would write itself are replaced by this marker, then written here from the path. */
const GENERIC = '\u0000generic';

/** Names the thing at a path: `node "HIDDEN": function.gain`, `projection 2 (A → B)`, ... */
function subjectOf(segs: readonly Seg[], root: unknown): string {
  const [a, b, c, ...rest] = segs;
  const tail = (from: number) => (segs.length > from ? `: ${pathText(segs.slice(from))}` : '');
  if (a === 'nodes' && typeof b === 'string') return `node ${q(b)}${tail(2)}`;
  if (a === 'projections' && typeof b === 'number') {
    const p = valueAt(root, ['projections', b]);
    const s = str(own(p, 'sender'));
    const r = str(own(p, 'receiver'));
    const ends = s !== undefined && r !== undefined ? ` (${q(s)} → ${q(r)})` : '';
    return `projection ${b}${ends}${tail(2)}`;
  }
  if (a === 'conditions' && typeof b === 'string') return `the condition of node ${q(b)}${tail(2)}`;
  if (a === 'termination' && (b === 'trial' || b === 'run')) return `the ${b} termination condition${tail(2)}`;
  if (a === 'run' && b === 'inputs' && typeof c === 'string') {
    if (typeof rest[0] === 'number') {
      const [, x, y] = rest;
      const where = typeof x === 'number' ? (typeof y === 'number' ? `, port ${x}, value ${y}` : `, value ${x}`) : '';
      return `the input of node ${q(c)} for trial ${rest[0]}${where || tail(4)}`;
    }
    return `the inputs of node ${q(c)}${tail(3)}`;
  }
  return segs.length ? pathText(segs) : 'the model';
}

function nodeAndParameter(segs: readonly Seg[]): Pick<ModelIssue, 'node' | 'parameter'> {
  const [a, b, c] = segs;
  if (a === 'nodes' && typeof b === 'string') return segs.length > 2 ? { node: b, parameter: pathText(segs.slice(2)) } : { node: b };
  if ((a === 'conditions' && typeof b === 'string') || (a === 'run' && b === 'inputs' && typeof c === 'string')) {
    return { node: a === 'conditions' ? b : (c as string) };
  }
  return {};
}

const EXPECTED_TYPES: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  tuple: 'an array',
  record: 'an object',
  null: 'null',
};

function issue(segs: readonly Seg[], message: string, extra: Partial<ModelIssue> = {}): ModelIssue {
  return { path: pathText(segs), message, ...nodeAndParameter(segs), ...extra };
}

/** `node "A": size: …`; a plain path is left out (the issue's path already says it). */
function withSubject(subject: string, segs: readonly Seg[], message: string): string {
  return subject === pathText(segs) ? message : `${subject}: ${message}`;
}

function mapZodIssue(iss: $ZodIssue, root: unknown, base: readonly Seg[]): ModelIssue[] {
  const segs: Seg[] = [...base, ...iss.path.map((s) => (typeof s === 'symbol' ? String(s) : s))];
  const value = valueAt(root, segs);
  const custom = iss.message !== GENERIC ? iss.message : undefined;
  const subject = subjectOf(segs, root);
  const found = describeValue(value);
  switch (iss.code) {
    case 'invalid_type': {
      const expected = EXPECTED_TYPES[iss.expected] ?? iss.expected;
      if (value === undefined && !hasKeyAt(root, segs)) {
        return [issue(segs, custom ?? `${subject} is missing`, { expected })];
      }
      return [issue(segs, custom ? withSubject(subject, segs, custom) : `${subject} must be ${expected}`, { expected, found })];
    }
    case 'too_big':
    case 'too_small': {
      const bound = iss.code === 'too_big' ? `at most ${iss.maximum}` : `at least ${iss.minimum}`;
      const unit = iss.origin === 'string' ? ' characters' : iss.origin === 'array' || iss.origin === 'set' ? ' items' : '';
      const expected = unit ? `${bound}${unit}` : `a number ${bound}`;
      const generic = unit ? `${subject} must have ${bound}${unit}` : `${subject} must be ${bound}`;
      const shown = iss.origin === 'string' && typeof value === 'string' ? `${value.length} characters` : iss.origin === 'array' && Array.isArray(value) ? `${value.length} items` : found;
      return [issue(segs, custom ? withSubject(subject, segs, custom) : generic, { expected, found: shown })];
    }
    case 'invalid_value': {
      const expected = iss.values.length === 1 ? JSON.stringify(iss.values[0]) : `one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`;
      return [issue(segs, custom ? withSubject(subject, segs, custom) : `${subject} must be ${expected}`, { expected, found })];
    }
    case 'unrecognized_keys':
      return iss.keys.map((key) => {
        const allowed = allowedKeysAt(segs, root);
        return issue([...segs, key], `${subject} has an unknown key ${q(key)}`, {
          expected: allowed ? (allowed.length ? `one of ${allowed.join(', ')}` : 'no arguments') : undefined,
        });
      });
    case 'invalid_union': {
      if ('discriminator' in iss && iss.discriminator) {
        return [
          issue(segs, `${subjectOf(segs.slice(0, -1), root)}: ${custom ?? 'unknown condition type'}`, {
            expected: `one of ${CONDITION_TYPES.join(', ')}`,
            found,
          }),
        ];
      }
      const branch = closestBranch(iss.errors);
      if (branch) return branch.slice(0, MAX_REPORTED_ISSUES).flatMap((i) => mapZodIssue(i, root, segs));
      return [issue(segs, custom ? withSubject(subject, segs, custom) : `${subject} has the wrong form`, { found })];
    }
    default: {
      const nodeName = segs.length === 2 && segs[0] === 'nodes' ? q(segs[1]) : undefined;
      return [issue(segs, custom ? withSubject(subject, segs, custom) : `${subject} is not valid`, { found: nodeName ?? found })];
    }
  }
}

/** Of a union's failed options, the one that matched the value's outer form and got furthest, if any. */
function closestBranch(branches: $ZodIssue[][]): $ZodIssue[] | undefined {
  let best: $ZodIssue[] | undefined;
  let bestDepth = 0;
  for (const b of branches) {
    if (!b.length || b.some((i) => i.path.length === 0)) continue;
    let depth = 0;
    for (const i of b) depth = Math.max(depth, i.path.length);
    if (!best || depth > bestDepth || (depth === bestDepth && b.length < best.length)) {
      best = b;
      bestDepth = depth;
    }
  }
  return best;
}

function shapeKeys(schema: { shape: object }): string[] {
  return Object.keys(schema.shape);
}

/** Keys an object at this path may have, for strict objects. */
function allowedKeysAt(segs: readonly Seg[], root: unknown): string[] | undefined {
  const v = valueAt(root, segs);
  const type = str(own(v, 'type'));
  if (segs.length === 0) return shapeKeys(ModelFileSchema);
  if (segs.length === 2 && segs[0] === 'projections') return shapeKeys(ProjectionSpecSchema);
  if (segs.length === 1 && segs[0] === 'run') return shapeKeys(RunSpecSchema);
  if (segs.length === 1 && segs[0] === 'termination') return shapeKeys(TerminationSpecSchema);
  if (segs.includes('state_features')) return ['node', 'port'];
  if (type !== undefined && Object.prototype.hasOwnProperty.call(CONDITION_ARGUMENTS, type)) return [...CONDITION_ARGUMENTS[type]!];
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Checks that need the whole file.

interface InputPorts {
  /** Port names, or undefined when the node declares no `input_ports` (then only sizes are known). */
  names?: string[];
  /** Size of each port, undefined where not given. */
  sizes: (number | undefined)[];
}

interface DepRef {
  name: string;
  segs: Seg[];
}

class CrossChecker {
  private readonly issues: ModelIssue[] = [];
  private readonly nodes = new Map<string, Obj>();
  private readonly nodeNames: string[];
  /** Senders of each node's afferent data projections (control and self projections excluded). */
  private readonly afferents = new Map<string, string[]>();
  private readonly afferentSets = new Map<string, Set<string>>();

  constructor(
    private readonly root: Obj,
    private readonly nonFinite: Set<string>,
  ) {
    const nodes = own(root, 'nodes');
    this.nodeNames = isObj(nodes) ? Object.keys(nodes) : [];
    for (const name of this.nodeNames) {
      const spec = own(nodes, name);
      this.nodes.set(name, isObj(spec) ? spec : {});
    }
    for (const p of this.projections()) {
      const s = str(own(p.spec, 'sender'));
      const r = str(own(p.spec, 'receiver'));
      if (s === undefined || r === undefined || s === r || !this.nodes.has(s) || !this.nodes.has(r)) continue;
      if (own(p.spec, 'receiver_parameter') !== undefined) continue;
      const seen = this.afferentSets.get(r) ?? new Set<string>();
      if (seen.has(s)) continue;
      seen.add(s);
      this.afferentSets.set(r, seen);
      const list = this.afferents.get(r);
      if (list) list.push(s);
      else this.afferents.set(r, [s]);
    }
  }

  run(): ModelIssue[] {
    for (const name of this.nodeNames) this.checkNode(name);
    this.checkProjections();
    this.checkConditions();
    this.checkInputs();
    this.checkController();
    this.checkOutputNodes();
    this.checkConditionCycles();
    return this.issues;
  }

  private add(segs: readonly Seg[], message: string, extra: Partial<ModelIssue> = {}): void {
    this.issues.push(issue(segs, message, extra));
  }

  private projections(): { spec: Obj; index: number }[] {
    const list = own(this.root, 'projections');
    if (!Array.isArray(list)) return [];
    const out: { spec: Obj; index: number }[] = [];
    list.forEach((spec: unknown, index) => {
      if (isObj(spec)) out.push({ spec, index });
    });
    return out;
  }

  /** The node's mechanism type when it is a known one (names from the file never index a table otherwise). */
  private type(name: string): MechanismType | undefined {
    const t = own(this.nodes.get(name), 'type');
    return (MECHANISM_TYPES as readonly unknown[]).includes(t) ? (t as MechanismType) : undefined;
  }

  private inputPorts(name: string): InputPorts | undefined {
    const node = this.nodes.get(name);
    const size = validSize(own(node, 'size'));
    const ports = own(node, 'input_ports');
    if (Array.isArray(ports) && ports.length) {
      return {
        names: ports.map((p: unknown, i) => str(own(p, 'name')) ?? `InputPort-${i}`),
        sizes: ports.map((p: unknown) => validSize(own(p, 'size')) ?? (ports.length === 1 ? size : undefined)),
      };
    }
    return size !== undefined ? { sizes: [size] } : undefined;
  }

  private outputPortNames(name: string): string[] | undefined {
    const ports = own(this.nodes.get(name), 'output_ports');
    if (!Array.isArray(ports)) return undefined;
    return ports.map((p: unknown, i) => str(own(p, 'name')) ?? `OutputPort-${i}`);
  }

  private controlSignalNames(name: string): string[] | undefined {
    const signals = own(this.nodes.get(name), 'control_signals');
    if (!Array.isArray(signals)) return undefined;
    return signals.map((s: unknown) => str(own(s, 'name'))).filter((s): s is string => s !== undefined);
  }

  private expectNode(): string {
    return this.nodeNames.length === 0
      ? 'the name of a node (the model has none yet)'
      : this.nodeNames.length <= 12
        ? `one of ${listNames(this.nodeNames)}`
        : `the name of one of the ${this.nodeNames.length} nodes`;
  }

  /** Reports `ref` when it is a string that names no node; returns whether it names one. */
  private refersToNode(ref: unknown, segs: readonly Seg[], what: string): boolean {
    if (typeof ref !== 'string' || ref === '') return false;
    if (this.nodes.has(ref)) return true;
    this.add(segs, `${what} names ${q(ref)}, but there is no node of that name`, { expected: this.expectNode(), found: q(ref) });
    return false;
  }

  // --- nodes

  private checkNode(name: string): void {
    const node = this.nodes.get(name)!;
    const at = (...rest: Seg[]): Seg[] => ['nodes', name, ...rest];
    // The schema checks names only when all else is valid (zod skips refinements after issues).
    for (const message of nodeNameProblems(name)) this.add(at(), withSubject(subjectOf(at(), this.root), at(), message), { found: q(name) });
    const type = this.type(name);
    const size = own(node, 'size');
    const ports = own(node, 'input_ports');
    if (validSize(size) !== undefined && Array.isArray(ports)) {
      const portSize = ports.length === 1 ? validSize(own(ports[0], 'size')) : undefined;
      if (ports.length !== 1) {
        this.add(at('size'), `node ${q(name)} gives both size (one input port) and ${ports.length} input_ports; give one of them`, {
          expected: 'size or input_ports, not both',
        });
      } else if (portSize !== undefined && portSize !== size) {
        this.add(at('size'), `node ${q(name)} gives size ${String(size)} but its input port has size ${portSize}`, {
          expected: 'the same size in both places, or only one of them',
        });
      }
    }
    this.checkUnique(at('input_ports'), this.inputPorts(name)?.names, `node ${q(name)}`, 'input port');
    this.checkUnique(at('output_ports'), this.outputPortNames(name), `node ${q(name)}`, 'output port');
    this.checkUnique(at('control_signals'), this.controlSignalNames(name), `node ${q(name)}`, 'control signal');

    const fn = str(own(own(node, 'function'), 'type'));
    const allowed = type ? ALLOWED_FUNCTION_TYPES[type] : undefined;
    if (fn !== undefined && allowed && !allowed.includes(fn as never) && FunctionSpecSchema.shape.type.safeParse(fn).success) {
      this.add(at('function', 'type'), `a ${type} node takes the function ${allowed.join(' or ')}, not ${fn}`, {
        expected: allowed.join(' or '),
        found: q(fn),
      });
    }

    if (type && type !== 'OptimizationControlMechanism') {
      // a plain ControlMechanism has an objective mechanism too, but simulates nothing (no state features)
      const keys = type === 'ControlMechanism' ? (['state_features', 'state_feature_function'] as const) : (['objective_mechanism', 'state_features', 'state_feature_function'] as const);
      for (const key of keys) {
        if (own(node, key) !== undefined) {
          this.add(at(key), `${key} belongs to an OptimizationControlMechanism; node ${q(name)} is a ${type}`);
        }
      }
    }
    if (type && !CONTROL_MECHANISM_TYPES.includes(type) && own(node, 'control_signals') !== undefined) {
      this.add(at('control_signals'), `control_signals belong to a ControlMechanism or OptimizationControlMechanism; node ${q(name)} is a ${type}`);
    }
    const objective = own(node, 'objective_mechanism');
    if (this.refersToNode(objective, at('objective_mechanism'), `node ${q(name)}: objective_mechanism`)) {
      const t = this.type(objective as string);
      if (t && t !== 'ObjectiveMechanism') {
        this.add(at('objective_mechanism'), `node ${q(name)}: objective_mechanism ${q(objective)} is a ${t}, not an ObjectiveMechanism`, {
          expected: 'an ObjectiveMechanism node',
        });
      }
    }
    const features = own(node, 'state_features');
    if (Array.isArray(features)) {
      features.forEach((f: unknown, i) => {
        if (typeof f === 'string') this.refersToNode(f, at('state_features', i), `node ${q(name)}: state feature ${i}`);
        const fnode = own(f, 'node');
        if (this.refersToNode(fnode, at('state_features', i, 'node'), `node ${q(name)}: state feature ${i}`)) {
          this.checkPortName(own(f, 'port'), this.inputPorts(fnode as string)?.names, at('state_features', i, 'port'), `node ${q(fnode)}`, 'input port');
        }
      });
    }
    this.walkComponentValues(node, ['nodes', name], 0);
  }

  private checkUnique(segs: Seg[], names: string[] | undefined, owner: string, what: string): void {
    if (!names) return;
    const seen = new Set<string>();
    names.forEach((n, i) => {
      if (seen.has(n)) this.add([...segs, i], `${owner} has two ${what}s named ${q(n)}`, { expected: `unique ${what} names` });
      seen.add(n);
    });
  }

  private checkPortName(port: unknown, names: string[] | undefined, segs: Seg[], owner: string, what: string, aliases: string[] = []): void {
    if (typeof port !== 'string' || !names || names.includes(port) || aliases.includes(port)) return;
    this.add(segs, `${owner} has no ${what} named ${q(port)}`, {
      expected: names.length ? `one of ${listNames([...names, ...aliases])}` : `a declared ${what}`,
      found: q(port),
    });
  }

  /**
   * Function-valued parameters (`function`, `*_function`) must be function objects of a known type
   * and condition-valued ones (`*_when`) conditions, wherever they sit in a node; the schema covers
   * the top-level ones.
   */
  private walkComponentValues(value: unknown, segs: Seg[], depth: number): void {
    if (depth > MAX_NESTING_DEPTH) return;
    if (Array.isArray(value)) {
      value.forEach((v: unknown, i) => this.walkComponentValues(v, [...segs, i], depth + 1));
      return;
    }
    if (!isObj(value)) return;
    for (const key of Object.keys(value)) {
      if (key === 'studio' && depth === 0) continue;
      const v = value[key];
      const here = [...segs, key];
      if (key.endsWith('_when')) {
        const r = ConditionSchema.safeParse(v, { error: () => GENERIC });
        if (!r.success) for (const iss of r.error.issues) this.pushMapped(mapZodIssue(iss, this.root, here));
        for (const dep of conditionDependencies(v, here)) this.refersToNode(dep.name, dep.segs, 'a condition');
        continue;
      }
      if ((key === 'function' || key.endsWith('_function')) && !coveredBySchema(here)) {
        const r = FunctionSpecSchema.safeParse(v, { error: () => GENERIC });
        if (!r.success) for (const iss of r.error.issues) this.pushMapped(mapZodIssue(iss, this.root, here));
      }
      this.walkComponentValues(v, here, depth + 1);
    }
  }

  private pushMapped(issues: ModelIssue[]): void {
    for (const i of issues) if (!this.nonFinite.has(i.path)) this.issues.push(i);
  }

  // --- projections

  private checkProjections(): void {
    for (const { spec, index } of this.projections()) {
      const at = (...rest: Seg[]): Seg[] => ['projections', index, ...rest];
      const label = subjectOf(['projections', index], this.root);
      const sender = str(own(spec, 'sender'));
      const receiver = str(own(spec, 'receiver'));
      const senderOk = this.refersToNode(sender, at('sender'), `${label}: sender`);
      const receiverOk = this.refersToNode(receiver, at('receiver'), `${label}: receiver`);
      const control = own(spec, 'receiver_parameter') !== undefined;
      if (control) {
        const t = senderOk ? this.type(sender!) : undefined;
        if (t && !CONTROL_MECHANISM_TYPES.includes(t)) {
          this.add(at('sender'), `${label} is a control projection (it has receiver_parameter), but its sender ${q(sender)} is a ${t}`, {
            expected: 'a ControlMechanism or OptimizationControlMechanism sender',
          });
        }
        if (own(spec, 'receiver_port') !== undefined) {
          this.add(at('receiver_port'), `${label} is a control projection onto a parameter; it takes receiver_parameter, not receiver_port`);
        }
        if (own(spec, 'matrix') !== undefined) {
          this.add(at('matrix'), `${label} is a control projection; it carries no matrix`);
        }
        if (senderOk) {
          this.checkPortName(own(spec, 'sender_port'), this.controlSignalNames(sender!), at('sender_port'), `node ${q(sender)}`, 'control signal');
        }
        continue;
      }
      if (senderOk) {
        const names = this.outputPortNames(sender!);
        const signals = this.controlSignalNames(sender!);
        const all = names || signals ? [...(names ?? []), ...(signals ?? [])] : undefined;
        this.checkPortName(own(spec, 'sender_port'), all, at('sender_port'), `node ${q(sender)}`, 'output port', names ? ['RESULT'] : []);
      }
      if (receiverOk) {
        this.checkPortName(own(spec, 'receiver_port'), this.inputPorts(receiver!)?.names, at('receiver_port'), `node ${q(receiver)}`, 'input port');
      }
      this.checkMatrix(spec, at('matrix'), label, senderOk ? sender : undefined, receiverOk ? receiver : undefined);
    }
  }

  /** Size of the sender's output port when the file makes it certain, else undefined (the engine checks again). */
  private senderSize(sender: string, port: unknown): number | undefined {
    const type = this.type(sender);
    if (!type || !TRANSFER_MECHANISM_FAMILY.includes(type)) return undefined;
    const node = this.nodes.get(sender)!;
    const fnSpec = own(node, 'function');
    const fn = fnSpec === undefined ? DEFAULT_FUNCTION_TYPE[type] : str(own(fnSpec, 'type'));
    if (!fn || !(TRANSFER_FUNCTION_TYPES as readonly string[]).includes(fn)) return undefined;
    const names = this.outputPortNames(sender);
    if (names && names.length) {
      let index = typeof port === 'string' ? names.indexOf(port) : 0;
      if (index < 0 && port === 'RESULT') index = 0;
      if (index !== 0) return undefined;
      const first = own(node, 'output_ports') as unknown[];
      if (own(first[0], 'variable') !== undefined || own(first[0], 'function') !== undefined) return undefined;
    } else if (port !== undefined && port !== 'RESULT' && port !== 'OutputPort-0') {
      return undefined;
    }
    return this.inputPorts(sender)?.sizes[0];
  }

  private receiverSize(receiver: string, port: unknown): { size: number; port: string } | undefined {
    const ports = this.inputPorts(receiver);
    if (!ports) return undefined;
    let index = 0;
    if (typeof port === 'string') {
      if (ports.names) index = ports.names.indexOf(port);
      else if (port !== 'InputPort-0') return undefined;
    }
    const size = index >= 0 ? ports.sizes[index] : undefined;
    return size === undefined ? undefined : { size, port: ports.names?.[index] ?? 'InputPort-0' };
  }

  private checkMatrix(spec: Obj, segs: Seg[], label: string, sender: string | undefined, receiver: string | undefined): void {
    const m = own(spec, 'matrix');
    if (m === undefined) return;
    const rows = sender !== undefined ? this.senderSize(sender, own(spec, 'sender_port')) : undefined;
    const recv = receiver !== undefined ? this.receiverSize(receiver, own(spec, 'receiver_port')) : undefined;
    const shape = (r: number | undefined, c: number | undefined) => `${r ?? '?'} × ${c ?? '?'}`;
    if (Array.isArray(m)) {
      if (!m.every((row) => Array.isArray(row))) return; // the schema reports it
      const width = m.length ? (m[0] as unknown[]).length : 0;
      if (width === 0) {
        this.add(segs, `${label}: the matrix is empty`, { expected: `a [sender size × receiver size] array (${shape(rows, recv?.size)})` });
        return;
      }
      let ragged = false;
      m.forEach((row: unknown[], i) => {
        if (row.length !== width) {
          ragged = true;
          this.add([...segs, i], `${label}: matrix row ${i} has ${plural(row.length, 'value')} but row 0 has ${width}`, {
            expected: `${plural(width, 'value')} in every row`,
            found: plural(row.length, 'value'),
          });
        }
      });
      if (ragged) return;
      if (rows !== undefined && m.length !== rows) {
        this.add(segs, `${label}: the matrix has ${plural(m.length, 'row')} but the sender ${q(sender)} sends ${plural(rows, 'value')}`, {
          expected: `a ${shape(rows, recv?.size)} matrix (sender size × receiver size)`,
          found: `${m.length} × ${width}`,
        });
      }
      if (recv && width !== recv.size) {
        this.add(segs, `${label}: the matrix has ${plural(width, 'column')} but input port ${q(recv.port)} of ${q(receiver)} takes ${plural(recv.size, 'value')}`, {
          expected: `a ${shape(rows, recv.size)} matrix (sender size × receiver size)`,
          found: `${m.length} × ${width}`,
        });
      }
      return;
    }
    if ((m === 'IDENTITY_MATRIX' || typeof m === 'number') && rows !== undefined && recv && rows !== recv.size) {
      this.add(segs, `${label}: ${m === 'IDENTITY_MATRIX' ? 'IDENTITY_MATRIX' : 'a number matrix (k × identity)'} needs equal sizes, but the sender ${q(sender)} sends ${rows} values and ${q(receiver)} takes ${recv.size}`, {
        expected: `a ${shape(rows, recv.size)} array or "FULL_CONNECTIVITY_MATRIX"`,
        found: describeValue(m),
      });
    }
  }

  // --- conditions, inputs, controller, output nodes

  private checkConditions(): void {
    const conditions = own(this.root, 'conditions');
    if (isObj(conditions)) {
      for (const name of Object.keys(conditions)) {
        if (!this.nodes.has(name)) {
          this.add(['conditions', name], `there is a condition for ${q(name)}, but no node of that name`, { expected: this.expectNode(), found: q(name) });
        }
        for (const dep of conditionDependencies(conditions[name], ['conditions', name])) {
          this.refersToNode(dep.name, dep.segs, `the condition of node ${q(name)}`);
        }
      }
    }
    const termination = own(this.root, 'termination');
    for (const scale of ['trial', 'run'] as const) {
      for (const dep of conditionDependencies(own(termination, scale), ['termination', scale])) {
        this.refersToNode(dep.name, dep.segs, `the ${scale} termination condition`);
      }
    }
  }

  private checkInputs(): void {
    const inputs = own(own(this.root, 'run'), 'inputs');
    if (!isObj(inputs)) return;
    for (const name of Object.keys(inputs)) {
      const at = (...rest: Seg[]): Seg[] => ['run', 'inputs', name, ...rest];
      if (!this.nodes.has(name)) {
        this.add(at(), `there are inputs for ${q(name)}, but no node of that name`, { expected: this.inputNodesExpected(), found: q(name) });
        continue;
      }
      const senders = this.afferents.get(name);
      if (senders) {
        this.add(at(), `node ${q(name)} receives projections (from ${listNames(senders, 5)}), so it takes no inputs; only input nodes (nodes without incoming projections) do`, {
          expected: this.inputNodesExpected(),
          found: q(name),
        });
        continue;
      }
      const trials = inputs[name];
      const ports = this.inputPorts(name);
      if (!Array.isArray(trials) || !ports) continue;
      let bad = 0;
      const report = (segs: Seg[], message: string, expected: string, found: string) => {
        if (++bad <= MAX_INPUT_ISSUES_PER_NODE) this.add(segs, message, { expected, found });
      };
      trials.forEach((trial: unknown, t) => {
        if (!Array.isArray(trial)) return;
        const label = `the input of node ${q(name)} for trial ${t}`;
        if (trial.every((x) => typeof x === 'number')) {
          const size = ports.sizes[0];
          if (ports.sizes.length > 1) {
            report(at(t), `${label} is one flat array, but the node has ${ports.sizes.length} input ports`, `one array per input port (${ports.sizes.length} arrays)`, `an array of ${trial.length} numbers`);
          } else if (size !== undefined && trial.length !== size) {
            report(at(t), `${label} has ${plural(trial.length, 'value')}, but the node's input port takes ${size}`, plural(size, 'value'), plural(trial.length, 'value'));
          }
        } else if (trial.every((x) => Array.isArray(x))) {
          if (trial.length !== ports.sizes.length) {
            report(at(t), `${label} has ${trial.length} arrays, but the node has ${ports.sizes.length} input port${ports.sizes.length === 1 ? '' : 's'}`, `${ports.sizes.length} array${ports.sizes.length === 1 ? '' : 's'} (one per input port)`, `${trial.length} arrays`);
            return;
          }
          trial.forEach((row: unknown[], i) => {
            const size = ports.sizes[i];
            if (size !== undefined && row.length !== size) {
              const portName = ports.names?.[i] ?? `InputPort-${i}`;
              report(at(t, i), `${label}, input port ${q(portName)}, has ${plural(row.length, 'value')}, but the port takes ${size}`, plural(size, 'value'), plural(row.length, 'value'));
            }
          });
        }
      });
      if (bad > MAX_INPUT_ISSUES_PER_NODE) {
        this.add(at(), `… and ${bad - MAX_INPUT_ISSUES_PER_NODE} more trial inputs of node ${q(name)} have the wrong length`);
      }
    }
  }

  private inputNodesExpected(): string {
    const inputs = this.nodeNames.filter((n) => !this.afferents.has(n));
    return inputs.length ? `an input node: ${listNames(inputs)}` : 'an input node (the model has none)';
  }

  private checkController(): void {
    const controller = own(this.root, 'controller');
    if (!this.refersToNode(controller, ['controller'], 'controller')) return;
    const t = this.type(controller as string);
    if (t && !CONTROL_MECHANISM_TYPES.includes(t)) {
      this.add(['controller'], `the controller ${q(controller)} is a ${t}; a controller must be an OptimizationControlMechanism or a ControlMechanism`, {
        expected: 'an OptimizationControlMechanism or ControlMechanism node',
        found: t,
      });
    }
  }

  private checkOutputNodes(): void {
    const list = own(this.root, 'output_nodes');
    if (!Array.isArray(list)) return;
    const seen = new Set<string>();
    list.forEach((name: unknown, i) => {
      this.refersToNode(name, ['output_nodes', i], 'output_nodes');
      if (typeof name !== 'string') return;
      if (seen.has(name)) this.add(['output_nodes', i], `output_nodes lists ${q(name)} twice`, { expected: 'each node once' });
      seen.add(name);
    });
  }

  // --- conditions that can never start

  /**
   * Finds nodes whose conditions wait on each other in a cycle, so that none of them can ever run
   * (e.g. A: EveryNCalls(B), B: EveryNCalls(A)). Satisfiability is judged optimistically, so a
   * reported cycle is certain; nodes merely disabled (Never) are not reported.
   */
  private checkConditionCycles(): void {
    const conditions = own(this.root, 'conditions');
    const explicit = new Map<string, unknown>();
    for (const name of this.nodeNames) {
      const c = own(conditions, name);
      if (c !== undefined) explicit.set(name, c);
    }
    const defaults = this.defaultParents();
    const depsOf = new Map<string, { nodes: string[]; all: boolean }>();
    for (const name of this.nodeNames) {
      if (explicit.has(name)) {
        const refs = conditionDependencies(explicit.get(name), []).map((d) => d.name).filter((n) => this.nodes.has(n));
        depsOf.set(name, { nodes: [...new Set(refs)], all: usesAllNodes(explicit.get(name), 0) });
      } else {
        depsOf.set(name, { nodes: defaults.get(name) ?? [], all: false });
      }
    }
    const canRun = new Set<string>();
    const satisfiable = (name: string) =>
      explicit.has(name) ? canSatisfy(explicit.get(name), canRun, this.nodeNames, 0) : (defaults.get(name) ?? []).every((p) => canRun.has(p));
    const dependents = new Map<string, string[]>();
    const global: string[] = [];
    for (const [name, d] of depsOf) {
      if (d.all) global.push(name);
      for (const dep of d.nodes) {
        const list = dependents.get(dep);
        if (list) list.push(name);
        else dependents.set(dep, [name]);
      }
    }
    // Grows the set of nodes that can run until nothing more can (conditions are monotone in it).
    const queue = [...this.nodeNames];
    while (queue.length) {
      while (queue.length) {
        const name = queue.pop()!;
        if (canRun.has(name) || !satisfiable(name)) continue;
        canRun.add(name);
        for (const next of dependents.get(name) ?? []) if (!canRun.has(next)) queue.push(next);
      }
      for (const name of global) if (!canRun.has(name) && satisfiable(name)) queue.push(name);
    }
    const stuck = this.nodeNames.filter((n) => !canRun.has(n));
    if (!stuck.length) return;
    const stuckSet = new Set(stuck);
    const edges = new Map<string, string[]>();
    for (const name of stuck) {
      const d = depsOf.get(name)!;
      edges.set(name, d.all ? stuck : d.nodes.filter((n) => stuckSet.has(n)));
    }
    let reported = 0;
    for (const component of stronglyConnected(stuck, edges)) {
      const cyclic = component.length > 1 || edges.get(component[0]!)!.includes(component[0]!);
      if (!cyclic || ++reported > 20) continue;
      const members = new Set(component);
      const order = this.nodeNames.filter((n) => members.has(n));
      const anchor = order.find((n) => explicit.has(n));
      const waits = order
        .slice(0, 8)
        .map((n) => `${q(n)} waits for ${listNames(edges.get(n)!.filter((m) => members.has(m)), 4)}${explicit.has(n) ? '' : ' (its default condition)'}`)
        .join('; ');
      const message =
        order.length === 1
          ? `the condition of node ${q(order[0])} waits for ${q(order[0])} itself, so it can never run`
          : `the conditions of nodes ${listNames(order, 8)} wait for each other in a cycle, so none of them can ever run: ${waits}`;
      this.add(anchor !== undefined ? ['conditions', anchor] : ['conditions'], message, {
        expected: 'a node in the cycle whose condition can be met before the others run (e.g. Always, AtPass(0), or Any(…, AtTrialStart))',
        node: order[0],
      });
    }
  }

  /** PsyNeuLink's default conditions: EveryNCalls of every parent outside the node's own cycle. */
  private defaultParents(): Map<string, string[]> {
    const edges = new Map<string, string[]>(this.nodeNames.map((n) => [n, this.afferents.get(n) ?? []]));
    const component = new Map<string, number>();
    stronglyConnected(this.nodeNames, edges).forEach((c, i) => c.forEach((n) => component.set(n, i)));
    const out = new Map<string, string[]>();
    for (const n of this.nodeNames) out.set(n, (this.afferents.get(n) ?? []).filter((p) => component.get(p) !== component.get(n)));
    return out;
  }
}

/** Relative paths under a node that the schema itself checks as function objects. */
function coveredBySchema(segs: readonly Seg[]): boolean {
  const rel = segs.slice(2);
  if (rel.length === 1) return rel[0] === 'function' || rel[0] === 'state_feature_function';
  if (rel.length === 3 && typeof rel[1] === 'number') {
    return (rel[0] === 'output_ports' && rel[2] === 'function') || (rel[0] === 'control_signals' && (rel[2] === 'intensity_cost_function' || rel[2] === 'adjustment_cost_function'));
  }
  return false;
}

/** Every node a condition names (`dependency`, `dependencies`), with its path. */
function conditionDependencies(cond: unknown, segs: Seg[], depth = 0): DepRef[] {
  if (!isObj(cond) || depth > MAX_NESTING_DEPTH) return [];
  const out: DepRef[] = [];
  const dep = own(cond, 'dependency');
  if (typeof dep === 'string') out.push({ name: dep, segs: [...segs, 'dependency'] });
  const deps = own(cond, 'dependencies');
  if (Array.isArray(deps)) deps.forEach((d: unknown, i) => typeof d === 'string' && out.push({ name: d, segs: [...segs, 'dependencies', i] }));
  const inner = own(cond, 'condition');
  if (inner !== undefined) out.push(...conditionDependencies(inner, [...segs, 'condition'], depth + 1));
  const list = own(cond, 'conditions');
  if (Array.isArray(list)) list.forEach((c: unknown, i) => out.push(...conditionDependencies(c, [...segs, 'conditions', i], depth + 1)));
  return out;
}

const ALL_NODES_BY_DEFAULT = new Set(['AllHaveRun']);

/** Whether a condition refers to every node implicitly (AllHaveRun and friends without dependencies). */
function usesAllNodes(cond: unknown, depth: number): boolean {
  if (!isObj(cond) || depth > MAX_NESTING_DEPTH) return false;
  const type = own(cond, 'type');
  if (typeof type === 'string' && ALL_NODES_BY_DEFAULT.has(type) && own(cond, 'dependencies') === undefined) return true;
  const list = own(cond, 'conditions');
  return (
    usesAllNodes(own(cond, 'condition'), depth + 1) ||
    (Array.isArray(list) && list.some((c: unknown) => usesAllNodes(c, depth + 1)))
  );
}

/**
 * Whether a condition could ever be met when only the nodes in `canRun` ever run. Optimistic: what
 * depends on values or time is assumed possible; malformed conditions (reported elsewhere) too.
 */
function canSatisfy(cond: unknown, canRun: ReadonlySet<string>, all: readonly string[], depth: number): boolean {
  if (!isObj(cond) || depth > MAX_NESTING_DEPTH) return true;
  const n = own(cond, 'n');
  const count = typeof n === 'number' ? n : 1;
  const ran = (d: unknown) => typeof d !== 'string' || canRun.has(d);
  const deps = own(cond, 'dependencies');
  const list = Array.isArray(deps) ? deps : undefined;
  const sub = (c: unknown) => canSatisfy(c, canRun, all, depth + 1);
  switch (own(cond, 'type')) {
    case 'Never':
      return false;
    case 'All': {
      const cs = own(cond, 'conditions');
      return !Array.isArray(cs) || cs.every(sub);
    }
    case 'Any': {
      const cs = own(cond, 'conditions');
      return !Array.isArray(cs) || cs.some(sub);
    }
    case 'NWhen':
      return sub(own(cond, 'condition'));
    case 'Not': {
      const inner = own(own(cond, 'condition'), 'type');
      return inner !== 'Always';
    }
    case 'BeforePass':
    case 'BeforeTrial':
      return count > 0;
    case 'EveryNCalls':
    case 'JustRan':
      return ran(own(cond, 'dependency'));
    case 'AfterNCalls':
    case 'AtNCalls':
      return count <= 0 || ran(own(cond, 'dependency'));
    case 'AfterCall':
      return ran(own(cond, 'dependency'));
    case 'BeforeNCalls':
      return count > 0;
    case 'AfterNCallsCombined':
      return count <= 0 || !list || list.some(ran);
    case 'AllHaveRun':
      return (list ?? all).every(ran);
    default:
      // Includes WhenFinished*: a node that has not run counts as finished in PsyNeuLink.
      return true;
  }
}

/** Tarjan's strongly connected components, iterative (graphs may be large); order: as found. */
function stronglyConnected(nodes: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let next = 0;
  for (const start of nodes) {
    if (index.has(start)) continue;
    const work: { node: string; edge: number }[] = [{ node: start, edge: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const frame = work[work.length - 1]!;
      const succ = edges.get(frame.node) ?? [];
      if (frame.edge < succ.length) {
        const w = succ[frame.edge++]!;
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, edge: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.node);
        out.push(component);
      }
    }
  }
  return out;
}
