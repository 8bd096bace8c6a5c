/**
 * A thin typed layer over llvm-bindings' IRBuilder, so that a component's code generation
 * reads like its formula: constants, arithmetic, math calls, loops, conditionals and typed
 * pointers into the context's state buffer. Names in the generated IR are readable and
 * sanitised (user strings never reach IR text raw).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as LLVM from 'llvm-bindings';
import type { IRInput } from '../jit/index.js';

const require = createRequire(import.meta.url);
let llvmModule: typeof LLVM | null = null;
/** llvm-bindings, loaded on first use (the interpreter never needs it). */
export function llvm(): typeof LLVM {
  llvmModule ??= require('llvm-bindings') as typeof LLVM;
  return llvmModule;
}

export type V = LLVM.Value;

/** Turns any string into a safe IR identifier fragment: letters, digits and underscores only. */
export function sanitize(name: string, max = 48): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, max);
  return s.length ? s : '_';
}

/** libm functions the generated code calls (resolved in the process by the JIT). */
export type LibmUnary = 'exp' | 'log' | 'tanh' | 'sin' | 'cos' | 'atan' | 'expm1' | 'log1p' | 'erf' | 'erfc' | 'sinh' | 'cosh';

/** Constant trip counts up to this are unrolled by `IR.loop`. */
export const UNROLL_MAX = 4;

export class IR {
  readonly l = llvm();
  readonly ctx: LLVM.LLVMContext;
  readonly module: LLVM.Module;
  readonly b: LLVM.IRBuilder;
  readonly f64: LLVM.Type;
  readonly i1: LLVM.IntegerType;
  readonly i8: LLVM.IntegerType;
  readonly i32: LLVM.IntegerType;
  readonly i64: LLVM.IntegerType;
  readonly f64p: LLVM.PointerType;
  readonly i8p: LLVM.PointerType;
  readonly i32p: LLVM.PointerType;
  readonly void: LLVM.Type;
  /** The function being generated and its entry block (where allocas go). */
  private fn: LLVM.Function | null = null;
  private entry: LLVM.BasicBlock | null = null;
  /**
   * Typed addresses at constant offsets of the current function's pointer arguments, emitted once
   * in its entry block (which dominates every use) and reused: a big model's functions otherwise
   * repeat the same GEP+bitcast pair for every state slot they touch.
   */
  private addresses = new Map<V, Map<string, V>>();
  private counter = 0;

  /**
   * `anonymous`: values and blocks get no names (LLVM numbers them in order), for code that is only
   * printed to be compared (a scratch module): the text is then canonical and cheaper to make.
   */
  constructor(name: string, private readonly anonymous = false) {
    const l = this.l;
    this.ctx = new l.LLVMContext();
    this.module = new l.Module(sanitize(name), this.ctx);
    this.b = new l.IRBuilder(this.ctx);
    const T = l.Type;
    this.f64 = T.getDoubleTy(this.ctx);
    this.i1 = T.getInt1Ty(this.ctx);
    this.i8 = T.getInt8Ty(this.ctx);
    this.i32 = T.getInt32Ty(this.ctx);
    this.i64 = T.getInt64Ty(this.ctx);
    this.f64p = T.getDoublePtrTy(this.ctx);
    this.i8p = T.getInt8PtrTy(this.ctx);
    this.i32p = T.getInt32PtrTy(this.ctx);
    this.void = T.getVoidTy(this.ctx);
  }

  /** Inliner attributes by function name (see `inlining`). */
  private readonly fnAttrs = new Map<string, 'noinline' | 'alwaysinline'>();

  /** Sanitised hints (code generation asks for the same few thousands of times). */
  private readonly hints = new Map<string, string>();

  /** A fresh readable local name. */
  name(hint: string): string {
    if (this.anonymous) return '';
    let h = this.hints.get(hint);
    if (h === undefined) this.hints.set(hint, (h = sanitize(hint, 32)));
    return `${h}.${this.counter++}`;
  }

  // ---- functions -------------------------------------------------------------------------

