/**
 * Output ports: standard ports (RESULT, MEAN, variance, ... as PsyNeuLink names them) and
 * custom ports with a `variable` (["OWNER_VALUE", i]) and a `function`.
 */
import { ModelError, describeValue, jsonPath } from '../../model/errors.js';
import { isSpecObject } from '../params.js';
import { CodegenUnsupported } from '../../compiler/codegen/codegen.js';
import type { IR, V } from '../../compiler/codegen/ir.js';
import type { FunctionSpec, Shape, Value } from '../types.js';
import type { MechanismEnv, OutputPortInstance } from './types.js';

/** A standard port: reads row `row` of the owner's value and maps it (identity by default). */
export interface StandardPort {
  row: number;
  /** Output length for an input row of length n. */
  length?: (n: number) => number;
  map?: (x: Float64Array, out: Float64Array) => void;
  /** The compiled twin of `map` (x and out are double* of static lengths). */
  emit?: (ir: IR, x: V, n: number, out: V) => void;
}

function emitMean(ir: IR, x: V, n: number): V {
  const sum = ir.variable(ir.num(0), 'sum');
  ir.loop(n, (i) => sum.set(ir.add(sum.get(), ir.load(x, i))));
  return ir.div(sum.get(), ir.num(n));
}

function emitVariance(ir: IR, x: V, n: number): V {
  const m = emitMean(ir, x, n);
  const acc = ir.variable(ir.num(0), 'ss');
  ir.loop(n, (i) => {
    const d = ir.sub(ir.load(x, i), m);
    acc.set(ir.add(acc.get(), ir.mul(d, d)));
  });
  return ir.div(acc.get(), ir.num(n));
}

function mean(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s / x.length;
}

function variance(x: Float64Array): number {
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - m) ** 2;
  return s / x.length;
}

function pick(select: (x: Float64Array) => number, indicator: boolean, abs: boolean) {
  return (x: Float64Array, out: Float64Array) => {
    const k = select(x);
    out.fill(0);
    if (k >= 0) out[k] = indicator ? 1 : abs ? x[k]! : x[k]!;
  };
}

function argBy(better: (a: number, b: number) => boolean, abs: boolean) {
  return (x: Float64Array): number => {
    let k = -1;
    let best = 0;
    for (let i = 0; i < x.length; i++) {
      const v = abs ? Math.abs(x[i]!) : x[i]!;
      if (k < 0 || better(v, best)) {
        k = i;
        best = v;
      }
    }
    return k;
  };
}

const gt = (a: number, b: number) => a > b;
const lt = (a: number, b: number) => a < b;
const scalar = () => 1;

/** Standard ports of the TransferMechanism family, computed from value[0]. */
export const TRANSFER_STANDARD_PORTS: Readonly<Record<string, StandardPort>> = {
  RESULT: { row: 0 },
  MEAN: { row: 0, length: scalar, map: (x, o) => void (o[0] = mean(x)), emit: (ir, x, n, o) => ir.store(emitMean(ir, x, n), o) },
  MEDIAN: {
    row: 0,
    length: scalar,
    map: (x, o) => {
      const s = Array.from(x).sort((a, b) => a - b);
      const m = s.length >> 1;
      o[0] = s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
    },
  },
  standard_deviation: { row: 0, length: scalar, map: (x, o) => void (o[0] = Math.sqrt(variance(x))), emit: (ir, x, n, o) => ir.store(ir.sqrt(emitVariance(ir, x, n)), o) },
  variance: { row: 0, length: scalar, map: (x, o) => void (o[0] = variance(x)), emit: (ir, x, n, o) => ir.store(emitVariance(ir, x, n), o) },
  MAX_VAL: { row: 0, map: pick(argBy(gt, false), false, false) },
  MAX_ABS_VAL: { row: 0, map: pick(argBy(gt, true), false, true) },
  MAX_INDICATOR: { row: 0, map: pick(argBy(gt, false), true, false) },
  MAX_ABS_INDICATOR: { row: 0, map: pick(argBy(gt, true), true, true) },
  MIN_VAL: { row: 0, map: pick(argBy(lt, false), false, false) },
  MIN_ABS_VAL: { row: 0, map: pick(argBy(lt, true), false, true) },
  MIN_INDICATOR: { row: 0, map: pick(argBy(lt, false), true, false) },
  MIN_ABS_INDICATOR: { row: 0, map: pick(argBy(lt, true), true, true) },
};

/** Upper-case spellings accepted for the lower-case standard names. */
const ALIASES: Record<string, string> = { STANDARD_DEVIATION: 'standard_deviation', VARIANCE: 'variance' };

export interface PortSpec {
  name?: unknown;
  variable?: unknown;
  function?: unknown;
  [k: string]: unknown;
}

/**
 * Builds the output ports of a node from its `output_ports` spec (or the defaults).
 * `standard` maps standard names to rows/statistics; `defaultNames` are used when none are given.
 */
