/**
 * Resumable runs: a Runner executes a run's trials a slice at a time (`next`), so the same
 * code serves a blocking CLI run and a streamed, cancellable run in the engine process.
 * One Runner per mode, all over the same ExecutionContext state buffer.
 */
import { STATUS } from '../compiler/codegen/composition.js';
import type { Composition } from '../engine/composition.js';
import type { ExecutionContext, RunOptions, TrialRecord } from '../engine/interpreter.js';
import { DEFAULT_LIMITS, SchedulerLimitError } from '../scheduler/scheduler.js';
import { copyRow } from '../engine/state.js';
import type { CompiledModel } from './compiled.js';

/**
 * Trials in bulk, as flat doubles: what `nextBlock` returns. The arrays are the runner's own
 * buffers (no per-trial objects), valid until its next `nextBlock` or `next` call.
 */
export interface TrialBlock {
  /** Index in the run of the block's first trial. */
  first: number;
  count: number;
  /** count × resultsWidth: per trial, the output nodes' output ports, in order. */
  results: Float64Array;
  /** count × nodeValuesWidth: per trial, every node's value rows in order (when recorded). */
  nodeValues: Float64Array | null;
  /** Node names per time step, per trial (when recorded). */
  executionOrder: string[][][] | null;
}

export interface Runner {
  /** Runs up to `maxTrials` more trials, stopping early once `budgetMs` has elapsed. */
  next(maxTrials: number, budgetMs: number): TrialRecord[];
  /**
   * As `next`, without building a record per trial (how long runs should be consumed). With
   * `into`, the results are written there (LLVMRun: by the native loop itself) and the block's
   * `results` is a view of it; at most `into.length / resultsWidth` trials are run.
   */
  nextBlock(maxTrials: number, budgetMs: number, into?: Float64Array): TrialBlock;
  /** Trials the run was asked for (it may end earlier). */
  readonly numTrials: number;
  /** How the doubles of a block are laid out. */
  readonly layout: BlockLayout;
  /** True once the run has ended (all trials, run termination, or cancelled by onTrial). */
  readonly finished: boolean;
  /** Trials run so far. */
  readonly trialsDone: number;
  /**
   * The first trial that ran on replaced machine code (a tiered compile's O2 code swapped in
   * during the run), else null.
   */
  readonly codeSwitchedAt: number | null;
  /** Ends the run (run counters); idempotent. */
  close(): void;
}

const LOG_CAP_PER_TRIAL = 1 << 16;

function statusError(status: number, trial: number, ctx: ExecutionContext, maxPasses: number): Error {
  const term = ctx.comp.scheduler.describeTermination;
  if (status === STATUS.DEADLOCK) return new SchedulerLimitError(`trial ${trial} cannot end: no node can run and the trial's termination condition (${term}) is not satisfied; check the nodes' conditions`);
  if (status === STATUS.OUT_OF_MEMORY) return new RangeError(`trial ${trial}: the controller could not allocate memory for its simulations (each evaluating thread copies the model's state)`);
  if (status === STATUS.MAX_PASSES) return new SchedulerLimitError(`trial ${trial} did not end after ${maxPasses} passes (the limit): its termination condition (${term}) was never satisfied`);
  return new Error(`compiled run stopped with status ${status}`);
}

function decodeSteps(log: Int32Array, len: number, names: readonly string[]): string[][][] {
  const trials: string[][][] = [[]];
  for (let i = 0; i < len; ) {
    const count = log[i++]!;
    if (count === -1) {
      trials.push([]);
      continue;
    }
    trials[trials.length - 1]!.push(Array.from(log.subarray(i, i + count), (k) => names[k]!));
    i += count;
  }
  return trials;
}


/** Where a trial's doubles go in a block: the result columns and the node value rows. */
export class BlockLayout {
  /** Doubles per trial of results (all output ports of the output nodes). */
  readonly resultsWidth: number;
  /** Doubles per trial of node values (every node's value). */
  readonly nodeValuesWidth: number;
  /** Sizes of the output ports, in result order. */
  readonly resultSizes: number[];
  /** Per node (in model order), the lengths of its value's rows. */
  readonly nodeRows: number[][];

