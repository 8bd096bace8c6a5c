/**
 * The measurements themselves (run in a child process per model or scaling family, so that
 * peak RSS is per model and a crash in native code cannot take the harness down):
 * compile time per stage (cold: a model no cache has seen), time to first result, trials/s of
 * every mode (median of repetitions after a warm-up, each repetition from a reset context),
 * agreement of every mode with Interpreted, and the C baseline.
 */
import { generateModule } from '../src-main/compiler/codegen/composition.js';
import { compileIR } from '../src-main/compiler/jit/index.js';
import { buildComposition, type ModelLike } from '../src-main/engine/composition.js';
import { prepareInputs } from '../src-main/engine/inputs.js';
import type { CompileDiagnostics } from '../src-main/runtime/compiled.js';
import { ModeUnavailableError, ModelSession } from '../src-main/runtime/run-model.js';
import { createRunner } from '../src-main/runtime/runners.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CBaseline } from './baselines/c-baseline.js';
import { NoBaseline, cProgram } from './baselines/c-source.js';
import { SCALING, TRIALS_ALL_MODES_UP_TO, scalingModel } from './generate.js';
import { MODES, compareRuns, loglogSlope, median, type Comparison, type FlatRun, type Mode } from './lib.js';

export interface Settings {
  quick: boolean;
  /** Wall time one measured run should take. */
  targetMs: number;
  /** Calibration grows the trial count until a run takes this long. */
  calibrateMs: number;
  reps: number;
  warmup: boolean;
  /** Cold compiles per model (the median is reported); a compile slower than 10 s is not repeated. */
  compileReps: number;
  /** Fresh tiered starts timed for the first-result median (the first one also pays V8's first optimisation of the code generator). */
  firstResultReps: number;
  /**
   * Longest (estimated) compile a measurement may start: models whose IR predicts more skip
   * their compiled modes, scaling points predicted to take longer are skipped. null = no limit.
   */
  compileBudgetMs: number | null;
  /** Longest predicted compile of one scaling point. */
  scalingBudgetMs: number;
}

export function settings(quick: boolean): Settings {
  return quick
    ? { quick, targetMs: 80, calibrateMs: 20, reps: 3, warmup: true, compileReps: 1, firstResultReps: 1, compileBudgetMs: 6000, scalingBudgetMs: 4000 }
    : { quick, targetMs: 500, calibrateMs: 100, reps: 5, warmup: true, compileReps: 3, firstResultReps: 5, compileBudgetMs: null, scalingBudgetMs: 150_000 };
}

/** Conservative compile cost per KB of IR at O2 (measured: 1–6 ms/KB), used only to decide what --quick skips. */
const MS_PER_IR_KB = 2.5;

export type Task =
  | { kind: 'model'; name: string; model: ModelLike; settings: Settings }
  | { kind: 'scaling'; family: 'nodes' | 'width'; settings: Settings }
  | { kind: 'trials'; model: ModelLike; settings: Settings };

export interface CompileStages {
  codegen: number;
  ir_write: number;
  ir_parse: number;
  verify: number;
  optimize: number;
  machine_code: number;
  total: number;
  ir_bytes: number;
}

export interface Disagreement {
  model: string;
  mode: string;
  trial: number;
  index: number;
  got: number;
  want: number;
  rel: number;
}

export interface ModeResult {
  trials: number;
  /** Trials per wall-clock second (median run). */
  trials_per_s: number;
  /** Trials per second of process CPU time (median run): less sensitive to a busy machine. */
  trials_per_cpu_s: number;
  run_ms: number[];
  cpu_ms: number[];
}

export interface CResult {
  status: 'ok' | 'C mismatch' | 'no baseline' | 'error' | 'skipped';
  detail?: string;
  trials_per_s?: number;
  trials_per_cpu_s?: number;
  trials?: number;
  compile_ms?: number;
  max_rel?: number;
}

