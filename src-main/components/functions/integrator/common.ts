/**
 * What the stateful integrators share: parameters broadcast over the variable's elements, state
 * slots declared in the model's layout (and reset to their initial values), additive noise, and
 * PsyNeuLink's parameter aliases.
 *
 * Elements are numbered flat across the rows of the variable (row 0 first), which is also the
 * order in which a distribution used as noise is drawn.
 *
 * The compiled twins (each integrator's `emit`/`emitReset`) share the helpers at the end of this
 * file: per-element parameters as constants or constant tables, the flat element loop, noise
 * samples, and reset of state slots to their initial values.
 */
import { CodegenUnsupported, type CgValue, type Codegen } from '../../../compiler/codegen/codegen.js';
import type { IR, V } from '../../../compiler/codegen/ir.js';
import type { ContextStore, F64Slot } from '../../../engine/state.js';
import { describeValue } from '../../../model/errors.js';
import { flattenNumbers, paramError, resolveParams, type ResolvedParams } from '../../params.js';
import type { BuildEnv, FunctionDeclaration, FunctionInstance, FunctionSpec, ParamDecl, Shape, Value } from '../../types.js';
import { createNoise, type NoiseInstance } from '../noise.js';

/** Number of elements of a variable of `shape` (all rows together). */
export function elementCount(shape: Shape): number {
  let n = 0;
  for (const w of shape) n += w;
  return n;
}

/**
 * A scalar-or-array parameter as one value per element: a single number is used for every
 * element; an array gives one value per element, or one per column when all rows have its length.
 */
export function broadcastFlat(v: unknown, shape: Shape, path: string, what: string): Float64Array {
  const flat = flattenNumbers(v);
  const n = elementCount(shape);
  if (flat.length === 1) return new Float64Array(n).fill(flat[0]!);
  if (flat.length === n) return Float64Array.from(flat);
  const w = shape[0];
  if (w !== undefined && flat.length === w && shape.every((x) => x === w)) {
    const out = new Float64Array(n);
    for (let r = 0; r < shape.length; r++) out.set(flat, r * w);
    return out;
  }
  throw paramError(path, `${what} has ${flat.length} values but the variable has ${n} elements`, {
    expected: `1 or ${n} values`,
    found: describeValue(v),
  });
}

/** Resolves `spec` against the declaration (unknown names and wrong kinds are ModelErrors). */
export function resolveIntegratorParams(decl: FunctionDeclaration, spec: FunctionSpec, env: BuildEnv): ResolvedParams {
  return resolveParams(decl.type, decl.params, spec, env.path);
}

/**
 * PsyNeuLink accepts some parameters under two names (`starting_value`/`initializer`,
 * `leak`/`rate`). Returns the value given under either name (the declared default of `name` when
 * neither is given), one value per element, and stores the value under both names in `params`;
 * giving two different values is an error.
 */
export function resolveAlias(
  decl: FunctionDeclaration,
  spec: FunctionSpec,
  params: ResolvedParams,
  name: string,
  alias: string,
  shape: Shape,
  env: BuildEnv,
): Float64Array {
  const a = spec[name];
  const b = spec[alias];
  if (a !== undefined && b !== undefined && JSON.stringify(a) !== JSON.stringify(b)) {
    throw paramError(`${env.path}.${alias}`, `${decl.type}.${alias} is another name for ${name}; give only one of them`, {
      expected: `the same value as ${name} (${describeValue(a)}) or no ${alias}`,
      found: describeValue(b),
      parameter: alias,
    });
  }
  const given = a !== undefined ? name : b !== undefined ? alias : name;
  const value = a ?? b ?? structuredClone(decl.params.find((d) => d.name === name)!.default);
  params[name] = value;
  params[alias] = value;
  return broadcastFlat(value, shape, `${env.path}.${given}`, `${decl.type}.${given}`);
}

/** Every number-valued parameter of `decl` (kinds number/numeric) but `exclude`, one value per element. */
export function elementParams(
  decl: FunctionDeclaration,
  params: ResolvedParams,
  shape: Shape,
  env: BuildEnv,
  exclude: readonly string[] = [],
): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const d of decl.params) {
    if (exclude.includes(d.name)) continue;
    if ((d.kind === 'numeric' || d.kind === 'number') && params[d.name] !== undefined) {
      out[d.name] = broadcastFlat(params[d.name], shape, `${env.path}.${d.name}`, `${decl.type}.${d.name}`);
    }
  }
  return out;
}

