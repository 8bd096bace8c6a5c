/**
 * Compiled execution over an ExecutionContext's state buffer (the same bytes the interpreter
 * uses): LLVM (each node compiled, scheduler in TypeScript), LLVMExec (one native call per
 * trial), LLVMRun (one native call per run). Everything — values, integrator state, RNG
 * streams, counters — stays in the shared buffer, so any mode continues where another stopped.
 */
import { RUNTIME_PARAMS_SETTER, TRIAL_EXEC, generateModule, type GeneratedModule, type RuntimeParams } from '../compiler/codegen/composition.js';
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { compileIR, type NativeFunction, type NativeModule, type OptLevel } from '../compiler/jit/index.js';
import type { Composition } from '../engine/composition.js';

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
  /** `hit`: machine code reused in this process; `disk`: object code from the on-disk cache; `miss`: compiled. */
  cache: 'hit' | 'disk' | 'miss';
  opt_level: OptLevel;
}

type NodeFn = NativeFunction<(state: ArrayBuffer) => void>;
/** trial.exec: one trial, pointers first (state, log, logLen) so that a run binds them once. */
type TrialFn = NativeFunction<(state: ArrayBuffer, log: Int32Array, logLen: Int32Array, maxPasses: number, logCap: number) => number>;
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
  /** LLVM mode's per-node functions (empty for LLVMExec/LLVMRun, whose module keeps them internal). */
  readonly nodeFns: NodeFn[];
  readonly trialFn: TrialFn | null;
  readonly runFn: RunFn | null;
  /** One controller execution (models with a controller): LLVM mode calls it from its scheduler. */
  readonly controllerFn: NativeFunction<(state: ArrayBuffer, maxPasses: number) => number> | null;
  /**
   * How many threads a controller execution may use, the fewest grid points worth a thread, and
   * how long (ns) the previous execution's evaluations must have taken for threads to be used.
   */
  readonly setControllerThreads: ((threads: number, minPointsPerThread: number, minSerialNs: number) => void) | null;
  /** Threads the last controller execution used. */
  readonly controllerThreadsUsed: (() => number) | null;
  /** Sets the parameters read at run time (compiled with RuntimeParams; null otherwise), in sentinel order. */
  readonly setRuntimeParams: ((values: Float64Array) => void) | null;
}

/** Machine code reused for the same composition object and options (one compile per model). */
const cache = new WeakMap<Composition, Map<string, CompiledModel>>();

/**
 * Process-wide machine code by hash of (IR text, optimisation level): the same model compiled
 * twice in one process — e.g. opened twice, or edited and changed back — skips parsing,
 * optimisation and code generation. Entries are reference-counted; unused ones are kept (least
 * recently used first out) up to MAX_IDLE, then disposed.
 */
interface MachineCode {
  native: NativeModule;
  refs: number;
}
const machineCode = new Map<string, MachineCode>();
const owners = new WeakMap<NativeModule, string>();
const MAX_IDLE = 16;

function acquireMachineCode(irText: string, optLevel: OptLevel, name: string): { native: NativeModule; hit: boolean } {
  const key = createHash('sha256').update(irText).update(`\0O${optLevel}`).digest('hex');
  const known = machineCode.get(key);
  if (known && !known.native.disposed) {
    known.refs++;
    machineCode.delete(key);
    machineCode.set(key, known); // most recently used last
    return { native: known.native, hit: true };
  }
  const native = compileIR(irText, { optLevel, name });
  machineCode.set(key, { native, refs: 1 });
  owners.set(native, key);
  evictIdle();
  return { native, hit: false };
}

function evictIdle(): void {
  let idle = [...machineCode.values()].filter((e) => e.refs === 0).length;
  for (const [key, e] of machineCode) {
    if (idle <= MAX_IDLE) break;
    if (e.refs === 0) {
      e.native.dispose();
      machineCode.delete(key);
      idle--;
    }
  }
}

