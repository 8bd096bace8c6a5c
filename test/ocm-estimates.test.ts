/**
 * An OptimizationControlMechanism's num_estimates (and random_variables, initial_seed,
 * same_seed_for_all_allocations) are refused with the reason — PsyNeuLink's source gives them no
 * single meaning to reproduce (see src-main/components/mechanisms/ocm-estimates.ts) — in every
 * mode, while leaving them out (or null) runs as before.
 */
import { describe, expect, it } from 'vitest';
import { ModelError } from '../src-main/model/errors.js';
import type { ExecutionMode } from '../src-main/runtime/run-model.js';
import { COMPILED, model, run, type Json } from './ocm-models.js';

const MODES: ExecutionMode[] = ['Interpreted', ...COMPILED];

function refusal(m: Json, mode: ExecutionMode): ModelError {
  try {
    run(m, mode);
  } catch (e) {
    if (e instanceof ModelError) return e;
    throw e;
  }
  throw new Error(`${mode}: expected a ModelError`);
}

describe('OCM num_estimates is refused with the reason', () => {
  it.each(MODES)('num_estimates 3 and even 1 (PsyNeuLink adds a seed-overriding signal for any value): %s', (mode) => {
    for (const n of [3, 1]) {
      const e = refusal(model({ ocm: { num_estimates: n } }), mode);
      expect(e.issues).toHaveLength(1);
      const issue = e.issues[0]!;
      expect(issue.path).toBe('nodes.OCM.num_estimates');
      expect(issue.node).toBe('OCM');
      expect(issue.parameter).toBe('num_estimates');
      expect(issue.found).toBe(String(n));
      expect(issue.message).toMatch(/^OCM: num_estimates .* is not supported: /);
      expect(issue.message).toMatch(/RANDOMIZATION_CONTROL_SIGNAL/);
      expect(issue.message).toMatch(/Python mode averages the estimates while its compiled GridSearch picks the best single estimate/);
      expect(issue.message).toMatch(/Use num_trials_per_estimate/);
    }
  });

  it('its companions are refused too, each named, all at once', () => {
    const e = refusal(model({ ocm: { num_estimates: 2, random_variables: ['A'], initial_seed: 7, same_seed_for_all_allocations: true } }), 'Interpreted');
    expect(e.issues.map((i) => i.path)).toEqual([
      'nodes.OCM.num_estimates',
      'nodes.OCM.random_variables',
      'nodes.OCM.initial_seed',
      'nodes.OCM.same_seed_for_all_allocations',
    ]);
    expect(e.issues[2]!.message).toMatch(/^OCM: initial_seed only configures num_estimates, which is not supported: PsyNeuLink/);
  });

  it('null is the same as leaving it out: the controller runs and chooses as without it', () => {
    const plain = run(model());
    const withNull = run(model({ ocm: { num_estimates: null, initial_seed: null } }));
    expect(withNull.results).toEqual(plain.results);
    expect(withNull.node_values).toEqual(plain.node_values);
  });
});
