/**
 * The renderer ↔ host protocol, one for both transports (WebSocket in the web host, Electron IPC
 * through the preload): requests with a response each, and run events streamed while a run goes.
 * Every message crossing a process boundary is checked against these schemas on arrival.
 *
 * The model travels as its JSON object (model-format v1); here it is only checked to be a model
 * object of bounded size — the engine validates its contents and answers with located issues.
 */
import { z } from 'zod';
import { MENU_COMMANDS, type MenuCommand } from './channels.js';
import { CompileDiagnosticsSchema } from '../protocol/engine.js';

export const EXECUTION_MODES = ['Interpreted', 'LLVM', 'LLVMExec', 'LLVMRun', 'Auto'] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];
export const COMPILED_MODES = ['LLVM', 'LLVMExec', 'LLVMRun'] as const;
export type CompiledMode = (typeof COMPILED_MODES)[number];

/** Upper bounds that keep one message from exhausting either side. */
export const MAX_TRIALS = 1_000_000;
export const MAX_PATH_LENGTH = 4096;
/** Model files are limited to 50 MB (as the engine's loader limits them). */
export const MAX_MODEL_FILE_BYTES = 50 * 1024 * 1024;
/** A WebSocket frame larger than this is refused. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export const ExecutionModeSchema = z.enum(EXECUTION_MODES);
export const CompiledModeSchema = z.enum(COMPILED_MODES);

/** A model-format object: `format`, `version` and `nodes` present; the rest checked by the engine. */
export const ModelDocumentSchema = z.looseObject({
  format: z.string(),
  version: z.number(),
  nodes: z.record(z.string(), z.unknown()),
});
export type ModelDocument = z.infer<typeof ModelDocumentSchema>;

/** An example's file stem, e.g. `stroop` for `examples/stroop.cogmodel.json`. */
export const ExampleNameSchema = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, { error: 'an example name is letters, digits, _ and -' });
export const FilePathSchema = z.string().min(1).max(MAX_PATH_LENGTH);
export const RunIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** A problem in the model, located (JSON path, node, parameter) for the modeller. */
export const ModelIssueSchema = z.object({
  path: z.string(),
  message: z.string(),
  expected: z.string().optional(),
  found: z.string().optional(),
  node: z.string().optional(),
  parameter: z.string().optional(),
});
export type ModelIssue = z.infer<typeof ModelIssueSchema>;

export const ExampleInfoSchema = z.object({
  name: ExampleNameSchema,
  title: z.string(),
  description: z.string(),
  nodes: z.number().int(),
});
export type ExampleInfo = z.infer<typeof ExampleInfoSchema>;

/** A model as opened: the document and where it came from (a file path, or an example). */
export const OpenedModelSchema = z.object({
  model: ModelDocumentSchema,
  source: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('example'), name: ExampleNameSchema }),
    z.object({ kind: z.literal('file'), path: FilePathSchema }),
  ]),
});
export type OpenedModel = z.infer<typeof OpenedModelSchema>;

/** Where the model on screen came from: an opened source, or a new model not yet saved. */
export const ModelSourceSchema = z.union([OpenedModelSchema.shape.source, z.object({ kind: z.literal('new') })]);
export type ModelSource = z.infer<typeof ModelSourceSchema>;

/** The autosaved copy of a model with unsaved changes (one per user), offered back after a crash. */
export const RecoverySchema = z.object({
  model: ModelDocumentSchema,
  source: ModelSourceSchema,
  /** When it was written (ms since the epoch). */
  savedAt: z.number(),
});
export type Recovery = z.infer<typeof RecoverySchema>;

/** A recent model file; `exists` is false when it has been moved or deleted since. */
export const RecentFileSchema = z.object({ path: FilePathSchema, exists: z.boolean() });
export type RecentFile = z.infer<typeof RecentFileSchema>;

/** A file name for an export (no folders): letters, digits, space, . _ - ( ), ending in a known type. */
export const ExportNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9 ._()-]{1,120}\.(csv|json|png|svg)$/, { error: 'an export name is a plain file name ending in .csv, .json, .png or .svg' })
  .refine((n) => !n.startsWith('.'), { error: 'an export name may not start with a dot' });
/** Exports are at most this large (base64 text of a PNG included). */
export const MAX_EXPORT_BYTES = 32 * 1024 * 1024;

export const RunParamsSchema = z.strictObject({
  runId: RunIdSchema,
  model: ModelDocumentSchema,
  mode: ExecutionModeSchema,
  trials: z.number().int().min(1).max(MAX_TRIALS).optional(),
  inputs: z.record(z.string(), z.array(z.unknown())).optional(),
});
export type RunParams = z.infer<typeof RunParamsSchema>;

