/**
 * UserDefinedFunction: the value of an arithmetic `expression` over `variable` and named numeric
 * parameters, `{ "type": "UserDefinedFunction", "expression": "a * variable[0] + exp(-b)", "a": 2, "b": 0.5 }`.
 * The expression is compiled once, at create(); its value's shape is the function's output shape.
 */
import { IssueList, ModelError, describeValue, jsonPath, type ModelIssue } from '../../../model/errors.js';
import { splitPath } from '../../params.js';
import type { BuildEnv, FunctionDeclaration, FunctionInstance, FunctionSpec, Shape, Value } from '../../types.js';
import {
  ExpressionError,
  FUNCTION_NAMES,
  KEYWORDS,
  MAX_ELEMENTS,
  compileExpression,
  type CompiledExpression,
  type NdArray,
  type VariableLayout,
} from './expression.js';
import { emitExpression } from './emit.js';

const TYPE = 'UserDefinedFunction';
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED: ReadonlySet<string> = new Set<string>(['variable', ...FUNCTION_NAMES, ...KEYWORDS]);

export interface UserDefinedOptions {
  /**
   * How the expression sees `variable`: 2 = the mechanism's 2-D variable (one row per input port),
   * 1 = the single row itself, as PsyNeuLink's function on its own with a 1-D default_variable.
   * Default: see `defaultVariableRank`.
   */
  variableRank?: 1 | 2;
}

/**
 * A function built on its own (a one-segment path such as functions.json's `function`, outside
 * any model) with a single row gets PsyNeuLink's 1-D variable; inside a model the variable is 2-D.
 * A Shape cannot tell a 1-D variable from a one-row 2-D one, hence the path.
 */
export function defaultVariableRank(variableShape: Shape, env: Pick<BuildEnv, 'path'>): 1 | 2 {
  return variableShape.length === 1 && IDENTIFIER.test(env.path) ? 1 : 2;
}

/** Converts a (nested, rectangular) array of finite numbers to an NdArray; null if it is not one. */
export function toNdArray(v: unknown): NdArray | null {
  const shape: number[] = [];
  for (let x: unknown = v; Array.isArray(x); x = x[0]) {
    shape.push(x.length);
    if (shape.length > 32 || x.length === 0) break;
  }
  let size = 1;
  for (const d of shape) size *= d;
  if (size > MAX_ELEMENTS) return null;
  const data = new Float64Array(size);
  let k = 0;
  const walk = (x: unknown, axis: number): boolean => {
    if (axis === shape.length) {
      if (typeof x !== 'number' || !Number.isFinite(x)) return false;
      data[k++] = x;
      return true;
    }
    if (!Array.isArray(x) || x.length !== shape[axis]) return false;
    for (const item of x) if (!walk(item, axis + 1)) return false;
    return true;
  };
  return walk(v, 0) ? { shape, data } : null;
}

/** The named parameters of `spec` (every key but `type` and `expression`), checked. */
function namedParams(spec: FunctionSpec, path: string, issues: IssueList): Map<string, NdArray> {
  const params = new Map<string, NdArray>();
  const segments = splitPath(path);
  for (const key of Object.keys(spec)) {
    if (key === 'type' || key === 'expression') continue;
    const at = jsonPath(...segments, key);
    const issue = (message: string, expected: string, found: string): void =>
      issues.add({ path: at, parameter: key, message, expected, found });
    if (!IDENTIFIER.test(key)) {
      issue(
        `${TYPE} parameter name ${describeValue(key)} is not a name the expression can use`,
        'a name of letters, digits and _ that does not start with a digit',
        describeValue(key),
      );
      continue;
    }
    if (RESERVED.has(key)) {
      const what = key === 'variable' ? 'the input' : KEYWORDS.has(key) ? 'a keyword' : 'a function';
      issue(`${TYPE} parameter "${key}" would hide ${what} of the expression language`, 'another name', `"${key}"`);
      continue;
    }
    const value = toNdArray(spec[key]);
    if (!value) {
      issue(
        `${TYPE} parameter "${key}" must be a number or an array of numbers`,
        `a finite number or a rectangular array of finite numbers (at most ${MAX_ELEMENTS} elements)`,
        describeValue(spec[key]),
      );
      continue;
    }
    params.set(key, value);
  }
  return params;
}

