/**
 * The contracts every component (Function, Mechanism) follows.
 *
 * A component is declared once (parameters with PsyNeuLink's names and defaults, help text,
 * whether it is stochastic) and instantiated for a known input shape. Instantiation declares the
 * component's mutable state in a StateLayout; binding to a ContextStore gives views over that
 * context's buffer, so one model can run in several contexts, and compiled code can later be
 * handed the same bytes.
 */
import type { CgValue, Codegen } from '../compiler/codegen/codegen.js';
import type { ContextStore, StateLayout } from '../engine/state.js';
import type { MT19937 } from '../random/mt19937.js';

/** A 2-D value: one row per item (input port, output item, ...). */
export type Value = Float64Array[];
/** Lengths of the rows of a Value. */
export type Shape = number[];

export type ParamKind =
  | 'number' // a scalar
  | 'numeric' // a scalar or an array (broadcast elementwise)
  | 'matrix' // 2-D numbers or a keyword
  | 'enum' // one of `values`
  | 'boolean'
  | 'integer'
  | 'function' // a function object `{type, ...}`
  | 'noise' // number, array, or a function object (a distribution)
  | 'condition' // a condition object
  | 'string'
  | 'range'; // [low, high] (e.g. clip), or null

export interface ParamDecl {
  name: string;
  kind: ParamKind;
  /** PsyNeuLink's default; `undefined` means "none" (optional). */
  default: unknown;
  /** One sentence in the user's words (shown in the studio's inspector). */
  help: string;
  /** Allowed keyword values for `enum` (and accepted keywords for `matrix`). */
  values?: readonly string[];
  /** Unit, when it has one (e.g. "s"). */
  unit?: string;
}

/** A function object as written in a model file: `{ "type": "Logistic", "gain": 2 }`. */
export interface FunctionSpec {
  type: string;
  [param: string]: unknown;
}

export type FunctionCategory =
  | 'transfer'
  | 'combination'
  | 'transform'
  | 'integrator'
  | 'distribution'
  | 'selection'
  | 'objective'
  | 'optimization'
  | 'userdefined';

/** Where a component sits in the model file, for error messages ("nodes.HIDDEN.function"). */
export interface BuildEnv {
  /** JSON path of the component in the model file, e.g. `nodes.HIDDEN.function`. */
  readonly path: string;
  /** State declarations of the whole model. */
  readonly layout: StateLayout;
  /** Instantiates a nested function (e.g. a NormalDist used as noise) at `path`. */
  createFunction(spec: FunctionSpec, variableShape: Shape, path: string): FunctionInstance;
}

export interface FunctionDeclaration {
  readonly type: string;
  readonly category: FunctionCategory;
  readonly help: string;
  readonly params: readonly ParamDecl[];
  /** Owns an MT19937 stream (seeded from its `seed` parameter). */
  readonly stochastic: boolean;
  /** Builds an instance for a variable of `variableShape`; throws ModelError on bad parameters. */
  create(spec: FunctionSpec, variableShape: Shape, env: BuildEnv): FunctionInstance;
}

export interface FunctionInstance {
  readonly type: string;
  /** Shape of the value `execute` writes. */
  readonly outputShape: Shape;
  /** Resolved parameters (defaults applied). Control may modulate entries later. */
  readonly params: Record<string, unknown>;
  /** Views of this function's state in one context. */
  bind(ctx: ContextStore): BoundFunction;
  /**
   * Generates the compiled twin of `execute`: reads `variable`, writes `out`, and updates the
   * same state slots. Absent when the function cannot be compiled (yet).
   */
  emit?(cg: Codegen, variable: CgValue, out: CgValue): void;
  /** Generates the compiled twin of `BoundFunction.reset`. */
  emitReset?(cg: Codegen): void;
  /** Generates the compiled twin of `BoundFunction.isFinished` (an i1). */
  emitIsFinished?(cg: Codegen): import('llvm-bindings').Value;
}

export interface BoundFunction {
  /** Computes the function of `variable` into `out` (shape `outputShape`), updating state. */
  execute(variable: Value, out: Value): void;
  /** Puts the function's state back to its initial value (stateful functions only). */
  reset?(): void;
  /**
   * Whether the state has reached the function's stopping point, for functions a mechanism's
   * `is_finished` consults (DriftDiffusionIntegrator: |position| >= threshold).
   */
  isFinished?(): boolean;
  /** The RNG stream, for stochastic functions. */
  readonly rng?: MT19937;
}

/** Allocates a Value of the given shape. */
export function allocValue(shape: Shape): Value {
  return shape.map((n) => new Float64Array(n));
}
