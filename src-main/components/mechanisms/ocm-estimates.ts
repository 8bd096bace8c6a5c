/**
 * Why an OptimizationControlMechanism's `num_estimates` (and its companions `random_variables`,
 * `initial_seed`, `same_seed_for_all_allocations`) are refused, and with what message.
 *
 * What PsyNeuLink's source says (PrincetonUniversity/PsyNeuLink, read 2026-11 from the stored
 * snapshots: psyneulink/core/components/mechanisms/modulatory/control/optimizationcontrolmechanism.py
 * at commits 0001528512… and a later one; psyneulink/core/components/functions/nonstateful/
 * optimizationfunctions.py at 0001528512… and d1c854db7e…):
 *
 * 1. OCM._create_randomization_control_signal runs `if self.num_estimates:` — so an explicit
 *    num_estimates of 1 already differs from leaving it unset (the Parameter default is None). It
 *    adds a ControlSignal RANDOMIZATION_CONTROL_SIGNAL that modulates `param.parameters.seed.port`
 *    of every Component in `random_variables` (ALL → agent_rep.random_variables) with
 *    allocation_samples SampleSpec(start=1, stop=num_estimates, step=1). At 0001528512… it is
 *    `modulation=OVERRIDE, cost_options=CostFunctions.NONE, default_allocation=[num_estimates]`
 *    (the last commented "Hack … to prevent some LLVM runtime errors"); in the later snapshot the
 *    modulation is not given, so the OCM's own `modulation` (MULTIPLICATIVE by default) applies —
 *    the seed of estimate k is k in one version and seed·k in the other. Either way every random
 *    component gets the SAME seed k in estimate k, and its random_state is re-created as
 *    RandomState([k]) only when the modulated seed differs from the one the state was made with
 *    (function.py `_random_state_getter`; compiled: `get_random_state_ptr` compares `used_seed`).
 * 2. The signal is the last dimension of GridSearch's search_space. Python mode
 *    (OptimizationFunction._evaluate): only `if self.aggregation_function and
 *    randomization_dimension and num_estimates is not None` — randomization_dimension is an index,
 *    so with no other control signal (index 0) nothing is aggregated — the values are reshaped to
 *    (allocations, num_estimates, outputs) and aggregated with the default
 *    `lambda x: np.mean(x, axis=1)`; the samples kept are those whose seed equals the first (at
 *    d1c854db… the filter reads row 1 instead of the randomization dimension, a bug fixed later).
 *    GridSearch._function then picks the best mean, ties by np.allclose + its own random_state.
 * 3. The chosen sample still carries the seed entry (1): the OCM's allocation for
 *    RANDOMIZATION_CONTROL_SIGNAL becomes 1 and, being a control signal like any other, it also
 *    modulates the seeds in the REAL execution from the next trial on (re-seeding every random
 *    component's real stream to RandomState([1]) or [seed·1] once). Nothing in the source says
 *    whether that is intended.
 * 4. Compiled modes do something else: `_evaluate` asserts "Aggregation function not supported
 *    in compiled mode!" when comp_execution_mode is LLVM/PTX, and the whole-composition compiled
 *    GridSearch (`_gen_llvm_function_body`) loops over the seed dimension like any other and
 *    `select_min`s single (allocation, seed) evaluations — the best single estimate, not the best
 *    mean. PsyNeuLink itself has no compiled semantics for num_estimates to match.
 * 5. `same_seed_for_all_allocations` is read only in `_sequential_evaluate` as
 *    `self.owner.parameters.same_seed_for_all_allocations is False` — a Parameter object is never
 *    `False`, so the seed shift it guards never runs; `initial_seed` is not read on this path at
 *    all. Other versions/forks instead draw the seeds from `gen_new_seed_sequence()` (a per-OCM
 *    `_seed_counter`, used by ParameterEstimationComposition), i.e. different seeds again.
 * 6. No public reference case (../shared/reference/public) uses num_estimates, so nothing pins
 *    which of these versions our "PsyNeuLink 0.15.2dev3" references correspond to.
 *
 * Open question, therefore: which seeds estimate k of an allocation uses (k, seed·k, or a
 * generated sequence; shared across components or not), whether the randomization signal's
 * chosen value re-seeds the real run, and whether compiled modes average estimates (Python) or
 * pick the best single one (PsyNeuLink's LLVM code). Until that is decided against PsyNeuLink
 * itself, these settings are refused rather than guessed.
 */
import { ModelError, describeValue, type ModelIssue } from '../../model/errors.js';

/** The OCM settings that only exist for several estimates per allocation. */
export const ESTIMATE_KEYS = ['num_estimates', 'random_variables', 'initial_seed', 'same_seed_for_all_allocations'] as const;

const WHY =
  'PsyNeuLink gives it no single meaning to reproduce: any num_estimates (even 1) adds a RANDOMIZATION_CONTROL_SIGNAL ' +
  'that sets the `seed` of every random component from the estimate number k (k or seed·k, depending on the version; the same ' +
  'k for all of them), and its chosen value also re-seeds the real run; its Python mode averages the estimates while its ' +
  'compiled GridSearch picks the best single estimate; and same_seed_for_all_allocations / initial_seed have no effect in its code';

/** Throws a ModelError naming every estimate setting in `spec` (null counts as not given). */
export function refuseEstimateSettings(spec: Record<string, unknown>, path: string, node: string): void {
  const issues: ModelIssue[] = ESTIMATE_KEYS.filter((k) => spec[k] !== undefined && spec[k] !== null).map((k) => ({
    path: `${path}.${k}`,
    node,
    parameter: k,
    message:
      k === 'num_estimates'
        ? `${node}: num_estimates (several randomised estimates per grid point, averaged) is not supported: ${WHY}. ` +
          'Use num_trials_per_estimate to simulate several trials per grid point'
        : `${node}: ${k} only configures num_estimates, which is not supported: ${WHY}`,
    expected: 'leave it out',
    found: describeValue(spec[k]),
  }));
  if (issues.length) throw new ModelError(issues);
}
