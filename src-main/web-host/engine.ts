/**
 * What the studio hosts need from the engine: validate, compile, and streamed, cancellable runs.
 * The web host and the Electron shell talk to this interface only; `InProcessEngine` runs models
 * in this process (time-sliced, so the host keeps answering) until the forked engine process's
 * client takes its place.
 */
import type {
  CompileResult,
  CompiledMode,
  HostError,
  ModelDocument,
  ModelIssue,
  OutputColumn,
  PassTrace,
  RunEvent,
  RunParams,
  TrialResults,
  ValidateResult,
} from '../../shared/ipc/protocol.js';
import { buildComposition, type Composition } from '../engine/composition.js';
import { prepareInputs } from '../engine/inputs.js';
import type { TrialRecord } from '../engine/interpreter.js';
import { ModelError } from '../model/errors.js';
import { SchedulerLimitError } from '../scheduler/scheduler.js';
import { JitError } from '../compiler/jit/jit-error.js';
import type { OptLevel } from '../compiler/jit/index.js';
import { ModeUnavailableError, ModelSession, compileFor } from '../runtime/run-model.js';
import { createRunner, type Runner } from '../runtime/runners.js';
import { tracePasses } from '../runtime/pass-trace.js';
import { HostRequestError } from './host-error.js';

export interface StudioEngine {
  /** Starts a run; its events (accepted … done | error) go to `emit`. */
  run(params: RunParams, emit: (event: RunEvent) => void): void;
  /** Asks a run to stop after the current slice; false when no such run is going. */
  cancel(runId: string): boolean;
  validate(model: ModelDocument): Promise<ValidateResult>;
  compile(model: ModelDocument, mode: CompiledMode, optLevel?: OptLevel): Promise<CompileResult>;
  /** A node's value at each pass of one trial (see runtime/pass-trace.ts). */
  passes(model: ModelDocument, node: string, trial: number, inputs?: Record<string, unknown[]>): Promise<PassTrace>;
  dispose(): void;
}

/** JSON cannot carry NaN or ±Infinity: a trace's non-finite values travel as null. */
export function encodeTrace(trace: { node: string; trial: number; passes: number[]; values: number[][]; steps: number; truncated: boolean }): PassTrace {
  return { ...trace, values: trace.values.map((v) => v.map((x) => (Number.isFinite(x) ? x : null))) };
}

/** The columns of a run's results: each output node's output ports, in order. */
export function outputColumns(comp: Composition): OutputColumn[] {
  return comp.outputNodes.flatMap((k) =>
    comp.nodes[k]!.outputPorts.map((p) => ({ node: comp.nodeNames[k]!, port: p.name, size: p.shape.reduce((a, b) => a * b, 1) })),
  );
}

/** Turns an engine failure into what the modeller reads (located issues for model errors). */
export function toHostError(e: unknown): HostError {
  if (e instanceof ModelError) return { kind: 'model', message: e.message, issues: e.issues as ModelIssue[] };
  if (e instanceof ModeUnavailableError) return { kind: 'mode', message: e.message };
  if (e instanceof SchedulerLimitError || e instanceof JitError || e instanceof RangeError) return { kind: 'runtime', message: e.message };
  return { kind: 'runtime', message: e instanceof Error ? e.message : String(e) };
}

/** JSON cannot carry NaN or ±Infinity: they travel as null. */
export function encodeResults(records: readonly TrialRecord[]): TrialResults {
  return records.map((r) => r.results.map((port) => port.map((v) => (Number.isFinite(v) ? v : null))));
}

/** Trials per streamed batch at most, and the time a slice may hold the event loop. */
const BATCH_TRIALS = 500;
const SLICE_MS = 40;

interface ActiveRun {
  cancelled: boolean;
}

export class InProcessEngine implements StudioEngine {
  private readonly active = new Map<string, ActiveRun>();

