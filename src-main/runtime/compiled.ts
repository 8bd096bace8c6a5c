/**
 * Compiled execution over an ExecutionContext's state buffer (the same bytes the interpreter
 * uses): LLVM (each node compiled, scheduler in TypeScript), LLVMExec (one native call per
 * trial), LLVMRun (one native call per run). Everything — values, integrator state, RNG
 * streams, counters — stays in the shared buffer, so any mode continues where another stopped.
 */
import { generateModule, STATUS, type GeneratedModule } from '../compiler/codegen/composition.js';
import { compileIR, type NativeFunction, type NativeModule, type OptLevel } from '../compiler/jit/index.js';
import type { Composition } from '../engine/composition.js';
import type { PreparedInputs } from '../engine/inputs.js';
import type { ExecutionContext, RunOptions, TrialRecord } from '../engine/interpreter.js';
import { DEFAULT_LIMITS, SchedulerLimitError } from '../scheduler/scheduler.js';

export type CompiledMode = 'LLVM' | 'LLVMExec' | 'LLVMRun';

export interface CompileDiagnostics {
  codegen_ms: number;
  ir_print_ms: number;
  ir_parse_ms: number;
  verify_ms: number;
  optimize_ms: number;
  machine_code_ms: number;
  total_ms: number;
  ir_bytes: number;
  functions: number;
  cache: 'hit' | 'miss';
  opt_level: OptLevel;
}

type NodeFn = NativeFunction<(state: ArrayBuffer) => void>;
type TrialFn = NativeFunction<(state: ArrayBuffer, maxPasses: number, log: Int32Array, logCap: number, logLen: Int32Array) => number>;
type RunFn = NativeFunction<
  (
    state: ArrayBuffer,
    inputs: Float64Array,
    inputLens: Int32Array,
    firstTrial: number,
    ntrials: number,
    results: Float64Array,
    nodeValues: Float64Array | null,
    control: Int32Array,
    maxPasses: number,
    log: Int32Array,
    logCap: number,
    logLen: Int32Array,
  ) => number
>;

export interface CompiledModel {
  readonly mode: CompiledMode;
  readonly native: NativeModule;
  readonly generated: GeneratedModule;
  readonly irText: string;
  readonly diagnostics: CompileDiagnostics;
  readonly nodeFns: NodeFn[];
  readonly trialFn: TrialFn | null;
  readonly runFn: RunFn | null;
}

/** Machine code reused for the same composition object and options (one compile per model). */
const cache = new WeakMap<Composition, Map<string, CompiledModel>>();

export function compileComposition(comp: Composition, mode: CompiledMode, optLevel: OptLevel = 2): CompiledModel {
  const withScheduler = mode !== 'LLVM';
  const key = `${withScheduler}:${optLevel}`;
  const perComp = cache.get(comp) ?? new Map<string, CompiledModel>();
  cache.set(comp, perComp);
  const hit = perComp.get(key);
  if (hit && !hit.native.disposed) return { ...hit, mode, diagnostics: { ...hit.diagnostics, cache: 'hit' } };
  const generated = generateModule(comp, { withScheduler });
  const t0 = performance.now();
  const irText = generated.ir.print();
  const irPrintMs = performance.now() - t0;
  const native = compileIR(irText, { optLevel, name: `${comp.name}.ll` });
  const nodeFns = generated.names.node.map((name) => native.fn<(state: ArrayBuffer) => void>(name, 'void node(void *state)'));
  const trialFn = withScheduler
    ? native.fn<(state: ArrayBuffer, maxPasses: number, log: Int32Array, logCap: number, logLen: Int32Array) => number>(
        generated.names.trial,
        'int32 trial(void *state, int32 max_passes, int32 *log, int32 log_cap, int32 *log_len)',
      )
    : null;
  const runFn = withScheduler
    ? (native.fn(
        generated.names.run,
        'int32 run(void *state, double *inputs, int32 *input_lens, int32 first_trial, int32 ntrials, double *results, double *node_values, int32 *control, int32 max_passes, int32 *log, int32 log_cap, int32 *log_len)',
      ) as RunFn)
    : null;
  const t = native.timings;
  const compiled: CompiledModel = {
    mode,
    native,
    generated,
    irText,
    nodeFns,
    trialFn,
    runFn,
    diagnostics: {
      codegen_ms: generated.codegenMs,
      ir_print_ms: irPrintMs,
      ir_parse_ms: t.ir_parse_ms,
      verify_ms: t.verify_ms,
      optimize_ms: t.optimize_ms,
      machine_code_ms: t.machine_code_ms,
      total_ms: generated.codegenMs + irPrintMs + t.total_ms,
      ir_bytes: native.irBytes,
      functions: native.entryPoints.length,
      cache: 'miss',
      opt_level: optLevel,
    },
  };
  perComp.set(key, compiled);
  return compiled;
}

