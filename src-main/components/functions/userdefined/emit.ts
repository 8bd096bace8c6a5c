/**
 * The compiled twin of a UserDefinedFunction's expression: the program compileExpression built
 * (its run-time operations, as data) turned into IR, operation by operation, in the same order
 * and with the same arithmetic as `evaluate`.
 *
 * Every slot a run-time operation writes becomes a stack buffer; every other slot the program
 * reads holds a constant folded at create() and stays a constant (an immediate when the index is
 * static or the values are all equal, else a private constant array). Shapes are static, so
 * small operations are unrolled and large ones are loops over the (broadcast) shape.
 */
import { CodegenUnsupported, type CgValue, type Codegen } from '../../../compiler/codegen/codegen.js';
import type { IR, V } from '../../../compiler/codegen/ir.js';
import {
  broadcastMap,
  sameShape,
  sizeOf,
  type ExpressionProgram,
  type MapOp,
  type ProgramOp,
  type ZipOp,
} from './expression.js';

/** An element index in generated code: static (a number) or an i32 value. */
type Index = number | V;
type Reader = (i: Index) => V;
type Writer = (i: Index, v: V) => void;

/** Operations of at most this many elements are unrolled; larger ones are loops. */
const UNROLL = 16;
/** Most doubles of stack buffers one compiled expression may use (256 KiB). */
export const MAX_SCRATCH_ELEMENTS = 1 << 15;
/** Most doubles of constant arrays one compiled expression may embed. */
export const MAX_CONSTANT_ELEMENTS = 1 << 16;

/**
 * Emits `program` reading `variable` and writing `out` (the function's outputShape). Throws
 * CodegenUnsupported (naming `component`) when the program cannot be compiled.
 */
export function emitExpression(cg: Codegen, program: ExpressionProgram, variable: CgValue, out: CgValue, component: string): void {
  new ExpressionEmitter(cg.ir, program, component).emit(variable, out);
}

class ExpressionEmitter {
  /** Stack buffers of the slots run-time operations write, by the slot's ArrayBuffer. */
  private readonly mem = new Map<ArrayBufferLike, V>();
  /** Constant arrays already emitted, by the view they hold. */
  private readonly constants = new Map<Float64Array, V>();
  private constantElements = 0;

  constructor(
    private readonly ir: IR,
    private readonly program: ExpressionProgram,
    private readonly component: string,
  ) {}

  private unsupported(reason: string): never {
    throw new CodegenUnsupported(this.component, 'UserDefinedFunction expression', reason);
  }

  emit(variable: CgValue, out: CgValue): void {
    const { ir, program } = this;
    this.checkShapes(variable, out);
    // one stack buffer per slot the program writes
    let scratch = 0;
    for (const op of program.ops) {
      const base = op.out.buffer;
      if (this.mem.has(base)) continue;
      const n = base.byteLength / 8;
      scratch += n;
      if (scratch > MAX_SCRATCH_ELEMENTS) {
        this.unsupported(`its intermediate arrays need more than ${MAX_SCRATCH_ELEMENTS} numbers of working memory`);
      }
      this.mem.set(base, ir.alloca(ir.f64, Math.max(1, n), 'udf'));
    }
    for (const op of program.ops) this.operation(op, variable);
    // the value into `out`, as `evaluate`'s write()
    const result = program.result;
    if (result.kind === 'ragged') {
      result.rows.forEach((row, r) => this.copy(this.reader(row.buf), rowWriter(ir, out.rows[r]!.ptr), row.buf.length));
    } else {
      let offset = 0;
      for (const row of out.rows) {
        this.copy(this.reader(result.buf.subarray(offset, offset + row.len)), rowWriter(ir, row.ptr), row.len);
        offset += row.len;
      }
    }
  }

