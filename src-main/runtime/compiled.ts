/**
 * Compiled execution over an ExecutionContext's state buffer (the same bytes the interpreter
 * uses): LLVM (each node compiled, scheduler in TypeScript), LLVMExec (one native call per
 * trial), LLVMRun (one native call per run). Everything — values, integrator state, RNG
 * streams, counters — stays in the shared buffer, so any mode continues where another stopped.
 */
import { RUNTIME_PARAMS_SETTER, TRIAL_EXEC, generateModule, type GeneratedModule, type RuntimeParams } from '../compiler/codegen/composition.js';
import { availableParallelism } from 'node:os';
import type { NativeFunction, NativeModule, OptLevel } from '../compiler/jit/index.js';
import type { Composition } from '../engine/composition.js';
import { TIERED_LEVELS, acquireMachineCode, acquireTiered, releaseMachineCode, type TieredCode, type Upgrade } from './machine-code.js';

export { releaseMachineCode } from './machine-code.js';

export type CompiledMode = 'LLVM' | 'LLVMExec' | 'LLVMRun';

export interface CompileDiagnostics {
  codegen_ms: number;
  /** Handing the module over to the JIT: writing its bitcode (or printing its text). */
  ir_write_ms: number;
  ir_parse_ms: number;
  verify_ms: number;
  optimize_ms: number;
  machine_code_ms: number;
  total_ms: number;
  ir_bytes: number;
  functions: number;
  /** `hit`: machine code reused in this process; `disk`: object code from the on-disk cache; `miss`: compiled. */
  cache: 'hit' | 'disk' | 'miss';
  /** The level of the code compiled first (a tiered compile: 0, replaced later by O2; see `tiers`). */
  opt_level: OptLevel;
  /** A tiered compile that started with O0 code: how the O2 code followed. */
  tiers?: TierReport;
}

/** The two stages of a tiered compile. */
export interface TierReport {
  /** O0: codegen and machine code, until the first code could run. */
  o0_ms: number;
  /** From the start of the compile until the O2 code replaced the O0 code (absent while it builds). */
  o2_ready_ms?: number;
  /** The first trial of the run that ran on O2 code (set by the run, see Runner.codeSwitchedAt). */
  used_from_trial?: number;
  /** Why the background O2 compile failed (the O0 code keeps running). */
  o2_error?: string;
}

/** An optimisation level, or `tiered`: O0 code at once, replaced by O2 code built in the background. */
export type OptChoice = OptLevel | 'tiered';

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
  /**
   * Bumped whenever the machine code is replaced (a tiered compile's O2 code): the functions
   * above then belong to the new code, and functions bound from the old ones must be re-bound.
   */
  readonly codeVersion: number;
  /** The level of the code that runs now. */
  readonly optLevel: OptLevel;
  /**
   * A tiered compile still on its O0 code: settles (never rejects) once the O2 code replaced it,
   * its compile failed or the code was released. Null when no replacement is coming.
   */
  readonly upgraded: Promise<void> | null;
  /** Gives the machine code back (and stops waiting for a replacement). Idempotent. */
  release(): void;
}

/** What one native module provides, looked up once. */
interface BoundCode {
  readonly native: NativeModule;
  readonly nodeFns: NodeFn[];
  readonly trialFn: TrialFn | null;
  readonly runFn: RunFn | null;
  readonly controllerFn: NativeFunction<(state: ArrayBuffer, maxPasses: number) => number> | null;
  readonly setControllerThreads: ((threads: number, minPointsPerThread: number, minSerialNs: number) => void) | null;
  readonly controllerThreadsUsed: (() => number) | null;
  readonly setRuntimeParams: ((values: Float64Array) => void) | null;
}

function bindCode(native: NativeModule, generated: GeneratedModule, withScheduler: boolean, runtimeParams: RuntimeParams | undefined): BoundCode {
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
  return {
    native,
    nodeFns,
    trialFn,
    runFn,
    controllerFn: ctl ? native.fn<(state: ArrayBuffer, maxPasses: number) => number>(ctl.step, 'int32 step(void *state, int32 max_passes)') : null,
    setControllerThreads: ctl ? native.fn<(threads: number, minPointsPerThread: number, minSerialNs: number) => void>(ctl.setThreads, 'void set_threads(int32 threads, int32 min_points, double min_serial_ns)') : null,
    controllerThreadsUsed: ctl ? native.fn<() => number>(ctl.lastThreads, 'int32 last_threads()') : null,
    setRuntimeParams: runtimeParams ? native.fn<(values: Float64Array) => void>(RUNTIME_PARAMS_SETTER, 'void set(double *values)') : null,
  };
}

