/**
 * Every function case of ../shared/reference/public/functions.json (PsyNeuLink's numbers):
 * one instance per case, called `calls` times on the same variable (state carries over).
 */
import { describe, expect, it } from 'vitest';
import { createFunction } from '../src-main/components/functions/index.js';
import type { FunctionSpec, Value } from '../src-main/components/types.js';
import { allocValue } from '../src-main/components/types.js';
import { makeBuildEnv } from '../src-main/engine/build-env.js';
import { ContextStore, StateLayout } from '../src-main/engine/state.js';
import { KNOWN_DEVIATIONS } from './reference-compare.js';
import { readReferenceJson } from './shared-files.js';

interface FunctionCase {
  name: string;
  function: FunctionSpec;
  variable: unknown;
  calls: number;
  expected: unknown;
}

const file = readReferenceJson<{ cases: FunctionCase[]; tolerance: { rtol: number; atol: number } }>(
  'functions.json',
);

/** A case's variable as our 2-D Value: a scalar is [[x]], a 1-D array one row. */
export function toValue(v: unknown): Value {
  if (typeof v === 'number') return [Float64Array.of(v)];
  const a = v as unknown[];
  if (a.every((x) => typeof x === 'number')) return [Float64Array.from(a as number[])];
  return (a as number[][]).map((r) => Float64Array.from(r));
}

function flatten(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (v instanceof Float64Array) return Array.from(v);
  if (Array.isArray(v)) return v.flatMap(flatten);
  throw new Error(`not numeric: ${String(v)}`);
}

describe('functions match PsyNeuLink (functions.json)', () => {
  for (const c of file.cases) {
    it(c.name, () => {
      const layout = new StateLayout();
      const variable = toValue(c.variable);
      const fn = createFunction(c.function, variable.map((r) => r.length), makeBuildEnv(layout, 'function'));
      const ctx = new ContextStore(layout);
      const bound = fn.bind(ctx);
      const outputs: number[][] = [];
      for (let k = 0; k < c.calls; k++) {
        const out = allocValue(fn.outputShape);
        bound.execute(variable, out);
        outputs.push(flatten(out));
      }
      const got = outputs.flat();
      const want = flatten(c.expected);
      expect(got.length, 'number of output values').toBe(want.length);
      const { rtol, atol } = file.tolerance;
      const deviations = KNOWN_DEVIATIONS[c.name] ?? [];
      got.forEach((g, i) => {
        const w = want[i]!;
        const tol = Math.max(rtol, ...deviations.filter((d) => d.path.test(`value ${i}`)).map((d) => d.rtol));
        if (Math.abs(g - w) > atol + tol * Math.abs(w)) {
          expect.fail(`value ${i}: got ${g}, want ${w}`);
        }
      });
    });
  }
});