  /** The variable and out rows must be the shapes the program was compiled for. */
  private checkShapes(variable: CgValue, out: CgValue): void {
    const { layout, result } = this.program;
    const got = variable.rows.map((r) => r.len);
    if (!sameShape(got, layout.rows)) {
      this.unsupported(`it was built for a variable of shape [${layout.rows.join(', ')}], not [${got.join(', ')}]`);
    }
    const want =
      result.kind === 'ragged'
        ? result.rows.map((r) => r.buf.length)
        : result.shape.length < 2
          ? [result.buf.length]
          : new Array<number>(result.shape[0]!).fill(result.shape[1]!);
    const outShape = out.rows.map((r) => r.len);
    if (!sameShape(outShape, want)) {
      this.unsupported(`its value has shape [${want.join(', ')}], not [${outShape.join(', ')}]`);
    }
  }

  // ---- operations ----------------------------------------------------------------------------

  private operation(op: ProgramOp, variable: CgValue): void {
    const ir = this.ir;
    switch (op.k) {
      case 'input': {
        const row = variable.rows[op.row]!;
        this.copy((i) => ir.load(row.ptr, i, 'v'), this.writer(op.out), op.out.length);
        return;
      }
      case 'copy':
        this.copy(this.reader(op.a), this.writer(op.out), op.out.length);
        return;
      case 'map': {
        const [read, write] = [this.reader(op.a), this.writer(op.out)];
        const n = op.out.length;
        this.each([n], [[n]], (o, [i]) => write(o, mapOp(ir, op.fn, read(i!))), op.fn);
        return;
      }
      case 'zip': {
        const [ra, rb, write] = [this.reader(op.a.buf), this.reader(op.b.buf), this.writer(op.out)];
        this.each(op.shape, [op.a.shape, op.b.shape], (o, [ia, ib]) => write(o, zipOp(ir, op.fn, ra(ia!), rb(ib!))), 'zip');
        return;
      }
      case 'select': {
        const [rx, rc, ry, write] = [this.reader(op.x.buf), this.reader(op.c.buf), this.reader(op.y.buf), this.writer(op.out)];
        this.each(
          op.shape,
          [op.x.shape, op.c.shape, op.y.shape],
          (o, [ix, ic, iy]) => write(o, ir.select(ir.ne(rc(ic!), ir.num(0)), rx(ix!), ry(iy!))),
          'ifelse',
        );
        return;
      }
      case 'sum': {
        const n = op.a.length;
        this.writer(op.out)(0, n === 0 ? ir.num(0) : this.pairwiseSum(this.reader(op.a), 0, n));
        return;
      }
      case 'extreme': {
        const read = this.reader(op.a);
        const n = op.a.length;
        let m: V;
        if (n <= UNROLL) {
          m = read(0);
          for (let i = 1; i < n; i++) m = zipOp(ir, op.fn, m, read(i));
        } else {
          const acc = ir.variable(read(0), op.fn);
          ir.loop(n - 1, (i) => acc.set(zipOp(ir, op.fn, acc.get(), read(addIndex(ir, i, 1)))), op.fn);
          m = acc.get();
        }
        this.writer(op.out)(0, m);
        return;
      }
    }
  }

  /** out[i] = read(i) for i < n. */
  private copy(read: Reader, write: Writer, n: number): void {
    this.each([n], [[n]], (o, [i]) => write(o, read(i!)), 'copy');
  }

