/**
 * Every function case of functions.json through the function's compiled form: the same
 * numbers as the interpreter (1e-12 relative, RNG draws included) and as PsyNeuLink.
 */
import { describe, expect, it } from 'vitest';
import { createFunction } from '../src-main/components/functions/index.js';
import type { FunctionSpec, Value } from '../src-main/components/types.js';
import { allocValue } from '../src-main/components/types.js';
import { makeBuildEnv } from '../src-main/engine/build-env.js';
import { ContextStore, StateLayout } from '../src-main/engine/state.js';
import { compileFunction } from './compiled-function-harness.js';
import { readReferenceJson } from './shared-files.js';

interface FunctionCase {
  name: string;
  function: FunctionSpec;
  variable: unknown;
  calls: number;
  expected: unknown;
}

const file = readReferenceJson<{ cases: FunctionCase[]; tolerance: { rtol: number; atol: number } }>('functions.json');

function toValue(v: unknown): Value {
  if (typeof v === 'number') return [Float64Array.of(v)];
  const a = v as unknown[];
  if (a.every((x) => typeof x === 'number')) return [Float64Array.from(a as number[])];
  return (a as number[][]).map((r) => Float64Array.from(r));
}

describe('compiled functions agree with the interpreter (functions.json)', () => {
  for (const c of file.cases) {
    it(c.name, () => {
      const layout = new StateLayout();
      const variable = toValue(c.variable);
      const shape = variable.map((r) => r.length);
      const fn = createFunction(c.function, shape, makeBuildEnv(layout, 'function'));
      const interpreted = new ContextStore(layout);
      const compiledStore = new ContextStore(layout);
      const bound = fn.bind(interpreted);
      const native = compileFunction(fn, shape);
      try {
        const input = Float64Array.from(variable.flatMap((r) => Array.from(r)));
        const width = fn.outputShape.reduce((a, b) => a + b, 0);
        for (let k = 0; k < c.calls; k++) {
          const out = allocValue(fn.outputShape);
          bound.execute(variable, out);
          const want = out.flatMap((r) => Array.from(r));
          const got = new Float64Array(width);
          native.call(compiledStore.buffer, input, got);
          got.forEach((g, i) => {
            const w = want[i]!;
            if (!(Math.abs(g - w) <= 1e-12 * Math.abs(w) + 1e-15) && !(Number.isNaN(g) && Number.isNaN(w))) {
              expect.fail(`call ${k}, value ${i}: compiled ${g}, interpreted ${w}`);
            }
          });
        }
        // the whole state (integrators, RNG streams) ends identical
        expect(new Uint8Array(compiledStore.buffer)).toEqual(new Uint8Array(interpreted.buffer));
      } finally {
        native.dispose();
      }
    });
  }
});