/** Most points one sweep may have (the CLI's limit too). */
export const MAX_SWEEP_POINTS = 100_000;
/** Parameter kinds a sweep can set to one number (an array-valued `numeric` one is broadcast by its component). */
export const SWEEPABLE_PARAM_KINDS: readonly string[] = ['number', 'integer', 'numeric', 'noise'];

/** A swept parameter: `NODE.PARAM` (or `NODE.function.PARAM`) over n evenly spaced values from start to stop. */
export const SweepRangeSchema = z.strictObject({
  target: z.string().min(3).max(500),
  start: z.number(),
  stop: z.number(),
  n: z.number().int().min(1).max(MAX_SWEEP_POINTS),
});
export type SweepRange = z.infer<typeof SweepRangeSchema>;

export const SweepParamsSchema = z.strictObject({
  runId: RunIdSchema,
  model: ModelDocumentSchema,
  mode: ExecutionModeSchema,
  trials: z.number().int().min(1).max(MAX_TRIALS).optional(),
  params: z.array(SweepRangeSchema).min(1).max(8),
  /** `NODE[.PORT]:STAT` columns (default: mean and final of every output port). */
  stats: z.array(z.string().min(1).max(500)).max(64).optional(),
});
export type SweepParams = z.infer<typeof SweepParamsSchema>;

/** Requests, discriminated by `method`. */
export const HostRequestSchema = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('examples.list') }),
  z.strictObject({ method: z.literal('examples.open'), name: ExampleNameSchema }),
  /** Without a path the host asks the user (a dialog in Electron); a path must lie in a location the user chose. */
  z.strictObject({ method: z.literal('file.open'), path: FilePathSchema.optional() }),
  z.strictObject({ method: z.literal('file.save'), model: ModelDocumentSchema, path: FilePathSchema.optional() }),
  z.strictObject({ method: z.literal('file.recent') }),
  /** Writes an export (results CSV/JSON, plot PNG/SVG): Electron asks where; the web host writes it to the workspace's exports/ folder. */
  z.strictObject({
    method: z.literal('file.export'),
    name: ExportNameSchema,
    content: z.string().max(MAX_EXPORT_BYTES),
    encoding: z.enum(['utf8', 'base64']),
  }),
  /** Autosave: the model with unsaved changes, written atomically to the user's recovery file. */
  z.strictObject({ method: z.literal('recovery.save'), model: ModelDocumentSchema, source: ModelSourceSchema }),
  /** The recovery file, when there is one (newer than the last save of the file it belongs to). */
  z.strictObject({ method: z.literal('recovery.check') }),
  /** Removes the recovery file (after a clean save, or when the user discards it). */
  z.strictObject({ method: z.literal('recovery.discard') }),
  /** The page tells its shell whether it has unsaved changes (Electron asks before closing the window). */
  z.strictObject({ method: z.literal('session.state'), dirty: z.boolean(), title: z.string().max(300) }),
  z.strictObject({ method: z.literal('model.validate'), model: ModelDocumentSchema }),
  z.strictObject({
    method: z.literal('model.compile'),
    model: ModelDocumentSchema,
    mode: CompiledModeSchema,
    optLevel: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).optional(),
  }),
  z.strictObject({ method: z.literal('run.start'), params: RunParamsSchema }),
  z.strictObject({ method: z.literal('run.cancel'), runId: RunIdSchema }),
  /** A parameter sweep; its rows stream as `sweep.*` events under its runId. */
  z.strictObject({ method: z.literal('sweep.start'), params: SweepParamsSchema }),
  z.strictObject({ method: z.literal('sweep.cancel'), runId: RunIdSchema }),
  /** A node's value at each pass of one trial (0-based), re-run in Interpreted mode from the initial state. */
  z.strictObject({
    method: z.literal('run.passes'),
    model: ModelDocumentSchema,
    node: z.string().min(1).max(1000),
    trial: z.number().int().min(0).max(MAX_TRIALS - 1),
    inputs: z.record(z.string(), z.array(z.unknown())).optional(),
  }),
  /** The components the engine knows (mechanisms, functions, conditions) with their parameters. */
  z.strictObject({ method: z.literal('catalog.get') }),
]);
export type HostRequest = z.infer<typeof HostRequestSchema>;
export type HostMethod = HostRequest['method'];
export type RequestOf<M extends HostMethod> = Extract<HostRequest, { method: M }>;

