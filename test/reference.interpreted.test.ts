/**
 * Every public reference case (PsyNeuLink's own numbers, read from ../shared at test time) in
 * Interpreted mode: results, node values and execution order within the case's tolerance.
 */
import { describe, expect, it } from 'vitest';
import { runModel } from '../src-main/runtime/run-model.js';
import { UNSUPPORTED_YET } from '../src-main/engine/composition.js';
import { KNOWN_DEVIATIONS, closeTo, squeeze } from './reference-compare.js';
import { readReferenceJson, referenceCaseFiles } from './shared-files.js';

interface ReferenceCase {
  name: string;
  model: { nodes: Record<string, { type: string }> };
  expected: { results: unknown; node_values?: Record<string, unknown>; execution_order?: string[][] };
  tolerance?: { rtol?: number; atol?: number };
}

const sortSteps = (order: string[][]) => order.map((s) => [...s].sort());

describe('public reference cases match PsyNeuLink in Interpreted mode', () => {
  for (const file of referenceCaseFiles()) {
    const c = readReferenceJson<ReferenceCase>(file);
    const missing = Object.values(c.model.nodes).find((n) => UNSUPPORTED_YET[n.type]);
    const test = missing ? it.skip : it;
    test(`${c.name}${missing ? ` — skipped: ${UNSUPPORTED_YET[missing.type]}` : ''}`, () => {
      const rtol = c.tolerance?.rtol ?? 1e-9;
      const atol = c.tolerance?.atol ?? 1e-12;
      const out = runModel({ model: c.model, mode: 'Interpreted', recordNodeValues: true, recordExecutionOrder: true });
      expect(out.executed_mode).toBe('Interpreted');
      expect(closeTo(squeeze(out.results), squeeze(c.expected.results), rtol, atol, 'results', KNOWN_DEVIATIONS[file])).toBeNull();
      for (const [node, values] of Object.entries(c.expected.node_values ?? {})) {
        expect(closeTo(out.node_values![node], values, rtol, atol, `node_values.${node}`, KNOWN_DEVIATIONS[file])).toBeNull();
      }
      if (c.expected.execution_order) {
        expect(sortSteps(out.execution_order!)).toEqual(sortSteps(c.expected.execution_order));
      }
    });
  }
});