/** Drops (and disposes) the machine code of a composition. */
export function disposeCompiled(comp: Composition): void {
  for (const m of cache.get(comp)?.values() ?? []) m.native.dispose();
  cache.delete(comp);
}

function statusError(status: number, trial: number, ctx: ExecutionContext): Error {
  const term = ctx.comp.scheduler.describeTermination;
  if (status === STATUS.DEADLOCK) return new SchedulerLimitError(`trial ${trial} cannot end: no node can run and the trial's termination condition (${term}) is not satisfied; check the nodes' conditions`);
  if (status === STATUS.MAX_PASSES) return new SchedulerLimitError(`trial ${trial} did not end within the limit of passes: its termination condition (${term}) was never satisfied`);
  return new Error(`compiled run stopped with status ${status}`);
}

const LOG_CAP_PER_TRIAL = 1 << 16;

function decodeLog(log: Int32Array, len: number, names: readonly string[]): string[][] {
  const steps: string[][] = [];
  for (let i = 0; i < len; ) {
    const count = log[i++]!;
    steps.push(Array.from(log.subarray(i, i + count), (k) => names[k]!));
    i += count;
  }
  return steps;
}

/** Runs trials in a compiled mode on `ctx`, with the interpreter's record format. */
export function runCompiled(ctx: ExecutionContext, compiled: CompiledModel, opts: RunOptions): TrialRecord[] {
  const comp = ctx.comp;
  const names = comp.nodeNames;
  const buffer = ctx.store.buffer;
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const records: TrialRecord[] = [];
  const sched = comp.scheduler;
  const record = (order?: string[][]): TrialRecord => {
    const r: TrialRecord = { results: ctx.results() };
    if (opts.recordNodeValues) r.nodeValues = ctx.mechanisms.map((m) => m.value.map((row) => Array.from(row)));
    if (order) r.executionOrder = order;
    return r;
  };

  if (compiled.mode === 'LLVM') {
    sched.beginRun(ctx.counters);
    for (let t = 0; t < opts.numTrials; t++) {
      if (sched.runTerminated(ctx.conditionContext)) break;
      ctx.setTrialInputs(opts.inputs, t);
      const order: string[][] | undefined = opts.recordExecutionOrder ? [] : undefined;
      const stop = sched.runTrial(
        ctx.conditionContext,
        (nodes) => {
          for (const k of nodes) ctx.gather(k);
          for (const k of nodes) compiled.nodeFns[k]!(buffer);
          order?.push(nodes.map((k) => names[k]!));
        },
        limits,
        () => ctx.beginTrial(),
      );
      const r = record(order);
      records.push(r);
      if (opts.onTrial?.(t, r) === false || stop) break;
    }
    sched.endRun(ctx.counters);
    return records;
  }

  const logCap = opts.recordExecutionOrder ? LOG_CAP_PER_TRIAL : 0;
  const log = new Int32Array(Math.max(1, logCap));
  const logLen = new Int32Array(1);

  if (compiled.mode === 'LLVMExec') {
    sched.beginRun(ctx.counters);
    for (let t = 0; t < opts.numTrials; t++) {
      if (sched.runTerminated(ctx.conditionContext)) break;
      ctx.setTrialInputs(opts.inputs, t);
      logLen[0] = 0;
      const status = compiled.trialFn!(buffer, limits.maxPassesPerTrial, log, logCap, logLen);
      if (status < 0) throw statusError(status, t, ctx);
      const r = record(opts.recordExecutionOrder ? decodeLog(log, logLen[0]!, names) : undefined);
      records.push(r);
      if (opts.onTrial?.(t, r) === false || status === STATUS.RUN_TERMINATED) break;
    }
    sched.endRun(ctx.counters);
    return records;
  }

  // LLVMRun: trials in native batches (one call each), sized to take ~20 ms so that progress,
  // streaming and cancellation stay responsive; the run begins and ends here.
  const { data, lens } = packInputs(opts.inputs);
  const width = compiled.generated.resultsWidth;
  const nvWidth = compiled.generated.nodeValuesWidth;
  const outputSizes = comp.outputNodes.flatMap((k) => comp.nodes[k]!.outputPorts.map((p) => p.shape.reduce((a, b) => a + b, 0)));
  const valueShapes = comp.nodes.map((m) => m.valueShape);
  const control = new Int32Array(3);
  let batch = 16;
  let results = new Float64Array(batch * Math.max(1, width));
  let nodeValues = opts.recordNodeValues ? new Float64Array(batch * Math.max(1, nvWidth)) : null;
  const runLog = opts.recordExecutionOrder ? new Int32Array(LOG_CAP_PER_TRIAL * 4) : log;
  sched.beginRun(ctx.counters);
  let t = 0;
  let stopped = sched.runTerminated(ctx.conditionContext);
  while (!stopped && t < opts.numTrials) {
    const n = Math.min(batch, opts.numTrials - t);
    if (results.length < n * width) results = new Float64Array(n * width);
    if (nodeValues && nodeValues.length < n * nvWidth) nodeValues = new Float64Array(n * nvWidth);
    logLen[0] = 0;
    control[2] = 0;
    const started = performance.now();
    const status = compiled.runFn!(buffer, data, lens, t, n, results, nodeValues, control, limits.maxPassesPerTrial, runLog, opts.recordExecutionOrder ? runLog.length : 0, logLen);
    if (status < 0 && status !== STATUS.CANCELLED) throw statusError(status, control[1]!, ctx);
    const done = status < 0 ? control[1]! - t : status;
    const order = opts.recordExecutionOrder ? splitLogByTrial(runLog, logLen[0]!, names, done) : undefined;
    for (let i = 0; i < done; i++) {
      let pos = i * width;
      const r: TrialRecord = {
        results: outputSizes.map((len) => {
          const v = Array.from(results.subarray(pos, pos + len));
          pos += len;
          return v;
        }),
      };
      if (nodeValues) {
        let q = i * nvWidth;
        const nv = nodeValues;
        r.nodeValues = valueShapes.map((shape) =>
          shape.map((len) => {
            const v = Array.from(nv.subarray(q, q + len));
            q += len;
            return v;
          }),
        );
      }
      if (order) r.executionOrder = order[i] ?? [];
      records.push(r);
      if (opts.onTrial?.(t + i, r) === false) stopped = true;
    }
    t += done;
    if (control[2] === 1 || status === STATUS.CANCELLED) stopped = true;
    const elapsed = performance.now() - started;
    if (elapsed < 10 && batch < 1 << 20) batch *= 2;
    else if (elapsed > 40 && batch > 1) batch = Math.max(1, batch >> 1);
  }
  sched.endRun(ctx.counters);
  return records;
}

/** Splits a run's step log into trials: a trial ends where the trial function returned. */
function splitLogByTrial(log: Int32Array, len: number, names: readonly string[], trials: number): string[][][] {
  // The run log has no trial markers; the trial boundaries are recovered by re-reading counts:
  // every step is [count, nodes...]; trials are separated by a -1 marker written by run().
  const out: string[][][] = [[]];
  for (let i = 0; i < len; ) {
    const count = log[i++]!;
    if (count === -1) {
      out.push([]);
      continue;
    }
    out[out.length - 1]!.push(Array.from(log.subarray(i, i + count), (k) => names[k]!));
    i += count;
  }
  return out.slice(0, trials);
}

/** Concatenates each input node's trial list (row-major) for the native run. */
export function packInputs(inputs: PreparedInputs): { data: Float64Array; lens: Int32Array } {
  let size = 0;
  for (const list of inputs.trials) for (const trial of list) for (const row of trial) size += row.length;
  const data = new Float64Array(Math.max(1, size));
  let pos = 0;
  for (const list of inputs.trials) for (const trial of list) for (const row of trial) {
    data.set(row, pos);
    pos += row.length;
  }
  return { data, lens: Int32Array.from(inputs.trials.map((l) => l.length)) };
}