  /** Defines `name(params)`; `body` receives the arguments and must emit a return. */
  define(name: string, ret: LLVM.Type, params: [string, LLVM.Type][], body: (args: V[]) => void, internal = false): LLVM.Function {
    const l = this.l;
    const ty = l.FunctionType.get(ret, params.map((p) => p[1]), false);
    const linkage = internal ? l.Function.LinkageTypes.InternalLinkage : l.Function.LinkageTypes.ExternalLinkage;
    const fn = l.Function.Create(ty, linkage, name, this.module);
    const saved = { fn: this.fn, entry: this.entry, block: this.b.GetInsertBlock(), addresses: this.addresses };
    this.fn = fn;
    this.addresses = new Map();
    this.entry = l.BasicBlock.Create(this.ctx, 'entry', fn);
    const start = l.BasicBlock.Create(this.ctx, 'start', fn);
    this.b.SetInsertPoint(start);
    const args = params.map((p, i) => {
      const a = fn.getArg(i);
      a.setName(sanitize(p[0]));
      this.addresses.set(a, new Map());
      return a as V;
    });
    body(args);
    // entry holds the allocas and falls through to start
    this.b.SetInsertPoint(this.entry);
    this.b.CreateBr(start);
    this.fn = saved.fn;
    this.entry = saved.entry;
    this.addresses = saved.addresses;
    if (saved.block) this.b.SetInsertPoint(saved.block);
    return fn;
  }

  /** The function being generated (null outside define). */
  get currentFunction(): LLVM.Function | null {
    return this.fn;
  }

  call(fn: LLVM.Function, args: V[], name = ''): V {
    return this.b.CreateCall(fn, args, name);
  }

  ret(v?: V): void {
    if (v) this.b.CreateRet(v);
    else this.b.CreateRetVoid();
  }

  // ---- constants ---------------------------------------------------------------------------

  num(x: number): V {
    const stand = this.sentinels?.get(x);
    if (stand) {
      // the emitter may itself call num(): not for a sentinel again
      const saved = this.sentinels;
      this.sentinels = null;
      try {
        return stand();
      } finally {
        this.sentinels = saved;
      }
    }
    // one wrapper per constant (a native call each time otherwise); -0 is its own key
    const key = Object.is(x, -0) ? '-0' : x;
    let c = this.doubles.get(key);
    if (!c) this.doubles.set(key, (c = this.l.ConstantFP.get(this.f64, x)));
    return c;
  }

  private readonly doubles = new Map<number | string, V>();
  private readonly ints = new Map<number, V>();

  /** Sentinel doubles → what num() emits in their place while `body` runs (see withSentinels). */
  private sentinels: ReadonlyMap<number, () => V> | null = null;

  /**
   * Runs `body` (code generation) with num(S) emitting `emitters.get(S)()` for each sentinel S:
   * a component built with a parameter equal to S then reads that parameter from wherever the
   * emitter says (e.g. computed from the state at run time) instead of folding it in. Only
   * values that reach the code through num() are replaced; the caller must prove that is all of
   * them (controller.ts compares the texts).
   */
  withSentinels<T>(emitters: ReadonlyMap<number, () => V>, body: () => T): T {
    const saved = this.sentinels;
    // nested (a sweep's parameters around a controller's): the outer sentinels stay in force
    this.sentinels = saved ? new Map([...saved, ...emitters]) : emitters;
    try {
      return body();
    } finally {
      this.sentinels = saved;
    }
  }
  int(x: number): V {
    let c = this.ints.get(x);
    if (!c) this.ints.set(x, (c = this.l.ConstantInt.get(this.i32, x, true)));
    return c;
  }
  long(x: number | bigint): V {
    return this.l.ConstantInt.get(this.i64, Number(x), true);
  }
  bool(x: boolean): V {
    return x ? this.b.getTrue() : this.b.getFalse();
  }

  /** Constant double arrays by content: equal arrays (a big model's many equal weight matrices) share one global. */
  private readonly constArrays = new Map<string, { ty: LLVM.Type; g: LLVM.GlobalVariable }>();

  /** A private constant global array of doubles (e.g. a weight matrix), as a double*; one global per distinct content. */
  constArray(name: string, values: ArrayLike<number>): V {
    const l = this.l;
    // String(x) round-trips every double; -0 is told apart from 0
    const key = Array.from(values, (x) => (Object.is(x, -0) ? '-0' : String(x))).join(',');
    let c = this.constArrays.get(key);
    if (!c) {
      const ty = l.ArrayType.get(this.f64, values.length);
      const init = l.ConstantArray.get(ty, Array.from(values, (x) => l.ConstantFP.get(this.f64, x)));
      c = { ty, g: new l.GlobalVariable(this.module, ty, true, l.Function.LinkageTypes.PrivateLinkage, init, sanitize(name)) };
      this.constArrays.set(key, c);
    }
    return this.b.CreateInBoundsGEP(c.ty, c.g, [this.int(0), this.int(0)], this.name(name));
  }

