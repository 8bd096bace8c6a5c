/**
 * State carries across modes: a run in a compiled mode followed by one in Interpreted (and the
 * other way round) gives exactly what two Interpreted runs give, because every mode works on
 * the same state buffer (values, integrator state, RNG streams, scheduler counters).
 */
import { describe, expect, it } from 'vitest';
import { UNSUPPORTED_YET } from '../src-main/engine/composition.js';
import { ModelSession, type ExecutionMode } from '../src-main/runtime/run-model.js';
import { closeTo } from './reference-compare.js';
import { readReferenceJson, referenceCaseFiles } from './shared-files.js';

interface ReferenceCase {
  name: string;
  model: { nodes: Record<string, { type: string }> };
}

function twoRuns(model: unknown, first: ExecutionMode, second: ExecutionMode): number[][][] {
  const session = new ModelSession(model as never);
  try {
    const a = session.run({ mode: first, recordNodeValues: false });
    const b = session.run({ mode: second });
    return [...a.results, ...b.results];
  } finally {
    session.dispose();
  }
}

describe('a run continues exactly where a run in another mode stopped', () => {
  for (const file of referenceCaseFiles()) {
    const c = readReferenceJson<ReferenceCase>(file);
    if (Object.values(c.model.nodes).some((n) => UNSUPPORTED_YET[n.type])) continue;
    for (const mode of ['LLVMRun', 'LLVMExec', 'LLVM'] as const) {
      it(`${c.name}: ${mode} then Interpreted, and Interpreted then ${mode}, equal two Interpreted runs`, () => {
        const reference = twoRuns(c.model, 'Interpreted', 'Interpreted');
        expect(closeTo(twoRuns(c.model, mode, 'Interpreted'), reference, 1e-12, 0)).toBeNull();
        expect(closeTo(twoRuns(c.model, 'Interpreted', mode), reference, 1e-12, 0)).toBeNull();
      });
    }
  }
});
