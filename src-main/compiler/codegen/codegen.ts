/**
 * What a component's code generator is handed: the IR builder, the context's state buffer
 * (the same bytes and offsets the interpreter uses, so a compiled run continues exactly where
 * an interpreted one stopped, and back), and typed access to slots, scratch and RNG streams.
 */
import type * as LLVM from 'llvm-bindings';
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

  /**
   * Shared code (`relocating`): state addresses are read from a table argument instead of being
   * constants, in first-use order; `offsets` records the byte offsets this code asked for.
   */
  private relocation: { table: V; offsets: number[]; index: Map<number, number>; pointers: Map<string, V> } | null = null;

  /**
   * Emits `body` so that every state address it takes is `state + table[i]` (table: i32* of byte
   * offsets, i in order of first use): the same code then serves every node whose code differs only
   * in where its state lives. Returns the byte offsets, in table order, for this emission.
   */
  relocating(table: V, body: () => void): number[] {
    const saved = this.relocation;
    const r = { table, offsets: [] as number[], index: new Map<number, number>(), pointers: new Map<string, V>() };
    this.relocation = r;
    try {
      body();
    } finally {
      this.relocation = saved;
    }
    return r.offsets;
  }

  /** True while emitting shared code (names must then not depend on the node). */
  get isRelocating(): boolean {
    return this.relocation !== null;
  }

  /** `ty` at `byteOffset` of the state (relocated while `relocating`). */
  private address(byteOffset: number, ty: LLVM.PointerType, hint: string): V {
    const r = this.relocation;
    const ir = this.ir;
    if (!r) return ty === ir.i8p ? ir.b.CreateInBoundsGEP(ir.i8, this.state, [ir.long(byteOffset)], ir.name(hint)) : ir.f64At(this.state, byteOffset, hint);
    const key = `${byteOffset}:${ty === ir.i8p ? 'i8' : 'f64'}`;
    let p = r.pointers.get(key);
    if (!p) {
      let i = r.index.get(byteOffset);
      if (i === undefined) {
        i = r.offsets.length;
        r.offsets.push(byteOffset);
        r.index.set(byteOffset, i);
      }
      const at = i;
      // in the entry block (it dominates every use): one table read per address and call
      p = ir.inEntry(() => {
        const off = ir.b.CreateSExt(ir.loadI32(r.table, at), ir.i64);
        const bytes = ir.b.CreateInBoundsGEP(ir.i8, this.state, [off], ir.name(`slot${at}.b`));
        return ty === ir.i8p ? bytes : ir.b.CreateBitCast(bytes, ty, ir.name(`slot${at}`));
      });
      r.pointers.set(key, p);
    }
    return p;
  }

  /** An i32 that differs between the users of shared code (e.g. a node index): a table entry while relocating. */
  int32(value: number, hint: string): V {
    const r = this.relocation;
    const ir = this.ir;
    if (!r) return ir.int(value);
    const at = r.offsets.length;
    r.offsets.push(value);
    return ir.inEntry(() => ir.b.CreateLoad(ir.i32, ir.b.CreateInBoundsGEP(ir.i32, r.table, [ir.int(at)]), ir.name(hint)));
  }

  /** double* to an f64 slot at the same place for every user of shared code (never relocated). */
  fixedSlot(slot: F64Slot): V {
    return this.ir.f64At(this.state, slot.byteOffset, slot.name);
  }

  /** double* to an f64 slot of the state. */
  slot(slot: F64Slot): V {
    return this.address(slot.byteOffset, this.ir.f64p, slot.name);
  }

  /** double* to the double at `byteOffset` of the state (e.g. one element of a slot). */
  f64At(byteOffset: number, hint: string): V {
    return this.address(byteOffset, this.ir.f64p, hint);
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
  rng(slot: RngSlot): { randomSample(): V; standardNormal(): V; normal(loc: V, scale: V): V; uniform(low: V, high: V): V; reseedIfChanged(seed: V): void } {
    this.random ??= this.declareOnly ? declareRandomFunctions(this.ir) : emitRandomFunctions(this.ir);
    const ir = this.ir;
    const r = this.random;
    const base = this.address(slot.byteOffset, ir.i8p, 'rng');
    return {
      randomSample: () => ir.call(r.randomSample, [base], ir.name('u')),
      standardNormal: () => ir.call(r.standardNormal, [base], ir.name('z')),
      normal: (loc, scale) => ir.add(loc, ir.mul(scale, ir.call(r.standardNormal, [base], ir.name('z')))),
      uniform: (low, high) => ir.add(low, ir.mul(ir.sub(high, low), ir.call(r.randomSample, [base], ir.name('u')))),
      reseedIfChanged: (seed) => void ir.call(r.reseedIfChanged, [base, seed]),
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
