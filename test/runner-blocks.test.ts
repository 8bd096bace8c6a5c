/**
 * Runs consumed in bulk: every mode's `nextBlock` hands over trials as flat doubles (no record per
 * trial), in slices of any size, and they are the trials Interpreted records one by one (within
 * the documented 1e-12 relative tolerance; Interpreted's own blocks exactly).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { prepareInputs } from '../src-main/engine/inputs.js';
import { ModelSession } from '../src-main/runtime/run-model.js';
import { createRunner, type Runner } from '../src-main/runtime/runners.js';

const MODELS = ['integrator_noise', 'stroop', 'lca'];

/** Index of the first value differing by more than 1e-12 relative, or -1 (a length difference counts). */
function firstDifference(got: readonly number[], want: readonly number[]): number {
  if (got.length !== want.length) return Math.min(got.length, want.length);
  return want.findIndex((w, i) => !(Math.abs(got[i]! - w) <= 1e-12 * Math.max(Math.abs(w), Math.abs(got[i]!)) || got[i] === w));
}

function load(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../examples/${name}.cogmodel.json`, import.meta.url), 'utf8'));
}

/** All trials of a run taken in blocks of at most `slice` trials, concatenated. */
function inBlocks(runner: Runner, slice: number): { values: number[]; nodeValues: number[]; firsts: number[] } {
  const values: number[] = [];
  const nodeValues: number[] = [];
  const firsts: number[] = [];
  while (!runner.finished) {
    const b = runner.nextBlock(slice, Infinity);
    expect(b.count).toBeLessThanOrEqual(slice);
    expect(b.results.length).toBe(b.count * runner.layout.resultsWidth);
    firsts.push(b.first);
    values.push(...b.results);
    if (b.nodeValues) nodeValues.push(...b.nodeValues);
  }
  runner.close();
  return { values, nodeValues, firsts };
}

describe('nextBlock: trials as flat doubles', () => {
  for (const name of MODELS) {
    it(`${name}: every mode's blocks equal Interpreted's records, flattened, in any slice size`, () => {
      const session = new ModelSession(load(name) as never);
      try {
        const comp = session.comp;
        const inputs = prepareInputs(comp, comp.run.inputs);
        const opts = { numTrials: 37, inputs, recordNodeValues: true };
        const want = session.run({ mode: 'Interpreted', numTrials: 37, recordNodeValues: true });
        const wantValues = want.results.flat(2);
        const wantNodeValues = want.results.map((_, t) => comp.nodeNames.flatMap((n) => want.node_values![n]![t]!.flat())).flat();
        expect(Array.from(want.flat.results)).toEqual(wantValues);
        for (const mode of ['Interpreted', 'LLVM', 'LLVMExec', 'LLVMRun'] as const) {
          for (const slice of [1, 5, 1000]) {
            session.reset();
            const runner = createRunner(session.ctx, opts, session.choose(mode).compiled);
            const got = inBlocks(runner, slice);
            if (mode === 'Interpreted') expect(got.values).toEqual(wantValues);
            expect(firstDifference(got.values, wantValues), `${mode}, blocks of ${slice}`).toBe(-1);
            expect(firstDifference(got.nodeValues, wantNodeValues), `${mode}, blocks of ${slice}`).toBe(-1);
            expect(got.firsts[0]).toBe(0);
          }
        }
      } finally {
        session.dispose();
      }
    });
  }

  it('a model with many consideration sets (each set compiled out of line) runs as Interpreted does, steps included', () => {
    // 12 Linear nodes in a chain with a skip link: 12 consideration sets, one pass of 12 steps per trial
    const names = Array.from({ length: 12 }, (_, i) => `N${i}`);
    const model = {
      format: 'cogstudio-model',
      version: 1,
      name: 'long_chain',
      nodes: Object.fromEntries(names.map((n) => [n, { type: 'TransferMechanism', size: 2, function: { type: 'Logistic', gain: 1.5 } }])),
      projections: [
        ...names.slice(1).map((n, i) => ({ sender: names[i], receiver: n, matrix: [[0.6, 0.4], [0.4, 0.6]] })),
        { sender: 'N0', receiver: 'N5', matrix: [[0.5, 0], [0, -0.5]] },
      ],
      run: { inputs: { N0: [[1, 0], [0, 1], [0.5, -0.5]] }, num_trials: 7 },
    };
    const session = new ModelSession(model as never);
    try {
      const want = session.run({ mode: 'Interpreted', recordNodeValues: true, recordExecutionOrder: true });
      expect(want.execution_order!.length).toBe(7 * 12);
      for (const mode of ['LLVMExec', 'LLVMRun'] as const) {
        session.reset();
        const got = session.run({ mode, recordNodeValues: true, recordExecutionOrder: true });
        expect(got.executed_mode).toBe(mode);
        expect(got.execution_order).toEqual(want.execution_order);
        expect(firstDifference(Array.from(got.flat.results), Array.from(want.flat.results)), mode).toBe(-1);
        expect(firstDifference(Object.values(got.node_values!).flat(3), Object.values(want.node_values!).flat(3)), mode).toBe(-1);
      }
      // out of line: the single-node sets are shared functions over per-set tables, not inlined into trial()
      expect(session.choose('LLVMRun').compiled!.irText).toMatch(/define internal void @set\.shared\.\d+\(.*\) noinline \{/);
      // the scheduler's counters (just_ran, per-step counts…) are left as Interpreted leaves them: a
      // second run continues the same in Interpreted mode, whichever mode ran first
      for (const first of ['LLVMExec', 'LLVMRun'] as const) {
        const twice = (a: 'Interpreted' | typeof first) => {
          session.reset();
          session.run({ mode: a, numTrials: 5 });
          return session.run({ mode: 'Interpreted', numTrials: 5, recordExecutionOrder: true });
        };
        const counters = (mode: 'Interpreted' | typeof first) => {
          session.reset();
          session.run({ mode, numTrials: 5 });
          const cs = session.comp.counterSlots;
          return [cs.countsTotal, cs.countsUseable, cs.time, cs.justRan, cs.finished].map((slot) => Array.from(session.ctx.store.f64(slot)));
        };
        expect(counters(first), first).toEqual(counters('Interpreted'));
        const ref = twice('Interpreted');
        const got = twice(first);
        expect(got.execution_order).toEqual(ref.execution_order);
        expect(firstDifference(Array.from(got.flat.results), Array.from(ref.flat.results)), first).toBe(-1);
      }
    } finally {
      session.dispose();
    }
  });

  it('nextBlock(…, into) writes the results in place, no more trials than fit', () => {
    const session = new ModelSession(load('integrator_noise') as never);
    try {
      const comp = session.comp;
      const want = session.run({ mode: 'Interpreted', numTrials: 20 }).flat.results;
      for (const mode of ['Interpreted', 'LLVMExec', 'LLVMRun'] as const) {
        session.reset();
        const runner = createRunner(session.ctx, { numTrials: 20, inputs: prepareInputs(comp, comp.run.inputs) }, session.choose(mode).compiled);
        const w = runner.layout.resultsWidth;
        const into = new Float64Array(20 * w);
        let done = 0;
        while (!runner.finished) {
          const b = runner.nextBlock(Number.MAX_SAFE_INTEGER, Infinity, into.subarray(done * w, (done + 7) * w));
          expect(b.count).toBeLessThanOrEqual(7);
          expect(b.results.buffer).toBe(into.buffer);
          done += b.count;
        }
        expect(done).toBe(20);
        expect(firstDifference(Array.from(into), Array.from(want)), mode).toBe(-1);
      }
    } finally {
      session.dispose();
    }
  });

  it('an LLVMRun block is bounded in size however many trials are asked for', () => {
    const session = new ModelSession(load('integrator_noise') as never);
    try {
      const comp = session.comp;
      const runner = createRunner(session.ctx, { numTrials: 3_000_000, inputs: prepareInputs(comp, comp.run.inputs) }, session.choose('LLVMRun').compiled);
      let biggest = 0;
      let done = 0;
      while (!runner.finished) {
        const b = runner.nextBlock(Number.MAX_SAFE_INTEGER, Infinity);
        biggest = Math.max(biggest, b.results.length);
        done += b.count;
      }
      expect(done).toBe(3_000_000);
      expect(biggest).toBeLessThanOrEqual(1 << 21);
    } finally {
      session.dispose();
    }
  });
});
