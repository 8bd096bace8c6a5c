/**
 * An OptimizationControlMechanism's `num_estimates` (with `random_variables`, `initial_seed`,
 * `same_seed_for_all_allocations`): several randomised estimates of every allocation, averaged.
 *
 * The semantics is PsyNeuLink's Python mode as its newest source we could read gives it
 * (PrincetonUniversity/PsyNeuLink, snapshot 00015285122143f624677790cc0c55727bb653ff, the newest of
 * the stored versions of these files — it has `_initialize_as_agent_rep` and the 2022–23 fixes; the
 * OCM file at 95487ee43a… is a 2020 version in which num_estimates was still only passed on to
 * Composition.evaluate). Files: psyneulink/core/components/mechanisms/modulatory/control/
 * optimizationcontrolmechanism.py (OCM) and psyneulink/core/components/functions/nonstateful/
 * optimizationfunctions.py (OF). Described, not copied:
 *
 * 1. The RANDOMIZATION_CONTROL_SIGNAL (OCM._create_randomization_control_signal, called from
 *    OCM._instantiate_control_signals after the user's signals, so it is the LAST signal and the
 *    last dimension of the GridSearch's search space). It exists when num_estimates is truthy
 *    (`if self.num_estimates:`; num_estimates is a positive integer here, so whenever it is given)
 *    AND the random variables are not empty — otherwise PsyNeuLink warns and sets num_estimates to
 *    None, and the OCM runs exactly as without it (we warn the same way). Its allocation_samples are
 *    SampleSpec(start=1, stop=num_estimates, step=1) = 1, 2, …, num_estimates; modulation=OVERRIDE;
 *    cost_options=CostFunctions.NONE (no cost, so nothing of it enters net_outcome);
 *    default_allocation=[num_estimates]. It modulates the `seed` parameter of every component in
 *    `random_variables` (ALL → Composition.random_variables: the components that have a seed, i.e.
 *    a random stream). Here: `random_variables` is "ALL" (default) or a list of node names; every
 *    random stream of those nodes is re-seeded (a DDM's own stream, its integrator's, a noise
 *    NormalDist's, …). ALL means every node with a random stream except the controller (its
 *    GridSearch's tie-breaking stream is the controller's, not the simulated composition's).
 *    PsyNeuLink's own FIX note (11/3/21) says a distribution function used as a TransferMechanism's
 *    noise may be missed by `all_dependent_parameters`; we include it, as a node's stream is a
 *    random variable like any other.
 * 2. Seeds. Under OVERRIDE the seed of every random variable in estimate k is k. A stream is
 *    re-created as RandomState([seed]) only when the modulated seed differs from the seed it was
 *    made with (function.py `_random_state_getter`, `used_seed`; compiled PsyNeuLink does the same
 *    in `get_random_state_ptr`). The seed parameter is modulated when the node executes (its
 *    ParameterPort is updated then), so the check runs as each such node executes — in the
 *    simulations and in the real run alike (MT19937.reseedIfChanged; compiled:
 *    mt19937.reseed_if_changed, called at the start of the node's code). PsyNeuLink checks at the
 *    draw; every stochastic component here draws each time its node executes, so it is the same
 *    (a node that does not execute in a trial is not re-seeded then, as it does not draw).
 *    Simulations start from a
 *    copy of the real context, streams included (OCM._set_up_simulation initialises each simulation
 *    from the frozen context, as our controller already does with a state snapshot): so estimate k
 *    starts RandomState([k]) afresh unless the real stream already has seed k, in which case it
 *    continues (a copy of) the real stream.
 * 3. Aggregation (OF OptimizationFunction._evaluate): only `if aggregation_function and
 *    randomization_dimension and num_estimates is not None` — randomization_dimension is the
 *    signal's index, 0 when it is the only signal (then nothing would be averaged). Our OCM always
 *    has at least one control signal, so the index is ≥ 1 and the estimates are always averaged.
 *    The values (grid order, the seed fastest) are reshaped to (allocations, num_estimates) and
 *    averaged with the default aggregation_function `np.mean(x, axis=1)`; the samples kept are
 *    those whose seed equals the first sample's (1). numpy's mean of a row is its add.reduce
 *    divided by n; the reduce starts from add's identity 0.0 (ufunc.reduce: `initial` defaults to
 *    the ufunc's identity for a non-object dtype) and adds the pairwise sum of the whole row
 *    (numpy/_core/src/umath/loops_utils.h.src `pairwise_sum`: from −0.0 a plain loop below 8
 *    values, 8 accumulators up to 128, halves above) — so for up to 7 estimates the plain sum in
 *    estimate order. meanOfEstimates does exactly those additions in that order, and the compiled
 *    controller emits the same ones through the same function. GridSearch._function (Python path)
 *    then picks among the means as without estimates: the first is the initial optimum, a value
 *    np.allclose to it is a tie drawn with its own random_state (the same draws, one per tie in
 *    order), else strictly better wins.
 * 4. The chosen sample carries seed 1: the OCM's control_allocation gets a last row, the
 *    RANDOMIZATION_CONTROL_SIGNAL's allocation — num_estimates before the controller first runs,
 *    1 after. Like any control signal it also acts on the REAL run: from then on the random
 *    variables' seed is that value (OVERRIDE), so their real streams are re-created as
 *    RandomState([num_estimates]) at their first execution and as RandomState([1]) at their first
 *    execution after the first controller execution (unless already made with that seed). This
 *    row is part of the OCM's value in node_values.
 * 5. `initial_seed` and `same_seed_for_all_allocations` are accepted but change nothing:
 *    initial_seed is not read on this path; same_seed_for_all_allocations is read only in
 *    OF._sequential_evaluate as `self.owner.parameters.same_seed_for_all_allocations is False`,
 *    which a Parameter object never is, so the seed shift it guards never runs.
 */