  /** A private writable global array of `n` doubles, zero at load (e.g. parameters set at run time), as a double*. */
  globalArray(name: string, n: number): V {
    const l = this.l;
    const ty = l.ArrayType.get(this.f64, Math.max(1, n));
    const zeros = l.ConstantArray.get(ty, Array.from({ length: Math.max(1, n) }, () => l.ConstantFP.get(this.f64, 0)));
    const g = new l.GlobalVariable(this.module, ty, false, l.Function.LinkageTypes.InternalLinkage, zeros, sanitize(name));
    // constant operands: the builder folds this to a constant expression, usable in any function
    return this.b.CreateInBoundsGEP(ty, g, [this.int(0), this.int(0)], this.name(name));
  }

  /** A private constant i32 array; returns an i32* to its first element. */
  constI32Array(name: string, values: readonly number[]): V {
    const l = this.l;
    const ty = l.ArrayType.get(this.i32, Math.max(1, values.length));
    const init = l.ConstantArray.get(ty, (values.length ? values : [0]).map((x) => l.ConstantInt.get(this.i32, x, true)));
    const g = new l.GlobalVariable(this.module, ty, true, l.Function.LinkageTypes.PrivateLinkage, init, sanitize(name));
    return this.b.CreateInBoundsGEP(ty, g, [this.int(0), this.int(0)], this.name(name));
  }

  // ---- memory ------------------------------------------------------------------------------

  /** Emits `emit` at the end of the function's entry block (which dominates all its code), then returns to where it was. */
  inEntry<T>(emit: () => T): T {
    const here = this.b.GetInsertBlock();
    this.b.SetInsertPoint(this.entry!);
    try {
      return emit();
    } finally {
      if (here) this.b.SetInsertPoint(here);
    }
  }

  /** A stack slot in the function's entry block (`n` doubles). */
  alloca(ty: LLVM.Type, n = 1, hint = 'tmp'): V {
    return this.inEntry(() => (n === 1 ? this.b.CreateAlloca(ty, null, this.name(hint)) : this.b.CreateAlloca(ty, this.int(n), this.name(hint))));
  }

  /** doubles ptr[from .. from+count) = +0.0, as one llvm.memset (no loop for the optimiser to analyse). */
  zero(ptr: V, from: number, count: number): void {
    if (count <= 0) return;
    const l = this.l;
    const memset = l.Intrinsic.getDeclaration(this.module, l.Intrinsic.memset, [this.i8p, this.i64]);
    const start = this.b.CreateBitCast(this.b.CreateInBoundsGEP(this.f64, ptr, [this.int(from)]), this.i8p, this.name('zero'));
    this.b.CreateCall(memset, [start, l.ConstantInt.get(this.i8, 0, false), this.long(count * 8), this.bool(false)]);
  }

  /** A double* at `byteOffset` of an i8* base. */
  f64At(base: V, byteOffset: number, hint = 'p'): V {
    return this.typedAt(base, byteOffset, this.f64p, hint);
  }

  /** An i32* at `byteOffset` of an i8* base. */
  i32At(base: V, byteOffset: number, hint = 'p'): V {
    return this.typedAt(base, byteOffset, this.i32p, hint);
  }

  /** `ty` at `byteOffset` of an i8* base; once per function when the base is one of its arguments (see `addresses`). */
  private typedAt(base: V, byteOffset: number, ty: LLVM.PointerType, hint: string): V {
    const emit = () => this.b.CreateBitCast(this.b.CreateInBoundsGEP(this.i8, base, [this.long(byteOffset)], this.name(hint + '.b')), ty, this.name(hint));
    const known = this.addresses.get(base);
    if (!known) return emit();
    const key = `${byteOffset}:${ty === this.f64p ? 'f64' : 'i32'}`;
    let p = known.get(key);
    if (!p) {
      p = this.inEntry(emit);
      known.set(key, p);
    }
    return p;
  }

  /** Element `i` (number or i32/i64 value) of a double*. */
  at(ptr: V, i: number | V): V {
    // element 0 is the pointer itself (no GEP to make, print, parse and fold)
    if (i === 0) return ptr;
    return this.b.CreateInBoundsGEP(this.f64, ptr, [typeof i === 'number' ? this.int(i) : i]);
  }
  load(ptr: V, i: number | V = 0, hint = 'x'): V {
    return this.b.CreateLoad(this.f64, this.at(ptr, i), this.name(hint));
  }
  store(v: V, ptr: V, i: number | V = 0): void {
    this.b.CreateStore(v, this.at(ptr, i));
  }
  loadI32(ptr: V, i: number | V = 0): V {
    return this.b.CreateLoad(this.i32, this.atI32(ptr, i), this.name('n'));
  }
  storeI32(v: V, ptr: V, i: number | V = 0): void {
    this.b.CreateStore(v, this.atI32(ptr, i));
  }
  private atI32(ptr: V, i: number | V): V {
    return i === 0 ? ptr : this.b.CreateInBoundsGEP(this.i32, ptr, [typeof i === 'number' ? this.int(i) : i]);
  }

