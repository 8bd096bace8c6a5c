/**
 * Scheduling conditions of model-format version 1: graph-scheduler's names and arguments.
 * `All`, `Any`, `Not` and `NWhen` nest other conditions.
 */
import { z } from 'zod';
import { CONDITION_TYPES, THRESHOLD_COMPARATORS, TIME_SCALES, quoteShort } from './vocabulary.js';

const NodeRef = z.string().min(1, { error: 'a node name cannot be empty' });
const NodeRefs = z.array(NodeRef);
/** A count that may be zero (`AtPass(0)` is the first pass). */
const Count = z.number().int().min(0);
/** A count that must be at least one (`EveryNCalls(A, 0)` would divide by zero). */
const PositiveCount = z.number().int().min(1);
const TimeScale = z.enum(TIME_SCALES);

function simple<T extends string>(type: T) {
  return z.strictObject({ type: z.literal(type) });
}
function timeCondition<T extends string>(type: T, n: typeof Count = Count) {
  return z.strictObject({ type: z.literal(type), n });
}
function callCondition<T extends string>(type: T) {
  return z.strictObject({ type: z.literal(type), dependency: NodeRef, n: Count, time_scale: TimeScale.optional() });
}

/**
 * A condition: `{ "type": NAME, ...arguments }`. The four nesting conditions are spelled out here
 * (TypeScript cannot infer a recursive type); the schemas below are checked against this type.
 */
export type ConditionSpec =
  | LeafConditionSpec
  | { type: 'All'; conditions: ConditionSpec[] }
  | { type: 'Any'; conditions: ConditionSpec[] }
  | { type: 'Not'; condition: ConditionSpec }
  | { type: 'NWhen'; condition: ConditionSpec; n: number };
type LeafConditionSpec = z.infer<(typeof LEAF_CONDITIONS)[number]>;
type ConditionSchemaType = z.ZodType<ConditionSpec>;

const AllCondition = z.strictObject({
  type: z.literal('All'),
  get conditions(): z.ZodArray<ConditionSchemaType> {
    return z.array(ConditionSchema);
  },
});
const AnyCondition = z.strictObject({
  type: z.literal('Any'),
  get conditions(): z.ZodArray<ConditionSchemaType> {
    return z.array(ConditionSchema);
  },
});
const NotCondition = z.strictObject({
  type: z.literal('Not'),
  get condition(): ConditionSchemaType {
    return ConditionSchema;
  },
});
const NWhenCondition = z.strictObject({
  type: z.literal('NWhen'),
  get condition(): ConditionSchemaType {
    return ConditionSchema;
  },
  n: PositiveCount,
});

const LEAF_CONDITIONS = [
  simple('Always'),
  simple('Never'),
  timeCondition('AtPass'),
  timeCondition('BeforePass'),
  timeCondition('AfterPass'),
  timeCondition('AfterNPasses'),
  timeCondition('EveryNPasses', PositiveCount),
  timeCondition('AtTrial'),
  timeCondition('BeforeTrial'),
  timeCondition('AfterTrial'),
  timeCondition('AfterNTrials'),
  simple('AtTrialStart'),
  timeCondition('AtRun'),
  callCondition('BeforeNCalls'),
  callCondition('AtNCalls'),
  callCondition('AfterCall'),
  callCondition('AfterNCalls'),
  z.strictObject({ type: z.literal('EveryNCalls'), dependency: NodeRef, n: PositiveCount }),
  z.strictObject({
    type: z.literal('AfterNCallsCombined'),
    dependencies: NodeRefs,
    n: Count,
    time_scale: TimeScale.optional(),
  }),
  z.strictObject({ type: z.literal('JustRan'), dependency: NodeRef }),
  z.strictObject({ type: z.literal('AllHaveRun'), dependencies: NodeRefs.optional(), time_scale: TimeScale.optional() }),
  z.strictObject({ type: z.literal('WhenFinished'), dependency: NodeRef }),
  z.strictObject({ type: z.literal('WhenFinishedAny'), dependencies: NodeRefs.optional() }),
  z.strictObject({ type: z.literal('WhenFinishedAll'), dependencies: NodeRefs.optional() }),
  z.strictObject({
    type: z.literal('Threshold'),
    dependency: NodeRef,
    parameter: z.string().min(1).optional(),
    threshold: z.number(),
    comparator: z.enum(THRESHOLD_COMPARATORS).optional(),
    indices: z.union([Count, z.array(Count)]).optional(),
    atol: z.number().min(0).optional(),
    rtol: z.number().min(0).optional(),
  }),
  z.strictObject({
    type: z.literal('TimeInterval'),
    start: z.number().min(0).optional(),
    end: z.number().min(0).optional(),
    repeat: z.number().min(0).optional(),
    start_inclusive: z.boolean().optional(),
    end_inclusive: z.boolean().optional(),
  }),
  z.strictObject({ type: z.literal('TimeTermination'), t: z.number().min(0), inclusive: z.boolean().optional() }),
] as const;

const CONDITION_OPTIONS = [AllCondition, AnyCondition, NotCondition, NWhenCondition, ...LEAF_CONDITIONS] as const;

export const ConditionSchema: ConditionSchemaType = z.discriminatedUnion('type', CONDITION_OPTIONS, {
  error: (iss) => {
    const input = iss.input as { type?: unknown } | undefined;
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'a condition must be an object with a "type"';
    if (input.type === undefined) return 'a condition needs a "type"';
    return `unknown condition type ${quoteShort(input.type)}`;
  },
});


/** The arguments each condition type takes (besides `type`). */
export const CONDITION_ARGUMENTS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  CONDITION_OPTIONS.map((o) => {
    const keys = Object.keys(o.shape);
    return [String(o.shape.type.value), keys.filter((k) => k !== 'type')];
  }),
);

/** The arguments each condition type may leave out (the rest are required). */
export const CONDITION_OPTIONAL_ARGUMENTS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  CONDITION_OPTIONS.map((o) => {
    const shape = o.shape as Record<string, z.ZodType>;
    return [String(o.shape.type.value), Object.keys(shape).filter((k) => k !== 'type' && shape[k]!.safeParse(undefined).success)];
  }),
);

// Keeps the list of names and the schemas in step (checked when the module loads).
for (const t of CONDITION_TYPES) {
  if (!(t in CONDITION_ARGUMENTS)) throw new Error(`condition ${t} has no schema`);
}
