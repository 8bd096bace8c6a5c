/**
 * One entry point for running a model in any execution mode, used by the CLI and the engine
 * process. Auto tries LLVMRun, LLVMExec, LLVM and Interpreted in turn, with one warning per
 * fallback naming the component, the feature and the reason.
 */
import { buildComposition, type Composition, type ModelLike } from '../engine/composition.js';
import { prepareInputs } from '../engine/inputs.js';
import { ExecutionContext, type TrialRecord } from '../engine/interpreter.js';
import type { SchedulerLimits } from '../scheduler/scheduler.js';

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
  /** Called after each trial with the number done and the total; return false to cancel. */
  onProgress?: (done: number, total: number) => boolean | void;
}

export interface RunOutput {
  results: number[][][];
  mode: ExecutionMode;
  executed_mode: ExecutionMode;
  warnings: string[];
  timings: { build_ms: number; run_ms: number; total_ms: number; trials_per_s: number };
  trials: number;
  cancelled: boolean;
  node_values?: Record<string, number[][][]>;
  execution_order?: string[][];
}

/** Modes tried by Auto, most compiled first. */
const AUTO_ORDER: ExecutionMode[] = ['LLVMRun', 'LLVMExec', 'LLVM', 'Interpreted'];

/** Decides once per model whether a compiled mode can run it (until the compiler lands: never). */
export function checkModeAvailable(_comp: Composition, mode: ExecutionMode): void {
  if (mode === 'Interpreted' || mode === 'Auto') return;
  throw new ModeUnavailableError(mode, 'compiler', 'LLVM code generation', 'not yet supported in this version of CogStudio');
}

export function runModel(req: RunRequest): RunOutput {
  const t0 = performance.now();
  const mode = req.mode ?? 'Auto';
  const comp = buildComposition(req.model);
  const warnings: string[] = [...comp.warnings];
  let executed: ExecutionMode = mode;
  if (mode === 'Auto') {
    executed = 'Interpreted';
    for (const candidate of AUTO_ORDER) {
      try {
        checkModeAvailable(comp, candidate);
        executed = candidate;
        break;
      } catch (e) {
        if (!(e instanceof ModeUnavailableError)) throw e;
        warnings.push(`Auto: ${candidate} unavailable (${e.component}: ${e.feature} — ${e.reason}); falling back`);
      }
    }
  } else {
    checkModeAvailable(comp, mode);
  }
  const inputs = prepareInputs(comp, req.inputs ?? comp.run.inputs, req.inputs ? 'inputs' : 'run.inputs');
  warnings.push(...inputs.warnings);
  const numTrials = req.numTrials ?? comp.run.num_trials ?? inputs.defaultTrials;
  const t1 = performance.now();
  const ctx = new ExecutionContext(comp);
  let cancelled = false;
  const records: TrialRecord[] = ctx.run({
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
  });
  const t2 = performance.now();
  const out: RunOutput = {
    results: records.map((r) => r.results),
    mode,
    executed_mode: executed,
    warnings,
    timings: {
      build_ms: t1 - t0,
      run_ms: t2 - t1,
      total_ms: t2 - t0,
      trials_per_s: records.length / Math.max((t2 - t1) / 1000, 1e-9),
    },
    trials: records.length,
    cancelled,
  };
  if (req.recordNodeValues) {
    out.node_values = Object.fromEntries(comp.nodeNames.map((name, k) => [name, records.map((r) => r.nodeValues![k]!)]));
  }
  if (req.recordExecutionOrder) out.execution_order = records.flatMap((r) => r.executionOrder!);
  return out;
}
