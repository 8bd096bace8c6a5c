/**
 * Noise as PsyNeuLink takes it: a number (added to every element), an array (one value per
 * element), or a distribution function object (called once per element, in element order).
 */
import { broadcastRow, isSpecObject } from '../params.js';
import type { BuildEnv, FunctionSpec } from '../types.js';
import type { ContextStore } from '../../engine/state.js';

export interface BoundNoise {
  /** Noise for element i of the current execution (draws in element order for distributions). */
  sample(i: number): number;
  /** True when the noise is the constant 0 (lets hot loops skip it). */
  readonly isZero: boolean;
}

export interface NoiseInstance {
  readonly stochastic: boolean;
  bind(ctx: ContextStore): BoundNoise;
}

export function createNoise(value: unknown, width: number, env: BuildEnv, path: string, what: string): NoiseInstance {
  if (isSpecObject(value)) {
    const fn = env.createFunction(value as FunctionSpec, [1], path);
    return {
      stochastic: true,
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
  return { stochastic: false, bind: () => ({ isZero, sample: (i) => row[i]! }) };
}