export interface ModelReport {
  name: string;
  modes: Partial<Record<Mode, ModeResult>>;
  /** Why the compiled modes were not measured (--quick compile budget), if they were not. */
  skipped?: string;
  /** Cold LLVMRun compile at O2 (median over compile repetitions). */
  compile: CompileStages | null;
  compile_first: CompileStages | null;
  compile_reps: number;
  /** Cold compile of LLVM mode's module (per-node functions, no scheduler). */
  compile_llvm_nodes_ms: number | null;
  /**
   * Model object → session → cold tiered LLVMRun compile (O0 code; O2 starts building in the
   * background) → first trial's result: the path the studio takes. Median over Settings.firstResultReps fresh starts.
   */
  first_result_ms: number | null;
  /** The same model object → the O2 code swapped in (the background compile done), nothing else running; median. */
  o2_ready_ms: number | null;
  /** Model object → session → cold O2 LLVMRun compile → first trial's result (no tiers). */
  first_result_o2_ms: number | null;
  /** The first of the fresh tiered starts alone: the only one that pays V8's first optimisation of the code generator for this model. */
  first_result_first_ms: number | null;
  first_result_reps: number;
  first_result_interpreted_ms: number;
  /**
   * LLVMExec's per-trial cost over LLVMRun's, µs of CPU time: the median over pairs of runs of
   * the same trials, one of each mode back to back (a drift of the machine's load between the two
   * modes' own measurements would otherwise count as overhead: ±3 % of Stroop's 55 µs is 1.6 µs).
   */
  llvmexec_overhead_us: number | null;
  /**
   * The same measured directly, µs per trial (wall clock): `bookkeeping_us`, the time a run spends
   * between its native trial calls (inputs, results, termination, the loop), and `ffi_us`, the cost
   * of one call through the FFI. Unlike the difference of two runs' times, it holds no per-run cost
   * (e.g. V8 optimising the runner's JavaScript again, some 15-20 ms of CPU time per run, mostly on
   * V8's compiler threads: 2 µs a trial over Stroop's ~10⁴ trials) and no load drift.
   */
  llvmexec_overhead: { bookkeeping_us: number; ffi_us: number } | null;
  agreement: Record<string, Comparison>;
  c: CResult;
  peak_rss_mb: number;
  llvm_startup_ms: number;
  disagreements: Disagreement[];
}

export interface ScalingPoint {
  size: number;
  /** Set when the point was not measured: its compile was predicted to exceed the budget. */
  skipped?: { predicted_compile_ms: number };
  compile?: CompileStages;
  ms_per_trial?: { Interpreted: number; LLVMRun: number };
  trials?: { Interpreted: number; LLVMRun: number };
  max_rel?: number;
}

export interface ScalingReport {
  family: 'nodes' | 'width';
  points: ScalingPoint[];
  budget_ms: number;
  disagreements: Disagreement[];
  peak_rss_mb: number;
}

export interface TrialsPoint {
  trials: number;
  run_ms: Partial<Record<Mode, number>>;
}

/** A long LLVMRun consumed as a stream: blocks taken within a time slice, the event loop turning between them. */
export interface StreamReport {
  trials: number;
  run_ms: number;
  blocks: number;
  /** Longest single nextBlock call (the event loop cannot turn during one), wall clock. */
  max_block_ms: number;
  /** The same in process CPU time: what the block costs when the machine is shared. */
  max_block_cpu_ms: number;
  /** Longest event-loop delay seen by a monitor while the stream ran. */
  max_loop_delay_ms: number;
  /** Peak RSS of the measuring process (the stream runs first, after one compile). */
  peak_rss_mb: number;
}