  // ---- arithmetic (doubles) ------------------------------------------------------------------

  add(a: V, b: V): V {
    return this.b.CreateFAdd(a, b, this.name('add'));
  }
  sub(a: V, b: V): V {
    return this.b.CreateFSub(a, b, this.name('sub'));
  }
  mul(a: V, b: V): V {
    return this.b.CreateFMul(a, b, this.name('mul'));
  }
  div(a: V, b: V): V {
    return this.b.CreateFDiv(a, b, this.name('div'));
  }
  neg(a: V): V {
    return this.b.CreateFNeg(a, this.name('neg'));
  }
  lt(a: V, b: V): V {
    return this.b.CreateFCmpOLT(a, b, this.name('lt'));
  }
  le(a: V, b: V): V {
    return this.b.CreateFCmpOLE(a, b, this.name('le'));
  }
  gt(a: V, b: V): V {
    return this.b.CreateFCmpOGT(a, b, this.name('gt'));
  }
  ge(a: V, b: V): V {
    return this.b.CreateFCmpOGE(a, b, this.name('ge'));
  }
  eq(a: V, b: V): V {
    return this.b.CreateFCmpOEQ(a, b, this.name('eq'));
  }
  ne(a: V, b: V): V {
    return this.b.CreateFCmpUNE(a, b, this.name('ne'));
  }
  /** i1: x is NaN (llvm-bindings has no FCmpUNO; x ≠ x unordered is the same test). */
  isNaN(x: V): V {
    return this.b.CreateFCmpUNE(x, x, this.name('isnan'));
  }
  select(c: V, a: V, b: V): V {
    return this.b.CreateSelect(c, a, b, this.name('sel'));
  }
  /** max/min as JavaScript's Math.max/min for non-NaN inputs. */
  max(a: V, b: V): V {
    return this.select(this.gt(a, b), a, b);
  }
  min(a: V, b: V): V {
    return this.select(this.lt(a, b), a, b);
  }
  sitofp(i: V): V {
    return this.b.CreateSIToFP(i, this.f64, this.name('f'));
  }

  // ---- math ------------------------------------------------------------------------------------

  /** A libm function by name (the JIT resolves it in the process: glibc's exact bits). */
  libm(name: LibmUnary, x: V): V {
    const l = this.l;
    const f = this.module.getOrInsertFunction(name, l.FunctionType.get(this.f64, [this.f64], false));
    return this.b.CreateCall(f, [x], this.name(name));
  }
  pow(x: V, y: V): V {
    const l = this.l;
    const f = this.module.getOrInsertFunction('pow', l.FunctionType.get(this.f64, [this.f64, this.f64], false));
    return this.b.CreateCall(f, [x, y], this.name('pow'));
  }
  sqrt(x: V): V {
    const l = this.l;
    return this.b.CreateCall(l.Intrinsic.getDeclaration(this.module, l.Intrinsic.sqrt, [this.f64]), [x], this.name('sqrt'));
  }
  fabs(x: V): V {
    const l = this.l;
    return this.b.CreateCall(l.Intrinsic.getDeclaration(this.module, l.Intrinsic.fabs, [this.f64]), [x], this.name('abs'));
  }
  exp(x: V): V {
    return this.libm('exp', x);
  }
  log(x: V): V {
    return this.libm('log', x);
  }
  tanh(x: V): V {
    return this.libm('tanh', x);
  }

  // ---- control flow -----------------------------------------------------------------------------

  block(hint: string): LLVM.BasicBlock {
    return this.l.BasicBlock.Create(this.ctx, this.name(hint), this.fn!);
  }

