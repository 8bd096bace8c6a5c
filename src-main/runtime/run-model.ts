/**
 * One entry point for running a model in any execution mode, used by the CLI and the engine
 * process. Auto tries LLVMRun, LLVMExec, LLVM and Interpreted in turn, with one warning per
 * fallback naming the component, the feature and the reason.
 */
import { ModelError } from '../model/errors.js';
import { validateStructure } from '../model/validate-structure.js';
import { buildComposition, type Composition, type ModelLike } from '../engine/composition.js';
import { prepareInputs } from '../engine/inputs.js';
import { ExecutionContext, type RunOptions } from '../engine/interpreter.js';
import type { SchedulerLimits } from '../scheduler/scheduler.js';
import { CodegenUnsupported } from '../compiler/codegen/codegen.js';
import { compileComposition, DEFAULT_MIN_POINTS_PER_THREAD, DEFAULT_MIN_SERIAL_NS, type CompileDiagnostics, type CompiledMode, type CompiledModel, type OptChoice } from './compiled.js';
import { createRunner, drainBlocks } from './runners.js';

export const EXECUTION_MODES = ['Interpreted', 'LLVM', 'LLVMExec', 'LLVMRun', 'Auto'] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

/** A requested mode that cannot run this model; Auto turns it into a warning and falls back. */
export class ModeUnavailableError extends Error {
  constructor(
    readonly mode: ExecutionMode,
    readonly component: string,
    readonly feature: string,
    readonly reason: string,
  ) {
    super(`${mode} cannot run this model: ${component}: ${feature} — ${reason}`);
    this.name = 'ModeUnavailableError';
  }
}

export interface RunRequest {
  model: ModelLike;
  mode?: ExecutionMode;
  /** Trials to run (default: run.num_trials, else the longest input list). */
  numTrials?: number;
  /** Inputs replacing the file's run.inputs. */
  inputs?: Record<string, unknown>;
  recordNodeValues?: boolean;
  recordExecutionOrder?: boolean;
  limits?: SchedulerLimits;
  /**
   * Optimisation level of compiled modes (default 2), or `tiered`: O0 code at once, the O2 code
   * swapped in once its background compile is done — which needs the event loop to turn, so a
   * run that never yields (this synchronous `run`) stays on the code it started with; later runs
   * of the session use the O2 code once it is in. The background compile goes on after the
   * session is disposed (its code is kept for a later run): a process exits once it has ended.
   */
  optLevel?: OptChoice;
  /**
   * Threads the compiled controller may split its grid over (default: every core); kept by the
   * compiled code for later runs too. Results never depend on it.
   */
  controllerThreads?: number;
  /** Called after each trial with the number done and the total; return false to cancel. */
  onProgress?: (done: number, total: number) => boolean | void;
}

export interface RunOutput {
  /** Per trial, per output port of the output nodes, the values (built from `flat` on first read). */
  readonly results: number[][][];
  /** The same results as flat doubles, trials × width in port order: what long runs should read. */
  flat: { results: Float64Array; width: number; portSizes: readonly number[] };
  mode: ExecutionMode;
  executed_mode: ExecutionMode;
  warnings: string[];
  timings: { build_ms: number; compile_ms: number; run_ms: number; total_ms: number; trials_per_s: number };
  compile?: CompileDiagnostics;
  trials: number;
  cancelled: boolean;
  node_values?: Record<string, number[][][]>;
  execution_order?: string[][];
}

/** Modes tried by Auto, most compiled first. */
const AUTO_ORDER: readonly ExecutionMode[] = ['LLVMRun', 'LLVMExec', 'LLVM', 'Interpreted'];

/**
 * Compiles the model for a compiled mode, turning "cannot compile this" into a
 * ModeUnavailableError naming the component, the feature and the reason.
 */
export function compileFor(comp: Composition, mode: CompiledMode, optLevel: OptChoice = 2): CompiledModel {
  try {
    return compileComposition(comp, mode, optLevel);
  } catch (e) {
    if (e instanceof CodegenUnsupported) throw new ModeUnavailableError(mode, e.component, e.feature, e.reason);
    throw e;
  }
}

/** The mode a request runs in and the compiled model for it (decided once per session and mode). */
interface ModeChoice {
  executed: ExecutionMode;
  compiled: CompiledModel | null;
  warnings: string[];
}

/**
 * A model with one execution context: runs continue where the previous run stopped, in any
 * mode (the state — values, integrators, RNG streams, counters — lives in one shared buffer).
 */
export class ModelSession {
  readonly comp: Composition;
  readonly ctx: ExecutionContext;
  readonly buildMs: number;
  private readonly choices = new Map<string, ModeChoice>();

  constructor(model: ModelLike) {
    const t0 = performance.now();
    // the file contract first (every structural problem at once), then the components' own checks
    const issues = validateStructure(model);
    if (issues.length) throw new ModelError(issues);
    this.comp = buildComposition(model);
    this.ctx = new ExecutionContext(this.comp);
    this.buildMs = performance.now() - t0;
  }

