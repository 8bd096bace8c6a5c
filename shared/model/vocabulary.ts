/**
 * The words of model-format version 1: component type names, keywords and limits.
 * Used by the schema, the engine and the UI alike (imports nothing outside `shared/`).
 */

export const MODEL_FORMAT = 'cogstudio-model';
export const MODEL_FORMAT_VERSION = 1;

/** Node names: unique, non-empty, at most this many characters. */
export const MAX_NAME_LENGTH = 200;
/** Largest size of one port (number of elements). */
export const MAX_PORT_SIZE = 1_000_000;
/** Deepest nesting of arrays/objects in a model (checked before anything recurses). */
export const MAX_NESTING_DEPTH = 100;
/** Largest model file read from disk or text. */
export const MAX_MODEL_FILE_BYTES = 50 * 1024 * 1024;
/** Seeds feed numpy's `RandomState([seed])`: unsigned 32-bit integers. */
export const MAX_SEED = 2 ** 32 - 1;

export const MECHANISM_TYPES = [
  'ProcessingMechanism',
  'TransferMechanism',
  'IntegratorMechanism',
  'RecurrentTransferMechanism',
  'LCAMechanism',
  'DDM',
  'ObjectiveMechanism',
  'ControlMechanism',
  'OptimizationControlMechanism',
] as const;
export type MechanismType = (typeof MECHANISM_TYPES)[number];

/** Mechanisms whose primary output has the size of their first input port when the function is a transfer function. */
export const TRANSFER_MECHANISM_FAMILY: readonly MechanismType[] = [
  'ProcessingMechanism',
  'TransferMechanism',
  'RecurrentTransferMechanism',
  'LCAMechanism',
];

/** Mechanisms that send control signals (control projections start here). */
export const CONTROL_MECHANISM_TYPES: readonly MechanismType[] = ['ControlMechanism', 'OptimizationControlMechanism'];

export const TRANSFER_FUNCTION_TYPES = ['Linear', 'Exponential', 'Logistic', 'Tanh', 'ReLU', 'Gaussian', 'SoftMax'] as const;
export const COMBINATION_FUNCTION_TYPES = ['LinearCombination', 'Reduce'] as const;
export const TRANSFORM_FUNCTION_TYPES = ['LinearMatrix'] as const;
export const INTEGRATOR_FUNCTION_TYPES = [
  'SimpleIntegrator',
  'AdaptiveIntegrator',
  'AccumulatorIntegrator',
  'DriftDiffusionIntegrator',
  'OrnsteinUhlenbeckIntegrator',
  'LeakyCompetingIntegrator',
  'FitzHughNagumoIntegrator',
  'DualAdaptiveIntegrator',
] as const;
export const DISTRIBUTION_FUNCTION_TYPES = ['NormalDist', 'UniformDist', 'DriftDiffusionAnalytical'] as const;
export const SELECTION_FUNCTION_TYPES = ['OneHot'] as const;
export const OBJECTIVE_FUNCTION_TYPES = ['Stability', 'Energy', 'Entropy', 'Distance'] as const;
export const OPTIMIZATION_FUNCTION_TYPES = ['GridSearch'] as const;
export const USER_DEFINED_FUNCTION_TYPES = ['UserDefinedFunction'] as const;

export const FUNCTION_TYPES = [
  ...TRANSFER_FUNCTION_TYPES,
  ...COMBINATION_FUNCTION_TYPES,
  ...TRANSFORM_FUNCTION_TYPES,
  ...INTEGRATOR_FUNCTION_TYPES,
  ...DISTRIBUTION_FUNCTION_TYPES,
  ...SELECTION_FUNCTION_TYPES,
  ...OBJECTIVE_FUNCTION_TYPES,
  ...OPTIMIZATION_FUNCTION_TYPES,
  ...USER_DEFINED_FUNCTION_TYPES,
] as const;
export type FunctionType = (typeof FUNCTION_TYPES)[number];

/** The function a mechanism uses when its file gives none (PsyNeuLink's defaults). */
export const DEFAULT_FUNCTION_TYPE: Readonly<Partial<Record<MechanismType, FunctionType>>> = {
  ProcessingMechanism: 'Linear',
  TransferMechanism: 'Linear',
  RecurrentTransferMechanism: 'Linear',
  LCAMechanism: 'Logistic',
  IntegratorMechanism: 'AdaptiveIntegrator',
  DDM: 'DriftDiffusionAnalytical',
  ObjectiveMechanism: 'LinearCombination',
  OptimizationControlMechanism: 'GridSearch',
  // PsyNeuLink's DefaultAllocationFunction passes the outcome through: Linear(1, 0) gives the same numbers
  ControlMechanism: 'Linear',
};

/** Functions a mechanism type accepts, where the format restricts them. */
export const ALLOWED_FUNCTION_TYPES: Readonly<Partial<Record<MechanismType, readonly FunctionType[]>>> = {
  DDM: ['DriftDiffusionAnalytical', 'DriftDiffusionIntegrator'],
  OptimizationControlMechanism: ['GridSearch'],
};

export const CONDITION_TYPES = [
  'Always',
  'Never',
  'All',
  'Any',
  'Not',
  'NWhen',
  'AtPass',
  'BeforePass',
  'AfterPass',
  'AfterNPasses',
  'EveryNPasses',
  'AtTrial',
  'BeforeTrial',
  'AfterTrial',
  'AfterNTrials',
  'AtTrialStart',
  'AtRun',
  'BeforeNCalls',
  'AtNCalls',
  'AfterCall',
  'AfterNCalls',
  'EveryNCalls',
  'AfterNCallsCombined',
  'JustRan',
  'AllHaveRun',
  'WhenFinished',
  'WhenFinishedAny',
  'WhenFinishedAll',
  'Threshold',
  'TimeInterval',
  'TimeTermination',
] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

/** graph-scheduler's time scales; the last three are its newer names for TIME_STEP, TRIAL and RUN. */
export const TIME_SCALES = [
  'TIME_STEP',
  'PASS',
  'TRIAL',
  'RUN',
  'LIFE',
  'CONSIDERATION_SET_EXECUTION',
  'ENVIRONMENT_STATE_UPDATE',
  'ENVIRONMENT_SEQUENCE',
] as const;

export const THRESHOLD_COMPARATORS = ['<', '<=', '>', '>=', '==', '!='] as const;

export const MATRIX_KEYWORDS = ['IDENTITY_MATRIX', 'FULL_CONNECTIVITY_MATRIX'] as const;

export const CONTROLLER_MODES = ['AFTER', 'BEFORE'] as const;

/** The message for a file written by a newer CogStudio. */
export function newerVersionMessage(version: number): string {
  return `this file was written by a newer CogStudio (format version ${version}); this version reads version ${MODEL_FORMAT_VERSION}`;
}

/** A value from a file, short and safe to put in a message (never throws, whatever the value). */
export function quoteShort(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? v.slice(0, 57) + '...' : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}
