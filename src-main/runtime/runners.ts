/**
 * Resumable runs: a Runner executes a run's trials a slice at a time (`next`), so the same
 * code serves a blocking CLI run and a streamed, cancellable run in the engine process.
 * One Runner per mode, all over the same ExecutionContext state buffer.
 */
import { STATUS } from '../compiler/codegen/composition.js';
import type { ExecutionContext, RunOptions, TrialRecord } from '../engine/interpreter.js';
import { DEFAULT_LIMITS, SchedulerLimitError } from '../scheduler/scheduler.js';
import type { CompiledModel } from './compiled.js';

export interface Runner {
  /** Runs up to `maxTrials` more trials, stopping early once `budgetMs` has elapsed. */
  next(maxTrials: number, budgetMs: number): TrialRecord[];
  /** True once the run has ended (all trials, run termination, or cancelled by onTrial). */
  readonly finished: boolean;
  /** Trials run so far. */
  readonly trialsDone: number;
  /** Ends the run (run counters); idempotent. */
  close(): void;
}

const LOG_CAP_PER_TRIAL = 1 << 16;

function statusError(status: number, trial: number, ctx: ExecutionContext, maxPasses: number): Error {
  const term = ctx.comp.scheduler.describeTermination;
  if (status === STATUS.DEADLOCK) return new SchedulerLimitError(`trial ${trial} cannot end: no node can run and the trial's termination condition (${term}) is not satisfied; check the nodes' conditions`);
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

/** Shared skeleton: begin the run, run trial by trial with `trial(t)`, end the run. */
abstract class TrialByTrial implements Runner {
  finished = false;
  trialsDone = 0;
  private closed = false;

  constructor(
    protected readonly ctx: ExecutionContext,
    protected readonly opts: RunOptions,
  ) {
    ctx.comp.scheduler.beginRun(ctx.counters);
    if (opts.numTrials <= 0) this.finished = true;
  }

  /** Runs trial t; returns its record and whether the run's termination condition ended it. */
  protected abstract trial(t: number): { record: TrialRecord; stop: boolean };

  protected record(order?: string[][]): TrialRecord {
    const r: TrialRecord = { results: this.ctx.results() };
    if (this.opts.recordNodeValues) r.nodeValues = this.ctx.mechanisms.map((m) => m.value.map((row) => Array.from(row)));
    if (order) r.executionOrder = order;
    return r;
  }

  next(maxTrials: number, budgetMs: number): TrialRecord[] {
    const out: TrialRecord[] = [];
    const start = performance.now();
    const sched = this.ctx.comp.scheduler;
    while (!this.finished && out.length < maxTrials) {
      if (sched.runTerminated(this.ctx.conditionContext)) {
        this.finished = true;
        break;
      }
      const t = this.trialsDone;
      this.ctx.setTrialInputs(this.opts.inputs, t);
      const { record, stop } = this.trial(t);
      out.push(record);
      this.trialsDone++;
      if (this.opts.onTrial?.(t, record) === false || stop || this.trialsDone >= this.opts.numTrials) this.finished = true;
      if (performance.now() - start >= budgetMs) break;
    }
    if (this.finished) this.close();
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.finished = true;
    this.ctx.comp.scheduler.endRun(this.ctx.counters);
  }
}

/** Interpreted: the reference semantics, controller included (before or after the trial). */
export class InterpretedRunner extends TrialByTrial {
  protected trial(): { record: TrialRecord; stop: boolean } {
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
      },
      limits,
      () => {
        ctx.beginTrial();
        controller?.beforeTrial(limits);
      },
    );
    controller?.afterTrial(limits);
    return { record: this.record(order), stop };
  }
}

/** LLVM: each node compiled; the scheduling loop stays in TypeScript. */
export class NodeCompiledRunner extends TrialByTrial {
  /** The node functions with the context's state buffer bound (its address passed as an integer). */
  private readonly fns: (() => void)[];

  constructor(ctx: ExecutionContext, opts: RunOptions, compiled: CompiledModel) {
    super(ctx, opts);
    this.fns = compiled.nodeFns.map((f) => f.bindBuffers(ctx.store.buffer));
  }

  protected trial(): { record: TrialRecord; stop: boolean } {
    const ctx = this.ctx;
    const names = ctx.comp.nodeNames;
    const fns = this.fns;
    const order: string[][] | undefined = this.opts.recordExecutionOrder ? [] : undefined;
    const stop = ctx.comp.scheduler.runTrial(
      ctx.conditionContext,
      (nodes) => {
        for (const k of nodes) ctx.gather(k);
        for (const k of nodes) fns[k]!();
        order?.push([...nodes].sort((a, b) => a - b).map((k) => names[k]!));
      },
      this.opts.limits ?? DEFAULT_LIMITS,
      () => ctx.beginTrial(),
    );
    return { record: this.record(order), stop };
  }
}

/** LLVMExec: one native call per trial, scheduler included. */
export class TrialCompiledRunner extends TrialByTrial {
  private readonly log: Int32Array;
  private readonly logLen = new Int32Array(1);

