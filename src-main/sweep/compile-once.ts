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
 * Per parameter: when the first point fails the proof with every swept parameter read at run
 * time, each is proved on its own; those that pass (together) stay run-time parameters and the
 * others are folded in, so the sweep compiles once per combination of the folded parameters'
 * values (e.g. a DDM's time_step_size × rate grid: once per time_step_size) instead of per point.
 *
 * Each point still runs in a fresh context built from its own model (so state initialised from a
 * parameter is the point's), exactly as `cogstudio run` on a file with the point's values.
 *
 * After a group's code has passed that whole-module proof once, its later points are proved on the
 * swept nodes alone (~10× less code generated): each swept node's input gathering, function and
 * reset, built from the point's model, must print as the sentinel model's with the point's values
 * as constants (no sentinel used outside them); and the two models must have the same state
 * layout. Nothing else in a module depends on a node's parameters: other nodes are built from
 * their own specs (the same in every point), and the scheduler, run loop and copies from the
 * conditions and the layout. Models with a controller, which builds code from the nodes it
 * controls, always take the whole-module proof. A point that fails takes it too.
 */
import { buildComposition, type Composition } from '../engine/composition.js';
import { partsText, samePartsText, sameProgram, sentinel } from '../compiler/codegen/controlled-params.js';
import { emitGather, generateModule, type RuntimeParams } from '../compiler/codegen/composition.js';
import { compileComposition, type CompiledMode, type CompiledModel } from '../runtime/compiled.js';
import type { ModelSession } from '../runtime/run-model.js';
import { modelAt } from './spec.js';
import type { SweepTask } from './run-sweep.js';

/** Compiles of the run-time-parameter code in this process (tests check the path was taken). */
export const compileOnceStats = { compiles: 0 };
/** Points proved on the swept nodes alone, in this process (tests check the path was taken). */
export const proofStats = { onNodes: 0 };

/** Compiled-once code kept per process: a sweep whose folded parameters change often keeps the latest few. */
const MAX_GROUPS = 8;

/** The code for points that share the values of the parameters folded in (null: the sentinel model cannot be built). */
interface Group {
  comp: Composition | null;
  compiled: CompiledModel | null;
  /** A point of the group passed the whole-module proof: later ones may take the swept nodes' proof. */
  proven: boolean;
  /** layoutKey(comp), once asked. */
  layout?: string;
}

/** The state layout, as text: two compositions with the same one put every slot at the same place. */
function layoutKey(comp: Composition): string {
  return comp.layout.entries.map((e) => `${e.kind} ${e.name} ${e.byteOffset} ${e.kind === 'f64' ? e.length : ''}`).join('\n');
}

/** Node k's input gathering, function and reset as IR text (num(S) emitting `constants` when given). */
function sweptNodeText(comp: Composition, k: number, constants?: ReadonlyMap<number, number>): { text: string; escaped: boolean } {
  const node = comp.nodes[k]!;
  const variable = comp.variableSlots[k]!;
  return partsText(
    [
      ['probe.gather', (cg) => emitGather(comp, cg, k)],
      ['probe', (cg) => node.emit(cg, cg.slots(variable))],
      ['probe.reset', (cg) => node.emitReset(cg)],
    ],
    constants,
  );
}

export class SweepCompiler {
  private readonly mode: CompiledMode | null;
  /**
   * The swept parameters read at run time: at first those taking more than one value (the others
   * are folded in like any parameter); after a point fails the proof with all of them, only those
   * that pass it one by one (and together), the others folded in per value.
   */
  private runtime: number[];
  private narrowed = false;
  /**
   * Which compiled-once code the last codeFor() handed out: the parameters read at run time and
   * the values folded in (points with the same group ran on the same program); null if none.
   */
  lastGroup: string | null = null;
  /** By runtime set and folded values, most recently used last. */
  private readonly groups = new Map<string, Group>();

  constructor(private readonly task: SweepTask) {
    // Auto runs LLVMRun whenever its module can be generated, which the proof's plain build shows
    this.mode = task.mode === 'Interpreted' || task.compileOnce === false ? null : task.mode === 'Auto' ? 'LLVMRun' : task.mode;
    this.runtime = task.params.flatMap((p, i) => (p.values.length > 1 ? [i] : []));
  }

  /** The parameters read at run time now (indices into the task's parameters); for tests and reports. */
  get runtimeParams(): readonly number[] {
    return this.runtime;
  }

  private static params(set: readonly number[]): RuntimeParams {
    return { sentinels: set.map((_, n) => sentinel(n, 'sweep')) };
  }

  private key(set: readonly number[], values: readonly number[]): string {
    const folded = this.task.params.flatMap((p, i) => (p.values.length > 1 && !set.includes(i) ? [values[i]] : []));
    return `${set.join(',')}|${folded.join(',')}`;
  }

  /** The code group of `set` at `values` (its sentinel model built on first use). */
  private group(set: readonly number[], values: readonly number[]): Group {
    const key = this.key(set, values);
    let g = this.groups.get(key);
    if (g) {
      this.groups.delete(key);
      this.groups.set(key, g);
      return g;
    }
    let comp: Composition | null;
    try {
      const sentinels = SweepCompiler.params(set).sentinels;
      const vals = [...values];
      set.forEach((i, n) => (vals[i] = sentinels[n]!));
      comp = buildComposition(modelAt(this.task.model, this.task.params, vals));
    } catch {
      // a component that rejects a sentinel value: no run-time parameters for this group
      comp = null;
    }
    g = { comp, compiled: null, proven: false };
    this.groups.set(key, g);
    for (const [k, old] of this.groups) {
      if (this.groups.size <= MAX_GROUPS) break;
      old.compiled?.release();
      this.groups.delete(k);
    }
    return g;
  }

  /** Whether reading `set` at run time gives the point's own program (the controller's proof). */
  private proves(set: readonly number[], values: readonly number[], plain: () => string): boolean {
    const comp = this.group(set, values).comp;
    if (!comp || !this.mode) return false;
    const withScheduler = this.mode !== 'LLVM';
    const constants = set.map((i) => values[i]!);
    const probe = () => generateModule(comp, { withScheduler, runtimeParams: { ...SweepCompiler.params(set), constants }, forComparison: true }).ir.print();
    return sameProgram(plain, probe);
  }

  /** The swept nodes' proof (see the header) of the point `point` (its own composition) on group `g`'s code. */
  private provesOnNodes(g: Group, point: Composition, values: readonly number[]): boolean {
    const comp = g.comp;
    if (!comp || comp.controller !== undefined || point.controller !== undefined || (g.layout ??= layoutKey(comp)) !== layoutKey(point)) return false;
    const sentinels = SweepCompiler.params(this.runtime).sentinels;
    const constants = new Map(this.runtime.map((i, n) => [sentinels[n]!, values[i]!]));
    const nodes = new Set(this.runtime.map((i) => comp.nodeNames.indexOf(this.task.params[i]!.node)));
    for (const k of nodes) {
      if (k < 0 || point.nodeNames[k] !== comp.nodeNames[k]) return false;
      if (!samePartsText(() => sweptNodeText(point, k), () => sweptNodeText(comp, k, constants))) return false;
    }
    return true;
  }

  /**
   * The parameters to read at run time after `this.runtime` failed at this point: those that pass
   * the proof one by one, if they also pass it together; else the one of them with the most
   * values; else none.
   */
  private narrow(values: readonly number[], plain: () => string): number[] {
    const alone = this.runtime.filter((i) => this.proves([i], values, plain));
    if (alone.length <= 1 || this.proves(alone, values, plain)) return alone;
    const most = alone.reduce((a, b) => (this.task.params[b]!.values.length > this.task.params[a]!.values.length ? b : a));
    return [most];
  }

  /**
   * The compiled-once code for the point `values` of `session` (the point's own model), its
   * parameters set — or null when the point must be compiled on its own.
   */
  codeFor(session: ModelSession, values: readonly number[]): CompiledModel | null {
    this.lastGroup = null;
    if (!this.mode || !this.runtime.length) return null;
    const withScheduler = this.mode !== 'LLVM';
    let text: string | undefined;
    const plain = () => (text ??= generateModule(session.comp, { withScheduler, forComparison: true }).ir.print());
    // a plain build that cannot be generated is the per-point path's to report (or to fall back from)
    try {
      const known = this.groups.get(this.key(this.runtime, values));
      if (known?.proven && this.provesOnNodes(known, session.comp, values)) {
        proofStats.onNodes++;
      } else if (!this.proves(this.runtime, values, plain)) {
        if (this.narrowed || this.runtime.length === 1) return null;
        // once per sweep: find the parameters that can be read at run time, fold the others in
        this.narrowed = true;
        this.runtime = this.narrow(values, plain);
        if (!this.runtime.length) return null;
      }
    } catch {
      return null;
    }
    const g = this.group(this.runtime, values);
    g.proven = true;
    if (!g.compiled) {
      g.compiled = compileComposition(g.comp!, this.mode, this.task.optLevel, SweepCompiler.params(this.runtime));
      compileOnceStats.compiles++;
    }
    g.compiled.setRuntimeParams!(Float64Array.from(this.runtime, (i) => values[i]!));
    this.lastGroup = this.key(this.runtime, values);
    return g.compiled;
  }

  /** Frees the compiled-once machine code. */
  dispose(): void {
    for (const g of this.groups.values()) g.compiled?.release();
    this.groups.clear();
  }
}
