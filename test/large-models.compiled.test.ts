/**
 * Big models take the compiled scheduler's big-model shape (one function per consideration set,
 * node values copied out by a table loop, code shared between structurally identical nodes):
 * every compiled mode must still give the interpreter's results, node values and execution order
 * exactly. The bench's sparse chain (bench/generate.ts) and a mixed chain with conditions (no
 * transcendental functions: V8's Math.exp and glibc's differ by an ulp, see modes-property).
 */
import { describe, expect, it } from 'vitest';
import { chainModel } from '../bench/generate.js';
import { generateModule } from '../src-main/compiler/codegen/composition.js';
import { buildComposition, type ModelLike } from '../src-main/engine/composition.js';
import { expectSameAsInterpreted, type Json } from './ocm-models.js';

/** The shared set functions of a model's LLVMRun module, and its consideration-set count. */
function sharedSets(model: Json): { shared: number; sets: number } {
  const comp = buildComposition(model as ModelLike);
  const text = generateModule(comp, { withScheduler: true }).ir.print();
  return { shared: new Set(text.match(/@set\.shared\.\d+\(/g)).size, sets: comp.scheduler.queue.length };
}

/** A chain of alternating mechanism types and sizes, with a condition on every third node. */
function mixedChain(n: number): Json {
  const kinds: Json[] = [
    { type: 'TransferMechanism', size: 2, function: { type: 'Linear', slope: 0.9, intercept: 0.1 } },
    { type: 'TransferMechanism', size: 2, function: { type: 'ReLU', leak: 0.1 } },
    { type: 'ProcessingMechanism', size: 3, function: { type: 'Linear', slope: 2 } },
    { type: 'IntegratorMechanism', size: 2, function: { type: 'AdaptiveIntegrator', rate: 0.4 } },
    // random streams and recurrent/competing state: addresses relocated in shared code too
    { type: 'TransferMechanism', size: 2, function: { type: 'Linear', slope: 0.5 }, noise: { type: 'UniformDist', low: -0.1, high: 0.1 } },
    { type: 'RecurrentTransferMechanism', size: 2, function: { type: 'Linear' }, auto: 0.2, hetero: -0.1, integrator_mode: true, integration_rate: 0.5 },
    { type: 'LCAMechanism', size: 2, function: { type: 'ReLU' }, leak: 0.2, competition: 0.5, time_step_size: 0.1, noise: { type: 'UniformDist', low: -0.05, high: 0.05 } },
  ];
  const size = (i: number) => Number(kinds[i % kinds.length]!.size);
  const nodes: Json = {};
  for (let i = 0; i < n; i++) nodes[`N${i}`] = kinds[i % kinds.length];
  const matrix = (r: number, c: number, w: number) => Array.from({ length: r }, (_, a) => Array.from({ length: c }, (_, b) => (a === b ? w : w / 4)));
  const projections: Json[] = [];
  for (let i = 1; i < n; i++) projections.push({ sender: `N${i - 1}`, receiver: `N${i}`, matrix: matrix(size(i - 1), size(i), 0.7) });
  for (let i = 0; i + 3 < n; i += 7) projections.push({ sender: `N${i}`, receiver: `N${i + 3}`, matrix: matrix(size(i), size(i + 3), 0.1) });
  const conditions: Json = {};
  for (let i = 2; i < n; i += 3) {
    conditions[`N${i}`] = [
      { type: 'EveryNCalls', dependency: `N${i - 1}`, n: 1 },
      { type: 'Any', conditions: [{ type: 'AfterNCalls', dependency: `N${i - 2}`, n: 1 }, { type: 'AtPass', n: 3 }] },
      { type: 'NWhen', condition: { type: 'Always' }, n: 2 },
    ][(i / 3) % 3 | 0];
  }
  return {
    format: 'cogstudio-model',
    version: 1,
    name: `mixed_chain_${n}`,
    seed: 11,
    nodes,
    projections,
    conditions,
    termination: { trial: { type: 'AfterNPasses', n: 4 } },
    run: { inputs: { N0: [[1, 0], [0.5, -1], [2, 2]] }, num_trials: 4 },
  };
}

describe('big models compile to the interpreter’s numbers', () => {
  it('the bench’s 40-node sparse chain: every compiled mode equals Interpreted', () => {
    const model = chainModel(40) as unknown as Json;
    // the sets share a few functions (the first set, the input node, skip senders and receivers…)
    const { shared, sets } = sharedSets(model);
    expect(sets).toBe(40);
    expect(shared).toBeGreaterThan(1);
    expect(shared).toBeLessThan(12);
    const out = expectSameAsInterpreted(model);
    expect(out.execution_order!.length).toBeGreaterThan(40);
  }, 120_000);

  it('a 42-node chain of mixed mechanisms (noise, recurrence, competition) and conditions: every compiled mode equals Interpreted', () => {
    const model = mixedChain(42);
    // sets share code only where mechanism, condition and projections are alike
    const { shared, sets } = sharedSets(model);
    expect(shared).toBeGreaterThan(4);
    expect(shared).toBeLessThan(sets);
    const out = expectSameAsInterpreted(model);
    expect(out.trials).toBe(4);
  }, 120_000);

  it('a small model (8 sets or fewer) keeps its sets inlined: no shared functions', () => {
    expect(sharedSets(chainModel(8) as unknown as Json)).toEqual({ shared: 0, sets: 8 });
    expectSameAsInterpreted(chainModel(8) as unknown as Json);
  }, 120_000);
});