/** Gives back machine code obtained through compileComposition. */
export function releaseMachineCode(native: NativeModule): void {
  const key = owners.get(native);
  const e = key === undefined ? undefined : machineCode.get(key);
  if (!e) {
    native.dispose();
    return;
  }
  e.refs = Math.max(0, e.refs - 1);
  evictIdle();
}

/** Fewest grid points a controller thread gets. */
export const DEFAULT_MIN_POINTS_PER_THREAD = 4;

/**
 * Threads are used once a controller execution's evaluations take this long (ns) on one thread:
 * creating and joining a thread costs tens of microseconds, so below ~1 ms they cannot pay off.
 */
export const DEFAULT_MIN_SERIAL_NS = 1_000_000;

/** Threads a controller execution may use by default: every core this process may run on. */
export function defaultControllerThreads(): number {
  return availableParallelism();
}

export function compileComposition(comp: Composition, mode: CompiledMode, optLevel: OptLevel = 2, runtimeParams?: RuntimeParams): CompiledModel {
  const withScheduler = mode !== 'LLVM';
  const key = `${withScheduler}:${optLevel}:${runtimeParams?.sentinels.join(',') ?? ''}`;
  const perComp = cache.get(comp) ?? new Map<string, CompiledModel>();
  cache.set(comp, perComp);
  const hit = perComp.get(key);
  if (hit && !hit.native.disposed) return { ...hit, mode, diagnostics: { ...hit.diagnostics, cache: 'hit' } };
  const generated = generateModule(comp, { withScheduler, runtimeParams });
  const t0 = performance.now();
  const irText = generated.ir.print();
  const irPrintMs = performance.now() - t0;
  const { native, hit: cacheHit } = acquireMachineCode(irText, optLevel, `${comp.name}.ll`);
  const nodeFns = withScheduler ? [] : generated.names.node.map((name) => native.fn<(state: ArrayBuffer) => void>(name, 'void node(void *state)'));
  const trialFn = withScheduler
    ? native.fn<(state: ArrayBuffer, log: Int32Array, logLen: Int32Array, maxPasses: number, logCap: number) => number>(
        TRIAL_EXEC,
        'int32 trial_exec(void *state, int32 *log, int32 *log_len, int32 max_passes, int32 log_cap)',
      )
    : null;
  const runFn = withScheduler
    ? (native.fn(
        generated.names.run,
        'int32 run(void *state, double *inputs, int32 *input_lens, int32 first_trial, int32 ntrials, double *results, double *node_values, int32 *control, int32 max_passes, int32 *log, int32 log_cap, int32 *log_len)',
      ) as RunFn)
    : null;
  const ctl = generated.names.controller;
  const controllerFn = ctl ? native.fn<(state: ArrayBuffer, maxPasses: number) => number>(ctl.step, 'int32 step(void *state, int32 max_passes)') : null;
  const setControllerThreads = ctl ? native.fn<(threads: number, minPointsPerThread: number, minSerialNs: number) => void>(ctl.setThreads, 'void set_threads(int32 threads, int32 min_points, double min_serial_ns)') : null;
  const controllerThreadsUsed = ctl ? native.fn<() => number>(ctl.lastThreads, 'int32 last_threads()') : null;
  const setRuntimeParams = runtimeParams ? native.fn<(values: Float64Array) => void>(RUNTIME_PARAMS_SETTER, 'void set(double *values)') : null;
  setControllerThreads?.(defaultControllerThreads(), DEFAULT_MIN_POINTS_PER_THREAD, DEFAULT_MIN_SERIAL_NS);
  const t = cacheHit ? { ir_parse_ms: 0, verify_ms: 0, optimize_ms: 0, machine_code_ms: 0, total_ms: 0 } : native.timings;
  const compiled: CompiledModel = {
    mode,
    native,
    generated,
    irText,
    nodeFns,
    trialFn,
    runFn,
    controllerFn,
    setControllerThreads,
    controllerThreadsUsed,
    setRuntimeParams,
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
      cache: cacheHit ? 'hit' : native.objectCache === 'hit' ? 'disk' : 'miss',
      opt_level: optLevel,
    },
  };
  perComp.set(key, compiled);
  return compiled;
}