/** Rejects values outside [low, high] (e.g. AdaptiveIntegrator's rate). */
export function checkRange(
  decl: FunctionDeclaration,
  name: string,
  values: Float64Array,
  raw: unknown,
  low: number,
  high: number,
  env: BuildEnv,
): void {
  if (values.every((x) => x >= low && x <= high)) return;
  throw paramError(`${env.path}.${name}`, `${decl.type}.${name} must be between ${low} and ${high}`, {
    expected: `numbers in [${low}, ${high}]`,
    found: describeValue(raw),
    parameter: name,
  });
}

/** Additive noise over the variable's elements: a number, one number per element, or a distribution. */
export function integratorNoise(
  decl: FunctionDeclaration,
  value: unknown,
  shape: Shape,
  env: BuildEnv,
): NoiseInstance {
  const path = `${env.path}.noise`;
  const what = `${decl.type}.noise`;
  const n = elementCount(shape);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return createNoise(value, n, env, path, what);
  }
  return createNoise(Array.from(broadcastFlat(value ?? 0, shape, path, what)), n, env, path, what);
}

/** A named piece of state: declared once in the layout, viewed per context. */
export class StateVar {
  readonly slot: F64Slot;

  constructor(env: BuildEnv, name: string, init: ArrayLike<number>) {
    this.slot = env.layout.f64(`${env.path}.${name}`, init);
  }

  view(ctx: ContextStore): Float64Array {
    return ctx.f64(this.slot);
  }
}

/** Puts every state view back to its declared initial value. */
export function resetViews(pairs: readonly (readonly [Float64Array, StateVar])[]): void {
  for (const [view, state] of pairs) view.set(state.slot.init);
}

/** Declarations shared by several integrators (PsyNeuLink's names and defaults). */
export const NOISE_PARAM: ParamDecl = {
  name: 'noise',
  kind: 'noise',
  default: 0.0,
  help: 'Added to every element on each call: a number, one number per element, or a distribution drawn once per element.',
};

export const INITIALIZER_PARAM: ParamDecl = {
  name: 'initializer',
  kind: 'numeric',
  default: 0.0,
  help: 'Value the integral starts from, and returns to on reset (one number, or one per element).',
};

export const SEED_PARAM: ParamDecl = {
  name: 'seed',
  kind: 'integer',
  default: undefined,
  help: "Seed of this function's own random stream (numpy RandomState([seed])).",
};

// ---- compiled twins ------------------------------------------------------------------------------

/** A per-element parameter in generated code: element `k` (an i32) of the flat element order. */
export type EmitParam = (k: V) => V;

/** True when every value is the same double (−0 and 0 differ, NaN equals NaN). */
function uniform(values: ArrayLike<number>): boolean {
  for (let i = 1; i < values.length; i++) if (!Object.is(values[i], values[0])) return false;
  return true;
}

/**
 * A per-element parameter in generated code: a constant when all elements are equal, else a
 * constant table indexed by the element. Call it before the element loop (the table's address
 * is computed where it is called).
 */
export function emitParam(ir: IR, name: string, values: ArrayLike<number>): EmitParam {
  if (uniform(values)) {
    const c = ir.num(values[0] ?? 0);
    return () => c;
  }
  const table = ir.constArray(name, values);
  return (k) => ir.load(table, k, name);
}

/** Several per-element parameters at once (same names). */
export function emitParams<K extends string>(ir: IR, prefix: string, params: Record<K, ArrayLike<number>>): Record<K, EmitParam> {
  const out = {} as Record<K, EmitParam>;
  for (const name of Object.keys(params) as K[]) out[name] = emitParam(ir, `${prefix}.${name}`, params[name]);
  return out;
}

/**
 * The interpreters' element loop in generated code: for each row r of `rows` and each element i
 * of it (an i32), `body(r, i, k)` with k the flat element index (row 0 first).
 */
export function emitElements(ir: IR, rows: CgValue['rows'], body: (r: number, i: V, k: V) => void, hint = 'k'): void {
  let start = 0;
  rows.forEach((row, r) => {
    const first = start;
    ir.loop(row.len, (i) => body(r, i, first === 0 ? i : ir.b.CreateAdd(i, ir.int(first), ir.name(hint))), hint);
    start += row.len;
  });
}

