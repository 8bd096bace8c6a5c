/**
 * Differential test: every public reference case in every compiled mode agrees with the
 * Interpreted mode within 1e-12 relative (RNG-driven results included) and with PsyNeuLink's
 * numbers within the case's tolerance; execution order and node values too.
 */
import { describe, expect, it } from 'vitest';
import { UNSUPPORTED_YET } from '../src-main/engine/composition.js';
import { runModel, type ExecutionMode, type RunOutput } from '../src-main/runtime/run-model.js';
import { KNOWN_DEVIATIONS, closeTo, squeeze } from './reference-compare.js';
import { readReferenceJson, referenceCaseFiles } from './shared-files.js';

interface ReferenceCase {
  name: string;
  model: { nodes: Record<string, { type: string }> };
  expected: { results: unknown; execution_order?: string[][] };
  tolerance?: { rtol?: number; atol?: number };
}

const MODES: ExecutionMode[] = ['LLVM', 'LLVMExec', 'LLVMRun', 'Auto'];
const sortSteps = (order: string[][]) => order.map((s) => [...s].sort());

describe('compiled modes agree with Interpreted and with PsyNeuLink', () => {
  for (const file of referenceCaseFiles()) {
    const c = readReferenceJson<ReferenceCase>(file);
    const missing = Object.values(c.model.nodes).find((n) => UNSUPPORTED_YET[n.type]);
    if (missing) continue;
    let interpreted: RunOutput | undefined;
    const reference = () => (interpreted ??= runModel({ model: c.model, mode: 'Interpreted', recordNodeValues: true, recordExecutionOrder: true }));
    for (const mode of MODES) {
      it(`${c.name} in ${mode}`, () => {
        const out = runModel({ model: c.model, mode, recordNodeValues: true, recordExecutionOrder: true });
        if (mode === 'Auto') expect(out.warnings.filter((w) => w.startsWith('Auto:')), 'Auto fell back').toEqual([]);
        expect(out.executed_mode).toBe(mode === 'Auto' ? 'LLVMRun' : mode);
        const ref = reference();
        expect(closeTo(out.results, ref.results, 1e-12, 0, 'results vs Interpreted')).toBeNull();
        for (const [node, values] of Object.entries(ref.node_values!)) {
          expect(closeTo(out.node_values![node], values, 1e-12, 0, `node_values.${node} vs Interpreted`)).toBeNull();
        }
        expect(sortSteps(out.execution_order!)).toEqual(sortSteps(ref.execution_order!));
        const rtol = c.tolerance?.rtol ?? 1e-9;
        const atol = c.tolerance?.atol ?? 1e-12;
        expect(closeTo(squeeze(out.results), squeeze(c.expected.results), rtol, atol, 'results', KNOWN_DEVIATIONS[file])).toBeNull();
      });
    }
  }
});
