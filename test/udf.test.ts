/**
 * UserDefinedFunction: the expression language of model-format.md ("UserDefinedFunction"),
 * checked against j_udf's reference values, Python's precedence, numpy's element-wise semantics,
 * and hostile inputs (which must be refused, never executed).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFunction } from '../src-main/components/functions/index.js';
import {
  MAX_EXPRESSION_LENGTH,
  MAX_NESTING,
  compileExpression,
} from '../src-main/components/functions/userdefined/expression.js';
import { USERDEFINED_FUNCTIONS } from '../src-main/components/functions/userdefined/index.js';
import { udfOutputShape } from '../src-main/components/functions/userdefined/UserDefinedFunction.js';
import type { FunctionInstance, FunctionSpec } from '../src-main/components/types.js';
import { allocValue } from '../src-main/components/types.js';
import { makeBuildEnv } from '../src-main/engine/build-env.js';
import { ContextStore, StateLayout } from '../src-main/engine/state.js';
import { ModelError } from '../src-main/model/errors.js';
import { REPO_ROOT, readReferenceJson } from './shared-files.js';

const NODE_PATH = 'nodes.U.function';

function udf(expression: string, extra: Record<string, unknown> = {}): FunctionSpec {
  return { type: 'UserDefinedFunction', expression, ...extra };
}

function build(spec: FunctionSpec, shape: number[], path = NODE_PATH): { fn: FunctionInstance; layout: StateLayout } {
  const layout = new StateLayout();
  return { fn: createFunction(spec, shape, makeBuildEnv(layout, path)), layout };
}

/** Runs `expression` inside a mechanism (2-D variable) on `variable`; returns the rows it writes. */
function run(expression: string, variable: number[][], extra: Record<string, unknown> = {}, path = NODE_PATH): number[][] {
  const { fn, layout } = build(udf(expression, extra), variable.map((r) => r.length), path);
  const out = allocValue(fn.outputShape);
  fn.bind(new ContextStore(layout)).execute(
    variable.map((r) => Float64Array.from(r)),
    out,
  );
  return out.map((r) => Array.from(r));
}

/** The single number an expression evaluates to. */
function value(expression: string, variable: number[][] = [[0]], extra: Record<string, unknown> = {}): number {
  const rows = run(expression, variable, extra);
  expect(rows.map((r) => r.length)).toEqual([1]);
  return rows[0]![0]!;
}

/** The ModelError creating the function throws (fails the test if there is none). */
function modelError(spec: FunctionSpec, shape: number[] = [4], path = NODE_PATH): ModelError {
  try {
    build(spec, shape, path);
  } catch (e) {
    if (e instanceof ModelError) return e;
    throw new Error(`expected a ModelError, got ${String(e)}`);
  }
  throw new Error(`expected a ModelError for ${JSON.stringify(spec).slice(0, 200)}`);
}

function expectClose(got: number[][], want: number[][], rtol = 1e-9, atol = 1e-12): void {
  expect(got.map((r) => r.length)).toEqual(want.map((r) => r.length));
  got.forEach((row, r) =>
    row.forEach((g, i) => {
      const w = want[r]![i]!;
      if (Math.abs(g - w) > atol + rtol * Math.abs(w)) expect.fail(`row ${r} element ${i}: got ${g}, want ${w}`);
    }),
  );
}