import { MAX_SEED } from '../../../shared/model/vocabulary.js';
import { ModelError, describeValue, type ModelIssue } from '../../model/errors.js';
import type { ControlSignalInfo } from './OptimizationControlMechanism.js';
import type { MechanismEnv } from './types.js';

/** The OCM settings that only exist for several estimates per allocation. */
export const ESTIMATE_KEYS = ['num_estimates', 'random_variables', 'initial_seed', 'same_seed_for_all_allocations'] as const;

/** PsyNeuLink's name of the signal that seeds the estimates. */
export const RANDOMIZATION_CONTROL_SIGNAL = 'RANDOMIZATION_CONTROL_SIGNAL';

/** Most estimates per allocation (each is a simulation; the compiled mean is unrolled). */
export const MAX_ESTIMATES = 1000;

export interface OcmEstimates {
  /** num_estimates: the RANDOMIZATION_CONTROL_SIGNAL's samples are 1…num. */
  readonly num: number;
  /** The nodes whose random streams it re-seeds, by name. */
  readonly randomVariables: readonly string[];
}

/** What the model builder tells an OCM about the other nodes. */
export interface ControlContext {
  readonly nodeNames: readonly string[];
  /** The nodes (other than the controller) that have a random stream, in node order. */
  readonly randomNodes: readonly string[];
}

/**
 * num_estimates and its companions from an OCM's spec: the estimates to make (null when
 * num_estimates is not given, or there is nothing to randomise — then with a warning, as
 * PsyNeuLink's), or a ModelError naming each bad setting.
 */