  constructor(comp: Composition) {
    this.resultSizes = comp.outputNodes.flatMap((k) => comp.nodes[k]!.outputPorts.map((p) => p.slot.reduce((a, s) => a + s.length, 0)));
    this.resultsWidth = this.resultSizes.reduce((a, b) => a + b, 0);
    this.nodeRows = comp.nodes.map((m) => m.valueSlots.map((s) => s.length));
    this.nodeValuesWidth = this.nodeRows.reduce((a, rows) => a + rows.reduce((b, len) => b + len, 0), 0);
  }

  /** Trial i of a block as a record (the slow, per-trial form older callers use). */
  record(block: TrialBlock, i: number): TrialRecord {
    let pos = i * this.resultsWidth;
    const results = this.resultSizes.map((len) => Array.from(block.results.subarray(pos, (pos += len))));
    const r: TrialRecord = { results };
    const nv = block.nodeValues;
    if (nv) {
      let q = i * this.nodeValuesWidth;
      r.nodeValues = this.nodeRows.map((rows) => rows.map((len) => Array.from(nv.subarray(q, (q += len)))));
    }
    if (block.executionOrder) r.executionOrder = block.executionOrder[i] ?? [];
    return r;
  }
}

/** A Float64Array that keeps its contents while growing (doubling). */
function grown(buf: Float64Array<ArrayBuffer>, need: number): Float64Array<ArrayBuffer> {
  if (buf.length >= need) return buf;
  const next = new Float64Array(Math.max(need, buf.length * 2, 64));
  next.set(buf);
  return next;
}

/** `next` in terms of `nextBlock`: decodes blocks into records until done, full or out of time. */
function recordsOf(runner: Runner, layout: BlockLayout, maxTrials: number, budgetMs: number): TrialRecord[] {
  const out: TrialRecord[] = [];
  const start = performance.now();
  while (!runner.finished && out.length < maxTrials) {
    const block = runner.nextBlock(maxTrials - out.length, Math.max(0, budgetMs - (performance.now() - start)));
    for (let i = 0; i < block.count; i++) out.push(layout.record(block, i));
    if (performance.now() - start >= budgetMs) break;
  }
  return out;
}

/** Shared skeleton: begin the run, run trial by trial with `trial(t)`, end the run. */
abstract class TrialByTrial implements Runner {
  finished = false;
  trialsDone = 0;
  codeSwitchedAt: number | null = null;
  private closed = false;
  readonly layout: BlockLayout;
  /** The result and node-value rows in the state buffer, copied out after each trial. */
  private readonly resultViews: Float64Array[];
  private readonly valueViews: Float64Array[];
  private results = new Float64Array(0);
  private nodeValues = new Float64Array(0);

  constructor(
    protected readonly ctx: ExecutionContext,
    protected readonly opts: RunOptions,
  ) {
    const comp = ctx.comp;
    this.layout = new BlockLayout(comp);
    this.resultViews = comp.outputNodes.flatMap((k) => comp.nodes[k]!.outputPorts.flatMap((p) => p.slot.map((s) => ctx.store.f64(s))));
    this.valueViews = comp.nodes.flatMap((m) => m.valueSlots.map((s) => ctx.store.f64(s)));
    ctx.comp.scheduler.beginRun(ctx.counters);
    if (opts.numTrials <= 0) this.finished = true;
  }

  /** Runs trial t; returns the steps it ran (when recorded) and whether the run's termination condition ended it. */
  protected abstract trial(t: number): { order?: string[][]; stop: boolean };

  get numTrials(): number {
    return this.opts.numTrials;
  }

  next(maxTrials: number, budgetMs: number): TrialRecord[] {
    return recordsOf(this, this.layout, maxTrials, budgetMs);
  }

