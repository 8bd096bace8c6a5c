/**
 * numpy broadcasting of a weights/exponents parameter against a 2-D variable, as PsyNeuLink's
 * `variable * weights` does: a scalar applies everywhere; a flat array lines up with the LAST axis
 * (one value per column, not per row); a 2-D array must be [rows × cols], [rows × 1] or [1 × cols].
 */
import { describeValue } from '../../../model/errors.js';
import { flattenNumbers, paramError } from '../../params.js';
import type { IR, V } from '../../../compiler/codegen/ir.js';
import type { Shape } from '../../types.js';
import { libm } from '../distribution/libm.js';

function depth(v: unknown): number {
  return Array.isArray(v) ? 1 + (v.length ? depth(v[0]) : 0) : 0;
}

/** Broadcasts `v` to `shape` (rows of equal length unless `v` is a scalar); throws at `path`. */
export function broadcastToShape(v: unknown, shape: Shape, path: string, what: string): Float64Array[] {
  const rows = shape.length;
  const d = depth(v);
  if (d === 0 || flattenNumbers(v).length === 1) {
    const x = flattenNumbers(v)[0]!;
    return shape.map((n) => new Float64Array(n).fill(x));
  }
  const cols = shape[0]!;
  const fail = (why: string): never => {
    throw paramError(path, `${what} ${why}`, {
      expected: `a number, ${cols} values (one per element of each row), or an array shaped [${rows} × ${cols}], [${rows} × 1] (one per row, e.g. [[1], [-1]]) or [1 × ${cols}]`,
      found: describeValue(v),
    });
  };
  if (shape.some((n) => n !== cols)) fail(`is an array, which needs the variable's rows to have equal lengths (they are ${shape.join(', ')})`);
  if (d === 1) {
    const flat = flattenNumbers(v);
    if (flat.length !== cols) {
      fail(`has ${flat.length} values, but a flat array lines up with the ${cols} elements of each row (numpy broadcasting); write one value per row as [[w0], [w1], ...]`);
    }
    return shape.map(() => Float64Array.from(flat));
  }
  if (d !== 2) fail('has more than two dimensions');
  const m = v as unknown[][];
  if (!m.every((r) => Array.isArray(r) && r.length === m[0]!.length)) fail('is a ragged array');
  const r0 = m.length;
  const c0 = m[0]!.length;
  if ((r0 !== 1 && r0 !== rows) || (c0 !== 1 && c0 !== cols)) fail(`is shaped [${r0} × ${c0}], which does not broadcast to the variable's [${rows} × ${cols}]`);
  return shape.map((_, r) => {
    const src = m[r0 === 1 ? 0 : r]! as number[];
    const out = new Float64Array(cols);
    for (let c = 0; c < cols; c++) out[c] = src[c0 === 1 ? 0 : c]!;
    return out;
  });
}

/**
 * `x ** e` as numpy computes it: an exact square for 2, and otherwise the C library's pow (what
 * numpy and the compiled twin call; V8's Math.pow differs in the last bit for some inputs). The
 * reciprocal for -1 is what LLVM turns pow(x, -1) into, so both modes agree bit for bit.
 */
export function power(x: number, e: number): number {
  return e === 2 ? x * x : e === 1 ? x : e === -1 ? 1 / x : libm.pow(x, e);
}

/**
 * The compiled twin of `power`: `e` a constant decides at generation time; `e` a run-time value
 * (a per-element exponent table) selects between the same cases.
 */
export function emitPower(ir: IR, x: V, e: number | V): V {
  if (typeof e === 'number') return e === 2 ? ir.mul(x, x) : e === 1 ? x : e === -1 ? ir.div(ir.num(1), x) : ir.pow(x, ir.num(e));
  const general = ir.select(ir.eq(e, ir.num(-1)), ir.div(ir.num(1), x), ir.pow(x, e));
  return ir.select(ir.eq(e, ir.num(2)), ir.mul(x, x), ir.select(ir.eq(e, ir.num(1)), x, general));
}

/**
 * A row of per-element parameters (weights, exponents, gain, ...) in generated code: a number
 * when every element is the same (decided at generation time), else a constant table read at
 * element i (an i32 value).
 */
export type EmitParamRow = number | ((i: V) => V);

export function emitParamRow(ir: IR, name: string, row: ArrayLike<number>): EmitParamRow {
  const first = row.length ? row[0]! : 0;
  if (Array.from(row).every((x) => Object.is(x, first))) return first;
  const table = ir.constArray(name, row);
  return (i) => ir.load(table, i, name);
}

/** Element i of an EmitParamRow: a number for constants (for `emitPower`'s static cases). */
export function paramAt(p: EmitParamRow, i: V): number | V {
  return typeof p === 'number' ? p : p(i);
}

/** Element i of an EmitParamRow as a value. */
export function paramValue(ir: IR, p: EmitParamRow, i: V): V {
  return typeof p === 'number' ? ir.num(p) : p(i);
}

/**
 * `spec` without its null-valued keys: PsyNeuLink's combination functions take None for scale and
 * offset (and every other argument) to mean "the default".
 */
export function omitNulls<T extends Record<string, unknown>>(spec: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) if (v !== null) out[k] = v;
  return out as T;
}
