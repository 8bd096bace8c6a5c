/**
 * Parameter sweeps: the model run once per grid point, each run a fresh context (`runModel`),
 * so a point's numbers depend on nothing but the point — not on the order the points run in nor
 * on which process runs them. `jobs` > 1 spreads the points over worker processes (the JIT is a
 * native library best kept one per process); rows come back in grid order either way.
 *
 * Compilation: a component bakes its parameters into the code it generates. When a point's code
 * provably differs from the others' only in those constants, it runs on code compiled once per
 * process with the swept values read at run time (compile-once.ts); otherwise its IR is compiled
 * on its own, points with the same IR (e.g. a swept seed, or repeated sweeps) reusing machine code
 * through the in-process IR-hash cache and the on-disk object cache (runtime/compiled.ts,
 * compiler/jit/object-cache.ts).
 */
import { availableParallelism } from 'node:os';
import { ModelError } from '../model/errors.js';
import type { ModelLike } from '../engine/composition.js';
import { ModelSession, ModeUnavailableError, type ExecutionMode, type RunOutput } from '../runtime/run-model.js';
import type { CompiledModel } from '../runtime/compiled.js';
import { SweepCompiler } from './compile-once.js';
import { SchedulerLimitError } from '../scheduler/scheduler.js';
import { JitError, type OptLevel } from '../compiler/jit/index.js';
import { checkGrid, modelAt, paramFromRange, parseParamArg, pointValues, type ParamRange, type SweptParam } from './spec.js';
import { computeStats, defaultStats, parseStat, type StatColumn } from './stats.js';
import { runOnWorkers, type SweepWorkerSpawner } from './pool.js';

/** Everything one grid point needs (plain data: it is sent to worker processes as is). */
export interface SweepTask {
  model: ModelLike;
  params: SweptParam[];
  columns: StatColumn[];
  mode: ExecutionMode;
  numTrials?: number;
  inputs?: Record<string, unknown>;
  optLevel?: OptLevel;
  maxPassesPerTrial?: number;
  /** false: every point compiled on its own, never on compiled-once code (compile-once.ts). */
  compileOnce?: boolean;
}

export interface PointResult {
  index: number;
  values: number[];
  stats: number[];
  executed_mode: ExecutionMode;
  warnings: string[];
  compile_ms: number;
  run_ms: number;
  /** Ran on the sweep's compiled-once code (compile-once.ts) rather than compiled on its own. */
  compiled_once: boolean;
  /** That code's group (SweepCompiler.lastGroup): points of one group ran one program. */
  code_group: string | null;
}

export interface SweepPlan {
  task: SweepTask;
  size: number;
  /** Column names: the swept parameters, then the statistics. */
  header: string[];
}

export interface SweepOptions {
  model: ModelLike;
  /** `NODE.PARAM=START:STOP:N` arguments, or ranges. */
  params: readonly (string | ParamRange)[];
  /** `NODE[.PORT]:STAT` arguments (default: mean and final of every output port). */
  stats?: readonly string[];
  mode?: ExecutionMode;
  numTrials?: number;
  inputs?: Record<string, unknown>;
  optLevel?: OptLevel;
  maxPassesPerTrial?: number;
}

/** A grid point that could not run; names the point and says why. */
export class SweepPointError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
    this.name = 'SweepPointError';
  }
}

/** Checks the model and the sweep's parameters and statistics, and lays out the grid. */
export function planSweep(o: SweepOptions): SweepPlan {
  const params = o.params.map((p) => (typeof p === 'string' ? parseParamArg(o.model, p) : paramFromRange(o.model, p)));
  const size = checkGrid(params);
  const session = new ModelSession(o.model);
  let columns: StatColumn[];
  try {
    columns = o.stats?.length ? o.stats.flatMap((s) => parseStat(session.comp, s)) : defaultStats(session.comp);
  } finally {
    session.dispose();
  }
  const task: SweepTask = {
    model: o.model,
    params,
    columns,
    mode: o.mode ?? 'Auto',
    numTrials: o.numTrials,
    inputs: o.inputs,
    optLevel: o.optLevel,
    maxPassesPerTrial: o.maxPassesPerTrial,
  };
  return { task, size, header: [...params.map((p) => p.label), ...columns.map((c) => c.name)] };
}

function describePoint(task: SweepTask, values: readonly number[]): string {
  return task.params.map((p, i) => `${p.label} = ${values[i]}`).join(', ');
}

/** Errors a point may meet because of its values (reported per point); anything else is a bug. */
export function isPointFailure(e: unknown): e is Error {
  return e instanceof ModelError || e instanceof ModeUnavailableError || e instanceof SchedulerLimitError || e instanceof JitError || e instanceof RangeError;
}