  run(params: RunParams, emit: (event: RunEvent) => void): void {
    const { runId } = params;
    if (this.active.has(runId)) {
      emit({ type: 'error', runId, error: { kind: 'invalid-request', message: `a run named ${runId} is already going` } });
      return;
    }
    const state: ActiveRun = { cancelled: false };
    this.active.set(runId, state);
    const fail = (e: unknown) => {
      this.active.delete(runId);
      emit({ type: 'error', runId, error: toHostError(e) });
    };
    let session: ModelSession;
    let runner: Runner;
    let total: number;
    const t0 = performance.now();
    let compileMs = 0;
    try {
      session = new ModelSession(params.model);
      const comp = session.comp;
      const inputs = prepareInputs(comp, params.inputs ?? comp.run.inputs, params.inputs ? 'inputs' : 'run.inputs');
      total = params.trials ?? comp.run.num_trials ?? inputs.defaultTrials;
      emit({ type: 'accepted', runId, mode: params.mode, trials: total, outputs: outputColumns(comp) });
      const tc = performance.now();
      // as the engine process: O0 code at once, O2 code swapped in between slices when it is built
      const choice = session.choose(params.mode, 'tiered');
      compileMs = performance.now() - tc;
      emit({
        type: 'diagnostics',
        runId,
        mode: params.mode,
        executed_mode: choice.executed,
        warnings: [...comp.warnings, ...choice.warnings, ...inputs.warnings],
        build_ms: session.buildMs,
        ...(choice.compiled ? { compile: choice.compiled.diagnostics } : {}),
      });
      runner = createRunner(session.ctx, { numTrials: total, inputs }, choice.compiled);
    } catch (e) {
      fail(e);
      return;
    }
    let done = 0;
    const runStart = performance.now();
    const finish = (cancelled: boolean) => {
      runner.close();
      session.dispose();
      this.active.delete(runId);
      const end = performance.now();
      const runMs = end - runStart;
      emit({
        type: 'done',
        runId,
        trials: done,
        cancelled,
        timings: { build_ms: session.buildMs, compile_ms: compileMs, run_ms: runMs, total_ms: session.buildMs + (end - t0), trials_per_s: done / Math.max(runMs / 1000, 1e-9) },
      });
    };
    const slice = () => {
      try {
        if (state.cancelled) return finish(true);
        const records = runner.next(BATCH_TRIALS, SLICE_MS);
        if (records.length) {
          emit({ type: 'trials', runId, first: done, results: encodeResults(records) });
          done += records.length;
          emit({ type: 'progress', runId, done, total });
        }
        if (runner.finished) return finish(false);
        setImmediate(slice);
      } catch (e) {
        try {
          runner.close();
        } finally {
          session.dispose();
          fail(e);
        }
      }
    };
    setImmediate(slice);
  }

  cancel(runId: string): boolean {
    const run = this.active.get(runId);
    if (!run) return false;
    run.cancelled = true;
    return true;
  }

  async validate(model: ModelDocument): Promise<ValidateResult> {
    try {
      const comp = buildComposition(model);
      const names = (ks: readonly number[]) => ks.map((k) => comp.nodeNames[k]).join(', ');
      return {
        valid: true,
        issues: [],
        summary: `${comp.nodes.length} nodes, ${comp.projections.length} projections; inputs: ${names(comp.inputNodes)}; outputs: ${names(comp.outputNodes)}`,
      };
    } catch (e) {
      if (e instanceof ModelError) return { valid: false, issues: e.issues as ModelIssue[] };
      return { valid: false, issues: [{ path: '', message: toHostError(e).message }] };
    }
  }

  async compile(model: ModelDocument, mode: CompiledMode, optLevel: OptLevel = 2): Promise<CompileResult> {
    let compiled;
    try {
      compiled = compileFor(buildComposition(model), mode, optLevel);
    } catch (e) {
      throw new HostRequestError(toHostError(e));
    }
    try {
      return { mode, ir: compiled.irText, diagnostics: compiled.diagnostics };
    } finally {
      compiled.release();
    }
  }

  async passes(model: ModelDocument, node: string, trial: number, inputs?: Record<string, unknown[]>): Promise<PassTrace> {
    try {
      return encodeTrace(tracePasses({ model, node, trial, ...(inputs ? { inputs } : {}) }));
    } catch (e) {
      throw new HostRequestError(toHostError(e));
    }
  }

  dispose(): void {
    for (const run of this.active.values()) run.cancelled = true;
  }
}
