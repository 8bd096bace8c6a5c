/**
 * The engine protocol: the messages between the studio (Electron main, the web host, the CLI)
 * and the engine process, as zod schemas with their inferred types. One protocol for every
 * transport (Electron utilityProcess, `child_process.fork`, WebSocket).
 *
 * Requests carry an `id` chosen by the sender; every request with an id gets exactly one final
 * event — `done` or `error` — after zero or more of `accepted`, `diagnostics`, `progress`,
 * `trials`, `validated` and `ir`. Requests run one at a time, in the order received.
 * Imports nothing outside `shared/`.
 */
import { z } from 'zod';

export const ENGINE_MODES = ['Interpreted', 'LLVM', 'LLVMExec', 'LLVMRun', 'Auto'] as const;
export type EngineMode = (typeof ENGINE_MODES)[number];

/** Modes a `compile` request accepts (Auto compiles the most compiled mode that works). */
export const COMPILE_MODES = ['LLVM', 'LLVMExec', 'LLVMRun', 'Auto'] as const;

/** Largest message either side accepts (an estimate of its JSON size). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Deepest nesting of arrays and objects in a message. */
export const MAX_MESSAGE_DEPTH = 200;
export const MAX_TRIALS = 1_000_000_000;
export const MAX_ID_LENGTH = 200;

const wholeNumber = (name: string, min: number, max: number) =>
  z.int({ error: `${name} must be a whole number from ${min} to ${max}` }).min(min, { error: `${name} must be at least ${min}` }).max(max, { error: `${name} must be at most ${max}` });

const RequestId = z
  .string({ error: 'id must be a string' })
  .min(1, { error: 'id must not be empty' })
  .max(MAX_ID_LENGTH, { error: `id must be at most ${MAX_ID_LENGTH} characters` });
const SessionKey = z
  .string({ error: 'session must be a string' })
  .min(1, { error: 'session must not be empty' })
  .max(MAX_ID_LENGTH, { error: `session must be at most ${MAX_ID_LENGTH} characters` });
/** A JSON object (the engine's model validation checks what is inside). */
const JsonObject = (what: string) => z.object({}, { error: `${what} must be an object` }).catchall(z.unknown());
const OptLevel = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)], { error: 'optLevel must be 0, 1, 2 or 3' });
const Flag = (name: string) => z.boolean({ error: `${name} must be true or false` });

// ---------------------------------------------------------------------------------------------
// Requests

/** Runs a model. With `session`, runs with the same key continue one execution context. */
export const RunRequestSchema = z.strictObject({
  type: z.literal('run'),
  id: RequestId,
  /** The model file object (format `cogstudio-model`). */
  model: JsonObject('model'),
  /** Default Auto. */
  mode: z.enum(ENGINE_MODES, { error: `mode must be one of ${ENGINE_MODES.join(', ')}` }).optional(),
  /** Default: the model's run.num_trials, else the longest input list. */
  numTrials: wholeNumber('numTrials', 1, MAX_TRIALS).optional(),
  /** `{NODE: [trial input, ...]}` replacing the model's run.inputs. */
  inputs: JsonObject('inputs').optional(),
  recordNodeValues: Flag('recordNodeValues').optional(),
  recordExecutionOrder: Flag('recordExecutionOrder').optional(),
  /**
   * Optimisation level of compiled modes. Default: tiered — O0 code for the first results, O2
   * code built in the background and swapped in between blocks (bit-identical results).
   */
  optLevel: OptLevel.optional(),
  /** Passes a trial may take before the run stops with a `limit` error (default 100000). */
  maxPassesPerTrial: wholeNumber('maxPassesPerTrial', 1, MAX_TRIALS).optional(),
  /** Runs with the same key continue the same context; absent = a fresh context. */
  session: SessionKey.optional(),
});

/** Stops a running request, or removes a queued one (it ends with `done {cancelled: true}`). */
export const CancelRequestSchema = z.strictObject({ type: z.literal('cancel'), id: RequestId });

/** Checks a model: `validated` then `done`, or `error {kind: 'model', issues}`. */
export const ValidateRequestSchema = z.strictObject({ type: z.literal('validate'), id: RequestId, model: JsonObject('model') });