/** The expression's problem as a model issue at `path` (its message carries the caret line). */
function expressionIssue(e: ExpressionError, path: string): ModelIssue {
  const where = e.column !== undefined ? ` at column ${e.column}` : '';
  const excerpt = e.excerpt !== undefined ? `\n${e.excerpt}` : '';
  return {
    path,
    parameter: 'expression',
    message: `${TYPE} expression: ${e.problem}${where}${excerpt}`,
    expected: e.expected,
    found: e.found,
  };
}

/** Builds a UserDefinedFunction instance; `options.variableRank` overrides `defaultVariableRank`. */
export function createUserDefinedFunction(
  spec: FunctionSpec,
  variableShape: Shape,
  env: Pick<BuildEnv, 'path'>,
  options: UserDefinedOptions = {},
): FunctionInstance {
  const issues = new IssueList();
  const exprPath = jsonPath(...splitPath(env.path), 'expression');
  const expression = spec.expression;
  if (typeof expression !== 'string') {
    issues.add({
      path: exprPath,
      parameter: 'expression',
      message: expression === undefined ? `${TYPE} needs an expression` : `${TYPE}.expression has the wrong type`,
      expected: 'a string like "a * variable[0] + exp(-b)"',
      found: describeValue(expression),
    });
  }
  const params = namedParams(spec, env.path, issues);
  issues.throwIfAny();

  const layout: VariableLayout = {
    rows: [...variableShape],
    rank: options.variableRank ?? defaultVariableRank(variableShape, env),
  };
  let compiled: CompiledExpression;
  try {
    compiled = compileExpression(expression as string, params, layout);
    // A dry run on a zero variable: evaluation has no side effects and must not fail.
    compiled.evaluate(
      variableShape.map((n) => new Float64Array(n)),
      compiled.outputShape.map((n) => new Float64Array(n)),
    );
  } catch (e) {
    if (e instanceof ExpressionError) throw new ModelError([expressionIssue(e, exprPath)]);
    throw e;
  }

  const resolved: Record<string, unknown> = {};
  // defineProperty: a parameter may be named like an Object.prototype member ("__proto__").
  const define = (name: string, value: unknown) =>
    Object.defineProperty(resolved, name, { value, enumerable: true, writable: true, configurable: true });
  define('expression', expression);
  for (const key of params.keys()) define(key, structuredClone(spec[key]));

  const outputShape = [...compiled.outputShape];
  return {
    type: TYPE,
    outputShape,
    params: resolved,
    bind: () => ({
      execute(variable: Value, out: Value): void {
        compiled.evaluate(variable, out);
      },
    }),
    emit(cg, variable, out): void {
      emitExpression(cg, compiled.program, variable, out, env.path);
    },
  };
}

/**
 * The output shape of a UserDefinedFunction for a variable of `variableShape` (throws ModelError
 * like create()); `variable` is 2-D unless `options.variableRank` says 1.
 */
export function udfOutputShape(
  spec: FunctionSpec,
  variableShape: Shape,
  options: UserDefinedOptions & { path?: string } = {},
): Shape {
  const { path = 'function', variableRank = 2 } = options;
  return createUserDefinedFunction(spec, variableShape, { path }, { variableRank }).outputShape;
}

export const UserDefinedFunction: FunctionDeclaration = {
  type: TYPE,
  category: 'userdefined',
  help:
    'Computes an expression of the input: `variable` (one row per input port), the named parameters, ' +
    '+ - * / **, comparisons, and/or/not, `x if c else y`, [lists], indexing with constants, and ' +
    'exp log sqrt abs tanh sin cos min max sum len.',
  stochastic: false,
  params: [
    {
      name: 'expression',
      kind: 'string',
      default: undefined,
      help: 'The formula, e.g. "a * variable[0] + exp(-b)"; every other key of the function object is a named number it can use.',
    },
  ],
  create(spec, variableShape, env) {
    return createUserDefinedFunction(spec, variableShape, env);
  },
};
