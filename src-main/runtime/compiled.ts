/**
 * Compiled execution over an ExecutionContext's state buffer (the same bytes the interpreter
 * uses): LLVM (each node compiled, scheduler in TypeScript), LLVMExec (one native call per
 * trial), LLVMRun (one native call per run). Everything — values, integrator state, RNG
 * streams, counters — stays in the shared buffer, so any mode continues where another stopped.
 */
import { generateModule, type GeneratedModule } from '../compiler/codegen/composition.js';
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
  cache: 'hit' | 'miss';
  opt_level: OptLevel;
}

type NodeFn = NativeFunction<(state: ArrayBuffer) => void>;
type TrialFn = NativeFunction<(state: ArrayBuffer, maxPasses: number, log: Int32Array, logCap: number, logLen: Int32Array) => number>;
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
  readonly nodeFns: NodeFn[];
  readonly trialFn: TrialFn | null;
  readonly runFn: RunFn | null;
}

/** Machine code reused for the same composition object and options (one compile per model). */
const cache = new WeakMap<Composition, Map<string, CompiledModel>>();

export function compileComposition(comp: Composition, mode: CompiledMode, optLevel: OptLevel = 2): CompiledModel {
  const withScheduler = mode !== 'LLVM';
  const key = `${withScheduler}:${optLevel}`;
  const perComp = cache.get(comp) ?? new Map<string, CompiledModel>();
  cache.set(comp, perComp);
  const hit = perComp.get(key);
  if (hit && !hit.native.disposed) return { ...hit, mode, diagnostics: { ...hit.diagnostics, cache: 'hit' } };
  const generated = generateModule(comp, { withScheduler });
  const t0 = performance.now();
  const irText = generated.ir.print();
  const irPrintMs = performance.now() - t0;
  const native = compileIR(irText, { optLevel, name: `${comp.name}.ll` });
  const nodeFns = generated.names.node.map((name) => native.fn<(state: ArrayBuffer) => void>(name, 'void node(void *state)'));
  const trialFn = withScheduler
    ? native.fn<(state: ArrayBuffer, maxPasses: number, log: Int32Array, logCap: number, logLen: Int32Array) => number>(
        generated.names.trial,
        'int32 trial(void *state, int32 max_passes, int32 *log, int32 log_cap, int32 *log_len)',
      )
    : null;
  const runFn = withScheduler
    ? (native.fn(
        generated.names.run,
        'int32 run(void *state, double *inputs, int32 *input_lens, int32 first_trial, int32 ntrials, double *results, double *node_values, int32 *control, int32 max_passes, int32 *log, int32 log_cap, int32 *log_len)',
      ) as RunFn)
    : null;
  const t = native.timings;
  const compiled: CompiledModel = {
    mode,
    native,
    generated,
    irText,
    nodeFns,
    trialFn,
    runFn,
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
      cache: 'miss',
      opt_level: optLevel,
    },
  };
  perComp.set(key, compiled);
  return compiled;
}

/** Drops (and disposes) the machine code of a composition. */
export function disposeCompiled(comp: Composition): void {
  for (const m of cache.get(comp)?.values() ?? []) m.native.dispose();
  cache.delete(comp);
}

