/**
 * One model's mutable state, laid out once and stored per context in a single ArrayBuffer:
 * node values, port values, integrator state, RNG streams and scheduler counters.
 *
 * Components declare slots while the model is built (StateLayout); a ContextStore is one
 * execution context's bytes. Snapshot/restore copies the whole buffer, which is how a run is
 * continued or rolled back, and how the buffer can be handed to compiled code and read back.
 */
import { MT19937, RNG_STATE_BYTES } from '../random/mt19937.js';

export interface F64Slot {
  readonly kind: 'f64';
  readonly name: string;
  readonly byteOffset: number;
  readonly length: number;
  readonly init: Float64Array;
}

export interface RngSlot {
  readonly kind: 'rng';
  readonly name: string;
  readonly byteOffset: number;
  readonly seed: number;
}

export type Slot = F64Slot | RngSlot;

/**
 * dst[at ..] = src. Short rows element by element: TypedArray.set costs ~0.1 µs a call whatever
 * the length, which is most of a compiled trial's bookkeeping for rows of a few values.
 */
export function copyRow(dst: Float64Array, src: Float64Array, at = 0): void {
  const n = src.length;
  if (n > 16) dst.set(src, at);
  else for (let i = 0; i < n; i++) dst[at + i] = src[i]!;
}

/** Largest state a model may declare (bytes); a limit message beats an out-of-memory crash. */
export const MAX_STATE_BYTES = 1 << 30;

export class StateLayout {
  private readonly slots: Slot[] = [];
  private bytes = 0;

  /** Declares `init.length` doubles named `name`, initialised to `init`. */
  f64(name: string, init: ArrayLike<number>): F64Slot {
    const slot: F64Slot = {
      kind: 'f64',
      name,
      byteOffset: this.reserve(init.length * 8),
      length: init.length,
      init: Float64Array.from(init),
    };
    this.slots.push(slot);
    return slot;
  }

  /** Declares an MT19937 stream seeded as numpy's `RandomState([seed])`. */
  rng(name: string, seed: number): RngSlot {
    const slot: RngSlot = { kind: 'rng', name, byteOffset: this.reserve(RNG_STATE_BYTES), seed };
    this.slots.push(slot);
    return slot;
  }

  private reserve(bytes: number): number {
    const offset = this.bytes;
    this.bytes += Math.ceil(bytes / 8) * 8;
    if (this.bytes > MAX_STATE_BYTES) {
      throw new RangeError(
        `the model's state needs more than ${MAX_STATE_BYTES / 2 ** 20} MiB; reduce layer sizes`,
      );
    }
    return offset;
  }

  get byteLength(): number {
    return this.bytes;
  }

  get entries(): readonly Slot[] {
    return this.slots;
  }
}

export class ContextStore {
  readonly buffer: ArrayBuffer;
  private readonly f64Views = new Map<F64Slot, Float64Array>();
  private readonly rngViews = new Map<RngSlot, MT19937>();

  constructor(readonly layout: StateLayout) {
    this.buffer = new ArrayBuffer(layout.byteLength);
    this.reset();
  }

  /** The context's view of a slot (the same object every call). */
  f64(slot: F64Slot): Float64Array {
    let v = this.f64Views.get(slot);
    if (!v) {
      v = new Float64Array(this.buffer, slot.byteOffset, slot.length);
      this.f64Views.set(slot, v);
    }
    return v;
  }

  rng(slot: RngSlot): MT19937 {
    let r = this.rngViews.get(slot);
    if (!r) {
      r = new MT19937(this.buffer, slot.byteOffset);
      this.rngViews.set(slot, r);
    }
    return r;
  }

  /** Puts every slot back to its initial value and reseeds every stream. */
  reset(): void {
    for (const slot of this.layout.entries) {
      if (slot.kind === 'f64') this.f64(slot).set(slot.init);
      else this.rng(slot).seed(slot.seed);
    }
  }

  snapshot(): Uint8Array {
    return new Uint8Array(this.buffer).slice();
  }

  restore(bytes: Uint8Array): void {
    if (bytes.byteLength !== this.buffer.byteLength) {
      throw new Error(`state snapshot has ${bytes.byteLength} bytes, expected ${this.buffer.byteLength}`);
    }
    new Uint8Array(this.buffer).set(bytes);
  }
}

/**
 * A layout that hands out slots already declared, in the order they were declared: a node built
 * again with another parameter value (a variant, for control) over it shares the original's state.
 * Asking for a slot the original did not declare, in that order and shape, is an error.
 */
export class ReplayLayout extends StateLayout {
  private next = 0;

  constructor(private readonly recorded: readonly Slot[]) {
    super();
  }

  override f64(name: string, init: ArrayLike<number>): F64Slot {
    const slot = this.take(name);
    if (slot.kind !== 'f64' || slot.length !== init.length) {
      throw new RangeError(`the state ${name} would change shape (${slot.kind === 'f64' ? slot.length : 'a random stream'} → ${init.length} numbers)`);
    }
    return slot;
  }

  override rng(name: string, _seed: number): RngSlot {
    const slot = this.take(name);
    if (slot.kind !== 'rng') throw new RangeError(`the state ${name} would change from numbers to a random stream`);
    return slot;
  }

  /** Throws unless every recorded slot was handed out again. */
  finish(): void {
    if (this.next !== this.recorded.length) {
      throw new RangeError(`the state ${this.recorded[this.next]!.name} would no longer be used`);
    }
  }

  private take(name: string): Slot {
    const slot = this.recorded[this.next++];
    if (!slot) throw new RangeError(`the state ${name} would be new`);
    if (slot.name !== name) throw new RangeError(`the state ${slot.name} would be replaced by ${name}`);
    return slot;
  }
}