  nextBlock(maxTrials: number, budgetMs: number, into?: Float64Array): TrialBlock {
    const start = performance.now();
    const first = this.trialsDone;
    const rw = this.layout.resultsWidth;
    const vw = this.layout.nodeValuesWidth;
    if (into && rw > 0) maxTrials = Math.min(maxTrials, Math.floor(into.length / rw));
    const orders: string[][][] | null = this.opts.recordExecutionOrder ? [] : null;
    let count = 0;
    const sched = this.ctx.comp.scheduler;
    while (!this.finished && count < maxTrials) {
      if (sched.runTerminated(this.ctx.conditionContext)) {
        this.finished = true;
        break;
      }
      const t = this.trialsDone;
      this.ctx.setTrialInputs(this.opts.inputs, t);
      const { order, stop } = this.trial(t);
      if (!into) this.results = grown(this.results, (count + 1) * rw);
      copyRows(this.resultViews, into ?? this.results, count * rw);
      if (this.opts.recordNodeValues) {
        this.nodeValues = grown(this.nodeValues, (count + 1) * vw);
        copyRows(this.valueViews, this.nodeValues, count * vw);
      }
      orders?.push(order ?? []);
      count++;
      this.trialsDone++;
      if (this.opts.onTrial?.(t) === false || stop || this.trialsDone >= this.opts.numTrials) this.finished = true;
      if (budgetMs !== Infinity && performance.now() - start >= budgetMs) break;
    }
    if (this.finished) this.close();
    return {
      first,
      count,
      results: (into ?? this.results).subarray(0, count * rw),
      nodeValues: this.opts.recordNodeValues ? this.nodeValues.subarray(0, count * vw) : null,
      executionOrder: orders,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.finished = true;
    this.ctx.comp.scheduler.endRun(this.ctx.counters);
  }
}

function copyRows(rows: readonly Float64Array[], dst: Float64Array, pos: number): void {
  for (const r of rows) {
    copyRow(dst, r, pos);
    pos += r.length;
  }
}

/** Interpreted: the reference semantics, controller included (before or after the trial). */
export class InterpretedRunner extends TrialByTrial {
  protected trial(): { order?: string[][]; stop: boolean } {
    const ctx = this.ctx;
    const names = ctx.comp.nodeNames;
    const order: string[][] | undefined = this.opts.recordExecutionOrder ? [] : undefined;
    const limits = this.opts.limits ?? DEFAULT_LIMITS;
    const controller = ctx.controller;
    // the controlled nodes follow the allocation in the store (which may have been restored)
    controller?.sync();
    const stop = ctx.comp.scheduler.runTrial(
      ctx.conditionContext,
      (nodes) => {
        ctx.executeStep(nodes);
        order?.push([...nodes].sort((a, b) => a - b).map((k) => names[k]!));
        this.opts.onStep?.(nodes);
      },
      limits,
      () => {
        ctx.beginTrial();
        controller?.beforeTrial(limits);
      },
    );
    controller?.afterTrial(limits);
    return { order, stop };
  }
}

/**
 * Functions bound to a compiled model's machine code, bound again when a tiered compile has
 * replaced that code (CompiledModel.codeVersion) since they were.
 */
class CodeBinding<T> {
  private version: number;
  private bound: T;

  constructor(
    private readonly compiled: CompiledModel,
    private readonly bind: () => T,
  ) {
    this.version = compiled.codeVersion;
    this.bound = bind();
  }

  /** The bound functions; `replaced` is called when they were bound again just now. */
  get(replaced: () => void): T {
    if (this.compiled.codeVersion !== this.version) {
      this.version = this.compiled.codeVersion;
      this.bound = this.bind();
      replaced();
    }
    return this.bound;
  }
}

/** LLVM: each node compiled; the scheduling loop stays in TypeScript (it calls the compiled controller). */
export class NodeCompiledRunner extends TrialByTrial {
  /** The node functions with the context's state buffer bound (its address passed as an integer). */
  private readonly fns: CodeBinding<(() => void)[]>;