/** Compiles a model without running it: `diagnostics`, `ir` (when asked), then `done`. */
export const CompileRequestSchema = z.strictObject({
  type: z.literal('compile'),
  id: RequestId,
  model: JsonObject('model'),
  /** Default LLVMRun. */
  mode: z.enum(COMPILE_MODES, { error: `mode must be one of ${COMPILE_MODES.join(', ')}` }).optional(),
  optLevel: OptLevel.optional(),
  /** Return the generated (unoptimised) IR text. */
  emitIR: Flag('emitIR').optional(),
  /** Return the IR after the optimisation pipeline. */
  emitOptimizedIR: Flag('emitOptimizedIR').optional(),
  /** Compile into this session, so that its next run starts without compiling. */
  session: SessionKey.optional(),
});

/** Forgets a session's context (its next run starts from the model's initial state). */
export const ResetSessionRequestSchema = z.strictObject({
  type: z.literal('reset-session'),
  session: SessionKey,
  /** When given, the reset is acknowledged with `accepted` and `done`. */
  id: RequestId.optional(),
});

/** Ends the engine: queued requests are cancelled, the running one is stopped. */
export const ShutdownRequestSchema = z.strictObject({ type: z.literal('shutdown') });

/**
 * A node's value at each pass of one trial: the model runs from its initial state up to trial
 * `trial` (0-based) in Interpreted mode, recording that node after every time step it ran in;
 * answered by `passes` then `done`. Mode equivalence is exact, so compiled runs pass through the
 * same values.
 */
export const TraceRequestSchema = z.strictObject({
  type: z.literal('trace'),
  id: RequestId,
  model: JsonObject('model'),
  node: z.string({ error: 'node must be a node name' }).min(1).max(1000),
  trial: wholeNumber('trial', 0, MAX_TRIALS - 1),
  inputs: JsonObject('inputs').optional(),
});

export const EngineRequestSchema = z.discriminatedUnion('type', [
  RunRequestSchema,
  TraceRequestSchema,
  CancelRequestSchema,
  ValidateRequestSchema,
  CompileRequestSchema,
  ResetSessionRequestSchema,
  ShutdownRequestSchema,
]);

/**
 * Test-only requests, accepted only by an engine started with COGSTUDIO_ENGINE_TEST_FAULTS=1:
 * `debug-crash` makes native code segfault, `debug-hang` spins forever in native code.
 */
export const DebugRequestSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('debug-crash'), id: RequestId }),
  z.strictObject({ type: z.literal('debug-hang'), id: RequestId }),
]);

export type RunRequest = z.infer<typeof RunRequestSchema>;
export type TraceRequest = z.infer<typeof TraceRequestSchema>;
export type CancelRequest = z.infer<typeof CancelRequestSchema>;
export type ValidateRequest = z.infer<typeof ValidateRequestSchema>;
export type CompileRequest = z.infer<typeof CompileRequestSchema>;
export type ResetSessionRequest = z.infer<typeof ResetSessionRequestSchema>;
export type ShutdownRequest = z.infer<typeof ShutdownRequestSchema>;
export type EngineRequest = z.infer<typeof EngineRequestSchema>;
export type DebugRequest = z.infer<typeof DebugRequestSchema>;

export const REQUEST_TYPES = EngineRequestSchema.options.map((o) => o.shape.type.value);
export const DEBUG_REQUEST_TYPES = DebugRequestSchema.options.map((o) => o.shape.type.value);

// ---------------------------------------------------------------------------------------------
// Events

/** Any number, NaN and ±Infinity included (model results may hold them). */
const Float = z.custom<number>((v) => typeof v === 'number', { error: 'expected a number' });
const Count = z.int().min(0);
const Ms = z.number().min(0);

export const AcceptedEventSchema = z.strictObject({
  type: z.literal('accepted'),
  id: RequestId,
  /** Requests ahead of this one (the running one included): 0 = it starts now. */
  queuePosition: Count,
});

