/**
 * Names never reach native code raw: models whose node names, port names, model name and
 * UserDefinedFunction parameter names hold quotes, newlines, `@`, `%`, backslashes, unicode,
 * emoji and 200-character names compile (LLVMRun) and run equal to Interpreted, and the
 * generated IR text contains none of the raw hostile strings. UDF expressions that would be
 * code in a host language (`constructor.constructor('x')()`, `process.exit()`, ...) are
 * ModelErrors, and never run anything.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ModelError } from '../src-main/model/errors.js';
import { parseModelText } from '../src-main/model/load.js';
import { buildComposition, type ModelLike } from '../src-main/engine/composition.js';
import { generateModule } from '../src-main/compiler/codegen/composition.js';
import { runModel } from '../src-main/runtime/run-model.js';

const savedCache = process.env['COGSTUDIO_OBJECT_CACHE'];
beforeAll(() => {
  process.env['COGSTUDIO_OBJECT_CACHE'] = 'off';
});
afterAll(() => {
  if (savedCache === undefined) delete process.env['COGSTUDIO_OBJECT_CACHE'];
  else process.env['COGSTUDIO_OBJECT_CACHE'] = savedCache;
});

/** Node and port names a hostile file might use (all accepted by the validator). */
const HOSTILE = [
  'say "hi"',
  "it's",
  '@main',
  '%0 = call void @exit()',
  'line\nbreak'.replace('\n', ' '), // control characters are refused in node names; see below for ports
  'back\\slash\\"',
  '"; declare void @system(i8*) ; "',
  'déjà vu — naïve',
  'Ω≈ç√∫',
  '😀🧠🔥',
  '\u202Ertl',
  'N'.repeat(199) + '"',
  'x'.repeat(200),
  '!"#$%&\'()*+,-./:;<=>?@[\\]^`{|}~',
  '%struct.Node*',
  '@llvm.trap',
  'a\u00a0b',
  '日本語のノード',
];
/** Port names may hold what node names may not. */
const HOSTILE_PORTS = ['in "one"', 'in\ntwo', 'tab\tport', '@p%1', '😀 port', 'p'.repeat(200), 'back\\slash', "q'uote"];

/**
 * UDF parameter names that are identifiers yet collide with JavaScript object members
 * ("__proto__" is refused: see the last test).
 */
const PARAM_NAMES = ['prototype', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'p'.repeat(200)];

interface Names {
  model: string;
  nodes: [string, string, string];
  ports: [string, string, string, string];
}

/** A three-node model using `names` everywhere a name goes, as JSON text (so "__proto__" is an own key). */
function modelText(n: Names): string {
  const [a, b, c] = n.nodes;
  const [p1, p2, o1, o2] = n.ports;
  const s = JSON.stringify;
  const [q0, q1, q2, q3, q4, q5] = PARAM_NAMES;
  const udf = `{"type": "UserDefinedFunction",
      "expression": "sum(variable[0] * ${q0}) + ${q1} * variable[1] - ${q2} + ${q3} * ${q4} + ${q5}",
      "${q0}": [1, 2], "${q1}": 0.5, "${q2}": 3, "${q3}": -0.25, "${q4}": 2, "${q5}": 0.125}`;
  return `{
    "format": "cogstudio-model", "version": 1, "name": ${s(n.model)}, "seed": 7,
    "nodes": {
      ${s(a)}: {"type": "TransferMechanism", "input_ports": [{"name": ${s(p1)}, "size": 2}, {"name": ${s(p2)}, "size": 2}],
                "function": {"type": "Logistic", "gain": 1.5, "bias": -0.2},
                "output_ports": [{"name": ${s(o1)}, "variable": ["OWNER_VALUE", 0]}, {"name": ${s(o2)}, "variable": ["OWNER_VALUE", 1]}]},
      ${s(b)}: {"type": "ProcessingMechanism", "input_ports": [{"name": ${s(p1)}, "size": 2}, {"name": ${s(p2)}, "size": 2}], "function": ${udf}},
      ${s(c)}: {"type": "TransferMechanism", "size": 2, "function": {"type": "Linear", "slope": 2, "intercept": 0.5},
                "integrator_mode": true, "integration_rate": 0.3}
    },
    "projections": [
      {"sender": ${s(a)}, "sender_port": ${s(o1)}, "receiver": ${s(b)}, "receiver_port": ${s(p1)}},
      {"sender": ${s(a)}, "sender_port": ${s(o2)}, "receiver": ${s(b)}, "receiver_port": ${s(p2)}},
      {"sender": ${s(b)}, "receiver": ${s(c)}, "matrix": [[1, -0.5], [0.25, 1]]}
    ],
    "conditions": {${s(c)}: {"type": "EveryNCalls", "dependency": ${s(b)}, "n": 1}},
    "run": {"inputs": {${s(a)}: [[[0.1, -0.2], [1, 2]], [[0.5, 0.5], [-1, 3]], [[2, -2], [0, 0.25]]]}, "num_trials": 3}
  }`;
}

function nameSets(): Names[] {
  const out: Names[] = [];
  for (let k = 0; k < 6; k++) {
    const at = (i: number) => HOSTILE[(3 * k + i) % HOSTILE.length]!;
    const port = (i: number) => HOSTILE_PORTS[(k + i) % HOSTILE_PORTS.length]!;
    out.push({ model: `${at(5).slice(0, 90)}\n${at(6).slice(0, 90)}`, nodes: [at(0), at(1), at(2)], ports: [port(0), port(1), port(2), port(3)] });
  }
  return out;
}