  constructor(ctx: ExecutionContext, opts: RunOptions, private readonly compiled: CompiledModel) {
    super(ctx, opts);
    this.fns = new CodeBinding(compiled, () => compiled.nodeFns.map((f) => f.bindBuffers(ctx.store.buffer)));
  }

  protected trial(t: number): { order?: string[][]; stop: boolean } {
    const fns = this.fns.get(() => (this.codeSwitchedAt ??= t));
    const ctx = this.ctx;
    const names = ctx.comp.nodeNames;
    const order: string[][] | undefined = this.opts.recordExecutionOrder ? [] : undefined;
    const limits = this.opts.limits ?? DEFAULT_LIMITS;
    const mode = ctx.controller?.mode;
    ctx.controller?.sync();
    const control = () => {
      const status = this.compiled.controllerFn!(ctx.store.buffer, limits.maxPassesPerTrial);
      if (status < 0) throw statusError(status, t, ctx, limits.maxPassesPerTrial);
      // the interpreter's view of which variant each controlled node runs as
      ctx.controller!.sync();
    };
    const stop = ctx.comp.scheduler.runTrial(
      ctx.conditionContext,
      (nodes) => {
        for (const k of nodes) ctx.gather(k);
        for (const k of nodes) fns[k]!();
        order?.push([...nodes].sort((a, b) => a - b).map((k) => names[k]!));
      },
      limits,
      () => {
        ctx.beginTrial();
        if (mode === 'BEFORE') control();
      },
    );
    if (mode === 'AFTER') control();
    return { order, stop };
  }
}

/** LLVMExec: one native call per trial, scheduler included. */
export class TrialCompiledRunner extends TrialByTrial {
  private readonly log: Int32Array;
  private readonly logLen = new Int32Array(1);
  /** trial.exec with the state and log buffers bound: a call passes two integers. */
  private readonly exec: CodeBinding<(maxPasses: number, logCap: number) => number>;

  constructor(ctx: ExecutionContext, opts: RunOptions, compiled: CompiledModel) {
    super(ctx, opts);
    this.log = new Int32Array(opts.recordExecutionOrder ? LOG_CAP_PER_TRIAL : 1);
    this.exec = new CodeBinding(compiled, () => compiled.trialFn!.bindBuffers(ctx.store.buffer, this.log, this.logLen));
  }

  /** Notes the trial at which a replaced code (tiered compile) took over. */
  private readonly replaced = () => void (this.codeSwitchedAt ??= this.trialsDone);

  protected trial(t: number): { order?: string[][]; stop: boolean } {
    const exec = this.exec.get(this.replaced);
    const cap = this.opts.recordExecutionOrder ? this.log.length : 0;
    this.logLen[0] = 0;
    const limits = this.opts.limits ?? DEFAULT_LIMITS;
    const status = exec(limits.maxPassesPerTrial, cap);
    if (status < 0) throw statusError(status, t, this.ctx, limits.maxPassesPerTrial);
    const order = this.opts.recordExecutionOrder ? decodeSteps(this.log, this.logLen[0]!, this.ctx.comp.nodeNames)[0] : undefined;
    return { order, stop: status === STATUS.RUN_TERMINATED };
  }
}

/** Most doubles one LLVMRun block holds (16 MB): bounds memory whatever the run's length. */
const MAX_BLOCK_DOUBLES = 1 << 21;

/**
 * LLVMRun: trials in native batches (one call each), sized adaptively to the time budget. The
 * native loop writes each trial's results straight into the block's buffer; nothing per trial
 * happens in JavaScript unless the caller asks for records.
 */
export class RunCompiledRunner implements Runner {
  finished = false;
  trialsDone = 0;
  codeSwitchedAt: number | null = null;
  private closed = false;
  private batch = 16;
  private results = new Float64Array(0);
  private nodeValues: Float64Array | null = null;
  private readonly control = new Int32Array(3);
  private readonly log: Int32Array;
  private readonly logLen = new Int32Array(1);
  private readonly data: Float64Array;
  private readonly lens: Int32Array;
  readonly layout: BlockLayout;
  private readonly maxBatch: number;
  /** `run`, read again per block: a replaced code (tiered compile) runs from the next block on. */
  private readonly run: CodeBinding<NonNullable<CompiledModel['runFn']>>;