export function createOutputPorts(
  specs: unknown,
  valueShape: Shape,
  standard: Readonly<Record<string, StandardPort>>,
  defaultNames: readonly string[],
  env: MechanismEnv,
  basePath: string,
): OutputPortInstance[] {
  const list: unknown[] = specs === undefined ? defaultNames.map((name) => ({ name })) : (specs as unknown[]);
  if (!Array.isArray(list)) {
    throw new ModelError([{ path: `${basePath}.output_ports`, node: env.node, message: `output_ports of ${env.node} must be a list`, expected: 'an array of port objects', found: describeValue(specs) }]);
  }
  const known: Record<string, StandardPort> = { ...standard };
  defaultNames.forEach((name, row) => {
    known[name] ??= { row };
  });
  const issues: ConstructorParameters<typeof ModelError>[0] = [];
  const ports: OutputPortInstance[] = [];
  const seen = new Set<string>();
  list.forEach((raw, i) => {
    const path = `${basePath}.output_ports[${i}]`;
    const spec: PortSpec = typeof raw === 'string' ? { name: raw } : (raw as PortSpec);
    if (typeof spec !== 'object' || spec === null || typeof spec.name !== 'string' || !spec.name) {
      issues.push({ path, node: env.node, message: `each output port of ${env.node} needs a name`, expected: '{"name": "RESULT"}', found: describeValue(raw) });
      return;
    }
    const name = spec.name;
    if (seen.has(name)) {
      issues.push({ path: `${path}.name`, node: env.node, message: `${env.node} has two output ports named ${JSON.stringify(name)}` });
      return;
    }
    seen.add(name);
    try {
      ports.push(createPort(name, spec, valueShape, known, env, path));
    } catch (e) {
      if (e instanceof ModelError) issues.push(...e.issues);
      else throw e;
    }
  });
  if (issues.length) throw new ModelError(issues);
  return ports;
}

function createPort(
  name: string,
  spec: PortSpec,
  valueShape: Shape,
  standard: Readonly<Record<string, StandardPort>>,
  env: MechanismEnv,
  path: string,
): OutputPortInstance {
  for (const key of Object.keys(spec)) {
    if (!['name', 'variable', 'function'].includes(key)) {
      throw new ModelError([{ path: jsonPath(path, key), node: env.node, message: `output port ${JSON.stringify(name)} of ${env.node} has no setting ${JSON.stringify(key)}`, expected: 'name, variable, function' }]);
    }
  }
  let row = 0;
  if (spec.variable !== undefined) {
    const v = spec.variable;
    const ok = Array.isArray(v) && v.length === 2 && v[0] === 'OWNER_VALUE' && Number.isInteger(v[1]) && (v[1] as number) >= 0 && (v[1] as number) < valueShape.length;
    if (!ok) {
      throw new ModelError([{ path: `${path}.variable`, node: env.node, message: `output port ${JSON.stringify(name)} of ${env.node} reads an item its owner's value does not have`, expected: `["OWNER_VALUE", i] with 0 ≤ i < ${valueShape.length}`, found: describeValue(v) }]);
    }
    row = v[1] as number;
  }
  const slotName = `${env.node}.output_ports.${name}`;
  if (spec.function !== undefined) {
    if (!isSpecObject(spec.function)) {
      throw new ModelError([{ path: `${path}.function`, node: env.node, message: `the function of output port ${JSON.stringify(name)} must be a function object`, expected: '{"type": ...}', found: describeValue(spec.function) }]);
    }
    const fn = env.createFunction(spec.function as FunctionSpec, [valueShape[row]!], `${path}.function`);
    const shape = fn.outputShape;
    const slot = shape.map((n, r) => env.layout.f64(`${slotName}[${r}]`, new Float64Array(n)));
    return {
      name,
      shape,
      slot,
      bind(ctx) {
        const bound = fn.bind(ctx);
        const variable: Value = [new Float64Array(0)];
        return (owner, out) => {
          variable[0] = owner[row]!;
          bound.execute(variable, out);
        };
      },
      emit(cg, owner, out) {
        if (!fn.emit) throw new CodegenUnsupported(`${env.node}.${name}`, `output port function ${fn.type}`, 'has no compiled form yet');
        fn.emit(cg, { rows: [owner.rows[row]!] }, out);
      },
    };
  }
  // own keys only: a port named "toString" or "__proto__" is not a standard port
  const own = <T>(o: Readonly<Record<string, T>>, k: string): T | undefined => (Object.hasOwn(o, k) ? o[k] : undefined);
  const std = own(standard, name) ?? own(standard, own(ALIASES, name) ?? '');
  if (!std && spec.variable === undefined) {
    throw new ModelError([{ path: `${path}.name`, node: env.node, message: `${JSON.stringify(name)} is not a standard output port of ${env.node}; give it a "variable" or a "function"`, expected: `one of ${Object.keys(standard).join(', ')}`, found: JSON.stringify(name) }]);
  }
  const port: StandardPort = std ? { ...std, row: spec.variable === undefined ? std.row : row } : { row };
  if (port.row >= valueShape.length) {
    throw new ModelError([{ path: `${path}.name`, node: env.node, message: `output port ${JSON.stringify(name)} reads item ${port.row} of a value with ${valueShape.length} items` }]);
  }
  const n = valueShape[port.row]!;
  const len = port.length ? port.length(n) : n;
  const slot = [env.layout.f64(`${slotName}[0]`, new Float64Array(len))];
  return {
    name,
    shape: [len],
    slot,
    bind() {
      return (owner, out) => {
        const x = owner[port.row]!;
        if (port.map) port.map(x, out[0]!);
        else out[0]!.set(x);
      };
    },
    emit(cg, owner, out) {
      const x = owner.rows[port.row]!;
      const o = out.rows[0]!;
      if (port.emit) port.emit(cg.ir, x.ptr, x.len, o.ptr);
      else if (port.map) throw new CodegenUnsupported(`${env.node}.${name}`, `standard output port ${name}`, 'has no compiled form yet');
      else cg.copy({ rows: [x] }, out);
    },
  };
}