/** Strings that must never appear in IR: every hostile name that is not already a plain identifier. */
function rawStrings(n: Names): string[] {
  return [n.model, ...n.nodes, ...n.ports].filter((s) => !/^[A-Za-z0-9_]*$/.test(s));
}

function expectClose(a: number[][][], b: number[][][]): void {
  expect(b.length).toBe(a.length);
  a.forEach((trial, t) =>
    trial.forEach((row, r) =>
      row.forEach((x, i) => {
        const y = b[t]![r]![i]!;
        expect(Math.abs(x - y)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(x)));
      }),
    ),
  );
}

describe('hostile names in compiled models', () => {
  it.each(nameSets().map((n, k) => [k, n] as const))('name set %i compiles (LLVMRun), runs equal to Interpreted, and its IR holds no raw name', (_k, names) => {
    const model = parseModelText(modelText(names), 'names.cogmodel.json').model as ModelLike;
    const interpreted = runModel({ model, mode: 'Interpreted' });
    const compiled = runModel({ model, mode: 'LLVMRun' });
    expect(compiled.executed_mode).toBe('LLVMRun');
    expect(interpreted.trials).toBe(3);
    expect(interpreted.results.flat(2).every(Number.isFinite)).toBe(true);
    expectClose(interpreted.results, compiled.results);

    const ir = generateModule(buildComposition(model), { withScheduler: true }).ir.print();
    expect(ir.length).toBeGreaterThan(1000);
    for (const raw of rawStrings(names)) {
      expect(ir.includes(raw), `IR contains ${JSON.stringify(raw)}`).toBe(false);
    }
    // nothing non-ASCII or unprintable either: every symbol went through sanitize
    const lines = ir.split('\n');
    for (const line of lines) expect(line, line).toMatch(/^[\x20-\x7e\t]*$/);
    // and no symbol, metadata or string constant other than ours is declared
    expect(ir).not.toMatch(/declare[^\n]*@(system|exec|exit|popen|dlopen|fork)\b/);
  });

  it('the checks above can fail: a raw name would be found in IR text', () => {
    // the same search over a string that holds a raw name finds it
    const names = nameSets()[0]!;
    const fake = `define void @"${names.nodes[0]}"() {}`;
    expect(rawStrings(names).some((raw) => fake.includes(raw))).toBe(true);
  });

  it('UDF parameter names that are not identifiers are ModelErrors', () => {
    for (const bad of ['a"b', 'x y', '@p', '%1', 'a\nb', 'é', '😀', '', '1a', 'a-b', 'a.b', 'constructor.constructor']) {
      const text = `{"format": "cogstudio-model", "version": 1, "nodes": {"U": {"type": "ProcessingMechanism", "size": 1,
        "function": {"type": "UserDefinedFunction", "expression": "variable[0] * 2", ${JSON.stringify(bad)}: 1}}}}`;
      const model = parseModelText(text).model as ModelLike;
      expect(() => runModel({ model, mode: 'Interpreted', numTrials: 1 }), bad).toThrow(ModelError);
    }
  });
});

describe('UDF expressions are parsed by our grammar, never evaluated by JavaScript', () => {
  const HOSTILE_EXPRESSIONS = [
    "constructor.constructor('x')()",
    "constructor.constructor('return process')().exit()",
    'process.exit()',
    'process.exit(1)',
    '__proto__',
    '__proto__.polluted',
    'variable.constructor',
    'variable[0].constructor',
    "variable['constructor']",
    'this',
    'globalThis',
    "require('child_process')",
    "import('fs')",
    "eval('1')",
    "Function('return 1')()",
    'exp.constructor',
    'sum.call(0)',
    'toString()',
    'valueOf',
    '`${1}`',
    '(() => 1)()',
    'x = 1',
    'variable; process.exit()',
    '1 // comment',
    '__import__("os").system("true")',
    'lambda: 0',
    '[x for x in variable]',
    "'a' + 'b'",
    '"\\u0041"',
    'a\u0000b',
  ];

  it.each(HOSTILE_EXPRESSIONS)('%j is a ModelError and runs nothing', (expression) => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => {
      throw new Error('process.exit was called');
    }) as never);
    try {
      const model: ModelLike = {
        format: 'cogstudio-model',
        version: 1,
        nodes: { U: { type: 'ProcessingMechanism', size: 1, function: { type: 'UserDefinedFunction', expression } } },
      } as ModelLike;
      let error: unknown;
      for (const mode of ['Interpreted', 'LLVMRun'] as const) {
        try {
          runModel({ model, mode, numTrials: 1 });
          error = undefined;
        } catch (e) {
          error = e;
        }
        expect(error, `${mode}: ${String(error)}`).toBeInstanceOf(ModelError);
      }
      expect(exit).not.toHaveBeenCalled();
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    } finally {
      exit.mockRestore();
    }
  });

  it('parameters named constructor or prototype are plain numbers; one named __proto__ is a ModelError', () => {
    const text = (p: string) => `{"format": "cogstudio-model", "version": 1, "nodes": {"U": {"type": "ProcessingMechanism", "size": 1,
      "function": {"type": "UserDefinedFunction", "expression": "${p} + constructor * variable[0]", "${p}": 2, "constructor": 3}}},
      "run": {"inputs": {"U": [[1], [2]]}}}`;
    const model = parseModelText(text('prototype')).model as ModelLike;
    for (const mode of ['Interpreted', 'LLVMRun'] as const) {
      expect(runModel({ model, mode }).results).toEqual([[[5]], [[8]]]);
    }
    const proto = parseModelText(text('__proto__')).model as ModelLike;
    for (const mode of ['Interpreted', 'LLVMRun'] as const) expect(() => runModel({ model: proto, mode })).toThrow(ModelError);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['constructor']).toBe(Object);
  });
});
