/** The same model compiled twice in one process reuses its machine code. */
import { expect, it } from 'vitest';
import { ModelSession } from '../src-main/runtime/run-model.js';
import { readReferenceJson } from './shared-files.js';

it('a second session of the same model gets a cache hit and the same numbers', () => {
  const model = readReferenceJson<{ model: object }>('c_stroop_botvinick.json').model;
  const a = new ModelSession(model as never);
  const b = new ModelSession(model as never);
  try {
    const first = a.run({ mode: 'LLVMRun' });
    const second = b.run({ mode: 'LLVMRun' });
    expect(second.compile?.cache).toBe('hit');
    expect(second.compile!.optimize_ms).toBe(0);
    expect(second.results).toEqual(first.results);
  } finally {
    a.dispose();
    b.dispose();
  }
});
