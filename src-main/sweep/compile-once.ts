/**
 * A sweep compiled once per process instead of once per point. The model is built once with each
 * swept parameter set to a sentinel (controlled-params.ts) and compiled with num(sentinel) reading
 * the parameter from a module global (RuntimeParams), set before each point's run. That is only
 * the point's own program if the parameter reaches the code through num() alone, so each point is
 * proved first with the controller's proof (sameProgram): the point's plain IR text must equal
 * the sentinel build's with the point's values emitted as constants. A point that fails it (a
 * parameter derived or branched on in JS, a component rejecting the sentinel, a model the
 * compiled mode cannot generate) runs as before: compiled on its own.
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
  private readonly params: RuntimeParams;
  /** The model with sentinels, built on first use; null once it cannot be (then every point falls back). */
  private comp: Composition | null | undefined;
  private compiled: CompiledModel | null = null;

  constructor(private readonly task: SweepTask) {
    // Auto runs LLVMRun whenever its module can be generated, which the proof's plain build shows
    this.mode = task.mode === 'Interpreted' || task.compileOnce === false ? null : task.mode === 'Auto' ? 'LLVMRun' : task.mode;
    this.params = { sentinels: task.params.map((_, i) => sentinel(i, 'sweep')) };
  }

  private sentinelComp(): Composition | null {
    if (this.comp === undefined) {
      try {
        this.comp = buildComposition(modelAt(this.task.model, this.task.params, this.params.sentinels));
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
    const comp = this.mode ? this.sentinelComp() : null;
    if (!comp || !this.mode) return null;
    const withScheduler = this.mode !== 'LLVM';
    const plain = () => generateModule(session.comp, { withScheduler }).ir.print();
    const probe = () => generateModule(comp, { withScheduler, runtimeParams: { ...this.params, constants: values } }).ir.print();
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
    this.compiled.setRuntimeParams!(Float64Array.from(values));
    return this.compiled;
  }

  /** Frees the compiled-once machine code. */
  dispose(): void {
    if (this.compiled) releaseMachineCode(this.compiled.native);
    this.compiled = null;
  }
}