  constructor(ctx: ExecutionContext, opts: RunOptions, private readonly compiled: CompiledModel) {
    super(ctx, opts);
    this.log = new Int32Array(opts.recordExecutionOrder ? LOG_CAP_PER_TRIAL : 1);
  }

  protected trial(t: number): { record: TrialRecord; stop: boolean } {
    const cap = this.opts.recordExecutionOrder ? this.log.length : 0;
    this.logLen[0] = 0;
    const limits = this.opts.limits ?? DEFAULT_LIMITS;
    const status = this.compiled.trialFn!(this.ctx.store.buffer, limits.maxPassesPerTrial, this.log, cap, this.logLen);
    if (status < 0) throw statusError(status, t, this.ctx, limits.maxPassesPerTrial);
    const order = this.opts.recordExecutionOrder ? decodeSteps(this.log, this.logLen[0]!, this.ctx.comp.nodeNames)[0] : undefined;
    return { record: this.record(order), stop: status === STATUS.RUN_TERMINATED };
  }
}

/** LLVMRun: trials in native batches (one call each), sized adaptively to the time budget. */
export class RunCompiledRunner implements Runner {
  finished = false;
  trialsDone = 0;
  private closed = false;
  private batch = 16;
  private results = new Float64Array(0);
  private nodeValues: Float64Array | null = null;
  private readonly control = new Int32Array(3);
  private readonly log: Int32Array;
  private readonly logLen = new Int32Array(1);
  private readonly data: Float64Array;
  private readonly lens: Int32Array;
  private readonly outputSizes: number[];

  constructor(
    private readonly ctx: ExecutionContext,
    private readonly opts: RunOptions,
    private readonly compiled: CompiledModel,
  ) {
    const comp = ctx.comp;
    ({ data: this.data, lens: this.lens } = packInputs(opts));
    this.outputSizes = comp.outputNodes.flatMap((k) => comp.nodes[k]!.outputPorts.map((p) => p.shape.reduce((a, b) => a + b, 0)));
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
    const out: TrialRecord[] = [];
    const start = performance.now();
    const g = this.compiled.generated;
    const width = g.resultsWidth;
    const nvWidth = g.nodeValuesWidth;
    const limits = this.opts.limits ?? DEFAULT_LIMITS;
    while (!this.finished && out.length < maxTrials) {
      const n = Math.min(this.batch, this.opts.numTrials - this.trialsDone, maxTrials - out.length);
      if (this.results.length < n * width) this.results = new Float64Array(n * width);
      if (this.opts.recordNodeValues && (this.nodeValues?.length ?? 0) < n * nvWidth) this.nodeValues = new Float64Array(n * nvWidth);
      this.logLen[0] = 0;
      this.control[2] = 0;
      const t = this.trialsDone;
      const began = performance.now();
      const cap = this.opts.recordExecutionOrder ? this.log.length : 0;
      const status = this.compiled.runFn!(this.ctx.store.buffer, this.data, this.lens, t, n, this.results, this.nodeValues, this.control, limits.maxPassesPerTrial, this.log, cap, this.logLen);
      if (status < 0 && status !== STATUS.CANCELLED) throw statusError(status, this.control[1]!, this.ctx, limits.maxPassesPerTrial);
      const done = status < 0 ? this.control[1]! - t : status;
      const order = this.opts.recordExecutionOrder ? decodeSteps(this.log, this.logLen[0]!, this.ctx.comp.nodeNames) : undefined;
      for (let i = 0; i < done; i++) {
        const r = this.decode(i, width, nvWidth);
        if (order) r.executionOrder = order[i] ?? [];
        out.push(r);
        if (this.opts.onTrial?.(t + i, r) === false) this.finished = true;
      }
      this.trialsDone += done;
      if (this.control[2] === 1 || status === STATUS.CANCELLED || this.trialsDone >= this.opts.numTrials) this.finished = true;
      const elapsed = performance.now() - began;
      if (elapsed < budgetMs / 4 && this.batch < 1 << 20) this.batch *= 2;
      else if (elapsed > budgetMs && this.batch > 1) this.batch = Math.max(1, this.batch >> 1);
      if (performance.now() - start >= budgetMs) break;
    }
    if (this.finished) this.close();
    return out;
  }

  private decode(i: number, width: number, nvWidth: number): TrialRecord {
    let pos = i * width;
    const results = this.outputSizes.map((len) => {
      const v = Array.from(this.results.subarray(pos, pos + len));
      pos += len;
      return v;
    });
    const r: TrialRecord = { results };
    const nv = this.nodeValues;
    if (this.opts.recordNodeValues && nv) {
      let q = i * nvWidth;
      r.nodeValues = this.ctx.comp.nodes.map((m) =>
        m.valueShape.map((len) => {
          const v = Array.from(nv.subarray(q, q + len));
          q += len;
          return v;
        }),
      );
    }
    return r;
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

/** Runs to the end (blocking). */
export function drain(runner: Runner): TrialRecord[] {
  const out: TrialRecord[] = [];
  try {
    while (!runner.finished) for (const r of runner.next(Number.MAX_SAFE_INTEGER, Infinity)) out.push(r);
  } finally {
    runner.close();
  }
  return out;
}