  /** Decides (once per mode and opt level) which mode runs, compiling when needed. */
  choose(mode: ExecutionMode, optLevel: OptChoice = 2): ModeChoice {
    const key = `${mode}:${optLevel}`;
    const known = this.choices.get(key);
    if (known) return known;
    const warnings: string[] = [];
    let executed: ExecutionMode = mode;
    let compiled: CompiledModel | null = null;
    if (mode === 'Auto') {
      executed = 'Interpreted';
      let last: ModeUnavailableError | null = null;
      for (const candidate of AUTO_ORDER) {
        if (candidate === 'Interpreted') break;
        // LLVMExec shares LLVMRun's module: when that cannot be generated, neither can LLVMExec's
        if (candidate === 'LLVMExec' && last && last.mode === 'LLVMRun') {
          warnings.push(`Auto: LLVMExec unavailable (${last.component}: ${last.feature} — ${last.reason}); falling back`);
          continue;
        }
        try {
          compiled = compileFor(this.comp, candidate as CompiledMode, optLevel);
          executed = candidate;
          break;
        } catch (e) {
          if (!(e instanceof ModeUnavailableError)) throw e;
          last = e;
          warnings.push(`Auto: ${candidate} unavailable (${e.component}: ${e.feature} — ${e.reason}); falling back`);
        }
      }
    } else if (mode !== 'Interpreted') {
      compiled = compileFor(this.comp, mode, optLevel);
    }
    const choice = { executed, compiled, warnings };
    this.choices.set(key, choice);
    return choice;
  }

  /**
   * Runs on machine code compiled elsewhere for a model with this one's state layout (a sweep's
   * compiled-once code, sweep/compile-once.ts); its owner keeps it: dispose() does not free it.
   */
  runWith(compiled: CompiledModel, req: Omit<RunRequest, 'model'>): RunOutput {
    return this.run(req, { executed: compiled.mode, compiled, warnings: [] });
  }

  run(req: Omit<RunRequest, 'model'>, lent?: ModeChoice): RunOutput {
    const t0 = performance.now();
    const mode = req.mode ?? 'Auto';
    const comp = this.comp;
    const choice = lent ?? this.choose(mode, req.optLevel);
    if (req.controllerThreads !== undefined) choice.compiled?.setControllerThreads?.(req.controllerThreads, DEFAULT_MIN_POINTS_PER_THREAD, DEFAULT_MIN_SERIAL_NS);
    const warnings: string[] = [...comp.warnings, ...choice.warnings];
    const inputs = prepareInputs(comp, req.inputs ?? comp.run.inputs, req.inputs ? 'inputs' : 'run.inputs');
    warnings.push(...inputs.warnings);
    const numTrials = req.numTrials ?? comp.run.num_trials ?? inputs.defaultTrials;
    const t1 = performance.now();
    let cancelled = false;
    const runOpts: RunOptions = {
      numTrials,
      inputs,
      recordNodeValues: req.recordNodeValues,
      recordExecutionOrder: req.recordExecutionOrder,
      limits: req.limits,
      onTrial: (t) => {
        if (req.onProgress?.(t + 1, numTrials) === false) {
          cancelled = true;
          return false;
        }
        return true;
      },
    };
    const startedOnReplaced = (choice.compiled?.codeVersion ?? 0) > 0;
    const runner = createRunner(this.ctx, runOpts, choice.compiled);
    const run = drainBlocks(runner);
    const t2 = performance.now();
    const layout = runner.layout;
    let results: number[][][] | null = null;
    const out: RunOutput = {
      get results() {
        return (results ??= Array.from({ length: run.count }, (_, i) => layout.record({ first: 0, ...run, nodeValues: null, executionOrder: null }, i).results));
      },
      flat: { results: run.results, width: layout.resultsWidth, portSizes: layout.resultSizes },
      mode,
      executed_mode: choice.executed,
      warnings,
      timings: {
        build_ms: this.buildMs,
        compile_ms: t1 - t0,
        run_ms: t2 - t1,
        total_ms: this.buildMs + (t2 - t0),
        trials_per_s: run.count / Math.max((t2 - t1) / 1000, 1e-9),
      },
      trials: run.count,
      cancelled,
    };
    if (choice.compiled) out.compile = withSwitch(choice.compiled.diagnostics, runner.codeSwitchedAt, startedOnReplaced);
    if (req.recordNodeValues && run.nodeValues) {
      const records = Array.from({ length: run.count }, (_, i) => layout.record({ first: 0, ...run, executionOrder: null }, i).nodeValues!);
      out.node_values = Object.fromEntries(comp.nodeNames.map((name, k) => [name, records.map((r) => r[k]!)]));
    }
    if (req.recordExecutionOrder) out.execution_order = (run.executionOrder ?? []).flat();
    return out;
  }

  /** Puts the context back to its initial state. */
  reset(): void {
    this.ctx.reset();
  }

  /** Frees compiled machine code (a background O2 compile still going is no longer waited for). */
  dispose(): void {
    for (const c of this.choices.values()) c.compiled?.release();
    this.choices.clear();
  }
}

/**
 * A run's compile diagnostics with the first trial that ran on the O2 code of a tiered compile:
 * where the run switched code, or 0 when the O2 code was in before the run started.
 */
export function withSwitch(d: CompileDiagnostics, codeSwitchedAt: number | null, startedOnReplaced: boolean): CompileDiagnostics {
  const used = startedOnReplaced ? 0 : codeSwitchedAt;
  return d.tiers && used !== null ? { ...d, tiers: { ...d.tiers, used_from_trial: used } } : d;
}

/** Builds, (compiles,) runs and disposes: one run of a model in a fresh context. */
export function runModel(req: RunRequest): RunOutput {
  const session = new ModelSession(req.model);
  try {
    return session.run(req);
  } finally {
    session.dispose();
  }
}
