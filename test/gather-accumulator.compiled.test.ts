/**
 * A node's input row is accumulated in a stack array and copied to the state once (composition.ts,
 * emitGatherBody): the optimiser can then keep a short row in vector registers across the sender's
 * elements. The same additions in the same order: every compiled mode still equals Interpreted bit
 * for bit; rows longer than the register budget, and shared set code, keep accumulating in place.
 */
import { describe, expect, it } from 'vitest';
import { chainModel, layersModel } from '../bench/generate.js';
import { generateModule } from '../src-main/compiler/codegen/composition.js';
import { buildComposition, type ModelLike } from '../src-main/engine/composition.js';
import { expectSameAsInterpreted, type Json } from './ocm-models.js';

/** The stack accumulators of a model's LLVMRun module, by length. */
function accumulators(model: Json): number[] {
  const text = generateModule(buildComposition(model as unknown as ModelLike), { withScheduler: true }).ir.print();
  return [...text.matchAll(/%acc[\w.]* = alloca double, i32 (\d+)/g)].map((m) => Number(m[1]));
}

describe('input rows accumulated on the stack', () => {
  it('a 3-layer network of 24-unit layers: the two receiving layers accumulate on the stack; every mode equals Interpreted', () => {
    // Linear layers (Logistic's exp is V8's in the interpreter and libm's in compiled code: 1-ulp apart)
    const model = layersModel(24) as unknown as Json & { nodes: Record<string, Record<string, unknown>> };
    for (const node of Object.values(model.nodes)) node.function = { type: 'Linear', slope: 0.75, intercept: 0.125 };
    expect(accumulators(model)).toEqual([24, 24]);
    expectSameAsInterpreted(model);
  }, 120_000);

  it('rows over 128 elements accumulate in place (they would not fit in registers)', () => {
    expect(accumulators(layersModel(130) as unknown as Json)).toEqual([]);
  }, 120_000);

  it('shared set code (big models) accumulates in place; small models of the same chain do not', () => {
    expect(accumulators(chainModel(40) as unknown as Json)).toEqual([]);
    expect(accumulators(chainModel(8) as unknown as Json)).toEqual(Array(7).fill(2));
  }, 120_000);
});