export interface TrialsReport {
  stream?: StreamReport;
  points: TrialsPoint[];
  disagreements: Disagreement[];
  peak_rss_mb: number;
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function stages(d: CompileDiagnostics): CompileStages {
  return {
    codegen: d.codegen_ms,
    ir_write: d.ir_write_ms,
    ir_parse: d.ir_parse_ms,
    verify: d.verify_ms,
    optimize: d.optimize_ms,
    machine_code: d.machine_code_ms,
    total: d.total_ms,
    ir_bytes: d.ir_bytes,
  };
}

function medianStages(all: CompileStages[]): CompileStages {
  const keys = Object.keys(all[0]!) as (keyof CompileStages)[];
  return Object.fromEntries(keys.map((k) => [k, median(all.map((s) => s[k]))])) as unknown as CompileStages;
}

let coldCount = 0;

/**
 * A copy of the model that no compile cache has seen: the process-wide machine-code cache is
 * keyed by the IR text, which carries the model's name (the module ID).
 */
function unseen(model: ModelLike): ModelLike {
  return { ...model, name: `${typeof model.name === 'string' ? model.name : 'model'}.cold${++coldCount}` };
}

/** Compiles `mode` in the session, insisting that no cache helped. */
function compileCold(s: ModelSession, mode: 'LLVMRun' | 'LLVM'): CompileStages {
  const c = s.choose(mode, 2).compiled;
  if (!c || c.diagnostics.cache !== 'miss') throw new Error(`expected a cold ${mode} compile, got a cache ${c ? 'hit' : 'miss without code'}`);
  return stages(c.diagnostics);
}

/** Loads libLLVM and JIT-compiles a trivial model once, so that per-model compile times exclude it. */
export function warmUpLLVM(): number {
  const t0 = performance.now();
  const tiny = { format: 'cogstudio-model', version: 1, name: 'warm_up', nodes: { A: { type: 'TransferMechanism', size: 1, function: { type: 'Logistic' } } }, run: { inputs: { A: [[1]] } } };
  for (const mode of ['LLVMRun', 'LLVM'] as const) {
    const s = new ModelSession(tiny);
    s.run({ mode, numTrials: 2 });
    s.dispose();
  }
  return performance.now() - t0;
}

/** Size of the LLVMRun module's IR text (code generation only, no LLVM work). */
function irBytes(model: ModelLike): number {
  return generateModule(buildComposition(model), { withScheduler: true }).ir.print().length;
}

/** Fewest trials a measured run has (the modes' agreement is checked over them). */
const MIN_TRIALS = 10;

function maxTrialsFor(mode: Mode, width: number): number {
  const byMode = mode === 'LLVMRun' || mode === 'LLVMExec' ? 1e6 : 2e5;
  return Math.max(1, Math.min(byMode, Math.floor(2e7 / Math.max(1, width))));
}

function timedRun(s: ModelSession, mode: Mode, n: number): { ms: number; cpuMs: number; results: FlatRun } {
  s.reset();
  gc();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = s.run({ mode, numTrials: n });
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  if (r.executed_mode !== mode) throw new Error(`asked for ${mode}, ran ${r.executed_mode}`);
  return { ms, cpuMs: (c.user + c.system) / 1000, results: { values: r.flat.results, width: r.flat.width, trials: r.trials } };
}

/**
 * Trials/s of one mode: the trial count grows until a run takes calibrateMs, is then scaled so
 * that one run takes about targetMs, and the median of `reps` runs (each from a reset context)
 * is taken. Returns the first repetition's results (checked equal to the last one's).
 */
function measureMode(s: ModelSession, mode: Mode, width: number, st: Settings): ModeResult & { results: FlatRun } {
  const cap = maxTrialsFor(mode, width);
  // compile (or fetch) the mode's code first: a compile inside the calibration runs would pass
  // for a slow trial and leave the measurement at a handful of trials
  s.choose(mode);
  let n = 1;
  let ms = timedRun(s, mode, n).ms;
  while (ms < st.calibrateMs && n < cap) {
    n = Math.min(cap, n * (ms < st.calibrateMs / 20 ? 10 : 2));
    ms = timedRun(s, mode, n).ms;
  }
  n = Math.max(Math.min(MIN_TRIALS, cap), Math.min(cap, Math.round((n * st.targetMs) / Math.max(ms, 1e-3))));
  if (st.warmup) timedRun(s, mode, n);
  const times: number[] = [];
  const cpu: number[] = [];
  let first: FlatRun = { values: new Float64Array(0), width, trials: 0 };
  let last = first;
  for (let r = 0; r < st.reps; r++) {
    const run = timedRun(s, mode, n);
    times.push(run.ms);
    cpu.push(run.cpuMs);
    if (r === 0) first = run.results;
    last = run.results;
  }
  const same = compareRuns(last, first);
  if (same.first) throw new Error(`${mode}: repetitions from a reset context differ (trial ${same.first.trial}: ${same.first.got} vs ${same.first.want}) — reset() does not restore the state`);
  return { trials: n, trials_per_s: (n * 1000) / median(times), trials_per_cpu_s: (n * 1000) / median(cpu), run_ms: times, cpu_ms: cpu, results: first };
}

/**
 * LLVMExec's per-trial overhead measured directly (see ModelReport.llvmexec_overhead): each native
 * trial call of a run is timed, and the time between them is the bookkeeping; the FFI is the
 * cost of a call with the same arguments and the same binding to a function that returns at once.
 */
function execOverheadDirect(s: ModelSession, n: number, width: number, st: Settings): { bookkeeping_us: number; ffi_us: number } {
  const compiled = s.choose('LLVMExec').compiled;
  const fn = compiled?.trialFn;
  if (!fn) throw new Error('LLVMExec has no trial function');
  type Exec = (maxPasses: number, logCap: number) => number;
  const bind = fn.bindBuffers;
  let inside = 0;
  let first = 0;
  let last = 0;
  let calls = 0;
  // the runner binds its buffers through bindBuffers when it is made: it then calls this timing wrapper
  (fn as { bindBuffers: unknown }).bindBuffers = (...buffers: Parameters<typeof bind>): Exec => {
    const exec = bind(...buffers) as unknown as Exec;
    return (maxPasses, logCap) => {
      const t0 = performance.now();
      const status = exec(maxPasses, logCap);
      const t1 = performance.now();
      if (calls++ === 0) first = t0;
      last = t1;
      inside += t1 - t0;
      return status;
    };
  };
  const between: number[] = [];
  const inputs = prepareInputs(s.comp, s.comp.run.inputs);
  // the results go to memory written once beforehand: a fresh array's first-touch page faults
  // (layers_100 stores 800 B a trial) are a cost of storing results, which LLVMRun pays too (in its native loop)
  const results = new Float64Array(n * width).fill(0);
  try {
    for (let r = 0; r < Math.max(3, st.reps); r++) {
      s.reset();
      inside = 0;
      calls = 0;
      const runner = createRunner(s.ctx, { numTrials: n, inputs }, compiled);
      try {
        runner.nextBlock(n, Infinity, results);
      } finally {
        runner.close();
      }
      if (calls < 2) throw new Error(`expected ${n} native trial calls, saw ${calls}`);
      between.push(((last - first - inside) * 1000) / (calls - 1));
    }
  } finally {
    (fn as { bindBuffers: unknown }).bindBuffers = bind;
  }
  return { bookkeeping_us: median(between), ffi_us: ffiCallUs() };
}

let ffiUs: number | null = null;

/** µs per call of trial.exec's signature, buffers bound, to a native function that returns 0 at once. */
function ffiCallUs(): number {
  if (ffiUs !== null) return ffiUs;
  const m = compileIR('define i32 @noop(i8* %s, i32* %l, i32* %n, i32 %p, i32 %c) {\n  ret i32 0\n}\n', { optLevel: 2, objectCache: 'off' });
  try {
    const exec = m
      .fn<(s: ArrayBuffer, l: Int32Array, n: Int32Array, p: number, c: number) => number>('noop', 'int32 noop(void *state, int32 *log, int32 *log_len, int32 max_passes, int32 log_cap)')
      .bindBuffers(new ArrayBuffer(64), new Int32Array(1), new Int32Array(1));
    const calls = 200_000;
    const per: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) exec(100, 0);
      per.push(((performance.now() - t0) * 1000) / calls);
    }
    return (ffiUs = median(per));
  } finally {
    m.dispose();
  }
}