  constructor(
    private readonly ctx: ExecutionContext,
    private readonly opts: RunOptions,
    compiled: CompiledModel,
  ) {
    const comp = ctx.comp;
    this.run = new CodeBinding(compiled, () => compiled.runFn!);
    ({ data: this.data, lens: this.lens } = packInputs(opts));
    this.layout = new BlockLayout(comp);
    const perTrial = this.layout.resultsWidth + (opts.recordNodeValues ? this.layout.nodeValuesWidth : 0);
    this.maxBatch = Math.max(1, Math.floor(MAX_BLOCK_DOUBLES / Math.max(1, perTrial)));
    this.log = new Int32Array(opts.recordExecutionOrder ? LOG_CAP_PER_TRIAL * 4 : 1);
    comp.scheduler.beginRun(ctx.counters);
    // the run's termination is checked by the native loop before every trial
    if (opts.numTrials <= 0) this.close();
  }

  /** Requests a stop from inside the native loop (polled before every trial). */
  cancel(): void {
    this.control[0] = 1;
  }

  next(maxTrials: number, budgetMs: number): TrialRecord[] {
    return recordsOf(this, this.layout, maxTrials, budgetMs);
  }

  get numTrials(): number {
    return this.opts.numTrials;
  }

  nextBlock(maxTrials: number, budgetMs: number, into?: Float64Array): TrialBlock {
    const t = this.trialsDone;
    const empty: TrialBlock = { first: t, count: 0, results: this.results.subarray(0, 0), nodeValues: null, executionOrder: null };
    if (this.finished) return empty;
    const width = this.layout.resultsWidth;
    const nvWidth = this.layout.nodeValuesWidth;
    const limits = this.opts.limits ?? DEFAULT_LIMITS;
    if (into && width > 0) maxTrials = Math.min(maxTrials, Math.floor(into.length / width));
    const n = Math.min(this.batch, this.maxBatch, this.opts.numTrials - t, maxTrials);
    if (n <= 0) return empty;
    if (!into && this.results.length < n * width) this.results = new Float64Array(Math.min(this.maxBatch, Math.max(n, this.batch * 2)) * width);
    const results = into ?? this.results;
    if (this.opts.recordNodeValues && (this.nodeValues?.length ?? 0) < n * nvWidth) this.nodeValues = new Float64Array(n * nvWidth);
    this.logLen[0] = 0;
    this.control[2] = 0;
    const began = performance.now();
    const cap = this.opts.recordExecutionOrder ? this.log.length : 0;
    const run = this.run.get(() => (this.codeSwitchedAt ??= t));
    const status = run(this.ctx.store.buffer, this.data, this.lens, t, n, results, this.nodeValues, this.control, limits.maxPassesPerTrial, this.log, cap, this.logLen);
    if (status < 0 && status !== STATUS.CANCELLED) throw statusError(status, this.control[1]!, this.ctx, limits.maxPassesPerTrial);
    const done = status < 0 ? this.control[1]! - t : status;
    this.trialsDone += done;
    for (let i = 0; i < done && this.opts.onTrial; i++) if (this.opts.onTrial(t + i) === false) this.finished = true;
    if (this.control[2] === 1 || status === STATUS.CANCELLED || this.trialsDone >= this.opts.numTrials) this.finished = true;
    const elapsed = performance.now() - began;
    if (elapsed < budgetMs / 4 && this.batch < this.maxBatch) this.batch = Math.min(this.maxBatch, this.batch * 2);
    else if (elapsed > budgetMs && this.batch > 1) this.batch = Math.max(1, this.batch >> 1);
    if (this.finished) this.close();
    return {
      first: t,
      count: done,
      results: results.subarray(0, done * width),
      nodeValues: this.opts.recordNodeValues && this.nodeValues ? this.nodeValues.subarray(0, done * nvWidth) : null,
      executionOrder: this.opts.recordExecutionOrder ? decodeSteps(this.log, this.logLen[0]!, this.ctx.comp.nodeNames).slice(0, done) : null,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.finished = true;
    this.ctx.comp.scheduler.endRun(this.ctx.counters);
  }
}

/** Concatenates each input node's trial list (row-major) for the native run. */
export function packInputs(opts: RunOptions): { data: Float64Array; lens: Int32Array } {
  const inputs = opts.inputs;
  let size = 0;
  for (const list of inputs.trials) for (const trial of list) for (const row of trial) size += row.length;
  const data = new Float64Array(Math.max(1, size));
  let pos = 0;
  for (const list of inputs.trials) {
    for (const trial of list) {
      for (const row of trial) {
        data.set(row, pos);
        pos += row.length;
      }
    }
  }
  return { data, lens: Int32Array.from(inputs.trials.map((l) => l.length)) };
}

/** The runner for a mode (null compiled = Interpreted). */
export function createRunner(ctx: ExecutionContext, opts: RunOptions, compiled: CompiledModel | null): Runner {
  if (!compiled) return new InterpretedRunner(ctx, opts);
  if (compiled.mode === 'LLVM') return new NodeCompiledRunner(ctx, opts, compiled);
  if (compiled.mode === 'LLVMExec') return new TrialCompiledRunner(ctx, opts, compiled);
  return new RunCompiledRunner(ctx, opts, compiled);
}

/** A whole run's trials, flat (as blocks, concatenated). */
export interface RunBlocks {
  count: number;
  results: Float64Array;
  nodeValues: Float64Array | null;
  executionOrder: string[][][] | null;
}

/** Largest results array drainBlocks allocates up front (512 MB); longer runs grow it as they go. */
const MAX_PREALLOCATED_DOUBLES = 1 << 26;

/**
 * Runs to the end (blocking), keeping the results as flat doubles: written in place (by the
 * native loop, in LLVMRun) into one array sized for the whole run.
 */
export function drainBlocks(runner: Runner): RunBlocks {
  const rw = runner.layout.resultsWidth;
  const vw = runner.layout.nodeValuesWidth;
  const whole = Math.max(0, runner.numTrials) * rw;
  const inPlace = whole <= MAX_PREALLOCATED_DOUBLES;
  let results = new Float64Array(inPlace ? whole : 0);
  let nodeValues: Float64Array<ArrayBuffer> | null = null;
  let order: string[][][] | null = null;
  let count = 0;
  try {
    while (!runner.finished) {
      const b = runner.nextBlock(Number.MAX_SAFE_INTEGER, Infinity, inPlace ? results.subarray(count * rw) : undefined);
      if (!inPlace) {
        results = grown(results, (count + b.count) * rw);
        results.set(b.results, count * rw);
      }
      if (b.nodeValues) {
        nodeValues = grown(nodeValues ?? new Float64Array(0), (count + b.count) * vw);
        nodeValues.set(b.nodeValues, count * vw);
      }
      if (b.executionOrder) (order ??= []).push(...b.executionOrder);
      count += b.count;
    }
  } finally {
    runner.close();
  }
  return { count, results: results.subarray(0, count * rw), nodeValues: nodeValues?.subarray(0, count * vw) ?? null, executionOrder: order };
}

/** Runs to the end (blocking), one record per trial. */
export function drain(runner: Runner): TrialRecord[] {
  const run = drainBlocks(runner);
  const block: TrialBlock = { first: 0, ...run };
  return Array.from({ length: run.count }, (_, i) => runner.layout.record(block, i));
}
