/**
 * The model file, version 1 (`docs/model-format.md`), as zod schemas. The TypeScript types are
 * inferred from them: one source of truth for the engine and the UI.
 *
 * The schema checks structure and vocabulary. Mechanism and function parameters pass through
 * (the component declarations check them when the model is built); cross-references between
 * parts of the file (projection ends, condition dependencies, input rows) are checked by the
 * engine's structural validator.
 */
import { z } from 'zod';
import { ConditionSchema } from './conditions.js';
import {
  CONTROLLER_MODES,
  FUNCTION_TYPES,
  MATRIX_KEYWORDS,
  MAX_NAME_LENGTH,
  MAX_PORT_SIZE,
  MAX_SEED,
  MECHANISM_TYPES,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  newerVersionMessage,
  quoteShort,
} from './vocabulary.js';

export * from './vocabulary.js';
export { CONDITION_ARGUMENTS, CONDITION_OPTIONAL_ARGUMENTS, ConditionSchema, type ConditionSpec } from './conditions.js';

const Num = z.number();

/**
 * An object keyed by names. (zod 4.1's `z.record` refuses, or throws on, an object with a key
 * named "constructor"; a catch-all object schema has no such trouble.)
 */
function keyed<T extends z.ZodType>(value: T) {
  return z.object({}).catchall(value);
}

/** Free-form data of the studio (layout, notes, UI state); the engine ignores it. */
export const StudioDataSchema = keyed(z.unknown());

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
/** Canonical array indices: JavaScript objects put such keys first, which would reorder the nodes. */
const ARRAY_INDEX = /^(0|[1-9][0-9]{0,9})$/;

/** A node name as a key of `nodes`. */
export const NodeNameSchema = z
  .string()
  .min(1, { error: 'a node name cannot be empty' })
  .max(MAX_NAME_LENGTH, { error: `a node name can have at most ${MAX_NAME_LENGTH} characters` })
  .refine((s) => !CONTROL_CHARS.test(s), { error: 'a node name cannot contain control characters (tabs, line breaks…)' })
  .refine((s) => s !== '__proto__', { error: 'the node name "__proto__" is reserved' })
  .refine((s) => !ARRAY_INDEX.test(s) || Number(s) > 4294967294, {
    error: 'a node name cannot be a plain whole number (it would lose its place in the node order); e.g. "N3" instead of "3"',
  });

/** What is wrong with a node name (empty when nothing is). */
export function nodeNameProblems(name: string): string[] {
  const r = NodeNameSchema.safeParse(name);
  return r.success ? [] : r.error.issues.map((i) => i.message);
}

/** A reference to a node (checked against `nodes` by the validator). */
const NodeRef = z.string().min(1, { error: 'a node name cannot be empty' });
const PortName = z
  .string()
  .min(1, { error: 'a port name cannot be empty' })
  .max(MAX_NAME_LENGTH, { error: `a port name can have at most ${MAX_NAME_LENGTH} characters` });

export const SizeSchema = z.number().superRefine((v, ctx) => {
  if (!Number.isInteger(v)) ctx.addIssue({ code: 'custom', message: 'a size must be a whole number', input: v });
  else if (v < 1) ctx.addIssue({ code: 'custom', message: 'a size must be at least 1', input: v });
  else if (v > MAX_PORT_SIZE) {
    ctx.addIssue({
      code: 'custom',
      message: `a size of ${v} is over the limit of ${MAX_PORT_SIZE.toLocaleString('en-US')} elements per port`,
      input: v,
    });
  }
});

export const SeedSchema = z
  .number()
  .int({ error: 'a seed must be a whole number' })
  .min(0, { error: 'a seed cannot be negative' })
  .max(MAX_SEED, { error: `a seed must be below 2^32 (at most ${MAX_SEED})` });

/** `{ "type": "Logistic", "gain": 1.0, ... }`: the type is checked here, its parameters when the model is built. */
export const FunctionSpecSchema = z.looseObject({
  type: z.enum(FUNCTION_TYPES, {
    error: (iss) =>
      iss.input === undefined ? 'a function needs a "type"' : `unknown function type ${quoteShort(iss.input)}`,
  }),
  seed: SeedSchema.optional(),
});

/** A number, a list of numbers (one per element, or per port), or a function object (e.g. `NormalDist`). */
export const NoiseSchema = z.union([Num, z.array(Num), z.array(z.array(Num)), FunctionSpecSchema], {
  error: 'noise must be a number, an array of numbers or a function object such as {"type": "NormalDist"}',
});

export const InputPortSchema = z.looseObject({
  name: PortName.optional(),
  size: SizeSchema.optional(),
  exponent: Num.optional(),
  weight: Num.optional(),
});

export const OutputPortSchema = z.looseObject({
  name: PortName.optional(),
  variable: z
    .union([z.tuple([z.literal('OWNER_VALUE'), z.number().int().min(0)]), z.literal('OWNER_VALUE')], {
      error: 'an output port variable is ["OWNER_VALUE", index]',
    })
    .optional(),
  function: FunctionSpecSchema.optional(),
});

export const ControlSignalSchema = z.looseObject({
  name: PortName,
  allocation_samples: z.array(Num).min(1, { error: 'allocation_samples needs at least one value' }).optional(),
  cost_options: z.union([z.string(), z.array(z.string())]).optional(),
  intensity_cost_function: FunctionSpecSchema.optional(),
  adjustment_cost_function: FunctionSpecSchema.optional(),
});

export const StateFeatureSchema = z.union([NodeRef, z.strictObject({ node: NodeRef, port: PortName })], {
  error: 'a state feature is a node name or {"node": ..., "port": ...}',
});