  /**
   * Calls `body(o, ins)` for every flat index `o` of `shape`, with the flat index into each input
   * (of shape `inputs[j]`, numpy-broadcast to `shape`): unrolled for small shapes, else loops.
   */
  private each(shape: readonly number[], inputs: readonly (readonly number[])[], body: (o: Index, ins: Index[]) => void, hint: string): void {
    const ir = this.ir;
    const n = sizeOf(shape);
    if (n === 0) return;
    if (n <= UNROLL) {
      const maps = inputs.map((s) => broadcastMap(s, shape));
      for (let i = 0; i < n; i++) body(i, maps.map((m) => (m ? m[i]! : i)));
      return;
    }
    // inputs of the same shape use the output's index, one-element inputs index 0
    if (inputs.every((s) => sameShape(s, shape) || sizeOf(s) === 1)) {
      ir.loop(n, (i) => body(i, inputs.map((s) => (sameShape(s, shape) ? i : 0))), hint);
      return;
    }
    // general broadcast: one loop per axis, with each input's stride along it (0 where broadcast)
    const rank = shape.length;
    const strides = (s: readonly number[]): number[] => {
      const out = new Array<number>(rank).fill(0);
      let stride = 1;
      for (let k = s.length - 1; k >= 0; k--) {
        out[rank - s.length + k] = s[k] === 1 ? 0 : stride;
        stride *= s[k]!;
      }
      return out;
    };
    const outStrides = strides(shape);
    const inStrides = inputs.map(strides);
    const axis = (k: number, o: Index, ins: Index[]): void => {
      if (k === rank) {
        body(o, ins);
        return;
      }
      ir.loop(shape[k]!, (i) => axis(k + 1, addScaled(ir, o, i, outStrides[k]!), ins.map((x, j) => addScaled(ir, x, i, inStrides[j]![k]!))), `${hint}${k}`);
    };
    axis(0, 0, inputs.map(() => 0));
  }

  /** numpy's pairwise sum of read(start .. start + n - 1), in the interpreter's order (n >= 1). */
  private pairwiseSum(read: Reader, start: number, n: number): V {
    const ir = this.ir;
    if (n < 8) {
      let s = ir.num(-0);
      for (let i = start; i < start + n; i++) s = ir.add(s, read(i));
      return s;
    }
    if (n <= 128) {
      let r = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => read(start + j));
      const blocks = (n - (n % 8)) / 8 - 1; // blocks of 8 after the first
      if (blocks <= 2) {
        for (let b = 1; b <= blocks; b++) r = r.map((x, j) => ir.add(x, read(start + 8 * b + j)));
      } else {
        const acc = r.map((x) => ir.variable(x, 'psum'));
        ir.loop(blocks, (b) => {
          const base = ir.b.CreateAdd(ir.b.CreateMul(b, ir.int(8)), ir.int(start + 8));
          acc.forEach((a, j) => a.set(ir.add(a.get(), read(addIndex(ir, base, j)))));
        }, 'psum');
        r = acc.map((a) => a.get());
      }
      let s = ir.add(ir.add(ir.add(r[0]!, r[1]!), ir.add(r[2]!, r[3]!)), ir.add(ir.add(r[4]!, r[5]!), ir.add(r[6]!, r[7]!)));
      for (let i = n - (n % 8); i < n; i++) s = ir.add(s, read(start + i));
      return s;
    }
    let n2 = Math.floor(n / 2);
    n2 -= n2 % 8;
    return ir.add(this.pairwiseSum(read, start, n2), this.pairwiseSum(read, start + n2, n - n2));
  }

  // ---- slots ---------------------------------------------------------------------------------

  /** Reads elements of `view`: from its stack buffer when run-time operations write it, else constants. */
  private reader(view: Float64Array): Reader {
    const ir = this.ir;
    const offset = view.byteOffset / 8;
    const base = this.mem.get(view.buffer);
    if (base) return (i) => ir.load(base, addIndex(ir, i, offset), 'u');
    if (view.length === 0) return () => ir.num(0);
    const first = view[0]!;
    if (view.every((x) => Object.is(x, first))) return () => ir.num(first);
    return (i) => (typeof i === 'number' ? ir.num(view[i]!) : ir.load(this.constantArray(view), i, 'k'));
  }

  private writer(view: Float64Array): Writer {
    const ir = this.ir;
    const offset = view.byteOffset / 8;
    const base = this.mem.get(view.buffer);
    // every `out` of an operation is a run-time slot (emit() gave it a buffer)
    if (!base) throw new Error('UserDefinedFunction codegen: an operation writes a constant slot');
    return (i, v) => ir.store(v, base, addIndex(ir, i, offset));
  }

  private constantArray(view: Float64Array): V {
    let c = this.constants.get(view);
    if (!c) {
      this.constantElements += view.length;
      if (this.constantElements > MAX_CONSTANT_ELEMENTS) {
        this.unsupported(`it would embed more than ${MAX_CONSTANT_ELEMENTS} constant numbers`);
      }
      c = this.ir.constArray('udf.const', view);
      this.constants.set(view, c);
    }
    return c;
  }
}