describe('j_udf reference case', () => {
  interface Case {
    model: {
      nodes: Record<string, { function: FunctionSpec }>;
      projections: { sender: string; receiver: string; matrix?: number[][] }[];
      run: { inputs: { U1: number[][] } };
    };
    expected: { node_values: Record<string, number[][][]> };
    tolerance: { rtol: number; atol: number };
  }
  const c = readReferenceJson<Case>('j_udf.json');
  const u1Spec = c.model.nodes.U1!.function;
  const u2Spec = c.model.nodes.U2!.function;
  const matrix = c.model.projections.find((p) => p.sender === 'U1' && p.receiver === 'U2')!.matrix!;
  const { rtol, atol } = c.tolerance;

  const runNode = (spec: FunctionSpec, input: number[]): number[][] => {
    const { fn, layout } = build(spec, [input.length], 'nodes.N.function');
    const out = allocValue(fn.outputShape);
    fn.bind(new ContextStore(layout)).execute([Float64Array.from(input)], out);
    return out.map((r) => Array.from(r));
  };
  /** Receiver input = sender output (a row) × matrix. */
  const project = (row: number[]): number[] =>
    matrix[0]!.map((_, j) => row.reduce((s, x, i) => s + x * matrix[i]![j]!, 0));

  it('U1 (a*variable*variable + b*variable + c) gives the reference node values', () => {
    c.model.run.inputs.U1.forEach((input, trial) => {
      expectClose(runNode(u1Spec, input), c.expected.node_values.U1![trial]!, rtol, atol);
    });
  });

  it('U2 (a list of reductions and an element-wise if/else) gives the reference node values from U1', () => {
    c.model.run.inputs.U1.forEach((input, trial) => {
      const u1 = runNode(u1Spec, input);
      expectClose(runNode(u2Spec, project(u1[0]!)), c.expected.node_values.U2![trial]!, rtol, atol);
    });
  });

  it('U2 has an output of one row of 3 for a variable of one row of 4', () => {
    expect(build(u2Spec, [4]).fn.outputShape).toEqual([3]);
  });
});

describe('registration and variable', () => {
  it('is registered as a userdefined, deterministic function', () => {
    const decl = USERDEFINED_FUNCTIONS.UserDefinedFunction!;
    expect(decl.category).toBe('userdefined');
    expect(decl.stochastic).toBe(false);
    expect(decl.params.map((p) => p.name)).toEqual(['expression']);
  });

  it('inside a model, variable is 2-D: variable[0] is the first input port', () => {
    expect(run('variable[0] * 2', [[1, 2, 3]])).toEqual([[2, 4, 6]]);
    expect(run('variable[1]', [[1, 2], [3, 4]])).toEqual([[3, 4]]);
  });

  it('on its own with one row (functions.json), variable is that 1-D row: variable[0] is its first element', () => {
    expect(run('a * variable[0] + exp(-b)', [[1.5, -2]], { a: 2, b: 0.5 }, 'function')).toEqual([[3 + Math.exp(-0.5)]]);
  });

  it('exposes the expression and the named parameters as its params', () => {
    const { fn } = build(udf('a * variable', { a: [1, 2] }), [2]);
    expect(fn.params).toEqual({ expression: 'a * variable', a: [1, 2] });
    expect(fn.type).toBe('UserDefinedFunction');
  });
});

describe("Python's precedence", () => {
  it('unary minus binds looser than **: -2 ** 2 is -4', () => {
    expect(value('-2 ** 2')).toBe(-4);
  });
  it('** is right-associative: 2 ** 3 ** 2 is 512', () => {
    expect(value('2 ** 3 ** 2')).toBe(512);
  });
  it('the exponent may be negated: 2 ** -1 is 0.5', () => {
    expect(value('2 ** -1')).toBe(0.5);
  });
  it('* and / bind tighter than + and -, and associate to the left', () => {
    expect(value('1 + 2 * 3')).toBe(7);
    expect(value('(1 + 2) * 3')).toBe(9);
    expect(value('8 / 2 / 2')).toBe(2);
    expect(value('1 - 2 - 3')).toBe(-4);
  });
  it('comparisons bind looser than arithmetic and chain as in Python', () => {
    expect(value('1 + 1 == 2')).toBe(1);
    expect(value('1 < 2 < 3')).toBe(1);
    expect(value('3 > 2 > 2')).toBe(0);
  });
  it('not binds looser than comparisons, and tighter than and/or', () => {
    expect(value('not 1 < 0')).toBe(1);
    expect(value('not 0 and 0')).toBe(0);
  });
  it('and/or return an operand as in Python (a and b is b if a is true, else a)', () => {
    expect(value('0 or 2')).toBe(2);
    expect(value('3 and 0')).toBe(0);
    expect(value('3 and 4')).toBe(4);
    expect(value('1 or 0 and 0')).toBe(1);
  });
  it('x if c else y is the loosest and nests to the right', () => {
    expect(value('1 if 0 else 2 if 1 else 3')).toBe(2);
    expect(value('1 + 1 if 0 else 5')).toBe(5);
  });
  it('number literals follow Python (.5, 1e-3, 1_000)', () => {
    expect(value('.5 + 1e-3 + 1_000 + 2.')).toBe(1002.501);
  });
});