/** A compile's stages and outcome, as the engine reports them (one schema for both protocols). */
export const CompileStagesSchema = CompileDiagnosticsSchema;
export type CompileStages = z.infer<typeof CompileStagesSchema>;

export const ValidateResultSchema = z.object({
  valid: z.boolean(),
  issues: z.array(ModelIssueSchema),
  summary: z.string().optional(),
});
export type ValidateResult = z.infer<typeof ValidateResultSchema>;

export const CompileResultSchema = z.object({ mode: CompiledModeSchema, ir: z.string(), diagnostics: CompileStagesSchema });
export type CompileResult = z.infer<typeof CompileResultSchema>;

/** One parameter of a component as the inspector shows it (PsyNeuLink's name, default and help). */
export const ParamInfoSchema = z.object({
  name: z.string(),
  kind: z.enum(['number', 'numeric', 'matrix', 'enum', 'boolean', 'integer', 'function', 'noise', 'condition', 'string', 'range']),
  /** PsyNeuLink's default; absent when it has none. */
  default: z.unknown().optional(),
  help: z.string(),
  values: z.array(z.string()).optional(),
  unit: z.string().optional(),
});
export type ParamInfo = z.infer<typeof ParamInfoSchema>;

export const MechanismInfoSchema = z.object({
  type: z.string(),
  help: z.string(),
  params: z.array(ParamInfoSchema),
  defaultFunction: z.string(),
  defaultOutputPorts: z.array(z.string()),
});
export type MechanismInfo = z.infer<typeof MechanismInfoSchema>;

export const FunctionInfoSchema = z.object({
  type: z.string(),
  category: z.string(),
  help: z.string(),
  params: z.array(ParamInfoSchema),
  stochastic: z.boolean(),
});
export type FunctionInfo = z.infer<typeof FunctionInfoSchema>;

export const ConditionInfoSchema = z.object({ type: z.string(), args: z.array(z.string()) });
export type ConditionInfo = z.infer<typeof ConditionInfoSchema>;

export const CatalogSchema = z.object({
  mechanisms: z.array(MechanismInfoSchema),
  functions: z.array(FunctionInfoSchema),
  conditions: z.array(ConditionInfoSchema),
});
export type Catalog = z.infer<typeof CatalogSchema>;

/** A node's value (rows flattened; null = non-finite) after each step of one trial it ran in, with the pass of each. */
export const PassTraceSchema = z.object({
  node: z.string(),
  trial: z.number().int(),
  passes: z.array(z.number().int()),
  values: z.array(z.array(z.number().nullable())),
  steps: z.number().int(),
  truncated: z.boolean(),
});
export type PassTrace = z.infer<typeof PassTraceSchema>;

/** What each method answers. */
export const HostResultSchemas = {
  'examples.list': z.object({ examples: z.array(ExampleInfoSchema) }),
  'examples.open': OpenedModelSchema,
  'file.open': z.object({ opened: OpenedModelSchema.nullable() }),
  'file.save': z.object({ path: FilePathSchema.nullable() }),
  'file.recent': z.object({ files: z.array(RecentFileSchema) }),
  'file.export': z.object({ path: FilePathSchema.nullable() }),
  'recovery.save': z.object({ savedAt: z.number() }),
  'recovery.check': z.object({ recovery: RecoverySchema.nullable() }),
  'recovery.discard': z.object({ discarded: z.boolean() }),
  'session.state': z.object({}),
  'model.validate': ValidateResultSchema,
  'model.compile': CompileResultSchema,
  'run.start': z.object({ runId: RunIdSchema }),
  'run.cancel': z.object({ cancelled: z.boolean() }),
  'run.passes': PassTraceSchema,
  'catalog.get': CatalogSchema,
  'sweep.start': z.object({ runId: RunIdSchema }),
  'sweep.cancel': z.object({ cancelled: z.boolean() }),
} as const satisfies Record<HostMethod, z.ZodType>;
export type ResultOf<M extends HostMethod> = z.infer<(typeof HostResultSchemas)[M]>;

/** A failed request: what went wrong for the modeller, with located model issues when there are any. */
export const HostErrorSchema = z.object({
  kind: z.enum(['invalid-request', 'model', 'mode', 'file', 'runtime', 'crash', 'unavailable']),
  message: z.string(),
  issues: z.array(ModelIssueSchema).optional(),
});
export type HostError = z.infer<typeof HostErrorSchema>;

export const HostResponseSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: HostErrorSchema }),
]);
export type HostResponse = z.infer<typeof HostResponseSchema>;

