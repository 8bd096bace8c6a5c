/**
 * The JSON-tree helpers both fuzz suites mutate models with (model-fuzz: the validator;
 * reliability-fuzz: the whole pipeline): positions in a model, retyping a value, renaming a node
 * everywhere, and one shared very deep value that they never descend into.
 */
import fc from 'fast-check';

export type Json = Record<string, unknown>;
export type Seg = string | number;

function deepArray(depth: number): unknown {
  let v: unknown = [1];
  for (let i = 0; i < depth; i++) v = [v];
  // fast-check prints counterexamples recursively: give it a short name instead.
  Object.defineProperty(v, fc.toStringMethod, { value: () => `deepArray(${depth})`, enumerable: false });
  return v;
}
/** A 10 000-deep nested array (the walks below skip it). */
export const DEEP = deepArray(10_000);

export function isPlain(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}
export function defineKey(o: Json, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Every (container, key) position in a JSON-like value, breadth-first (at most 5000). */
export function positions(root: unknown): { parent: Json | unknown[]; key: Seg }[] {
  const out: { parent: Json | unknown[]; key: Seg }[] = [];
  const queue: unknown[] = [root];
  while (queue.length && out.length < 5000) {
    const v = queue.shift();
    if (v === DEEP) continue;
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push({ parent: v, key: i });
        queue.push(x);
      });
    } else if (isPlain(v)) {
      for (const k of Object.keys(v)) {
        out.push({ parent: v, key: k });
        queue.push(v[k]);
      }
    }
  }
  return out;
}

/** The value as another JSON type (number → string, string → number, array ↔ object, …). */
export function retype(v: unknown): unknown {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v.length;
  if (Array.isArray(v)) return Object.fromEntries(Array.from(v, (x, i) => [String(i), x]));
  if (typeof v === 'object' && v !== null) return Object.values(v);
  return [v];
}

/** Renames a node wherever the file names it: string values, and the keys of `conditions` and `run.inputs`. */
export function renameReferences(v: unknown, old: string, name: string, depth: number): void {
  if (depth > 50 || v === DEEP) return;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (v[i] === old) v[i] = name;
      else renameReferences(v[i], old, name, depth + 1);
    }
  } else if (isPlain(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === old) v[k] = name;
      else renameReferences(v[k], old, name, depth + 1);
    }
    for (const keyed of [v.conditions, isPlain(v.run) ? v.run.inputs : undefined]) {
      if (isPlain(keyed) && Object.prototype.hasOwnProperty.call(keyed, old) && name !== old) {
        const entries = Object.keys(keyed).map((k) => [k === old ? name : k, keyed[k]] as const);
        for (const k of Object.keys(keyed)) delete keyed[k];
        for (const [k, x] of entries) defineKey(keyed, k, x);
      }
    }
  }
}
