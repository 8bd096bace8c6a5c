/**
 * What a component's code generator is handed: the IR builder, the context's state buffer
 * (the same bytes and offsets the interpreter uses, so a compiled run continues exactly where
 * an interpreted one stopped, and back), and typed access to slots, scratch and RNG streams.
 */
import type { F64Slot, RngSlot } from '../../engine/state.js';
import type { Shape } from '../../components/types.js';
import { IR, type V } from './ir.js';
import { declareRandomFunctions, emitRandomFunctions, type RandomFunctions } from './random.js';

/** A 2-D value in generated code: one double* per row, with its static length. */
export interface CgValue {
  rows: { ptr: V; len: number }[];
}

export class Codegen {
  /** The i8* state base of the function being generated. */
  state!: V;
  private random: RandomFunctions | null = null;

  constructor(
    readonly ir: IR,
    /** Declare the draw functions instead of defining them (code that is only compared as text). */
    private readonly declareOnly = false,
  ) {}

  /** double* to an f64 slot of the state. */
  slot(slot: F64Slot): V {
    return this.ir.f64At(this.state, slot.byteOffset, slot.name);
  }

  /** A CgValue over consecutive f64 slots (one per row). */
  slots(slots: readonly F64Slot[]): CgValue {
    return { rows: slots.map((s) => ({ ptr: this.slot(s), len: s.length })) };
  }

  /** Stack scratch of the given shape. */
  scratch(shape: Shape, hint = 'scratch'): CgValue {
    return { rows: shape.map((n) => ({ ptr: this.ir.alloca(this.ir.f64, Math.max(1, n), hint), len: n })) };
  }

  /** Draw primitives of an MT19937 stream stored in the state (numpy's legacy RandomState). */
  rng(slot: RngSlot): { randomSample(): V; standardNormal(): V; normal(loc: V, scale: V): V; uniform(low: V, high: V): V } {
    this.random ??= this.declareOnly ? declareRandomFunctions(this.ir) : emitRandomFunctions(this.ir);
    const ir = this.ir;
    const r = this.random;
    const base = ir.b.CreateInBoundsGEP(ir.i8, this.state, [ir.long(slot.byteOffset)], ir.name('rng'));
    return {
      randomSample: () => ir.call(r.randomSample, [base], ir.name('u')),
      standardNormal: () => ir.call(r.standardNormal, [base], ir.name('z')),
      normal: (loc, scale) => ir.add(loc, ir.mul(scale, ir.call(r.standardNormal, [base], ir.name('z')))),
      uniform: (low, high) => ir.add(low, ir.mul(ir.sub(high, low), ir.call(r.randomSample, [base], ir.name('u')))),
    };
  }

  /** Copies `from` into `to` row by row (same shape). */
  copy(from: CgValue, to: CgValue): void {
    const ir = this.ir;
    from.rows.forEach((row, r) => {
      const dst = to.rows[r]!;
      ir.loop(Math.min(row.len, dst.len), (i) => ir.store(ir.load(row.ptr, i), dst.ptr, i), 'cp');
    });
  }
}

/** Thrown while generating code for something the compiler cannot compile (yet). */
export class CodegenUnsupported extends Error {
  constructor(
    readonly component: string,
    readonly feature: string,
    readonly reason: string,
  ) {
    super(`${component}: ${feature} — ${reason}`);
    this.name = 'CodegenUnsupported';
  }
}