export const NodeSpecSchema = z.looseObject({
  type: z.enum(MECHANISM_TYPES, {
    error: (iss) =>
      iss.input === undefined ? 'a node needs a "type"' : `unknown mechanism type ${quoteShort(iss.input)}`,
  }),
  size: SizeSchema.optional(),
  input_ports: z.array(InputPortSchema).min(1, { error: 'input_ports needs at least one port' }).optional(),
  function: FunctionSpecSchema.optional(),
  output_ports: z.array(OutputPortSchema).optional(),
  noise: NoiseSchema.optional(),
  seed: SeedSchema.optional(),
  /** (Optimization)ControlMechanism: the ObjectiveMechanism node whose value it maximises / maps to its allocation. */
  objective_mechanism: NodeRef.optional(),
  state_features: z.array(StateFeatureSchema).optional(),
  state_feature_function: FunctionSpecSchema.optional(),
  control_signals: z.array(ControlSignalSchema).optional(),
  /** OptimizationControlMechanism: randomised estimates averaged per allocation (src-main/components/mechanisms/ocm-estimates.ts). */
  num_estimates: z.number().int({ error: 'the number of estimates must be a whole number' }).min(1, { error: 'at least one estimate is needed' }).nullable().optional(),
  random_variables: z.union([z.literal('ALL'), z.array(NodeRef)], { error: 'either "ALL" or a list of node names' }).nullable().optional(),
  /** Accepted as in PsyNeuLink, where it changes nothing on this path. */
  initial_seed: SeedSchema.nullable().optional(),
  same_seed_for_all_allocations: z.boolean({ error: 'either true or false' }).nullable().optional(),
  studio: StudioDataSchema.optional(),
});

/** A 2-D array [sender size × receiver size], a keyword, or a number k (k × identity). */
export const MatrixSpecSchema = z.union([z.array(z.array(Num)), z.enum(MATRIX_KEYWORDS), Num], {
  error: `a matrix is a 2-D array of numbers, ${MATRIX_KEYWORDS.map((k) => `"${k}"`).join(', ')} or a number`,
});

export const ProjectionSpecSchema = z.strictObject({
  sender: NodeRef,
  /** Output port of the sender (a control signal's name for a control projection). */
  sender_port: PortName.optional(),
  receiver: NodeRef,
  receiver_port: PortName.optional(),
  /** Makes this a control projection onto a parameter of the receiver. */
  receiver_parameter: z.string().min(1, { error: 'receiver_parameter cannot be empty' }).optional(),
  matrix: MatrixSpecSchema.optional(),
  name: z.string().optional(),
  studio: StudioDataSchema.optional(),
});

export const TerminationSpecSchema = z.strictObject({
  trial: ConditionSchema.optional(),
  run: ConditionSchema.optional(),
});

/** One trial's input of a node: a flat array for a single port, or one array per input port. */
export const TrialInputSchema = z.union([z.array(Num), z.array(z.array(Num))], {
  error: 'a trial input is an array of numbers, or one array of numbers per input port',
});

export const RunSpecSchema = z.strictObject({
  inputs: keyed(z.array(TrialInputSchema).min(1, { error: 'give at least one trial input' })).optional(),
  num_trials: z.number().int({ error: 'num_trials must be a whole number' }).min(1, { error: 'num_trials must be at least 1' }).optional(),
});

export const ModelFileSchema = z.strictObject({
  format: z.literal(MODEL_FORMAT, { error: `a model file starts with "format": "${MODEL_FORMAT}"` }),
  version: z.literal(MODEL_FORMAT_VERSION, {
    error: (iss) =>
      typeof iss.input === 'number' && Number.isInteger(iss.input) && iss.input > MODEL_FORMAT_VERSION
        ? newerVersionMessage(iss.input)
        : `the format version must be ${MODEL_FORMAT_VERSION}`,
  }),
  name: z.string().max(MAX_NAME_LENGTH, { error: `a model name can have at most ${MAX_NAME_LENGTH} characters` }).optional(),
  seed: SeedSchema.optional(),
  nodes: keyed(NodeSpecSchema).superRefine((nodes, ctx) => {
    for (const name of Object.keys(nodes)) {
      for (const message of nodeNameProblems(name)) ctx.addIssue({ code: 'custom', path: [name], message, input: name });
    }
  }),
  projections: z.array(ProjectionSpecSchema).optional(),
  conditions: keyed(ConditionSchema).optional(),
  termination: TerminationSpecSchema.optional(),
  controller: NodeRef.optional(),
  controller_mode: z.enum(CONTROLLER_MODES).optional(),
  run: RunSpecSchema.optional(),
  output_nodes: z.array(NodeRef).optional(),
  studio: StudioDataSchema.optional(),
});

export type ModelFile = z.infer<typeof ModelFileSchema>;
export type NodeSpec = z.infer<typeof NodeSpecSchema>;
export type FunctionSpec = z.infer<typeof FunctionSpecSchema>;
export type NoiseSpec = z.infer<typeof NoiseSchema>;
export type InputPortSpec = z.infer<typeof InputPortSchema>;
export type OutputPortSpec = z.infer<typeof OutputPortSchema>;
export type ControlSignalSpec = z.infer<typeof ControlSignalSchema>;
export type StateFeatureSpec = z.infer<typeof StateFeatureSchema>;
export type MatrixSpec = z.infer<typeof MatrixSpecSchema>;
export type ProjectionSpec = z.infer<typeof ProjectionSpecSchema>;
export type TerminationSpec = z.infer<typeof TerminationSpecSchema>;
export type TrialInput = z.infer<typeof TrialInputSchema>;
export type RunSpec = z.infer<typeof RunSpecSchema>;
export type StudioData = z.infer<typeof StudioDataSchema>;