  /**
   * for (i = 0; i < n; i++) body(i) — i is an i32 value. A loop of at most UNROLL_MAX constant
   * iterations is emitted unrolled (the same operations in the same order): the optimiser would
   * unroll it anyway, after analysing it as a loop, which is most of the compile time of small models.
   */
  loop(n: number | V, body: (i: V) => void, hint = 'i'): void {
    if (typeof n === 'number' && n <= 0) return;
    if (typeof n === 'number' && n <= UNROLL_MAX) {
      for (let k = 0; k < n; k++) body(this.int(k));
      return;
    }
    const b = this.b;
    const counter = this.alloca(this.i32, 1, hint);
    b.CreateStore(this.int(0), counter);
    const head = this.block(`${hint}.head`);
    const bodyB = this.block(`${hint}.body`);
    const exit = this.block(`${hint}.exit`);
    b.CreateBr(head);
    b.SetInsertPoint(head);
    const i = b.CreateLoad(this.i32, counter, this.name(hint));
    const limit = typeof n === 'number' ? this.int(n) : n;
    b.CreateCondBr(b.CreateICmpSLT(i, limit), bodyB, exit);
    b.SetInsertPoint(bodyB);
    body(i);
    b.CreateStore(b.CreateAdd(i, this.int(1)), counter);
    b.CreateBr(head);
    b.SetInsertPoint(exit);
  }

  /** if (cond) then() else otherwise() — cond is an i1. */
  ifThen(cond: V, then: () => void, otherwise?: () => void): void {
    const b = this.b;
    const t = this.block('then');
    const e = otherwise ? this.block('else') : null;
    const join = this.block('endif');
    b.CreateCondBr(cond, t, e ?? join);
    b.SetInsertPoint(t);
    then();
    b.CreateBr(join);
    if (e && otherwise) {
      b.SetInsertPoint(e);
      otherwise();
      b.CreateBr(join);
    }
    b.SetInsertPoint(join);
  }

  /** while (cond()) body() — cond emits an i1 each iteration; `brk` jumps out. */
  whileLoop(cond: () => V, body: (brk: () => void) => void, hint = 'while'): void {
    const b = this.b;
    const head = this.block(`${hint}.head`);
    const bodyB = this.block(`${hint}.body`);
    const exit = this.block(`${hint}.exit`);
    b.CreateBr(head);
    b.SetInsertPoint(head);
    b.CreateCondBr(cond(), bodyB, exit);
    b.SetInsertPoint(bodyB);
    body(() => {
      b.CreateBr(exit);
      b.SetInsertPoint(this.block(`${hint}.dead`));
    });
    b.CreateBr(head);
    b.SetInsertPoint(exit);
  }

  /** A double variable on the stack with an initial value. */
  variable(init: V, hint = 'var'): { get: () => V; set: (v: V) => void } {
    const slot = this.alloca(this.f64, 1, hint);
    this.b.CreateStore(init, slot);
    return { get: () => this.b.CreateLoad(this.f64, slot, this.name(hint)), set: (v) => void this.b.CreateStore(v, slot) };
  }

  /** An i32 variable on the stack. */
  intVariable(init: V, hint = 'ivar'): { get: () => V; set: (v: V) => void } {
    const slot = this.alloca(this.i32, 1, hint);
    this.b.CreateStore(init, slot);
    return { get: () => this.b.CreateLoad(this.i32, slot, this.name(hint)), set: (v) => void this.b.CreateStore(v, slot) };
  }

  /**
   * Marks a function for the inliner. llvm-bindings has no attribute API, so the attribute is
   * written into the printed IR's `define` line (the text libLLVM parses).
   */
  inlining(name: string, attr: 'noinline' | 'alwaysinline'): void {
    this.fnAttrs.set(name, attr);
  }

  print(): string {
    const text = this.module.print();
    if (this.fnAttrs.size === 0) return text;
    return text.replace(/^(define [^@\n]*@("[^"]+"|[-\w.$]+)\([^\n]*\)) \{$/gm, (line, head: string, name: string) => {
      const attr = this.fnAttrs.get(name.replace(/^"|"$/g, ''));
      return attr ? `${head} ${attr} {` : line;
    });
  }

  /**
   * The module as the JIT takes it: bitcode (written by llvm-bindings to a file in a private
   * temporary directory, read back and removed: ~1.2 ms for Stroop against ~4 ms to print
   * 200 KB of text, which LLVM then spends ~3 ms parsing) with the function attributes to set; the
   * IR text if no file can be written there.
   */
  handOver(): IRInput {
    let dir: string;
    try {
      // a private directory (mode 0700): a predictable name in the shared tmp could be a planted symlink
      dir = mkdtempSync(join(tmpdir(), 'cogstudio-bitcode-'));
    } catch {
      return this.print();
    }
    try {
      const file = join(dir, 'module.bc');
      this.l.WriteBitcodeToFile(this.module, file);
      return { bitcode: readFileSync(file), attributes: [...this.fnAttrs] };
    } catch {
      return this.print();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  verify(): string | null {
    return this.l.verifyModule(this.module) ? 'the generated module does not verify' : null;
  }
}