/** Runs one grid point, on `once`'s compiled-once code when the point's proof passes. */
export function evaluatePoint(task: SweepTask, index: number, once?: SweepCompiler): PointResult {
  const values = pointValues(task.params, index);
  try {
    const t0 = performance.now();
    const session = new ModelSession(modelAt(task.model, task.params, values));
    let out: RunOutput;
    let code: CompiledModel | null = null;
    try {
      code = once?.codeFor(session, values) ?? null;
      const proofMs = performance.now() - t0 - session.buildMs;
      const req = {
        mode: task.mode,
        numTrials: task.numTrials,
        inputs: task.inputs,
        optLevel: task.optLevel,
        limits: task.maxPassesPerTrial ? { maxPassesPerTrial: task.maxPassesPerTrial } : undefined,
      };
      out = code ? session.runWith(code, req) : session.run(req);
      // the proof (and the one compile) is this point's compile time
      out.timings.compile_ms += proofMs;
    } finally {
      session.dispose();
    }
    return {
      index,
      values,
      stats: computeStats(out.flat, task.columns),
      executed_mode: out.executed_mode,
      warnings: out.warnings,
      compile_ms: out.timings.compile_ms,
      run_ms: out.timings.run_ms,
      compiled_once: code !== null,
      code_group: code ? (once?.lastGroup ?? null) : null,
    };
  } catch (e) {
    if (isPointFailure(e)) throw new SweepPointError(`at ${describePoint(task, values)}: ${e.message}`, index);
    throw e;
  }
}

export interface SweepRunOptions {
  /** Worker processes (default os.availableParallelism()); 1 runs in this process unless `alwaysWorkers`. */
  jobs?: number;
  /** After each point: points done, total, the point's result. */
  onProgress?: (done: number, total: number, row: PointResult) => void;
  signal?: AbortSignal;
  /** How worker processes start (default: forked Node processes). */
  spawn?: SweepWorkerSpawner;
  /** Run even a one-worker sweep on a worker process (a host keeps the JIT out of its own process). */
  alwaysWorkers?: boolean;
  /** false: compile every point on its own (the path compile-once.ts must agree with; for tests and comparisons). */
  compileOnce?: boolean;
}

export interface SweepResult {
  header: string[];
  /** Finished points in grid order (all of them unless cancelled). */
  rows: PointResult[];
  total: number;
  cancelled: boolean;
  jobs: number;
  /** Distinct warnings over all points. */
  warnings: string[];
  executed_modes: ExecutionMode[];
  /** Points that ran on the compiled-once code (the rest were compiled one by one). */
  compiled_once: number;
  /**
   * Distinct programs those points ran on: 1 when every swept parameter is read at run time; one
   * per combination of the values folded into the code otherwise (per worker process, each compiles its own).
   */
  compiled_codes: number;
  timings: { total_ms: number; compile_ms: number; run_ms: number; points_per_s: number };
}

/** Runs every point of the plan (serially or on worker processes) and gathers the rows in grid order. */
export async function runSweep(plan: SweepPlan, o: SweepRunOptions = {}): Promise<SweepResult> {
  const t0 = performance.now();
  const jobs = Math.max(1, Math.min(o.jobs ?? availableParallelism(), plan.size));
  const task = o.compileOnce === false ? { ...plan.task, compileOnce: false } : plan.task;
  const rows: PointResult[] = [];
  const take = (row: PointResult) => {
    rows.push(row);
    o.onProgress?.(rows.length, plan.size, row);
  };
  if (jobs === 1 && !o.alwaysWorkers) {
    const once = new SweepCompiler(task);
    try {
      for (let i = 0; i < plan.size && !o.signal?.aborted; i++) {
        take(evaluatePoint(task, i, once));
        // let a cancel (and the host's other work) in between points
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      once.dispose();
    }
  } else {
    await runOnWorkers(task, plan.size, jobs, take, o.signal, o.spawn);
  }
  rows.sort((a, b) => a.index - b.index);
  const ms = performance.now() - t0;
  const sum = (f: (r: PointResult) => number) => rows.reduce((a, r) => a + f(r), 0);
  return {
    header: plan.header,
    rows,
    total: plan.size,
    cancelled: rows.length < plan.size,
    jobs,
    warnings: [...new Set(rows.flatMap((r) => r.warnings))],
    executed_modes: [...new Set(rows.map((r) => r.executed_mode))],
    compiled_once: rows.filter((r) => r.compiled_once).length,
    compiled_codes: new Set(rows.flatMap((r) => (r.code_group === null ? [] : [r.code_group]))).size,
    timings: { total_ms: ms, compile_ms: sum((r) => r.compile_ms), run_ms: sum((r) => r.run_ms), points_per_s: rows.length / Math.max(ms / 1000, 1e-9) },
  };
}