/** One output port of the run's results, in results order (output nodes in node order, their ports in order). */
export const OutputColumnSchema = z.object({ node: z.string(), port: z.string(), size: z.number().int().min(0) });
export type OutputColumn = z.infer<typeof OutputColumnSchema>;

/** A result value; null stands for a non-finite one (NaN, ±Infinity), which JSON cannot carry. */
const ResultValue = z.number().nullable();
/** results[trial][column] = that port's value (a flat array of `size` numbers). */
export const TrialResultsSchema = z.array(z.array(z.array(ResultValue)));
export type TrialResults = z.infer<typeof TrialResultsSchema>;

/** Events streamed while a run goes; each names its run. The last one is `done` or `error`. */
export const RunEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('accepted'), runId: RunIdSchema, mode: ExecutionModeSchema, trials: z.number().int(), outputs: z.array(OutputColumnSchema) }),
  z.object({
    type: z.literal('diagnostics'),
    runId: RunIdSchema,
    mode: ExecutionModeSchema,
    executed_mode: ExecutionModeSchema,
    warnings: z.array(z.string()),
    build_ms: z.number().optional(),
    compile: CompileStagesSchema.optional(),
  }),
  z.object({ type: z.literal('trials'), runId: RunIdSchema, first: z.number().int().min(0), results: TrialResultsSchema }),
  z.object({ type: z.literal('progress'), runId: RunIdSchema, done: z.number().int(), total: z.number().int() }),
  z.object({
    type: z.literal('done'),
    runId: RunIdSchema,
    trials: z.number().int(),
    cancelled: z.boolean(),
    timings: z.object({ build_ms: z.number(), compile_ms: z.number(), run_ms: z.number(), total_ms: z.number(), trials_per_s: z.number() }),
  }),
  z.object({ type: z.literal('error'), runId: RunIdSchema, error: HostErrorSchema }),
  /** A sweep's columns (the swept parameters first, then the statistics), each swept parameter's values, and the grid size. */
  z.object({ type: z.literal('sweep.accepted'), runId: RunIdSchema, header: z.array(z.string()), axes: z.array(z.array(z.number())).min(1), total: z.number().int().min(1) }),
  /** One finished grid point (points may finish out of order; `index` is its place in the grid). */
  z.object({
    type: z.literal('sweep.point'),
    runId: RunIdSchema,
    done: z.number().int(),
    total: z.number().int(),
    index: z.number().int().min(0),
    values: z.array(z.number()),
    stats: z.array(ResultValue),
  }),
  z.object({
    type: z.literal('sweep.done'),
    runId: RunIdSchema,
    cancelled: z.boolean(),
    points: z.number().int(),
    executed_modes: z.array(ExecutionModeSchema),
    /** Points that ran on code compiled once for the whole sweep (the swept values read at run time); the rest compiled their own. */
    compiled_once: z.number().int().min(0),
    /** The programs those points ran on: 1, or one per combination of the parameter values built into the code. */
    compiled_codes: z.number().int().min(0),
    warnings: z.array(z.string()),
    /** Wall time, throughput, and the mean compile and run time per point (compiling dominates short compiled runs). */
    timings: z.object({ total_ms: z.number(), points_per_s: z.number(), compile_ms_per_point: z.number(), run_ms_per_point: z.number() }),
  }),
]);
export type RunEvent = z.infer<typeof RunEventSchema>;

/** WebSocket frames. Renderer → host: a request with a number the response repeats. */
export const ClientFrameSchema = z.strictObject({ id: z.number().int().min(0), request: HostRequestSchema });
export type ClientFrame = z.infer<typeof ClientFrameSchema>;
/** Host → renderer: a response to request `id`, or a run event. */
export const HostFrameSchema = z.union([
  z.strictObject({ id: z.number().int().min(0), response: HostResponseSchema }),
  z.strictObject({ event: RunEventSchema }),
]);
export type HostFrame = z.infer<typeof HostFrameSchema>;

export { IPC_CHANNELS, MENU_COMMANDS, type MenuCommand } from './channels.js';
export const MenuCommandSchema = z.enum(MENU_COMMANDS);

/** What the Electron preload exposes as `window.cogstudio`: the same requests and events. */
export interface PreloadApi {
  readonly transport: 'electron';
  request(request: HostRequest): Promise<HostResponse>;
  /** Subscribes to run events; returns the unsubscribe function. */
  onRunEvent(listener: (event: RunEvent) => void): () => void;
  /** Subscribes to application-menu commands; returns the unsubscribe function. */
  onMenuCommand(listener: (command: MenuCommand, path?: string) => void): () => void;
}