/**
 * The machine code of one compiled module, replaceable by better code for the same IR text (a
 * tiered compile). The same IR means the same state layout, so a replacement only changes
 * function pointers — but module globals live in each native module: the run-time parameters and
 * the controller's thread settings last set are written into the new code before it is used.
 * Replacements happen from the event loop (the O2 compile's completion), so never while
 * the old code is running on this thread.
 */
class CodeHolder {
  code: BoundCode;
  version = 0;
  released = false;
  readonly upgraded: Promise<void> | null;
  private runtimeValues: Float64Array | null = null;
  private threads: [number, number, number] = [defaultControllerThreads(), DEFAULT_MIN_POINTS_PER_THREAD, DEFAULT_MIN_SERIAL_NS];
  private unsubscribe: (() => void) | null = null;
  private settle: () => void = () => undefined;

  constructor(
    tiered: TieredCode | { native: NativeModule; upgrade: null },
    private readonly generated: GeneratedModule,
    private readonly withScheduler: boolean,
    private readonly runtimeParams: RuntimeParams | undefined,
    private readonly tiers: TierReport | undefined,
    started: number,
  ) {
    this.code = this.bind(tiered.native);
    const upgrade = tiered.upgrade;
    this.upgraded = upgrade
      ? new Promise<void>((resolve) => {
          this.settle = resolve;
          this.unsubscribe = upgrade((u) => {
            this.unsubscribe = null;
            this.adopt(u, started);
            resolve();
          });
        })
      : null;
  }

  private bind(native: NativeModule): BoundCode {
    const code = bindCode(native, this.generated, this.withScheduler, this.runtimeParams);
    code.setControllerThreads?.(...this.threads);
    if (this.runtimeValues) code.setRuntimeParams?.(this.runtimeValues);
    return code;
  }

  private adopt(u: Upgrade, started: number): void {
    if (this.released) {
      if ('native' in u) releaseMachineCode(u.native);
      return;
    }
    if ('error' in u) {
      if (this.tiers) this.tiers.o2_error = u.error.message;
      return;
    }
    let next: BoundCode;
    try {
      next = this.bind(u.native);
    } catch (e) {
      releaseMachineCode(u.native);
      if (this.tiers) this.tiers.o2_error = (e as Error).message;
      return;
    }
    const old = this.code.native;
    this.code = next;
    this.version++;
    if (this.tiers) this.tiers.o2_ready_ms = performance.now() - started;
    releaseMachineCode(old, { superseded: true });
  }

  setRuntimeParams(values: Float64Array): void {
    this.runtimeValues = Float64Array.from(values);
    this.code.setRuntimeParams!(values);
  }

  setControllerThreads(threads: number, minPointsPerThread: number, minSerialNs: number): void {
    this.threads = [threads, minPointsPerThread, minSerialNs];
    this.code.setControllerThreads!(threads, minPointsPerThread, minSerialNs);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    // nobody waits for a replacement of released code
    this.settle();
    releaseMachineCode(this.code.native);
  }
}

/** A CompiledModel for one mode over a holder: the code-dependent fields follow replacements. */
function compiledView({ holder, generated, irText, diagnostics }: PerComp, mode: CompiledMode): CompiledModel {
  const code = holder.code;
  const setRuntimeParams = code.setRuntimeParams ? (values: Float64Array) => holder.setRuntimeParams(values) : null;
  const setControllerThreads = code.setControllerThreads ? (t: number, m: number, ns: number) => holder.setControllerThreads(t, m, ns) : null;
  return {
    mode,
    generated,
    get irText() {
      return irText();
    },
    // a snapshot: the tier report grows as the O2 code follows
    get diagnostics() {
      return diagnostics.tiers ? { ...diagnostics, tiers: { ...diagnostics.tiers } } : diagnostics;
    },
    get native() {
      return holder.code.native;
    },
    get nodeFns() {
      return holder.code.nodeFns;
    },
    get trialFn() {
      return holder.code.trialFn;
    },
    get runFn() {
      return holder.code.runFn;
    },
    get controllerFn() {
      return holder.code.controllerFn;
    },
    get controllerThreadsUsed() {
      return holder.code.controllerThreadsUsed;
    },
    get codeVersion() {
      return holder.version;
    },
    get optLevel() {
      return holder.code.native.optLevel;
    },
    get upgraded() {
      return holder.version === 0 && !holder.released ? holder.upgraded : null;
    },
    setControllerThreads,
    setRuntimeParams,
    release: () => holder.release(),
  };
}