describe('element-wise semantics (numpy)', () => {
  it('arithmetic broadcasts a row over the rows of variable', () => {
    expect(run('variable * [1, 10]', [[1, 2], [3, 4]])).toEqual([[1, 20], [3, 40]]);
  });
  it('comparisons give 1.0 and 0.0 per element', () => {
    expect(run('variable > 1', [[0, 1, 2]])).toEqual([[0, 0, 1]]);
  });
  it('x if c else y chooses per element', () => {
    expect(run('variable if variable > 0 else -1', [[-1, 2, -3, 4]])).toEqual([[-1, 2, -1, 4]]);
  });
  it('and/or/not work per element', () => {
    expect(run('variable and 5', [[0, 2]])).toEqual([[0, 5]]);
    expect(run('variable or 5', [[0, 2]])).toEqual([[5, 2]]);
    expect(run('not variable', [[0, 2]])).toEqual([[1, 0]]);
  });
  it('the element-wise functions apply to every element', () => {
    const x = 'variable[0][0]';
    expectClose(run(`[exp(${x}), log(${x}), sqrt(${x}), abs(-${x}), tanh(${x}), sin(${x}), cos(${x})]`, [[0.5]]), [
      [Math.exp(0.5), Math.log(0.5), Math.sqrt(0.5), 0.5, Math.tanh(0.5), Math.sin(0.5), Math.cos(0.5)],
    ]);
  });
  it('invalid arithmetic gives inf and nan as numpy does, not an error', () => {
    expect(run('[1 / variable[0][0], log(-1 + variable[0][0]), (-8 + variable[0][0]) ** 0.5]', [[0]])).toEqual([[Infinity, NaN, NaN]]);
  });
});

describe('reductions', () => {
  it('min, max and sum of one argument reduce over all elements', () => {
    expect(run('[min(variable), max(variable), sum(variable)]', [[1, 5], [-2, 3]])).toEqual([[-2, 5, 7]]);
  });
  it('min, max and sum of several arguments work element-wise', () => {
    expect(run('max(variable[0], variable[1])', [[1, 5], [-2, 6]])).toEqual([[1, 6]]);
    expect(run('min(variable, 2)', [[1, 5]])).toEqual([[1, 2]]);
    expect(value('sum(1, 2, 3)')).toBe(6);
  });
  it('len is the length of the first dimension', () => {
    expect(run('[len(variable), len(variable[0])]', [[1, 2, 3], [4, 5, 6]])).toEqual([[2, 3]]);
  });
  it('max of an array containing nan is nan', () => {
    expect(value('max([1, log(-1), 2])')).toBeNaN();
  });
});

describe('indexing', () => {
  it('indexes with integer constants, chained or as a tuple', () => {
    expect(run('[variable[0][1], variable[1, 2]]', [[1, 2, 3], [4, 5, 6]])).toEqual([[2, 6]]);
  });
  it('negative indices count from the end as in Python', () => {
    expect(run('[variable[-1][-1], [10, 20, 30][-3]]', [[1, 2], [3, 4]])).toEqual([[4, 10]]);
  });
  it('an index out of range is an error naming the column', () => {
    const e = modelError(udf('variable[0][4]'), [4]);
    expect(e.issues[0]!.message).toMatch(/index 4 is out of range.*at column 12/);
    expect(e.issues[0]!.expected).toBe('an index from -4 to 3');
  });
  it('an index that is not an integer constant is an error', () => {
    expect(modelError(udf('variable[a]', { a: 0 })).issues[0]!.message).toMatch(/integer constant.*column 10/);
    expect(modelError(udf('variable[0.0]')).issues[0]!.message).toMatch(/integer constant.*column 10/);
  });
  it('too many indices is an error', () => {
    expect(modelError(udf('variable[0][1][2]')).issues[0]!.message).toMatch(/too many indices/);
  });
});