export function resolveEstimates(spec: Record<string, unknown>, env: MechanismEnv, context: ControlContext | undefined): { estimates: OcmEstimates | null; warnings: string[] } {
  const node = env.node;
  const issues: ModelIssue[] = [];
  const issue = (key: string, message: string, expected: string) =>
    issues.push({ path: `${env.path}.${key}`, node, parameter: key, message: `${node}: ${message}`, expected, found: describeValue(spec[key]) });
  const given = (key: string) => spec[key] !== undefined && spec[key] !== null;

  const n = spec.num_estimates;
  if (given('num_estimates') && !(typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_ESTIMATES)) {
    issue('num_estimates', 'num_estimates must be a positive whole number (the randomised estimates averaged per allocation)', `an integer from 1 to ${MAX_ESTIMATES}`);
  }
  const seed = spec.initial_seed;
  if (given('initial_seed') && !(typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED)) {
    issue('initial_seed', 'initial_seed must be a seed (it is accepted for PsyNeuLink files but, as there, changes nothing)', `an integer from 0 to ${MAX_SEED}`);
  }
  if (given('same_seed_for_all_allocations') && typeof spec.same_seed_for_all_allocations !== 'boolean') {
    issue('same_seed_for_all_allocations', 'same_seed_for_all_allocations must be true or false (it is accepted for PsyNeuLink files but, as there, changes nothing)', 'true or false');
  }
  const randomNodes = context?.randomNodes ?? [];
  const rv = spec.random_variables;
  let randomVariables: readonly string[] = randomNodes;
  if (given('random_variables') && rv !== 'ALL') {
    const expected = `"ALL" or a list of nodes with a random stream (${randomNodes.length ? randomNodes.join(', ') : 'this model has none'})`;
    if (!Array.isArray(rv)) {
      issue('random_variables', 'random_variables must be "ALL" or a list of node names', expected);
    } else {
      const seen = new Set<string>();
      rv.forEach((name: unknown, i: number) => {
        const path = `${env.path}.random_variables[${i}]`;
        const bad = (message: string) => issues.push({ path, node, parameter: 'random_variables', message: `${node}: ${message}`, expected, found: describeValue(name) });
        if (typeof name !== 'string' || !(context?.nodeNames ?? []).includes(name)) bad('random_variables names an unknown node');
        else if (name === node) bad(`random_variables cannot name the controller ${node} itself`);
        else if (!randomNodes.includes(name)) bad(`${name} has no random stream (no seed) for num_estimates to vary`);
        else if (seen.has(name)) bad(`random_variables names ${name} twice`);
        else seen.add(name);
      });
      randomVariables = [...seen];
    }
  }
  if (issues.length) throw new ModelError(issues);
  if (!given('num_estimates')) return { estimates: null, warnings: [] };
  if (randomVariables.length === 0) {
    const why = given('random_variables') && rv !== 'ALL' ? 'random_variables is empty' : 'no node of the model has a random stream';
    return {
      estimates: null,
      warnings: [`${node}: num_estimates = ${n as number} is ignored: ${why}, so there is nothing to randomise (PsyNeuLink warns and sets num_estimates to None: no ${RANDOMIZATION_CONTROL_SIGNAL})`],
    };
  }
  return { estimates: { num: n as number, randomVariables }, warnings: [] };
}

/** The RANDOMIZATION_CONTROL_SIGNAL: samples 1…num, default num, OVERRIDE, no cost. */
export function randomizationSignal(num: number, path: string): ControlSignalInfo {
  return {
    name: RANDOMIZATION_CONTROL_SIGNAL,
    samples: Array.from({ length: num }, (_, i) => i + 1),
    defaultAllocation: num,
    modulation: 'OVERRIDE',
    intensityCost: null,
    adjustmentCost: null,
    path,
  };
}

/** Additions of one value type: numbers in the interpreter, IR values in the compiled controller. */
export interface Adder<T> {
  /** The i-th estimate of the row. */
  at(i: number): T;
  add(a: T, b: T): T;
  /** +0.0 */
  zero(): T;
}

/**
 * numpy's `np.add.reduce` over a contiguous row of n ≥ 1 float64 values: add's identity 0.0 plus
 * the pairwise sum of the row (numpy's `pairwise_sum`). Generic so that the interpreter and the
 * compiled code make the same additions in the same order.
 */
export function numpyRowSum<T>(n: number, ops: Adder<T>): T {
  return ops.add(ops.zero(), pairwiseSum(0, n, ops));
}

function pairwiseSum<T>(start: number, m: number, ops: Adder<T>): T {
  const { at, add } = ops;
  if (m < 8) {
    // numpy's loop starts from −0.0, and −0.0 + x is x for every x: start from the first value
    let res = at(start);
    for (let i = 1; i < m; i++) res = add(res, at(start + i));
    return res;
  }
  if (m <= 128) {
    const r: T[] = [];
    for (let j = 0; j < 8; j++) r.push(at(start + j));
    let i = 8;
    for (; i < m - (m % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] = add(r[j]!, at(start + i + j));
    }
    let res = add(add(add(r[0]!, r[1]!), add(r[2]!, r[3]!)), add(add(r[4]!, r[5]!), add(r[6]!, r[7]!)));
    for (; i < m; i++) res = add(res, at(start + i));
    return res;
  }
  let m2 = Math.floor(m / 2);
  m2 -= m2 % 8;
  return add(pairwiseSum(start, m2, ops), pairwiseSum(start + m2, m - m2, ops));
}

/** np.mean of values[start … start+n): numpyRowSum divided by n. */
export function meanOfEstimates(values: ArrayLike<number>, start: number, n: number): number {
  return numpyRowSum(n, { at: (i) => values[start + i]!, add: (a, b) => a + b, zero: () => 0 }) / n;
}