/** Per composition object and options: its compiled code (one compile per model). */
interface PerComp {
  holder: CodeHolder;
  generated: GeneratedModule;
  /** The IR text, printed on first use (the IR viewer, --emit-ir): the JIT is handed bitcode. */
  irText: () => string;
  diagnostics: CompileDiagnostics;
}
const cache = new WeakMap<Composition, Map<string, PerComp>>();

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

/**
 * Compiles a composition for a compiled mode at `optLevel`, or `tiered`: O2 code when it exists
 * already (this process, the object cache), else O0 code now and O2 code swapped in when its
 * background compile is done (see CompiledModel.upgraded and codeVersion).
 */
export function compileComposition(comp: Composition, mode: CompiledMode, optLevel: OptChoice = 2, runtimeParams?: RuntimeParams): CompiledModel {
  const withScheduler = mode !== 'LLVM';
  const keyFor = (level: OptChoice) => `${withScheduler}:${level}:${runtimeParams?.sentinels.join(',') ?? ''}`;
  const perComp = cache.get(comp) ?? new Map<string, PerComp>();
  cache.set(comp, perComp);
  // a tiered request is served by this composition's O2 code too, and an O2 request by a tiered
  // compile whose O2 code is in (no second code generation and IR print for the same module)
  const levels: OptChoice[] = optLevel === 'tiered' ? ['tiered', TIERED_LEVELS.final] : optLevel === TIERED_LEVELS.final ? [optLevel, 'tiered'] : [optLevel];
  for (const level of levels) {
    const hit = perComp.get(keyFor(level));
    if (hit && !hit.holder.released && !hit.holder.code.native.disposed && (level !== 'tiered' || optLevel === 'tiered' || hit.holder.code.native.optLevel === optLevel)) {
      return compiledView({ ...hit, diagnostics: { ...hit.diagnostics, cache: 'hit' } }, mode);
    }
  }
  const started = performance.now();
  const generated = generateModule(comp, { withScheduler, runtimeParams });
  const t0 = performance.now();
  const ir = generated.ir.handOver();
  const irWriteMs = performance.now() - t0;
  let text: string | undefined = typeof ir === 'string' ? ir : undefined;
  const irText = () => (text ??= generated.ir.print());
  const name = `${comp.name}.ll`;
  let acquired: TieredCode;
  let cacheState: CompileDiagnostics['cache'];
  if (optLevel === 'tiered') {
    acquired = acquireTiered(ir, name);
    cacheState = acquired.source === 'memory' ? 'hit' : acquired.source === 'disk' ? 'disk' : 'miss';
  } else {
    const { native, hit } = acquireMachineCode(ir, optLevel, name);
    acquired = { native, source: hit ? 'memory' : native.objectCache === 'hit' ? 'disk' : 'compiled', upgrade: null };
    cacheState = hit ? 'hit' : native.objectCache === 'hit' ? 'disk' : 'miss';
  }
  const native = acquired.native;
  const t = cacheState === 'hit' ? { ir_parse_ms: 0, verify_ms: 0, optimize_ms: 0, machine_code_ms: 0, total_ms: 0 } : native.timings;
  const total = generated.codegenMs + irWriteMs + t.total_ms;
  const tiers: TierReport | undefined = acquired.upgrade ? { o0_ms: performance.now() - started } : undefined;
  let holder: CodeHolder;
  try {
    holder = new CodeHolder(acquired, generated, withScheduler, runtimeParams, tiers, started);
  } catch (e) {
    releaseMachineCode(native);
    throw e;
  }
  const diagnostics: CompileDiagnostics = {
    codegen_ms: generated.codegenMs,
    ir_write_ms: irWriteMs,
    ir_parse_ms: t.ir_parse_ms,
    verify_ms: t.verify_ms,
    optimize_ms: t.optimize_ms,
    machine_code_ms: t.machine_code_ms,
    total_ms: total,
    ir_bytes: native.irBytes,
    functions: native.entryPoints.length,
    cache: cacheState,
    opt_level: native.optLevel,
    ...(tiers ? { tiers } : {}),
  };
  // the O2 code is keyed as such: a later O2 request of this composition reuses it
  const entry: PerComp = { holder, generated, irText, diagnostics };
  perComp.set(keyFor(acquired.upgrade ? 'tiered' : native.optLevel), entry);
  return compiledView(entry, mode);
}