describe('output shape', () => {
  it('a list of 3 scalars is one row of 3', () => {
    expect(udfOutputShape(udf('[1, variable[0][0], 3]'), [4])).toEqual([3]);
    expect(udfOutputShape(udf('[1, variable[0], 3]'), [1], { variableRank: 1 })).toEqual([3]);
  });
  it('an expression shaped like variable has its shape', () => {
    expect(build(udf('variable * 2'), [3, 3]).fn.outputShape).toEqual([3, 3]);
  });
  it('a scalar is one row of 1', () => {
    expect(build(udf('sum(variable)'), [3, 3]).fn.outputShape).toEqual([1]);
  });
  it('input ports of different sizes can be indexed and listed, not computed with as a whole', () => {
    expect(run('variable[1] * 2', [[1, 2], [3, 4, 5]])).toEqual([[6, 8, 10]]);
    expect(run('[variable[1], variable[0] + 1]', [[1, 2], [3, 4, 5]])).toEqual([[3, 4, 5], [2, 3]]);
    expect(modelError(udf('variable * 2'), [2, 3]).issues[0]!.message).toMatch(/rows of different lengths \(2, 3\)/);
  });
  it('a value of more than 2 dimensions is an error', () => {
    expect(modelError(udf('[variable, variable]'), [2, 2]).issues[0]!.message).toMatch(/3 dimensions/);
  });
  it('shapes that do not broadcast are an error at the operator', () => {
    const e = modelError(udf('variable[0] + [1, 2, 3]'), [4]);
    expect(e.issues[0]!.message).toMatch(/shapes \(4,\) and \(3,\).*column 13/);
  });
});

describe('named parameters', () => {
  it('an array parameter broadcasts over the variable', () => {
    expect(run('w * variable', [[1, 1, 1]], { w: [1, 2, 3] })).toEqual([[1, 2, 3]]);
  });
  it('a 2-D parameter is usable as a matrix-shaped operand', () => {
    expect(run('sum(m * variable[0])', [[1, 2]], { m: [[1, 0], [0, 1]] })).toEqual([[3]]);
  });
  it('bad names and values are all reported, each at its JSON path', () => {
    const e = modelError(udf('1', { '1a': 1, variable: 1, exp: 2, if: 3, s: 'abc', r: [[1], [1, 2]], t: true }));
    expect(e.issues.map((i) => i.path)).toEqual([
      'nodes.U.function["1a"]',
      'nodes.U.function.variable',
      'nodes.U.function.exp',
      'nodes.U.function.if',
      'nodes.U.function.s',
      'nodes.U.function.r',
      'nodes.U.function.t',
    ]);
  });
  it('a missing expression is an error at .expression', () => {
    const e = modelError({ type: 'UserDefinedFunction', a: 1 });
    expect(e.issues[0]!.path).toBe('nodes.U.function.expression');
    expect(e.issues[0]!.message).toMatch(/needs an expression/);
  });
  it('a parameter named __proto__ is just a name and pollutes nothing', () => {
    const spec = JSON.parse('{"type": "UserDefinedFunction", "expression": "__proto__ + 1", "__proto__": 2}') as FunctionSpec;
    const { fn, layout } = build(spec, [1]);
    const out = allocValue(fn.outputShape);
    fn.bind(new ContextStore(layout)).execute([Float64Array.of(0)], out);
    expect(out[0]![0]).toBe(3);
    expect(Object.prototype.hasOwnProperty.call(fn.params, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).expression).toBeUndefined();
  });
});