/**
 * A tiered compile (runs without an explicit optLevel): O0 code first, O2 code built in the
 * background and swapped in between blocks. Sent again in a later `diagnostics` event of the
 * run once the O2 code is in (or its compile failed).
 */
export const CompileTiersSchema = z.object({
  /** Until the O0 code could run (codegen included). */
  o0_ms: Ms,
  /** From the start of the compile until the O2 code replaced the O0 code. */
  o2_ready_ms: Ms.optional(),
  /** The first trial of this run that ran on the O2 code. */
  used_from_trial: Count.optional(),
  /** Why the O2 compile failed (the run went on with the O0 code). */
  o2_error: z.string().optional(),
});
export type CompileTiers = z.infer<typeof CompileTiersSchema>;

/** One line for people: "O0 in 33.0 ms, O2 ready after 131.2 ms, used from trial 12". */
export function describeTiers(t: CompileTiers): string {
  const o0 = `O0 in ${t.o0_ms.toFixed(1)} ms`;
  if (t.o2_error !== undefined) return `${o0}; the O2 compile failed (${t.o2_error}), the O0 code ran`;
  if (t.o2_ready_ms === undefined) return `${o0}, O2 compiling in the background`;
  const used = t.used_from_trial === undefined ? 'not used by this run' : `used from trial ${t.used_from_trial}`;
  return `${o0}, O2 ready after ${t.o2_ready_ms.toFixed(1)} ms, ${used}`;
}

/** Per-stage compile times, the IR size, the function count and whether machine code was reused. */
export const CompileDiagnosticsSchema = z.object({
  codegen_ms: Ms,
  /** Handing the module to the JIT (writing its bitcode). */
  ir_write_ms: Ms,
  ir_parse_ms: Ms,
  verify_ms: Ms,
  optimize_ms: Ms,
  machine_code_ms: Ms,
  total_ms: Ms,
  /** Size of what the JIT was handed: the module's bitcode. */
  ir_bytes: Count,
  functions: Count,
  /** hit: this process's cache; disk: the object cache on disk; miss: compiled now. */
  cache: z.enum(['hit', 'miss', 'disk']),
  /** The level of the code compiled first (0 for a tiered compile; see tiers). */
  opt_level: z.int(),
  tiers: CompileTiersSchema.optional(),
});

/**
 * Which mode runs (after Auto's fallbacks), every warning, and the compile diagnostics. A run on
 * a tiered compile may send it again, with `compile.tiers` updated, once the O2 code is in.
 */
export const DiagnosticsEventSchema = z.strictObject({
  type: z.literal('diagnostics'),
  id: RequestId,
  mode: z.enum(ENGINE_MODES),
  executedMode: z.enum(ENGINE_MODES),
  warnings: z.array(z.string()),
  compile: CompileDiagnosticsSchema.optional(),
});

/** A batch of consecutive trials, `first` being the index of the first one in the run. */
export const TrialsEventSchema = z.strictObject({
  type: z.literal('trials'),
  id: RequestId,
  first: Count,
  /** results[trial][output port][element], output nodes in model order. */
  results: z.array(z.array(z.array(Float))),
  /** nodeValues[node][trial][row][element] (when recordNodeValues). */
  nodeValues: z.object({}).catchall(z.array(z.array(z.array(Float)))).optional(),
  /** executionOrder[trial][time step] = the nodes run (when recordExecutionOrder). */
  executionOrder: z.array(z.array(z.array(z.string()))).optional(),
});

export const PROGRESS_PHASES = ['build', 'compile', 'run'] as const;

export const ProgressEventSchema = z.strictObject({
  type: z.literal('progress'),
  id: RequestId,
  done: Count,
  total: Count,
  /** `compile` announces a stretch that cannot be interrupted (a cancel waits for it). */
  phase: z.enum(PROGRESS_PHASES).optional(),
});

/** The answer to `validate` for a valid model. */
export const ValidatedEventSchema = z.strictObject({
  type: z.literal('validated'),
  id: RequestId,
  nodes: z.array(z.string()),
  projections: Count,
  inputNodes: z.array(z.string()),
  outputNodes: z.array(z.string()),
  warnings: z.array(z.string()),
});

