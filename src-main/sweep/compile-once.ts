/**
 * A sweep compiled once per process instead of once per point. The model is built once with each
 * swept parameter set to a sentinel (controlled-params.ts) and compiled with num(sentinel) reading
 * the parameter from a module global (RuntimeParams), set before each point's run. That is only
 * the point's own program if the parameter reaches the code through num() alone, so each point is
 * proved first with the controller's proof (sameProgram): the point's plain IR text must equal
 * the sentinel build's with the point's values emitted as constants. A point that fails it (a
 * parameter derived or branched on in JS, a component rejecting the sentinel, a model the
 * compiled mode cannot generate) runs as before: compiled on its own. A parameter swept over one
 * value is folded in like any other (it gains nothing at run time, and may be one that fails).
 *
 * Each point still runs in a fresh context built from its own model (so state initialised from a
 * parameter is the point's), exactly as `cogstudio run` on a file with the point's values.
 */
import { buildComposition, type Composition } from '../engine/composition.js';
import { sameProgram, sentinel } from '../compiler/codegen/controlled-params.js';
import { generateModule, type RuntimeParams } from '../compiler/codegen/composition.js';
import { compileComposition, releaseMachineCode, type CompiledMode, type CompiledModel } from '../runtime/compiled.js';
import type { ModelSession } from '../runtime/run-model.js';
import { modelAt } from './spec.js';
import type { SweepTask } from './run-sweep.js';

/** Compiles of the run-time-parameter code in this process (tests check the path was taken). */
export const compileOnceStats = { compiles: 0 };

export class SweepCompiler {
  private readonly mode: CompiledMode | null;
  /** The swept parameters read at run time: those taking more than one value (the others are folded in like any parameter). */
  private readonly runtime: number[];
  private readonly params: RuntimeParams;
  /** The model with sentinels, built on first use; null once it cannot be (then every point falls back). */
  private comp: Composition | null | undefined;
  private compiled: CompiledModel | null = null;

  constructor(private readonly task: SweepTask) {
    // Auto runs LLVMRun whenever its module can be generated, which the proof's plain build shows
    this.mode = task.mode === 'Interpreted' || task.compileOnce === false ? null : task.mode === 'Auto' ? 'LLVMRun' : task.mode;
    this.runtime = task.params.flatMap((p, i) => (p.values.length > 1 ? [i] : []));
    this.params = { sentinels: this.runtime.map((_, n) => sentinel(n, 'sweep')) };
  }

  /** A point's values of the parameters read at run time (in sentinel order). */
  private runtimeValues(values: readonly number[]): number[] {
    return this.runtime.map((i) => values[i]!);
  }

  private sentinelComp(): Composition | null {
    if (this.comp === undefined) {
      try {
        const values = this.task.params.map((p) => p.values[0]!);
        this.runtime.forEach((i, n) => (values[i] = this.params.sentinels[n]!));
        this.comp = buildComposition(modelAt(this.task.model, this.task.params, values));
      } catch {
        // a component that rejects a sentinel value: no run-time parameters for this sweep
        this.comp = null;
      }
    }
    return this.comp;
  }

  /**
   * The compiled-once code for the point `values` of `session` (the point's own model), its
   * parameters set — or null when the point must be compiled on its own.
   */
  codeFor(session: ModelSession, values: readonly number[]): CompiledModel | null {
    const comp = this.mode && this.runtime.length ? this.sentinelComp() : null;
    if (!comp || !this.mode) return null;
    const runtimeValues = this.runtimeValues(values);
    const withScheduler = this.mode !== 'LLVM';
    const plain = () => generateModule(session.comp, { withScheduler }).ir.print();
    const probe = () => generateModule(comp, { withScheduler, runtimeParams: { ...this.params, constants: runtimeValues } }).ir.print();
    // a plain build that cannot be generated is the per-point path's to report (or to fall back from)
    let proved: boolean;
    try {
      proved = sameProgram(plain, probe);
    } catch {
      return null;
    }
    if (!proved) return null;
    if (!this.compiled) {
      this.compiled = compileComposition(comp, this.mode, this.task.optLevel, this.params);
      compileOnceStats.compiles++;
    }
    this.compiled.setRuntimeParams!(Float64Array.from(runtimeValues));
    return this.compiled;
  }

  /** Frees the compiled-once machine code. */
  dispose(): void {
    if (this.compiled) releaseMachineCode(this.compiled.native);
    this.compiled = null;
  }
}
