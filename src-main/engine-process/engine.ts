/**
 * The engine process's core, free of any transport: requests come in through `handle`, events
 * go out to `onEvent` listeners. Requests run one at a time in arrival order; a run executes
 * its Runner in short time slices and yields to the event loop between them, so that `cancel`
 * (and new requests) are seen while it runs.
 */
import { performance } from 'node:perf_hooks';
import {
  fromWire,
  parseEngineRequest,
  parseEngineRequestText,
  type CompileRequest,
  type DebugRequest,
  type EngineEvent,
  type EngineRequest,
  type ErrorEvent,
  type Parsed,
  type ResetSessionRequest,
  type RunRequest,
  type TraceRequest,
  type ValidateRequest,
  type WireEvent,
} from '../../shared/protocol/engine.js';
import type { ModelLike } from '../engine/composition.js';
import { prepareInputs } from '../engine/inputs.js';
import { ModelError } from '../model/errors.js';
import { SchedulerLimitError } from '../scheduler/scheduler.js';
import { JitError, optimizeIR } from '../compiler/jit/index.js';
import { ModeUnavailableError, ModelSession, withSwitch } from '../runtime/run-model.js';
import { RunCompiledRunner, createRunner, type BlockLayout, type Runner } from '../runtime/runners.js';
import type { CompileDiagnostics, CompiledModel } from '../runtime/compiled.js';
import { tracePasses } from '../runtime/pass-trace.js';

/** Test-only native faults (see child.ts): never given to an engine outside tests. */
export interface NativeFaults {
  /** Makes native code segfault. */
  crash(): void;
  /** Spins forever in native code. */
  hang(): void;
}

export interface EngineOptions {
  /** Sessions kept; the least recently used beyond this are disposed. Default 8. */
  maxSessions?: number;
  /** Time a run executes before yielding to the event loop. Default 20 ms. */
  sliceMs?: number;
  /** Trial results are sent at most this often... Default 50 ms. */
  flushMs?: number;
  /** ...or as soon as this many numbers are waiting (one more per trial counted). Default 65 536. */
  flushValues?: number;
  /** Accept `debug-crash` and `debug-hang` (tests only). */
  faults?: NativeFaults;
  /** Resident memory reported in final events (default process.memoryUsage.rss). */
  memoryUsage?: () => number;
  /**
   * True while the transport still holds unsent events: a run then waits (still seeing cancel)
   * instead of producing results faster than the other side reads them.
   */
  congested?: () => boolean;
}

type QueuedRequest = RunRequest | TraceRequest | ValidateRequest | CompileRequest | ResetSessionRequest | DebugRequest;

interface Job {
  readonly request: QueuedRequest;
  readonly id: string | undefined;
  cancelled: boolean;
  runner: Runner | null;
}

interface SessionEntry {
  session: ModelSession;
  fingerprint: string;
}