/** The answer to `trace`: the node's value (rows flattened) after each step it ran in, with the pass of each. */
export const PassesEventSchema = z.strictObject({
  type: z.literal('passes'),
  id: RequestId,
  node: z.string(),
  trial: Count,
  passes: z.array(Count),
  values: z.array(z.array(Float)),
  /** Steps the node ran in during the trial; more than `values` holds when `truncated`. */
  steps: Count,
  truncated: z.boolean(),
});

/** IR text asked for by `compile`. */
export const IREventSchema = z.strictObject({
  type: z.literal('ir'),
  id: RequestId,
  ir: z.string().optional(),
  optimizedIR: z.string().optional(),
});

export const TimingsSchema = z.object({
  build_ms: Ms.optional(),
  compile_ms: Ms.optional(),
  run_ms: Ms.optional(),
  total_ms: Ms,
  trials_per_s: Ms.optional(),
});

export const DoneEventSchema = z.strictObject({
  type: z.literal('done'),
  id: RequestId,
  /** Trials run (0 for requests that run none). */
  trials: Count,
  cancelled: z.boolean(),
  timings: TimingsSchema,
  /** The engine process's resident memory after the request (bytes), for recycling. */
  rss: Count.optional(),
});

export const ERROR_KINDS = ['model', 'mode', 'limit', 'jit', 'crash', 'internal', 'protocol'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** One problem in a model file, located by its JSON path (as the engine's ModelError has them). */
export const ModelIssueSchema = z.object({
  path: z.string(),
  message: z.string(),
  expected: z.string().optional(),
  found: z.string().optional(),
  node: z.string().optional(),
  parameter: z.string().optional(),
});

export const ErrorEventSchema = z.strictObject({
  type: z.literal('error'),
  /** null only for a message so malformed that it has no usable id. */
  id: RequestId.nullable(),
  /**
   * model: the model or inputs are invalid (see issues); mode: the requested mode cannot run
   * this model; limit: a trial did not end; jit: native compilation failed; crash: the engine
   * process died or hung (it was restarted); internal: an engine bug; protocol: a malformed
   * request.
   */
  kind: z.enum(ERROR_KINDS),
  message: z.string(),
  issues: z.array(ModelIssueSchema).optional(),
  rss: Count.optional(),
});

export const EngineEventSchema = z.discriminatedUnion('type', [
  AcceptedEventSchema,
  DiagnosticsEventSchema,
  TrialsEventSchema,
  ProgressEventSchema,
  ValidatedEventSchema,
  PassesEventSchema,
  IREventSchema,
  DoneEventSchema,
  ErrorEventSchema,
]);

export type AcceptedEvent = z.infer<typeof AcceptedEventSchema>;
export type CompileDiagnosticsInfo = z.infer<typeof CompileDiagnosticsSchema>;
export type DiagnosticsEvent = z.infer<typeof DiagnosticsEventSchema>;
export type TrialsEvent = z.infer<typeof TrialsEventSchema>;
export type ProgressEvent = z.infer<typeof ProgressEventSchema>;
export type ValidatedEvent = z.infer<typeof ValidatedEventSchema>;
export type IREvent = z.infer<typeof IREventSchema>;
export type PassesEvent = z.infer<typeof PassesEventSchema>;
export type DoneEvent = z.infer<typeof DoneEventSchema>;
export type ErrorEvent = z.infer<typeof ErrorEventSchema>;
export type EngineEvent = z.infer<typeof EngineEventSchema>;
/** The event that ends a request. */
export type FinalEvent = DoneEvent | ErrorEvent;
export type ModelIssueInfo = z.infer<typeof ModelIssueSchema>;

export function isFinalEvent(e: EngineEvent): e is FinalEvent {
  return e.type === 'done' || e.type === 'error';
}

// ---------------------------------------------------------------------------------------------
// Checking incoming messages

export type Parsed<T> = { ok: true; value: T } | { ok: false; id: string | null; message: string };

/**
 * Checks that a message is plain JSON-like data (arrays, plain objects, strings, numbers,
 * booleans, null), no deeper than MAX_MESSAGE_DEPTH and without cycles, and estimates its JSON
 * size (a shared part counted each time, as JSON would write it), stopping early past `limit`.
 * Returns a problem, or null.
 */
export function messageShapeProblem(value: unknown, limit = MAX_MESSAGE_BYTES): string | null {
  let bytes = 0;
  /** The objects on the path from the root to the value being visited. */
  const ancestors = new Set<object>();
  // a frame is a value to visit, or the object whose subtree is finished (to leave the path)
  const stack: ({ visit: unknown; depth: number } | { leave: object })[] = [{ visit: value, depth: 0 }];
  while (stack.length) {
    const frame = stack.pop()!;
    if ('leave' in frame) {
      ancestors.delete(frame.leave);
      continue;
    }
    const { visit: v, depth } = frame;
    if (v === null || v === undefined || typeof v === 'boolean') bytes += 5;
    else if (typeof v === 'number') bytes += 8;
    else if (typeof v === 'string') bytes += v.length + 2;
    else if (typeof v === 'object') {
      if (depth >= MAX_MESSAGE_DEPTH) return `the message is nested deeper than ${MAX_MESSAGE_DEPTH} levels`;
      if (ancestors.has(v)) return 'the message holds a cyclic reference (messages are plain JSON data)';
      ancestors.add(v);
      stack.push({ leave: v });
      if (Array.isArray(v)) {
        bytes += 2 + v.length;
        for (let i = v.length - 1; i >= 0; i--) stack.push({ visit: v[i], depth: depth + 1 });
      } else {
        const proto = Object.getPrototypeOf(v) as unknown;
        if (proto !== Object.prototype && proto !== null) return `the message holds a ${v.constructor?.name ?? 'non-plain'} object (messages are plain JSON data)`;
        bytes += 2;
        for (const [k, x] of Object.entries(v)) {
          bytes += k.length + 4;
          stack.push({ visit: x, depth: depth + 1 });
        }
      }
    } else return `the message holds a ${typeof v} (messages are plain JSON data)`;
    if (bytes > limit) return `the message is larger than the limit of ${Math.round(limit / 2 ** 20)} MB`;
  }
  return null;
}

function idOf(msg: unknown): string | null {
  if (typeof msg !== 'object' || msg === null) return null;
  const id = (msg as { id?: unknown }).id;
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH ? id : null;
}

function describeFound(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : String(v);
}

function valueAt(msg: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = msg;
  for (const k of path) v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function formatIssues(type: string, msg: unknown, issues: readonly z.core.$ZodIssue[]): string {
  const parts = issues.slice(0, 8).map((i) => {
    if (i.code === 'unrecognized_keys') return `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    const path = i.path.map(String).join('.');
    return `${path ? `${path}: ` : ''}${i.message} (found ${describeFound(valueAt(msg, i.path))})`;
  });
  if (issues.length > 8) parts.push(`and ${issues.length - 8} more`);
  return `malformed ${JSON.stringify(type)} request: ${parts.join('; ')}`;
}

/**
 * Checks an incoming request. The failure names what is wrong and carries the message's id
 * when it has a usable one, so that the sender can match the `protocol` error to its request.
 * `debug` also accepts the test-only fault requests.
 */
export function parseEngineRequest(msg: unknown, opts: { debug?: boolean; limit?: number } = {}): Parsed<EngineRequest | DebugRequest> {
  const id = idOf(msg);
  const fail = (message: string) => ({ ok: false as const, id, message });
  const shape = messageShapeProblem(msg, opts.limit);
  if (shape) return fail(shape);
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return fail(`a request is an object with a "type", not ${describeFound(msg)}`);
  const type = (msg as { type?: unknown }).type;
  const known: readonly string[] = opts.debug ? [...REQUEST_TYPES, ...DEBUG_REQUEST_TYPES] : REQUEST_TYPES;
  if (type === undefined) return fail(`the request has no "type"; expected one of ${REQUEST_TYPES.join(', ')}`);
  if (typeof type !== 'string' || !known.includes(type)) {
    return fail(`unknown request type ${describeFound(type)}; expected one of ${REQUEST_TYPES.join(', ')}`);
  }
  const schema = (DEBUG_REQUEST_TYPES as readonly string[]).includes(type) ? DebugRequestSchema : EngineRequestSchema;
  const r = schema.safeParse(msg);
  return r.success ? { ok: true, value: r.data } : fail(formatIssues(type, msg, r.error.issues));
}

/** Parses a request received as text (WebSocket), refusing oversized text before parsing it. */
export function parseEngineRequestText(text: string, opts: { debug?: boolean; limit?: number } = {}): Parsed<EngineRequest | DebugRequest> {
  const limit = opts.limit ?? MAX_MESSAGE_BYTES;
  if (text.length > limit) return { ok: false, id: null, message: `the message is larger than the limit of ${Math.round(limit / 2 ** 20)} MB` };
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch (e) {
    return { ok: false, id: null, message: `the message is not JSON: ${(e as Error).message}` };
  }
  return parseEngineRequest(msg, opts);
}

// ---------------------------------------------------------------------------------------------
// Wire encoding of trial batches

/**
 * A `trials` event as the engine emits it and transports carry it (structured clone: Node IPC
 * with advanced serialisation, Electron's MessagePort): the numbers of every trial in one
 * Float64Array, which costs a copy instead of one serialised value per number. Every trial of
 * a run has the same shape, given once. Decoded into a `trials` event by `unpackTrials`.
 */
export interface PackedTrialsEvent {
  type: 'trials-packed';
  id: string;
  first: number;
  count: number;
  /** Length of each output port's row, for every trial. */
  resultRows: number[];
  /** count × sum(resultRows): per trial, its output ports' rows in order. */
  results: Float64Array;
  /** Per node: its name and the lengths of its value's rows. */
  nodeRows?: [string, number[]][];
  /** count × all nodeRows: per trial, every node's value rows in nodeRows order. */
  nodeValues?: Float64Array;
  executionOrder?: string[][][];
}

/** An event as the engine emits it: every event but `trials`, which goes packed. */
export type WireEvent = Exclude<EngineEvent, TrialsEvent> | PackedTrialsEvent;

/** The event a wire event stands for: trial batches decoded (null for a malformed batch). */
export function fromWire(e: WireEvent): EngineEvent | null {
  return e.type === 'trials-packed' ? unpackTrials(e) : e;
}

/** Decodes a packed batch (null when it is not a well-formed one). */
export function unpackTrials(p: PackedTrialsEvent): TrialsEvent | null {
  const { count, resultRows, results } = p;
  if (!(results instanceof Float64Array) || !Array.isArray(resultRows) || !Number.isInteger(count) || count < 0) return null;
  const width = resultRows.reduce((a, b) => a + b, 0);
  if (results.length !== count * width) return null;
  const out: number[][][] = new Array(count);
  let pos = 0;
  for (let t = 0; t < count; t++) {
    const trial: number[][] = new Array(resultRows.length);
    for (let r = 0; r < resultRows.length; r++) {
      const len = resultRows[r]!;
      trial[r] = Array.from(results.subarray(pos, pos + len));
      pos += len;
    }
    out[t] = trial;
  }
  const e: TrialsEvent = { type: 'trials', id: p.id, first: p.first, results: out };
  if (p.nodeRows && p.nodeValues instanceof Float64Array) {
    const perNode: number[][][][] = p.nodeRows.map(() => new Array(count));
    const nodeWidth = p.nodeRows.reduce((a, [, rows]) => a + rows.reduce((x, y) => x + y, 0), 0);
    if (p.nodeValues.length !== count * nodeWidth) return null;
    let q = 0;
    for (let t = 0; t < count; t++) {
      p.nodeRows.forEach(([, rows], k) => {
        perNode[k]![t] = rows.map((len) => {
          const v = Array.from(p.nodeValues!.subarray(q, q + len));
          q += len;
          return v;
        });
      });
    }
    e.nodeValues = Object.fromEntries(p.nodeRows.map(([name], k) => [name, perNode[k]!]));
  }
  if (p.executionOrder) e.executionOrder = p.executionOrder;
  return e;
}