/** The compiled noise sampler, or CodegenUnsupported when the noise cannot be compiled. */
export function emitNoise(cg: Codegen, noise: NoiseInstance, component: string): (k: V) => V {
  const sample = noise.emitSample(cg);
  if (!sample) throw new CodegenUnsupported(component, 'noise', 'this noise distribution has no compiled form yet');
  return sample;
}

/** The compiled twin of resetViews: every state slot back to its declared initial value. */
export function emitResetSlots(cg: Codegen, states: readonly StateVar[]): void {
  const ir = cg.ir;
  for (const state of states) {
    const { slot } = state;
    const ptr = cg.slot(slot);
    const init = emitParam(ir, `${slot.name}.init`, slot.init);
    ir.loop(slot.length, (k) => ir.store(init(k), ptr, k), 'reset');
  }
}

/** Bits of a double as an i64. */
function bits(ir: IR, x: V): V {
  return ir.b.CreateBitCast(x, ir.i64, ir.name('bits'));
}

/** `a` if it is NaN, else `b` if it is NaN, else `value`. */
function propagateNaN(ir: IR, a: V, b: V, value: V): V {
  return ir.select(ir.ne(a, a), a, ir.select(ir.ne(b, b), b, value));
}

/** JavaScript's Math.max(a, b) exactly: NaN if either is NaN, and max(−0, 0) = 0. */
export function emitJsMax(ir: IR, a: V, b: V): V {
  // equal operands differ at most in the sign of a zero: AND of the bits keeps +0
  const same = ir.b.CreateBitCast(ir.b.CreateAnd(bits(ir, a), bits(ir, b)), ir.f64, ir.name('same'));
  return propagateNaN(ir, a, b, ir.select(ir.gt(a, b), a, ir.select(ir.lt(a, b), b, same)));
}

/** JavaScript's Math.min(a, b) exactly: NaN if either is NaN, and min(−0, 0) = −0. */
export function emitJsMin(ir: IR, a: V, b: V): V {
  // equal operands differ at most in the sign of a zero: OR of the bits keeps −0
  const same = ir.b.CreateBitCast(ir.b.CreateOr(bits(ir, a), bits(ir, b)), ir.f64, ir.name('same'));
  return propagateNaN(ir, a, b, ir.select(ir.lt(a, b), a, ir.select(ir.gt(a, b), b, same)));
}

// ---- integrators whose only state is previous_value ------------------------------------------

/**
 * Simple, Adaptive, Accumulator and LeakyCompeting integrators: each element's new value is
 * `update(previous, x, noise, k)` (k the flat element index, noise drawn once per element in
 * element order), stored as previous_value and returned. `emitUpdate` is the same formula in IR
 * over the per-element `tables` (the same arrays `update` reads).
 */
export function previousValueIntegrator<K extends string>(
  decl: FunctionDeclaration,
  params: ResolvedParams,
  shape: Shape,
  env: BuildEnv,
  initializer: Float64Array,
  tables: Record<K, Float64Array>,
  update: (previous: number, x: number, noise: number, k: number) => number,
  emitUpdate: (ir: IR, previous: V, x: V, noise: V, p: Record<K, EmitParam>, k: V) => V,
): FunctionInstance {
  const noise = integratorNoise(decl, params.noise, shape, env);
  const previous = new StateVar(env, 'previous_value', initializer);
  const path = env.path;
  return {
    type: decl.type,
    outputShape: [...shape],
    params,
    bind(ctx) {
      const prev = previous.view(ctx);
      const n = noise.bind(ctx);
      return {
        execute(variable: Value, out: Value) {
          let k = 0;
          for (let r = 0; r < variable.length; r++) {
            const x = variable[r]!;
            const o = out[r]!;
            for (let i = 0; i < o.length; i++, k++) {
              const v = update(prev[k]!, x[i]!, n.sample(k), k);
              prev[k] = v;
              o[i] = v;
            }
          }
        },
        reset() {
          resetViews([[prev, previous]]);
        },
      };
    },
    emit(cg, variable, out) {
      const ir = cg.ir;
      const prev = cg.slot(previous.slot);
      const sample = emitNoise(cg, noise, path);
      const e = emitParams(ir, decl.type, tables);
      emitElements(ir, out.rows, (r, i, k) => {
        const v = emitUpdate(ir, ir.load(prev, k), ir.load(variable.rows[r]!.ptr, i), sample(k), e, k);
        ir.store(v, prev, k);
        ir.store(v, out.rows[r]!.ptr, i);
      });
    },
    emitReset(cg) {
      emitResetSlots(cg, [previous]);
    },
  };
}
