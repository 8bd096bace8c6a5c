/**
 * A node's input row is accumulated in a stack array and copied to the state once (composition.ts,
 * emitGatherBody): the optimiser can then keep a short row in vector registers across the sender's
 * elements. The same additions in the same order: every compiled mode still equals Interpreted bit
 * for bit; rows longer than the register budget, and shared set code, keep accumulating in place.
 * A sender element that is 0 is skipped (as the interpreter does) only where skipping can change a bit.
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

/** Per gather function of a model's LLVMRun module: how many sender elements it tests for zero. */
function zeroTests(model: Json): Record<string, number> {
  const text = generateModule(buildComposition(model as unknown as ModelLike), { withScheduler: true }).ir.print();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^define internal void @gather\.\d+\.(\w+)\(.*?\n}\n/gms)) {
    out[m[1]!] = [...m[0].matchAll(/= fcmp une double %x[\w.]*, 0\.0/g)].length;
  }
  return out;
}

describe('a sender element that is zero', () => {
  /** A (an input node with a recurrent matrix) → B; identity functions that keep -0.0 (intercept -0.0). */
  const model = (weight: number): Json => ({
    format: 'cogstudio-model',
    version: 1,
    name: 'zero_senders',
    nodes: {
      A: { type: 'RecurrentTransferMechanism', size: 2, function: { type: 'Linear', slope: 1, intercept: -0 }, hetero: 1.5 },
      B: { type: 'TransferMechanism', size: 2, function: { type: 'Linear', slope: 1, intercept: -0 } },
    },
    projections: [{ sender: 'A', receiver: 'B', matrix: [[0.5, -1], [2, weight]] }],
    run: { inputs: { A: [[[-0, -0]], [[0, -0]], [[1, -0]], [[-0, 3]]] } },
  });

  it('adds nothing, as in the interpreter (which skips it): no branch for short rows of finite weights into a row that starts at +0.0', () => {
    // A's row starts with its external input (-0.0 here), which 0 × w = +0.0 would turn into +0.0: A keeps its tests
    expect(zeroTests(model(0.25))).toEqual({ A: 2, B: 0 });
    const ref = expectSameAsInterpreted(model(0.25));
    const a = ref.node_values!['A']!;
    expect(Object.is(a[0]![0]![0], -0) && Object.is(a[1]![0]![1], -0), 'A keeps the -0.0 of its input').toBe(true);
  }, 120_000);

  it('keeps the test for rows longer than an unrolled loop (it skips a whole row of products)', () => {
    expect(zeroTests(layersModel(6) as unknown as Json)).toEqual({ INPUT: 0, HIDDEN: 1, OUTPUT: 1 });
    expectSameAsInterpreted(model(0));
  }, 120_000);
});