describe('error messages', () => {
  it('a syntax error says what was expected and names the column with a caret line', () => {
    const issue = modelError(udf('a +* b', { a: 1, b: 2 })).issues[0]!;
    expect(issue.path).toBe('nodes.U.function.expression');
    expect(issue.message).toContain('syntax error at column 4');
    expect(issue.message).toContain('\n    a +* b\n       ^');
    expect(issue.expected).toBe('a number, a name, "(" or "["');
    expect(issue.found).toBe('"*"');
  });
  it('an unclosed bracket names the bracket it expected', () => {
    const issue = modelError(udf('exp((1 + 2)')).issues[0]!;
    expect(issue.message).toContain('column 12');
    expect(issue.expected).toMatch(/"," or "\)" in the call of exp/);
  });
  it('an unknown name names it and lists the known ones', () => {
    const issue = modelError(udf('gain * variable', { a: 1 })).issues[0]!;
    expect(issue.message).toMatch(/unknown name "gain" at column 1/);
    expect(issue.expected).toContain('"variable", "a"');
    expect(issue.expected).toContain('exp, log, sqrt, abs, tanh, sin, cos, min, max, sum, len');
  });
  it('a function used without a call, or with the wrong number of arguments, is an error', () => {
    expect(modelError(udf('exp + 1')).issues[0]!.message).toMatch(/"exp" is a function/);
    expect(modelError(udf('exp(1, 2)')).issues[0]!.message).toMatch(/exp\(\) takes 1 argument/);
    expect(modelError(udf('a(1)', { a: 1 })).issues[0]!.message).toMatch(/"a" is not a function/);
  });
  it('a caret line in a long expression shows a window around the column', () => {
    const issue = modelError(udf(`${'1 + '.repeat(100)}* 2`)).issues[0]!;
    const lines = issue.message.split('\n');
    expect(lines[1]!.length).toBeLessThan(90);
    expect(lines[2]!.indexOf('^')).toBe(lines[1]!.indexOf('* 2'));
  });
});