/** See ModelReport.llvmexec_overhead_us: `reps` pairs of LLVMExec and LLVMRun runs of n trials, interleaved. */
function execOverheadUs(s: ModelSession, n: number, st: Settings): number {
  const diffs: number[] = [];
  for (let r = 0; r < Math.max(3, st.reps); r++) {
    const exec = timedRun(s, 'LLVMExec', n).cpuMs;
    const run = timedRun(s, 'LLVMRun', n).cpuMs;
    diffs.push(((exec - run) * 1000) / n);
  }
  return median(diffs);
}

function disagreement(model: string, mode: string, c: Comparison): Disagreement[] {
  return c.first ? [{ model, mode, ...c.first }] : [];
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function resultsWidth(model: ModelLike): number {
  const comp = buildComposition(model);
  return comp.outputNodes.reduce((a, k) => a + comp.nodes[k]!.outputPorts.reduce((b, p) => b + p.slot.reduce((c, s) => c + s.length, 0), 0), 0);
}

/** The C baseline: generated, compiled, calibrated to ~targetMs, checked against LLVMRun's results. */
function measureC(name: string, model: ModelLike, ours: FlatRun, st: Settings): CResult {
  let program;
  try {
    const comp = buildComposition(model);
    program = cProgram(model as Record<string, unknown>, comp, prepareInputs(comp, comp.run.inputs), `bench/models/${name}.cogmodel.json`);
  } catch (e) {
    if (e instanceof NoBaseline) return { status: 'no baseline', detail: e.message };
    throw e;
  }
  let baseline: CBaseline | null = null;
  try {
    baseline = new CBaseline(program, name);
    const width = program.resultsWidth;
    const cap = Math.max(ours.trials, Math.floor(2e7 / Math.max(1, width)));
    const probe = baseline.run(ours.trials, 1);
    const ms = probe.seconds[0]! * 1000;
    const n = Math.min(cap, Math.max(ours.trials, Math.round((ours.trials * st.targetMs) / Math.max(ms, 1e-3))));
    const run = baseline.run(n, st.reps);
    const cmp = compareRuns({ values: run.results, width, trials: n }, ours, ours.trials);
    const base = { trials: n, compile_ms: baseline.compileMs, max_rel: cmp.maxRel };
    if (cmp.first) {
      const f = cmp.first;
      return { status: 'C mismatch', ...base, detail: `trial ${f.trial} value ${f.index}: C ${f.got}, ours ${f.want} (rel ${f.rel.toExponential(2)})` };
    }
    return { status: 'ok', ...base, trials_per_s: n / median(run.seconds), trials_per_cpu_s: n / median(run.cpu_seconds) };
  } catch (e) {
    return { status: 'error', detail: (e as Error).message.split('\n')[0] };
  } finally {
    baseline?.dispose();
  }
}

export async function measureModel(name: string, model: ModelLike, st: Settings): Promise<ModelReport> {
  const llvmStartup = warmUpLLVM();
  const width = resultsWidth(model);
  const report: ModelReport = {
    name,
    modes: {},
    compile: null,
    compile_first: null,
    compile_reps: 0,
    compile_llvm_nodes_ms: null,
    first_result_ms: null,
    o2_ready_ms: null,
    first_result_o2_ms: null,
    first_result_first_ms: null,
    first_result_reps: 0,
    first_result_interpreted_ms: NaN,
    llvmexec_overhead_us: null,
    llvmexec_overhead: null,
    agreement: {},
    c: { status: 'skipped' },
    peak_rss_mb: NaN,
    llvm_startup_ms: llvmStartup,
    disagreements: [],
  };
  if (st.compileBudgetMs !== null) {
    const kb = irBytes(model) / 1024;
    if (kb * MS_PER_IR_KB > st.compileBudgetMs) {
      report.skipped = `compiled modes skipped in --quick: IR ${(kb / 1024).toFixed(1)} MB, compile estimated over ${(st.compileBudgetMs / 1000).toFixed(0)} s`;
    }
  }

  // time to first result, Interpreted: model object → session → one trial
  let t0 = performance.now();
  const interpreted = new ModelSession(model);
  interpreted.run({ mode: 'Interpreted', numTrials: 1 });
  report.first_result_interpreted_ms = performance.now() - t0;
  const { results: reference, ...im } = measureMode(interpreted, 'Interpreted', width, st);
  report.modes.Interpreted = im;
  interpreted.dispose();

  if (!report.skipped) {
    // time to first result, LLVMRun on a tiered compile: model object → session → cold O0 compile
    // → one trial, the O2 code building in the background; then until the O2 code is in
    t0 = performance.now();
    const s = new ModelSession(unseen(model));
    try {
      let first;
      try {
        first = s.run({ mode: 'LLVMRun', numTrials: 1, optLevel: 'tiered' });
      } catch (e) {
        if (!(e instanceof ModeUnavailableError)) throw e;
        report.skipped = `compiled modes unavailable: ${e.message}`;
        report.peak_rss_mb = peakRssMb();
        return report;
      }
      report.first_result_ms = performance.now() - t0;
      if (first.compile?.cache !== 'miss' || !first.compile.tiers) throw new Error('expected a cold tiered LLVMRun compile');
      const tiered = s.choose('LLVMRun', 'tiered').compiled!;
      await tiered.upgraded;
      report.o2_ready_ms = performance.now() - t0;
      // the same from more fresh sessions, for a median (a single cold start carries the machine's load of the moment)
      const firsts = [report.first_result_ms];
      const readies = [report.o2_ready_ms];
      while (firsts.length < st.firstResultReps) {
        const t1 = performance.now();
        const again = new ModelSession(unseen(model));
        try {
          again.run({ mode: 'LLVMRun', numTrials: 1, optLevel: 'tiered' });
          firsts.push(performance.now() - t1);
          await again.choose('LLVMRun', 'tiered').compiled!.upgraded;
          readies.push(performance.now() - t1);
        } finally {
          again.dispose();
        }
      }
      report.first_result_first_ms = firsts[0]!;
      report.first_result_reps = firsts.length;
      report.first_result_ms = median(firsts);
      report.o2_ready_ms = median(readies);
      if (tiered.optLevel !== 2) throw new Error(`the background O2 compile failed: ${tiered.diagnostics.tiers?.o2_error}`);
      // the same without tiers: model object → session → cold O2 compile → one trial
      t0 = performance.now();
      const o2 = new ModelSession(unseen(model));
      const firstO2 = o2.run({ mode: 'LLVMRun', numTrials: 1, optLevel: 2 });
      report.first_result_o2_ms = performance.now() - t0;
      o2.dispose();
      if (firstO2.compile?.cache !== 'miss') throw new Error('expected the first O2 LLVMRun compile to miss the caches');
      report.compile_first = stages(firstO2.compile);
      // more cold compiles for a median, unless one takes long
      const compiles = [report.compile_first];
      while (compiles.length < st.compileReps && report.compile_first.total < 10_000) {
        const fresh = new ModelSession(unseen(model));
        compiles.push(compileCold(fresh, 'LLVMRun'));
        fresh.dispose();
      }
      report.compile = medianStages(compiles);
      report.compile_reps = compiles.length;
      report.compile_llvm_nodes_ms = compileCold(s, 'LLVM').total;

      // every compiled mode on the same (reset) context
      const results: Partial<Record<Mode, FlatRun>> = {};
      for (const mode of MODES.slice(1)) {
        const { results: r, ...m } = measureMode(s, mode, width, st);
        report.modes[mode] = m;
        results[mode] = r;
        report.agreement[mode] = compareRuns(r, reference);
        report.disagreements.push(...disagreement(name, mode, report.agreement[mode]));
      }
      report.llvmexec_overhead_us = execOverheadUs(s, report.modes.LLVMRun!.trials, st);
      report.llvmexec_overhead = execOverheadDirect(s, report.modes.LLVMExec!.trials, width, st);
      report.c = measureC(name, model, results.LLVMRun!, st);
    } finally {
      s.dispose();
    }
  }
  report.peak_rss_mb = peakRssMb();
  return report;
}

/**
 * Compile and run time along one size family. A point whose compile the fit of the points so
 * far predicts above the budget is skipped (with the prediction), and so are the larger ones.
 */
export function measureScaling(family: 'nodes' | 'width', st: Settings): ScalingReport {
  warmUpLLVM();
  const sizes = SCALING[family][st.quick ? 'quick' : 'full'];
  const points: ScalingPoint[] = [];
  const disagreements: Disagreement[] = [];
  const runs: Settings = { ...st, targetMs: Math.min(st.targetMs, 250), reps: Math.min(st.reps, 3), warmup: false };
  for (const size of sizes) {
    const done = points.filter((p) => p.compile);
    if (done.length >= 2) {
      // the steeper of the whole fit and the last step (compile time grows faster than a power law here)
      const k = Math.max(1, loglogSlope(done.map((p) => [p.size, p.compile!.total])), loglogSlope(done.slice(-2).map((p) => [p.size, p.compile!.total])));
      const last = done[done.length - 1]!;
      const predicted = last.compile!.total * (size / last.size) ** k;
      if (predicted > st.scalingBudgetMs || points.some((p) => p.skipped)) {
        points.push({ size, skipped: { predicted_compile_ms: predicted } });
        continue;
      }
    }
    const model = scalingModel(family, size);
    const width = resultsWidth(model);
    const s = new ModelSession(unseen(model));
    try {
      const compile = compileCold(s, 'LLVMRun');
      const interp = measureMode(s, 'Interpreted', width, runs);
      const run = measureMode(s, 'LLVMRun', width, runs);
      const cmp = compareRuns(run.results, interp.results);
      disagreements.push(...disagreement(`${family}=${size}`, 'LLVMRun', cmp));
      points.push({
        size,
        compile,
        ms_per_trial: { Interpreted: 1000 / interp.trials_per_s, LLVMRun: 1000 / run.trials_per_s },
        trials: { Interpreted: interp.trials, LLVMRun: run.trials },
        max_rel: cmp.maxRel,
      });
    } finally {
      s.dispose();
    }
  }
  return { family, points, budget_ms: st.scalingBudgetMs, disagreements, peak_rss_mb: peakRssMb() };
}

/** Trials of the streamed LLVMRun (the target: 10^6 with peak RSS < 400 MB and no pause over 50 ms). */
export const STREAM_TRIALS = 1e6;
/** Time slice per block, as the engine process uses between turns of its event loop. */
const STREAM_SLICE_MS = 20;

/**
 * 10^6 trials of LLVMRun taken as the engine process takes them: blocks within a time slice,
 * each consumed in bulk (here: summed), the event loop turning between blocks.
 */
async function measureStream(s: ModelSession): Promise<StreamReport> {
  const comp = s.comp;
  const runner = createRunner(s.ctx, { numTrials: STREAM_TRIALS, inputs: prepareInputs(comp, comp.run.inputs) }, s.choose('LLVMRun').compiled);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  let maxBlock = 0;
  let maxBlockCpu = 0;
  let blocks = 0;
  let checksum = 0;
  const t0 = performance.now();
  delay.enable();
  try {
    while (!runner.finished) {
      const b0 = performance.now();
      const c0 = process.cpuUsage();
      const block = runner.nextBlock(Number.MAX_SAFE_INTEGER, STREAM_SLICE_MS);
      for (let i = 0; i < block.results.length; i++) checksum += block.results[i]!;
      const c = process.cpuUsage(c0);
      maxBlock = Math.max(maxBlock, performance.now() - b0);
      maxBlockCpu = Math.max(maxBlockCpu, (c.user + c.system) / 1000);
      blocks++;
      await new Promise<void>((r) => setImmediate(r));
    }
  } finally {
    delay.disable();
    runner.close();
  }
  if (!Number.isFinite(checksum) || runner.trialsDone !== STREAM_TRIALS) throw new Error(`stream: ${runner.trialsDone} trials, checksum ${checksum}`);
  return { trials: runner.trialsDone, run_ms: performance.now() - t0, blocks, max_block_ms: maxBlock, max_block_cpu_ms: maxBlockCpu, max_loop_delay_ms: delay.max / 1e6, peak_rss_mb: peakRssMb() };
}

/** Run time against the number of trials (every mode up to TRIALS_ALL_MODES_UP_TO, then LLVMRun only). */
export async function measureTrials(model: ModelLike, st: Settings): Promise<TrialsReport> {
  warmUpLLVM();
  const counts = SCALING.trials[st.quick ? 'quick' : 'full'];
  const s = new ModelSession(model);
  const points: TrialsPoint[] = [];
  const disagreements: Disagreement[] = [];
  let stream: StreamReport | undefined;
  try {
    // first, so that the peak RSS is the stream's (plus the compiler's), not the later points'
    stream = await measureStream(s);
    s.reset();
    for (const mode of MODES) timedRun(s, mode, counts[0]!); // compile, warm up
    for (const n of counts) {
      const point: TrialsPoint = { trials: n, run_ms: {} };
      const results: Partial<Record<Mode, FlatRun>> = {};
      for (const mode of MODES) {
        if (mode !== 'LLVMRun' && n > TRIALS_ALL_MODES_UP_TO) continue;
        const first = timedRun(s, mode, n);
        const times = [first.ms];
        const reps = first.ms < 300 ? st.reps : 1;
        for (let r = 1; r < reps; r++) times.push(timedRun(s, mode, n).ms);
        point.run_ms[mode] = median(times);
        results[mode] = first.results;
      }
      for (const mode of MODES.slice(1)) {
        if (results[mode] && results.Interpreted) disagreements.push(...disagreement(`trials=${n}`, mode, compareRuns(results[mode], results.Interpreted)));
      }
      points.push(point);
    }
  } finally {
    s.dispose();
  }
  return { stream, points, disagreements, peak_rss_mb: peakRssMb() };
}

export function runTask(task: Task): Promise<ModelReport> | ScalingReport | Promise<TrialsReport> {
  if (task.kind === 'model') return measureModel(task.name, task.model, task.settings);
  if (task.kind === 'scaling') return measureScaling(task.family, task.settings);
  return measureTrials(task.model, task.settings);
}