function rowWriter(ir: IR, ptr: V): Writer {
  return (i, v) => ir.store(v, ptr, i);
}

/** i + k (static when i is). */
function addIndex(ir: IR, i: Index, k: number): Index {
  if (typeof i === 'number') return i + k;
  return k === 0 ? i : ir.b.CreateAdd(i, ir.int(k));
}

/** x + i * stride, for a loop index i. */
function addScaled(ir: IR, x: Index, i: V, stride: number): Index {
  if (stride === 0) return x;
  const term = stride === 1 ? i : ir.b.CreateMul(i, ir.int(stride));
  if (x === 0) return term;
  return typeof x === 'number' ? ir.b.CreateAdd(term, ir.int(x)) : ir.b.CreateAdd(x, term);
}

/** 1.0 when the i1 `c` holds, else 0.0. */
function truth(ir: IR, c: V): V {
  return ir.select(c, ir.num(1), ir.num(0));
}

/** NaN test (an i1): x != x. */
function nan(ir: IR, x: V): V {
  return ir.ne(x, x);
}

function mapOp(ir: IR, fn: MapOp, x: V): V {
  switch (fn) {
    case '-':
      return ir.neg(x);
    case 'not':
      return truth(ir, ir.eq(x, ir.num(0)));
    case 'exp':
      return ir.exp(x);
    case 'log':
      return ir.log(x);
    case 'sqrt':
      return ir.sqrt(x);
    case 'abs':
      return ir.fabs(x);
    case 'tanh':
      return ir.tanh(x);
    case 'sin':
      return ir.libm('sin', x);
    case 'cos':
      return ir.libm('cos', x);
  }
}

function zipOp(ir: IR, fn: ZipOp, a: V, b: V): V {
  switch (fn) {
    case '+':
      return ir.add(a, b);
    case '-':
      return ir.sub(a, b);
    case '*':
      return ir.mul(a, b);
    case '/':
      return ir.div(a, b);
    case '**':
      // C pow: Python's float ** (1 ** nan, nan ** 0 and (-1) ** inf are 1), as pyPow
      return ir.pow(a, b);
    case '<':
      return truth(ir, ir.lt(a, b));
    case '<=':
      return truth(ir, ir.le(a, b));
    case '>':
      return truth(ir, ir.gt(a, b));
    case '>=':
      return truth(ir, ir.ge(a, b));
    case '==':
      return truth(ir, ir.eq(a, b));
    case '!=':
      return truth(ir, ir.ne(a, b));
    // Python's `a and b` is b if a is true else a; `a or b` is a if a is true else b (NaN is true)
    case 'and':
      return ir.select(ir.ne(a, ir.num(0)), b, a);
    case 'or':
      return ir.select(ir.ne(a, ir.num(0)), a, b);
    // a < b || isNaN(a) ? a : isNaN(b) ? b : b < a ? b : a   (and > for max)
    case 'min':
      return ir.select(ir.b.CreateOr(ir.lt(a, b), nan(ir, a)), a, ir.select(nan(ir, b), b, ir.select(ir.lt(b, a), b, a)));
    case 'max':
      return ir.select(ir.b.CreateOr(ir.gt(a, b), nan(ir, a)), a, ir.select(nan(ir, b), b, ir.select(ir.gt(b, a), b, a)));
  }
}