describe('hostile expressions are refused, never executed', () => {
  afterEach(() => vi.restoreAllMocks());

  const hostile: [string, string][] = [
    ["constructor.constructor('x')()", 'attribute access'],
    ['constructor', 'unknown name "constructor"'],
    ['process.exit()', 'attribute access'],
    ['process', 'unknown name "process"'],
    ['__proto__', 'unknown name "__proto__"'],
    ['toString()', 'unknown name "toString"'],
    ['hasOwnProperty', 'unknown name "hasOwnProperty"'],
    ['a.b', 'attribute access'],
    ['"x"', 'strings are not part'],
    ["'x' + variable", 'strings are not part'],
    ['1 +\n 2', 'line break outside brackets'],
    ['variable × 2', 'unexpected character'],
    ['é', 'unexpected character'],
    ['1 + \u202e2', 'unexpected character'],
    ['1 \u0000 2', 'unexpected character'],
    ['1; 2', 'unexpected character'],
    ['x = 1', 'assignment'],
    ['lambda: 1', '":" is not part'],
    ['lambda', 'unknown name "lambda"'],
    ['variable[0:2]', '":" is not part'],
    ['`1`', 'unexpected character'],
    ['${1}', 'unexpected character'],
    ['', 'empty'],
  ];
  for (const [expression, problem] of hostile) {
    it(`${JSON.stringify(expression)} is a ModelError (${problem})`, () => {
      const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
      const e = modelError(udf(expression, { a: 1 }));
      expect(e.issues[0]!.message).toContain(problem);
      expect(e.issues[0]!.path).toBe('nodes.U.function.expression');
      expect(exit).not.toHaveBeenCalled();
    });
  }

  it('the caret line shows non-ASCII and control characters as "?"', () => {
    const issue = modelError(udf('1 + \u202e2')).issues[0]!;
    expect(issue.message).toContain('\n    1 + ?2\n        ^');
    expect(issue.found).toBe('the character U+202E');
  });

  it('a 10 MB expression is refused by its length, quickly', () => {
    const start = performance.now();
    const issue = modelError(udf('1+'.repeat(5 * 2 ** 20))).issues[0]!;
    expect(issue.message).toMatch(new RegExp(`too long \\(10485760 characters; the limit is ${MAX_EXPRESSION_LENGTH}\\)`));
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('10 000 nested parentheses are refused (by length), not a stack overflow', () => {
    expect(modelError(udf(`${'('.repeat(10_000)}1${')'.repeat(10_000)}`)).issues[0]!.message).toMatch(/too long/);
  });

  it('nesting deeper than the limit is a clear error within the length limit', () => {
    const deep = (n: number) => `${'('.repeat(n)}1${')'.repeat(n)}`;
    expect(value(deep(MAX_NESTING - 5))).toBe(1);
    expect(modelError(udf(deep(3000))).issues[0]!.message).toMatch(new RegExp(`nested too deeply \\(more than ${MAX_NESTING} levels\\)`));
    expect(modelError(udf(`${'-'.repeat(4000)}1`)).issues[0]!.message).toMatch(/nested too deeply/);
    expect(modelError(udf(`${'not '.repeat(2000)}1`)).issues[0]!.message).toMatch(/nested too deeply/);
    expect(modelError(udf(`${'[exp('.repeat(1000)}1${')]'.repeat(1000)}`)).issues[0]!.message).toMatch(/nested too deeply/);
  });

  it('a long chain 1 + 1 + ... is refused as too deep beyond the tree limit, and fine below it', () => {
    expect(value(Array(500).fill('1').join('+'))).toBe(500);
    expect(modelError(udf(Array(4000).fill('1').join('+'))).issues[0]!.message).toMatch(/too deep/);
  });

  it('arbitrary strings give a compiled function or a ModelError, nothing else', () => {
    const alphabet = [...'0123456789+-*/()[],.<>=!ab_ variable exp if else and or not sum len"\'\n\\é`$;{}'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 60 }).map((a) => a.join('')), (s) => {
        try {
          build(udf(s, { a: 1, b: [1, 2] }), [2, 2]);
        } catch (e) {
          if (!(e instanceof ModelError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('the implementation never hands text to a JavaScript evaluator', () => {
    const dir = join(REPO_ROOT, 'src-main', 'components', 'functions', 'userdefined');
    for (const file of ['expression.ts', 'UserDefinedFunction.ts', 'index.ts']) {
      const src = readFileSync(join(dir, file), 'utf8');
      expect(src, file).not.toMatch(/\beval\s*\(|new\s+Function\b|\bFunction\s*\(|import\s*\(|\bsetTimeout\b|\bvm\b/);
    }
  });
});

describe('compiled once', () => {
  it('constant parts are computed at compile time; evaluation runs only the variable-dependent operations', () => {
    const compiled = compileExpression('variable + (exp(-b) * 2 + sum([1, 2, 3]))', new Map([['b', { shape: [], data: Float64Array.of(0.5) }]]), {
      rows: [3],
      rank: 2,
    });
    // one copy of the variable row + the final addition (variable + constant)
    expect(compiled.operationCount).toBe(2);
    const out = [new Float64Array(3)];
    compiled.evaluate([Float64Array.of(0, 1, 2)], out);
    expectClose([Array.from(out[0]!)], [[0, 1, 2].map((x) => x + Math.exp(-0.5) * 2 + 6)]);
  });

  it('changing the spec after create does not change what the function computes', () => {
    const spec = udf('variable * 2');
    const { fn, layout } = build(spec, [2]);
    spec.expression = 'variable * 3';
    const out = allocValue(fn.outputShape);
    fn.bind(new ContextStore(layout)).execute([Float64Array.of(1, 2)], out);
    expect(Array.from(out[0]!)).toEqual([2, 4]);
  });

  it('repeated executions reuse buffers without carrying values over', () => {
    const { fn, layout } = build(udf('[sum(variable), max(variable)]'), [2]);
    const bound = fn.bind(new ContextStore(layout));
    const out = allocValue(fn.outputShape);
    bound.execute([Float64Array.of(1, 2)], out);
    expect(Array.from(out[0]!)).toEqual([3, 2]);
    bound.execute([Float64Array.of(-5, -7)], out);
    expect(Array.from(out[0]!)).toEqual([-12, -5]);
  });
});
