/**
 * Noise as PsyNeuLink takes it: a number (added to every element), an array (one value per
 * element), or a distribution function object (called once per element, in element order).
 */
import { broadcastRow, isSpecObject } from '../params.js';
import type { BuildEnv, FunctionSpec } from '../types.js';
import type { ContextStore } from '../../engine/state.js';
import type { Codegen } from '../../compiler/codegen/codegen.js';
import type { V } from '../../compiler/codegen/ir.js';

export interface BoundNoise {
  /** Noise for element i of the current execution (draws in element order for distributions). */
  sample(i: number): number;
  /** True when the noise is the constant 0 (lets hot loops skip it). */
  readonly isZero: boolean;
}

export interface NoiseInstance {
  readonly stochastic: boolean;
  bind(ctx: ContextStore): BoundNoise;
  /** True when the noise is the constant 0. */
  readonly isZero: boolean;
  /** The compiled twin of `sample(i)` (i is an i32); null when it cannot be compiled. */
  emitSample(cg: Codegen): ((i: V) => V) | null;
}

export function createNoise(value: unknown, width: number, env: BuildEnv, path: string, what: string): NoiseInstance {
  if (isSpecObject(value)) {
    const fn = env.createFunction(value as FunctionSpec, [1], path);
    return {
      stochastic: true,
      isZero: false,
      emitSample(cg) {
        if (!fn.emit) return null;
        const input = cg.scratch([1], 'noise.in');
        const out = cg.scratch([1], 'noise.out');
        return () => {
          cg.ir.store(cg.ir.num(0), input.rows[0]!.ptr);
          fn.emit!(cg, input, out);
          return cg.ir.load(out.rows[0]!.ptr, 0, 'noise');
        };
      },
      bind(ctx) {
        const bound = fn.bind(ctx);
        const input = [new Float64Array(1)];
        const out = [new Float64Array(1)];
        return {
          isZero: false,
          sample() {
            bound.execute(input, out);
            return out[0]![0]!;
          },
        };
      },
    };
  }
  const row = broadcastRow(value ?? 0, width, path, what);
  const isZero = row.every((x) => x === 0);
  return {
    stochastic: false,
    isZero,
    bind: () => ({ isZero, sample: (i) => row[i]! }),
    emitSample(cg) {
      const ir = cg.ir;
      if (row.every((x) => x === row[0])) return () => ir.num(row[0] ?? 0);
      const table = ir.constArray('noise', row);
      return (i) => ir.load(table, i, 'noise');
    },
  };
}