/** Lets the event loop run (I/O included) before continuing. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Engine {
  private readonly listeners = new Set<(e: WireEvent) => void>();
  private readonly queue: Job[] = [];
  private current: Job | null = null;
  /** Ids of the queued and running requests. */
  private readonly liveIds = new Set<string>();
  private pumping = false;
  private closing = false;
  private readonly sessions = new Map<string, SessionEntry>();
  private readonly idleWaiters: (() => void)[] = [];
  private resolveClosed!: () => void;
  /** Resolves once a shutdown (message or call) has completed. */
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));
  private readonly opts: Required<Omit<EngineOptions, 'faults'>> & { faults?: NativeFaults };

  /** Whether a request is running or waiting (the warm-up, warm-up.ts, waits for neither). */
  get busy(): boolean {
    return this.current !== null || this.queue.length > 0;
  }

  constructor(opts: EngineOptions = {}) {
    this.opts = {
      maxSessions: opts.maxSessions ?? 8,
      sliceMs: opts.sliceMs ?? 20,
      flushMs: opts.flushMs ?? 50,
      flushValues: opts.flushValues ?? 65_536,
      memoryUsage: opts.memoryUsage ?? (() => process.memoryUsage.rss()),
      congested: opts.congested ?? (() => false),
      faults: opts.faults,
    };
  }

  /** Subscribes to every event as transports carry it (trial batches packed); returns the unsubscribe function. */
  onWireEvent(cb: (e: WireEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Subscribes to every event, trial batches decoded into nested arrays (in-process consumers). */
  onEvent(cb: (e: EngineEvent) => void): () => void {
    return this.onWireEvent((w) => {
      const e = fromWire(w);
      if (!e) throw new Error('the engine emitted a malformed trial batch');
      cb(e);
    });
  }

  /** Takes one incoming message (any value: malformed ones get a `protocol` error). */
  handle(msg: unknown): void {
    this.accept(parseEngineRequest(msg, { debug: this.opts.faults !== undefined }));
  }

  /** Takes one incoming message as JSON text (size-checked before parsing). */
  handleText(text: string): void {
    this.accept(parseEngineRequestText(text, { debug: this.opts.faults !== undefined }));
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.pumping && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Number of sessions held (for tests and diagnostics). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Cancels everything, waits for the running request to stop and frees every session. */
  async shutdown(): Promise<void> {
    if (this.closing) return this.closed;
    this.closing = true;
    for (const job of this.queue.splice(0)) this.finishCancelled(job);
    if (this.current) this.cancelRunning(this.current);
    await this.idle();
    for (const entry of this.sessions.values()) entry.session.dispose();
    this.sessions.clear();
    this.resolveClosed();
  }

  private emit(e: WireEvent): void {
    for (const cb of this.listeners) {
      try {
        cb(e);
      } catch (err) {
        console.error('engine: an event listener threw:', err);
      }
    }
  }

  private accept(parsed: Parsed<EngineRequest | DebugRequest>): void {
    if (!parsed.ok) {
      this.emit({ type: 'error', id: parsed.id, kind: 'protocol', message: parsed.message });
      return;
    }
    const req = parsed.value;
    switch (req.type) {
      case 'cancel':
        this.cancel(req.id);
        return;
      case 'shutdown':
        void this.shutdown();
        return;
      default:
        this.enqueue(req);
    }
  }

  private enqueue(req: QueuedRequest): void {
    const id = req.id;
    if (this.closing) {
      if (id !== undefined) this.emit({ type: 'error', id, kind: 'protocol', message: 'the engine is shutting down and accepts no more requests' });
      return;
    }
    if (id !== undefined && this.liveIds.has(id)) {
      this.emit({ type: 'error', id, kind: 'protocol', message: `a request with id ${JSON.stringify(id)} is already queued or running; ids must be unique` });
      return;
    }
    const queuePosition = this.queue.length + (this.current ? 1 : 0);
    this.queue.push({ request: req, id, cancelled: false, runner: null });
    if (id !== undefined) {
      this.liveIds.add(id);
      this.emit({ type: 'accepted', id, queuePosition });
    }
    void this.pump();
  }

  private cancel(id: string): void {
    const k = this.queue.findIndex((j) => j.id === id);
    if (k >= 0) {
      this.finishCancelled(this.queue.splice(k, 1)[0]!);
    } else if (this.current?.id === id) {
      this.cancelRunning(this.current);
    }
    // an unknown id has already ended (its final event is on its way): nothing to do
  }

  private cancelRunning(job: Job): void {
    job.cancelled = true;
    // the native run loop polls this flag before every trial
    if (job.runner instanceof RunCompiledRunner) job.runner.cancel();
  }

  private finishCancelled(job: Job): void {
    job.cancelled = true;
    if (job.id === undefined) return;
    this.liveIds.delete(job.id);
    this.emit({ type: 'done', id: job.id, trials: 0, cancelled: true, timings: { total_ms: 0 } });
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length) {
        // requests that arrived together are all accepted (and cancellable) before one starts
        await tick();
        const job = this.queue.shift();
        if (!job) break;
        this.current = job;
        try {
          await this.execute(job);
        } catch (e) {
          this.emit(this.errorEvent(job.id ?? null, e));
        } finally {
          this.current = null;
          if (job.id !== undefined) this.liveIds.delete(job.id);
        }
      }
    } finally {
      this.pumping = false;
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async execute(job: Job): Promise<void> {
    const req = job.request;
    switch (req.type) {
      case 'run':
        return this.run(job, req);
      case 'validate':
        return this.validate(req);
      case 'trace':
        return this.trace(req);
      case 'compile':
        return this.compile(job, req);
      case 'reset-session':
        return this.resetSession(req);
      case 'debug-crash':
        this.opts.faults!.crash();
        throw new Error('debug-crash did not crash the engine');
      case 'debug-hang':
        this.opts.faults!.hang();
        throw new Error('debug-hang returned');
    }
  }

  /** The session a request runs in: the keyed one (rebuilt if the model changed) or a fresh one. */
  private sessionFor(model: ModelLike, key: string | undefined): { session: ModelSession; fresh: boolean; transient: boolean; warnings: string[] } {
    if (key === undefined) return { session: new ModelSession(model), fresh: true, transient: true, warnings: [] };
    const fingerprint = JSON.stringify(model);
    const entry = this.sessions.get(key);
    if (entry && entry.fingerprint === fingerprint) {
      this.sessions.delete(key);
      this.sessions.set(key, entry); // most recently used last
      return { session: entry.session, fresh: false, transient: false, warnings: [] };
    }
    const session = new ModelSession(model);
    const warnings: string[] = [];
    if (entry) {
      entry.session.dispose();
      this.sessions.delete(key);
      warnings.push(`session ${JSON.stringify(key)}: the model changed, so the run starts from the model's initial state`);
    }
    this.sessions.set(key, { session, fingerprint });
    for (const [oldKey, old] of this.sessions) {
      if (this.sessions.size <= this.opts.maxSessions) break;
      old.session.dispose();
      this.sessions.delete(oldKey);
    }
    return { session, fresh: true, transient: false, warnings };
  }

  private async run(job: Job, req: RunRequest): Promise<void> {
    const id = req.id;
    const t0 = performance.now();
    const { session, fresh, transient, warnings: sessionWarnings } = this.sessionFor(req.model, req.session);
    try {
      const mode = req.mode ?? 'Auto';
      if (mode !== 'Interpreted') {
        // compiling cannot be interrupted: say so, and let this event out before it starts
        this.emit({ type: 'progress', id, done: 0, total: req.numTrials ?? 0, phase: 'compile' });
        await tick();
      }
      if (job.cancelled) return this.emitDone(id, 0, true, { total_ms: performance.now() - t0 });
      const t1 = performance.now();
      // without an explicit level: O0 code for the first results, O2 swapped in between blocks
      const choice = session.choose(mode, req.optLevel ?? 'tiered');
      const comp = session.comp;
      const inputs = prepareInputs(comp, req.inputs ?? comp.run.inputs, req.inputs ? 'inputs' : 'run.inputs');
      const numTrials = req.numTrials ?? comp.run.num_trials ?? inputs.defaultTrials;
      const warnings = [...sessionWarnings, ...comp.warnings, ...choice.warnings, ...inputs.warnings];
      const diagnostics = (compile: CompileDiagnostics | undefined): void =>
        this.emit({ type: 'diagnostics', id, mode, executedMode: choice.executed, warnings, ...(compile ? { compile } : {}) });
      // a session's earlier run may have swapped the O2 code in already
      const startedOnReplaced = (choice.compiled?.codeVersion ?? 0) > 0;
      const first = choice.compiled ? withSwitch(choice.compiled.diagnostics, null, startedOnReplaced) : undefined;
      diagnostics(first);
      const t2 = performance.now();
      const runner = createRunner(
        session.ctx,
        {
          numTrials,
          inputs,
          recordNodeValues: req.recordNodeValues,
          recordExecutionOrder: req.recordExecutionOrder,
          limits: req.maxPassesPerTrial ? { maxPassesPerTrial: req.maxPassesPerTrial } : undefined,
        },
        choice.compiled,
      );
      job.runner = runner;
      const batch = new TrialBatch(id, comp.nodeNames, runner.layout, req.recordNodeValues === true, numTrials, this.opts.flushValues, (e) => this.emit(e));
      // LLVMRun checks its budget after each native batch, which may itself take up to the budget
      const budget = runner instanceof RunCompiledRunner ? this.opts.sliceMs / 2 : this.opts.sliceMs;
      let cancelled = false;
      const tiers = new TierReporter(choice.compiled, runner, first, startedOnReplaced, (compile, warning) => {
        if (warning) warnings.push(warning);
        diagnostics(compile);
      });
      try {
        while (!runner.finished) {
          if (job.cancelled) {
            cancelled = true;
            break;
          }
          // one block per iteration: its native/interpreted time is bounded by the budget, the rest is copies
          batch.take(runner, budget);
          if (performance.now() - batch.lastFlush >= this.opts.flushMs) batch.flush();
          tiers.check();
          // the turn in which a background O2 compile's completion swaps its code in
          await tick();
          while (this.opts.congested() && !job.cancelled) await sleep(2);
        }
      } finally {
        runner.close();
        job.runner = null;
        batch.flush();
        tiers.check();
      }
      const t3 = performance.now();
      const trials = batch.done;
      this.emitDone(id, trials, cancelled, {
        build_ms: fresh ? session.buildMs : 0,
        compile_ms: t2 - t1,
        run_ms: t3 - t2,
        total_ms: t3 - t0,
        trials_per_s: trials / Math.max((t3 - t2) / 1000, 1e-9),
      });
    } finally {
      if (transient) session.dispose();
    }
  }

  /** Pass values of one trial (Interpreted, bounded by MAX_TRACE_STEPS). */
  private trace(req: TraceRequest): void {
    const t0 = performance.now();
    const trace = tracePasses({ model: req.model, node: req.node, trial: req.trial, ...(req.inputs ? { inputs: req.inputs } : {}) });
    this.emit({ type: 'passes', id: req.id, ...trace });
    this.emitDone(req.id, req.trial + 1, false, { total_ms: performance.now() - t0 });
  }

  private validate(req: ValidateRequest): void {
    const t0 = performance.now();
    // the same checks a run makes: the file contract, then the components' own
    const session = new ModelSession(req.model);
    try {
      const comp = session.comp;
      const inputs = prepareInputs(comp, comp.run.inputs);
      const name = (k: number) => comp.nodeNames[k]!;
      this.emit({
        type: 'validated',
        id: req.id,
        nodes: [...comp.nodeNames],
        projections: comp.projections.length,
        inputNodes: comp.inputNodes.map(name),
        outputNodes: comp.outputNodes.map(name),
        warnings: [...comp.warnings, ...inputs.warnings],
      });
    } finally {
      session.dispose();
    }
    this.emitDone(req.id, 0, false, { build_ms: session.buildMs, total_ms: performance.now() - t0 });
  }

  private async compile(job: Job, req: CompileRequest): Promise<void> {
    const t0 = performance.now();
    const { session, fresh, transient, warnings } = this.sessionFor(req.model, req.session);
    try {
      const mode = req.mode ?? 'LLVMRun';
      this.emit({ type: 'progress', id: req.id, done: 0, total: 0, phase: 'compile' });
      await tick();
      if (job.cancelled) return this.emitDone(req.id, 0, true, { total_ms: performance.now() - t0 });
      const t1 = performance.now();
      const optLevel = req.optLevel ?? 2;
      const choice = session.choose(mode, optLevel);
      const compiled = choice.compiled;
      this.emit({
        type: 'diagnostics',
        id: req.id,
        mode,
        executedMode: choice.executed,
        warnings: [...warnings, ...session.comp.warnings, ...choice.warnings],
        ...(compiled ? { compile: compiled.diagnostics } : {}),
      });
      if (compiled && (req.emitIR || req.emitOptimizedIR)) {
        this.emit({
          type: 'ir',
          id: req.id,
          ...(req.emitIR ? { ir: compiled.irText } : {}),
          ...(req.emitOptimizedIR ? { optimizedIR: optimizeIR(compiled.irText, { optLevel }).ir } : {}),
        });
      }
      const t2 = performance.now();
      this.emitDone(req.id, 0, false, { build_ms: fresh ? session.buildMs : 0, compile_ms: t2 - t1, total_ms: t2 - t0 });
    } finally {
      if (transient) session.dispose();
    }
  }

  private resetSession(req: ResetSessionRequest): void {
    const entry = this.sessions.get(req.session);
    entry?.session.dispose();
    this.sessions.delete(req.session);
    if (req.id !== undefined) this.emitDone(req.id, 0, false, { total_ms: 0 });
  }

  private emitDone(id: string, trials: number, cancelled: boolean, timings: { total_ms: number } & Record<string, number>): void {
    this.emit({ type: 'done', id, trials, cancelled, timings, rss: this.opts.memoryUsage() });
  }

  /** Maps an exception to the error event of its class. */
  private errorEvent(id: string | null, e: unknown): ErrorEvent {
    const rss = this.opts.memoryUsage();
    if (e instanceof ModelError) return { type: 'error', id, kind: 'model', message: e.message, issues: e.issues, rss };
    if (e instanceof ModeUnavailableError) return { type: 'error', id, kind: 'mode', message: e.message, rss };
    if (e instanceof SchedulerLimitError) return { type: 'error', id, kind: 'limit', message: e.message, rss };
    if (e instanceof JitError) return { type: 'error', id, kind: 'jit', message: `${e.message} (${e.remedy})`, rss };
    // layouts too large for memory and the like: a problem of the model's sizes
    if (e instanceof RangeError && !/call stack/.test(e.message)) return { type: 'error', id, kind: 'model', message: e.message, rss };
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return { type: 'error', id, kind: 'internal', message: `internal engine error (please report it): ${message}`, rss };
  }
}

/**
 * Follows a tiered compile during a run: once the run uses the O2 code, or its compile failed,
 * the run's compile diagnostics are sent again with the tier report updated. (O2 code that
 * arrives after the run's last block is not news for this run: the next one reports it.)
 */
class TierReporter {
  private last: string;

  constructor(
    private readonly compiled: CompiledModel | null,
    private readonly runner: Runner,
    sent: CompileDiagnostics | undefined,
    private readonly startedOnReplaced: boolean,
    private readonly send: (compile: CompileDiagnostics, warning?: string) => void,
  ) {
    this.last = TierReporter.news(sent);
  }

  private static news(d: CompileDiagnostics | undefined): string {
    return JSON.stringify([d?.tiers?.used_from_trial, d?.tiers?.o2_error]);
  }

  check(): void {
    const tiers = this.compiled?.diagnostics.tiers;
    if (!tiers) return;
    const compile = withSwitch(this.compiled!.diagnostics, this.runner.codeSwitchedAt, this.startedOnReplaced);
    const now = TierReporter.news(compile);
    if (now === this.last) return;
    const failed = compile.tiers!.o2_error !== undefined && JSON.parse(this.last)[1] === null;
    this.last = now;
    this.send(compile, failed ? `the background O2 compile failed, the run continues on O0 code: ${compile.tiers!.o2_error}` : undefined);
  }
}

/**
 * Trials waiting to be sent, as flat doubles, flushed as one packed `trials` event (and a
 * `progress`). The runner writes each block's results straight into the batch's free space and
 * its node values are copied after them: nothing is built per trial, so an iteration of the run
 * loop costs the runner's time budget plus copies, and a cancel is seen soon.
 */
class TrialBatch {
  /** Trials flushed so far (the next event's `first`). */
  done = 0;
  lastFlush = performance.now();
  /** Trials waiting. */
  private count = 0;
  /** Trials one event holds at most. */
  private readonly capacity: number;
  private readonly results: Float64Array<ArrayBuffer>;
  private readonly nodeValues: Float64Array<ArrayBuffer> | null;
  private readonly nodeRows: [string, number[]][];
  private order: string[][][] | null = null;

  constructor(
    private readonly id: string,
    nodeNames: readonly string[],
    private readonly layout: BlockLayout,
    recordNodeValues: boolean,
    private readonly total: number,
    maxValues: number,
    private readonly emit: (e: WireEvent) => void,
  ) {
    const perTrial = 1 + layout.resultsWidth + (recordNodeValues ? layout.nodeValuesWidth : 0);
    this.capacity = Math.max(1, Math.min(total, Math.floor(maxValues / perTrial)));
    this.results = new Float64Array(this.capacity * layout.resultsWidth);
    this.nodeValues = recordNodeValues ? new Float64Array(this.capacity * layout.nodeValuesWidth) : null;
    this.nodeRows = nodeNames.map((name, k) => [name, layout.nodeRows[k]!]);
  }

  /** Runs one block of trials into the batch (at most the room left, within `budgetMs`); flushes once full. */
  take(runner: Runner, budgetMs: number): void {
    const rw = this.layout.resultsWidth;
    const at = this.count;
    const b = runner.nextBlock(this.capacity - at, budgetMs, this.results.subarray(at * rw));
    // runners write into the space given; copy only if one handed back its own buffer
    if (b.results.buffer !== this.results.buffer) this.results.set(b.results, at * rw);
    if (this.nodeValues && b.nodeValues) this.nodeValues.set(b.nodeValues, at * this.layout.nodeValuesWidth);
    if (b.executionOrder) {
      const order = (this.order ??= []);
      for (const steps of b.executionOrder) order.push(steps);
    }
    this.count += b.count;
    if (this.count >= this.capacity) this.flush();
  }

  flush(): void {
    this.lastFlush = performance.now();
    const count = this.count;
    if (count === 0) return;
    this.emit({
      type: 'trials-packed',
      id: this.id,
      first: this.done,
      count,
      resultRows: this.layout.resultSizes,
      // copies of just the filled part: the event may outlive the batch's buffers
      results: this.results.slice(0, count * this.layout.resultsWidth),
      ...(this.nodeValues ? { nodeRows: this.nodeRows, nodeValues: this.nodeValues.slice(0, count * this.layout.nodeValuesWidth) } : {}),
      ...(this.order ? { executionOrder: this.order } : {}),
    });
    this.done += count;
    this.count = 0;
    this.order = null;
    this.emit({ type: 'progress', id: this.id, done: this.done, total: this.total, phase: 'run' });
  }
}
