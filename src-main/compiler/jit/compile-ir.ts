/**
 * IR text → native functions: parse, verify, optimise for the host CPU, build machine code with an
 * LLJIT, look the entry points up and call them through koffi. One LLJIT per compiled module; it
 * owns the machine code and is freed by `dispose()` (LLJIT create/dispose is leak-free).
 */
import { performance } from 'node:perf_hooks';
import { JitError, type JitStage } from './jit-error.js';
import {
  OBJECT_CACHE_LIMITS,
  objectCacheDir,
  objectCacheKey,
  readCacheEntry,
  writeCacheEntry,
  type IrSignature,
  type ObjectCacheStatus,
} from './object-cache.js';
import {
  ATTRIBUTE_FUNCTION_INDEX,
  CODEGEN_OBJECT_FILE,
  CODE_MODEL_JIT_DEFAULT,
  LINKAGE_EXTERNAL,
  RELOC_DEFAULT,
  TYPE_KIND,
  VERIFIER_RETURN_STATUS,
  CODEGEN_FLAGS,
  libraryVersion,
  llvmC,
  takeError,
  takeMessage,
  type CStringRef,
  type CodePointer,
  type ContextRef,
  type DefinitionGeneratorRef,
  type ErrorRef,
  type JITDylibRef,
  type LLJITRef,
  type LlvmC,
  type MemoryBufferRef,
  type ModuleRef,
  type Out,
  type PassBuilderOptionsRef,
  type TargetMachineRef,
  type TargetRef,
  type TypeRef,
} from './llvm-c.js';

export type OptLevel = 0 | 1 | 2 | 3;

/**
 * What the JIT compiles: LLVM IR text, or the bitcode of a module (what the code generator hands
 * over: writing and reading bitcode takes ~1.5 ms for Stroop where printing and parsing its
 * 200 KB of text took ~7). `attributes` are function attributes to set after reading it
 * (llvm-bindings cannot set attributes on the module it writes).
 */
export type IRInput = string | IRBitcode;
export interface IRBitcode {
  readonly bitcode: Buffer;
  readonly attributes?: readonly (readonly [fn: string, attribute: 'noinline' | 'alwaysinline'])[];
}

/** The input's size in bytes (IR text in UTF-8, or bitcode). */
export function irInputBytes(input: IRInput): number {
  return typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.bitcode.length;
}
export type { ObjectCacheStatus } from './object-cache.js';

export interface CompileOptions {
  /** `default<On>` pass pipeline and the matching codegen level (O0 → codegen None). Default 2. */
  optLevel?: OptLevel;
  /** Keep the optimised IR text (for `--emit-ir` and the studio's IR viewer). */
  emitOptimizedIR?: boolean;
  /** Buffer name that LLVM's parse messages start with. Default `module.ll`. */
  name?: string;
  /**
   * Directory of the on-disk object cache, or `'off'`. Default: `COGSTUDIO_OBJECT_CACHE` (which may
   * also be `off`), else `$XDG_CACHE_HOME/cogstudio/objects` or `~/.cache/cogstudio/objects`.
   */
  objectCache?: string;
  /**
   * `false`: use an entry of the object cache, but do not write one on a miss (code that is
   * about to be replaced, e.g. a tiered compile's O0 code, is not worth the write). Default true.
   */
  storeInCache?: boolean;
}

export interface CompileTimings {
  ir_parse_ms: number;
  verify_ms: number;
  optimize_ms: number;
  /** Code generation to an object file in memory (object cache on, miss); 0 otherwise. */
  object_emit_ms: number;
  /** Reading and validating a cache entry (0 with the cache off or when the optimised IR is wanted). */
  cache_read_ms: number;
  /** Writing the entry and pruning the cache (miss only). */
  cache_write_ms: number;
  /**
   * LLJIT creation, adding the module or object, and linking (forced by looking up every entry
   * point); with the cache off this includes code generation.
   */
  machine_code_ms: number;
  total_ms: number;
}

/** Memory that can be bound to pointer parameters. */
export type Buffers = (ArrayBuffer | ArrayBufferView)[];

/** Drops the first N elements of a tuple type. */
type DropFirst<T extends readonly unknown[], N extends number, Dropped extends unknown[] = []> =
  Dropped['length'] extends N ? T : T extends readonly [unknown, ...infer Rest] ? DropFirst<Rest, N, [...Dropped, unknown]> : [];

type AsyncCallback<R> = (err: unknown, result: R) => void;

/** A callable whose leading buffer arguments are fixed: ~70 ns a call instead of ~120 ns per typed array. */
export type BoundNativeFunction<A extends unknown[], R> = ((...args: A) => R) & {
  async(...args: [...A, AsyncCallback<R>]): void;
  callAsync(...args: A): Promise<R>;
};

/** A native entry point with a guard against use after `dispose()`. */
export type NativeFunction<T extends (...args: never[]) => unknown> = T & {
  /** Runs on a koffi worker thread; the last argument is a node-style callback. */
  async(...args: [...Parameters<T>, AsyncCallback<ReturnType<T>>]): void;
  /** `async` as a promise, for long runs that must not block the event loop. */
  callAsync(...args: Parameters<T>): Promise<ReturnType<T>>;
  /**
   * Fixes the leading pointer parameters to these buffers (held, so never collected while the
   * bound function lives) and passes their addresses as integers: koffi marshals a typed array in
   * ~120 ns, an integer in a few. Calls throw if a bound buffer was detached or resized.
   */
  bindBuffers<B extends Buffers>(
    ...buffers: B
  ): BoundNativeFunction<DropFirst<Parameters<T>, B['length']>, ReturnType<T>>;
};

export interface NativeModule {
  readonly timings: CompileTimings;
  readonly optimizedIR?: string;
  /** Size of the IR text in UTF-8 bytes. */
  readonly irBytes: number;
  readonly optLevel: OptLevel;
  /** `hit`: the object came from the disk cache (no parse, optimisation or codegen); `miss`: compiled and stored. */
  readonly objectCache: ObjectCacheStatus;
  /** Functions defined with external linkage, in module order: the names `fn` accepts. */
  readonly entryPoints: readonly string[];
  readonly disposed: boolean;
  /**
   * A callable for an entry point. `signature` is a koffi prototype with a name, e.g.
   * `'int32 run(double *state, double *inputs, int32 n)'`; typed arrays are passed zero-copy.
   * Throws a lookup-stage JitError for a name the module does not define.
   */
  fn<T extends (...args: never[]) => unknown>(name: string, signature: string): NativeFunction<T>;
  /** Frees the machine code (deferred until in-flight async calls return). Idempotent. */
  dispose(): void;
}

export interface OptimizedIR {
  readonly ir: string;
  readonly timings: Pick<CompileTimings, 'ir_parse_ms' | 'verify_ms' | 'optimize_ms' | 'total_ms'>;
}

type Koffi = LlvmC['koffi'];
type KoffiFn = ((...args: unknown[]) => unknown) & {
  async(...args: unknown[]): void;
  info: { arguments: ReturnType<Koffi['proto']>[]; result: ReturnType<Koffi['proto']> };
};
type ProtoType = ReturnType<Koffi['proto']>;

/** Host facts and long-lived LLVM objects, created once per process. */
export interface Host {
  readonly c: LlvmC;
  readonly triple: string;
  readonly cpu: string;
  readonly features: string;
  readonly target: TargetRef;
  readonly passOptions: PassBuilderOptionsRef;
  /** Target machines used by the optimiser (for TargetTransformInfo), one per level. */
  readonly optimizerTM: Map<OptLevel, TargetMachineRef>;
  /**
   * Target machines that emit object files on the main thread, one per level, kept: a target
   * machine builds its subtarget (instruction tables, lowering) on first use, ~2-5 ms of every
   * compile when each emission had a fresh one. The background compile has its own.
   */
  readonly emitterTM: Map<OptLevel, TargetMachineRef>;
  readonly protos: Map<string, ProtoType>;
  /** koffi-registered session error reporter (LLVM reports materialisation causes through it). */
  readonly reporter: unknown;
  readonly sessionErrors: string[];
}

let host: Host | null = null;

export function getHost(): Host {
  if (host) return host;
  const c = llvmC();
  const triple = takeMessage(c, c.LLVMGetDefaultTargetTriple());
  const cpu = takeMessage(c, c.LLVMGetHostCPUName());
  const features = takeMessage(c, c.LLVMGetHostCPUFeatures());
  const outTarget: Out<TargetRef> = [null];
  const outMsg: Out<CStringRef> = [null];
  const failed = c.LLVMGetTargetFromTriple(triple, outTarget, outMsg);
  const msg = takeMessage(c, outMsg[0]);
  if (failed || !outTarget[0]) throw new JitError('load', `no LLVM target for ${triple}: ${msg}`);
  const sessionErrors: string[] = [];
  const reporterType = c.koffi.pointer(c.koffi.proto('void (void *ctx, void *err)'));
  const reporter = c.koffi.register((_ctx: unknown, err: ErrorRef) => {
    sessionErrors.push(takeError(c, err));
  }, reporterType);
  host = {
    c,
    triple,
    cpu,
    features,
    target: outTarget[0],
    passOptions: c.LLVMCreatePassBuilderOptions(),
    optimizerTM: new Map(),
    emitterTM: new Map(),
    protos: new Map(),
    reporter,
    sessionErrors,
  };
  return host;
}

/** A target machine for the host CPU with its features, at the codegen level matching `level`. */
export function hostTargetMachine(h: Host, level: OptLevel): TargetMachineRef {
  const tm = h.c.LLVMCreateTargetMachine(
    h.target, h.triple, h.cpu, h.features, level, RELOC_DEFAULT, CODE_MODEL_JIT_DEFAULT,
  );
  if (!tm) throw new JitError('load', `LLVM could not create a target machine for ${h.triple} (${h.cpu})`);
  return tm;
}

function optimizerTM(h: Host, level: OptLevel): TargetMachineRef {
  let tm = h.optimizerTM.get(level);
  if (!tm) h.optimizerTM.set(level, (tm = hostTargetMachine(h, level)));
  return tm;
}

/** Throws a JitError for a failed LLVMErrorRef, after consuming it. */
export function check(h: Host, err: ErrorRef | null, stage: JitStage): void {
  if (!err) return;
  const message = takeError(h.c, err);
  const causes = h.sessionErrors.splice(0);
  throw new JitError(stage, [...causes, message].join('\n'));
}

export function checkOptLevel(level: unknown): OptLevel {
  if (level === 0 || level === 1 || level === 2 || level === 3) return level;
  throw new JitError('optimize', `optLevel must be 0, 1, 2 or 3, not ${String(level)}`);
}

/** Parsed, verified and optimised module, still owned by the caller (with its context). */
interface FrontEnd {
  module: ModuleRef;
  tsc: ReturnType<LlvmC['LLVMOrcCreateNewThreadSafeContext']>;
  ir_parse_ms: number;
  verify_ms: number;
  optimize_ms: number;
}

let scratch = Buffer.alloc(0);

/** The IR as UTF-8 in a reused buffer (LLVM copies it): no garbage external memory per compile. */
export function utf8(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  if (scratch.length < length) scratch = Buffer.allocUnsafeSlow(Math.max(length, 2 * scratch.length));
  scratch.write(text, 'utf8');
  return scratch.subarray(0, length);
}

/** An LLVM buffer holding a copy of IR text (parsing takes ownership of it). */
export function textBuffer(h: Host, irText: string, name: string): MemoryBufferRef {
  const bytes = utf8(irText);
  const buf = h.c.LLVMCreateMemoryBufferWithMemoryRangeCopy(bytes, bytes.length, name);
  if (!buf) throw new JitError('parse', 'LLVM could not allocate the IR buffer');
  return buf;
}

/** Parses IR text into a module of `ctx`; throws a parse JitError with LLVM's message. */
function parseText(h: Host, ctx: ContextRef, irText: string, name: string): ModuleRef {
  const { c } = h;
  const outModule: Out<ModuleRef> = [null];
  const outMsg: Out<CStringRef> = [null];
  // Takes ownership of the buffer, whatever the outcome.
  const failed = c.LLVMParseIRInContext(ctx, textBuffer(h, irText, name), outModule, outMsg);
  const parseMessage = takeMessage(c, outMsg[0]);
  if (failed || !outModule[0]) throw new JitError('parse', parseMessage || 'the IR could not be parsed');
  return outModule[0];
}

/**
 * Reads bitcode into a module of `ctx` and sets its function attributes; throws a parse JitError.
 * Through LLVMParseIRInContext, which recognises bitcode and returns LLVM's message on failure
 * (LLVMParseBitcodeInContext2 reports through the context's diagnostic handler, whose default
 * exits the process).
 */
export function readBitcode(h: Host, ctx: ContextRef, input: IRBitcode, name: string): ModuleRef {
  const { c } = h;
  const buf = c.LLVMCreateMemoryBufferWithMemoryRangeCopy(input.bitcode, input.bitcode.length, name);
  if (!buf) throw new JitError('parse', 'LLVM could not allocate the bitcode buffer');
  const outModule: Out<ModuleRef> = [null];
  const outMsg: Out<CStringRef> = [null];
  // Takes ownership of the buffer, whatever the outcome.
  const failed = c.LLVMParseIRInContext(ctx, buf, outModule, outMsg);
  const message = takeMessage(c, outMsg[0]);
  const module = outModule[0];
  if (failed || !module) throw new JitError('parse', `${name}: the bitcode could not be read${message ? `: ${message}` : ''}`);
  try {
    for (const [fn, attribute] of input.attributes ?? []) {
      const f = c.LLVMGetNamedFunction(module, fn);
      const kind = c.LLVMGetEnumAttributeKindForName(attribute, attribute.length);
      if (!f || kind === 0) throw new JitError('parse', `${name}: cannot mark @${fn} ${attribute}: ${f ? 'unknown attribute' : 'no such function'}`);
      c.LLVMAddAttributeAtIndex(f, ATTRIBUTE_FUNCTION_INDEX, c.LLVMCreateEnumAttribute(ctx, kind, 0));
    }
  } catch (e) {
    c.LLVMDisposeModule(module);
    throw e;
  }
  return module;
}

/**
 * The optimisation pipeline of a level (also used by the background compile, compile-ir-async.ts).
 * Functions marked `alwaysinline` are inlined first (default<O0> does only that): at O1-O3 the
 * inliner would otherwise optimise each of them alone before inlining them.
 */
export function passPipeline(level: OptLevel): string {
  return level === 0 ? 'default<O0>' : `always-inline,default<O${level}>`;
}

/**
 * Optimise with the data layout the JIT will use; a module that names another target keeps it
 * (and the JIT reports the mismatch).
 */
export function prepareTarget(h: Host, module: ModuleRef, tm: TargetMachineRef): void {
  const { c } = h;
  if (c.LLVMGetTarget(module) === '') c.LLVMSetTarget(module, h.triple);
  if (c.LLVMGetDataLayoutStr(module) === '') {
    const dl = c.LLVMCreateTargetDataLayout(tm);
    c.LLVMSetModuleDataLayout(module, dl);
    c.LLVMDisposeTargetData(dl);
  }
}

/** Runs parse → verify → optimise; on failure frees everything and throws. */
function frontEnd(h: Host, input: IRInput, level: OptLevel, name: string): FrontEnd {
  const { c } = h;
  let t = performance.now();
  const tsc = c.LLVMOrcCreateNewThreadSafeContext();
  let module: ModuleRef | null = null;
  try {
    const ctx = c.LLVMOrcThreadSafeContextGetContext(tsc);
    module = typeof input === 'string' ? parseText(h, ctx, input, name) : readBitcode(h, ctx, input, name);
    const ir_parse_ms = performance.now() - t;

    t = performance.now();
    const verifyMsg: Out<CStringRef> = [null];
    const broken = c.LLVMVerifyModule(module, VERIFIER_RETURN_STATUS, verifyMsg);
    const verifyMessage = takeMessage(c, verifyMsg[0]);
    if (broken) throw new JitError('verify', verifyMessage || 'the module is invalid');
    const verify_ms = performance.now() - t;

    t = performance.now();
    const tm = optimizerTM(h, level);
    prepareTarget(h, module, tm);
    check(h, c.LLVMRunPasses(module, passPipeline(level), tm, h.passOptions), 'optimize');
    const optimize_ms = performance.now() - t;
    const result = { module, tsc, ir_parse_ms, verify_ms, optimize_ms };
    module = null;
    return result;
  } catch (e) {
    // The module lives in the context: free it first.
    if (module) c.LLVMDisposeModule(module);
    c.LLVMOrcDisposeThreadSafeContext(tsc);
    throw e;
  }
}

function printModule(c: LlvmC, module: ModuleRef): string {
  return takeMessage(c, c.LLVMPrintModuleToString(module));
}

function irTypeClass(c: LlvmC, t: TypeRef): string {
  switch (c.LLVMGetTypeKind(t)) {
    case TYPE_KIND.Void:
      return 'void';
    case TYPE_KIND.Float:
      return 'f32';
    case TYPE_KIND.Double:
      return 'f64';
    case TYPE_KIND.Integer:
      return `i${c.LLVMGetIntTypeWidth(t)}`;
    case TYPE_KIND.Pointer:
      return 'ptr';
    case TYPE_KIND.Struct:
    case TYPE_KIND.Array:
    case TYPE_KIND.Vector:
      return 'agg';
    default:
      return 'other';
  }
}

/** The functions the module defines with external linkage (the possible entry points), with their types. */
export function definedFunctions(c: LlvmC, module: ModuleRef): Map<string, IrSignature> {
  const functions = new Map<string, IrSignature>();
  for (let f = c.LLVMGetFirstFunction(module); f; f = c.LLVMGetNextFunction(f)) {
    if (c.LLVMIsDeclaration(f) || c.LLVMGetLinkage(f) !== LINKAGE_EXTERNAL) continue;
    const params = Array.from({ length: c.LLVMCountParams(f) }, (_, i) => irTypeClass(c, c.LLVMTypeOf(c.LLVMGetParam(f, i))));
    const result = irTypeClass(c, c.LLVMGetReturnType(c.LLVMGlobalGetValueType(f)));
    functions.set(c.LLVMGetValueName2(f, [null]), { result, params });
  }
  return functions;
}

/** The same classes for a koffi type. */
function koffiTypeClass(koffi: Koffi, t: ProtoType): string {
  const { primitive, size } = koffi.introspect(t);
  if (primitive === 'Void') return 'void';
  if (primitive === 'Float32') return 'f32';
  if (primitive === 'Float64') return 'f64';
  if (primitive === 'Bool') return 'i1';
  if (/^U?Int\d/.test(primitive)) return `i${size * 8}`;
  if (['Pointer', 'String', 'String16', 'Prototype', 'Callback'].includes(primitive)) return 'ptr';
  return 'agg';
}

/** Refuses a signature whose arity or C types differ from the IR function's (a mismatch would crash or give garbage). */
function checkSignature(koffi: Koffi, name: string, signature: string, ir: IrSignature, raw: KoffiFn): void {
  const sameClass = (k: string, l: string): boolean => k === l || (k === 'i1' && l === 'i8') || (k === 'i8' && l === 'i1');
  const params = raw.info.arguments.map((t) => koffiTypeClass(koffi, t));
  const result = koffiTypeClass(koffi, raw.info.result);
  const matches =
    sameClass(result, ir.result) && params.length === ir.params.length && params.every((p, i) => sameClass(p, ir.params[i]!));
  if (!matches) {
    throw new JitError(
      'lookup',
      `signature "${signature}" does not match the compiled function: ${ir.result} @${name}(${ir.params.join(', ')})`,
    );
  }
}

/** An LLJIT for the host at the codegen level, resolving undefined symbols (libm…) in the process. */
function createJit(h: Host, level: OptLevel): LLJITRef {
  const { c } = h;
  const builder = c.LLVMOrcCreateLLJITBuilder();
  // The C API of LLVM 14 has no setter for the codegen level of a detected host builder: build it
  // from a host target machine instead (same triple, CPU and features; the TM is consumed).
  c.LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(
    builder,
    c.LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(hostTargetMachine(h, level)),
  );
  const outJit: Out<LLJITRef> = [null];
  check(h, c.LLVMOrcCreateLLJIT(outJit, builder), 'jit'); // consumes the builder
  const jit = outJit[0]!;
  try {
    c.LLVMOrcExecutionSessionSetErrorReporter(c.LLVMOrcLLJITGetExecutionSession(jit), h.reporter, null);
    const outGen: Out<DefinitionGeneratorRef> = [null];
    check(
      h,
      c.LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(outGen, c.LLVMOrcLLJITGetGlobalPrefix(jit), null, null),
      'jit',
    );
    c.LLVMOrcJITDylibAddGenerator(c.LLVMOrcLLJITGetMainJITDylib(jit), outGen[0]!);
    return jit;
  } catch (e) {
    disposeJit(h, jit);
    throw e;
  }
}

/** Frees an LLJIT; returns LLVM's message if it reported one. */
function disposeJit(h: Host, jit: LLJITRef): string | null {
  const err = h.c.LLVMOrcDisposeLLJIT(jit);
  const causes = h.sessionErrors.splice(0);
  if (!err) return causes.length ? causes.join('\n') : null;
  return [...causes, takeError(h.c, err)].join('\n');
}

/** koffi prototype for a named signature; the name is dropped because koffi's names are global. */
function protoFor(h: Host, signature: string): ProtoType {
  const m = /^(.*?)([A-Za-z_]\w*)\s*\(/s.exec(signature);
  const result = m?.[1]?.trim();
  if (!m || !result) {
    throw new JitError('lookup', `signature "${signature}" must read like "double name(double *x, int32 n)"`);
  }
  const anonymous = `${result} ${signature.slice(m[0].length - 1)}`;
  let proto = h.protos.get(anonymous);
  if (proto) return proto;
  try {
    proto = h.c.koffi.proto(anonymous);
  } catch (e) {
    throw new JitError('lookup', `signature "${signature}": ${(e as Error).message}`);
  }
  h.protos.set(anonymous, proto);
  return proto;
}

/** The address of a typed array's memory (memmove(p, p, 0) returns p; ArrayBuffer memory never moves). */
function addressOf(h: Host, view: ArrayBuffer | ArrayBufferView): number {
  return Number(h.c.koffi.address(h.c.memmove(view, view, 0)));
}

/** Referencing the buffers from the completion callback keeps them alive while a worker uses them. */
function holdUntilDone(_buffers: Buffers): void {}

/** What the garbage collector may free if a module is dropped without `dispose()`. */
export interface Owned {
  jit: LLJITRef | null;
}

const unreleased = new FinalizationRegistry<Owned>((owned) => {
  if (host && owned.jit) disposeJit(host, owned.jit);
  owned.jit = null;
});

export class CompiledModule implements NativeModule {
  readonly optLevel: OptLevel;
  readonly entryPoints: readonly string[];
  private isDisposed = false;
  private inFlight = 0;

  constructor(
    private readonly h: Host,
    private readonly owned: Owned,
    private readonly addresses: ReadonlyMap<string, CodePointer>,
    private readonly signatures: ReadonlyMap<string, IrSignature>,
    readonly timings: CompileTimings,
    readonly irBytes: number,
    level: OptLevel,
    readonly optimizedIR: string | undefined,
    readonly objectCache: ObjectCacheStatus,
  ) {
    this.optLevel = level;
    this.entryPoints = [...addresses.keys()];
    unreleased.register(this, owned, this);
  }

  get disposed(): boolean {
    return this.isDisposed;
  }

  fn<T extends (...args: never[]) => unknown>(name: string, signature: string): NativeFunction<T> {
    this.assertLive(name);
    const address = this.addresses.get(name);
    if (!address) {
      throw new JitError(
        'lookup',
        `Symbols not found: [ ${name} ] (this module defines: ${this.entryPoints.join(', ') || 'nothing'})`,
      );
    }
    const { koffi } = this.h.c;
    const raw = koffi.decode(address, protoFor(this.h, signature)) as KoffiFn;
    checkSignature(koffi, name, signature, this.signatures.get(name)!, raw);
    const live = (): boolean => !this.isDisposed;
    const call = this.guarded(raw, raw.info.arguments.length, live, () => this.refuse(name));
    const asyncForms = this.asyncForms(name, (args, done) => raw.async(...args, done));
    const bindBuffers = (...buffers: Buffers): unknown => this.bind(address, raw, name, buffers);
    return Object.assign(call, asyncForms, { bindBuffers }) as unknown as NativeFunction<T>;
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    unreleased.unregister(this);
    if (this.inFlight === 0) {
      const problem = this.release();
      if (problem) throw new JitError('jit', problem);
    }
  }

  private release(): string | null {
    const jit = this.owned.jit;
    this.owned.jit = null;
    return jit ? disposeJit(this.h, jit) : null;
  }

  private settle(): void {
    this.inFlight--;
    if (this.isDisposed && this.inFlight === 0) {
      const problem = this.release();
      if (problem) process.emitWarning(`LLJIT dispose: ${problem}`, 'JitWarning');
    }
  }

  /** `async` (node-style callback) and `callAsync` (promise); disposal waits for them. */
  private asyncForms(
    name: string,
    start: (args: unknown[], done: AsyncCallback<unknown>) => void,
  ): { async: (...args: unknown[]) => void; callAsync: (...args: unknown[]) => Promise<unknown> } {
    const withCallback = (...args: unknown[]): void => {
      this.assertLive(name);
      const done = args.pop();
      if (typeof done !== 'function') throw new TypeError(`${name}.async needs a callback as its last argument`);
      this.inFlight++;
      try {
        start(args, (err, result) => {
          this.settle();
          (done as AsyncCallback<unknown>)(err, result);
        });
      } catch (e) {
        this.settle();
        throw e;
      }
    };
    const callAsync = (...args: unknown[]): Promise<unknown> =>
      new Promise((resolve, reject) => {
        withCallback(...args, (err: unknown, result: unknown) => (err ? reject(err) : resolve(result)));
      });
    return { async: withCallback, callAsync };
  }

  private bind(address: CodePointer, raw: KoffiFn, name: string, buffers: Buffers): unknown {
    this.assertLive(name);
    const { koffi } = this.h.c;
    const params = raw.info.arguments;
    const k = buffers.length;
    if (k === 0 || k > params.length) throw new TypeError(`${name} takes ${params.length} arguments; cannot bind ${k} buffers`);
    buffers.forEach((b, i) => {
      if (!(b instanceof ArrayBuffer || ArrayBuffer.isView(b)) || b.byteLength === 0) {
        throw new TypeError(`buffer ${i + 1} bound to ${name} is not a non-empty ArrayBuffer or typed array`);
      }
      if (koffi.introspect(params[i]!).primitive !== 'Pointer') throw new TypeError(`parameter ${i + 1} of ${name} is not a pointer`);
    });
    const proto = koffi.proto(raw.info.result, [...buffers.map(() => 'intptr_t'), ...params.slice(k)]);
    const bound = koffi.decode(address, proto) as KoffiFn;
    const addresses = buffers.map((b) => addressOf(this.h, b));
    const lengths = buffers.map((b) => b.byteLength);
    const unchanged = (): boolean => {
      for (let i = 0; i < k; i++) if (buffers[i]!.byteLength !== lengths[i]) return false;
      return true;
    };
    const refuse = (): never => {
      if (this.isDisposed) this.refuse(name);
      throw new JitError('call', `a buffer bound to "${name}" was detached or resized`);
    };
    const checkBuffers = (): void => {
      if (!unchanged()) refuse();
    };
    // A V8 bound function prepends the addresses without allocating per call.
    const prefixed = bound.bind(null, ...addresses);
    const call = this.guarded(prefixed, params.length - k, () => !this.isDisposed && unchanged(), refuse);
    const asyncForms = this.asyncForms(name, (rest, done) => {
      checkBuffers();
      bound.async(...addresses, ...rest, (err: unknown, result: unknown) => {
        holdUntilDone(buffers);
        done(err, result);
      });
    });
    return Object.assign(call, asyncForms);
  }

  private assertLive(name: string): void {
    if (this.isDisposed) this.refuse(name);
  }

  private refuse(name: string): never {
    throw new JitError('call', `"${name}" belongs to a disposed native module`);
  }

  /** A wrapper that refuses to run disposed code; fixed arities avoid rest-argument cost per call. */
  /**
   * A wrapper that calls `fn` only while `usable()` holds (else `refuse` throws). Fixed arities
   * avoid the cost of rest arguments and spread on every call.
   */
  private guarded(
    fn: (...args: unknown[]) => unknown,
    arity: number,
    usable: () => boolean,
    refuse: () => never,
  ): (...args: unknown[]) => unknown {
    switch (arity) {
      case 0:
        return () => (usable() ? fn() : refuse());
      case 1:
        return (a: unknown) => (usable() ? fn(a) : refuse());
      case 2:
        return (a: unknown, b: unknown) => (usable() ? fn(a, b) : refuse());
      case 3:
        return (a: unknown, b: unknown, c: unknown) => (usable() ? fn(a, b, c) : refuse());
      case 4:
        return (a: unknown, b: unknown, c: unknown, d: unknown) => (usable() ? fn(a, b, c, d) : refuse());
      case 5:
        return (a: unknown, b: unknown, c: unknown, d: unknown, e: unknown) => (usable() ? fn(a, b, c, d, e) : refuse());
      default:
        return (...args: unknown[]) => (usable() ? fn(...args) : refuse());
    }
  }
}

/** Adds code to a fresh LLJIT and looks up every entry point (which links, and compiles IR). */
export function link(
  h: Host,
  level: OptLevel,
  names: Iterable<string>,
  add: (jit: LLJITRef, jd: JITDylibRef) => void,
): { jit: LLJITRef; addresses: Map<string, CodePointer> } {
  const { c } = h;
  const jit = createJit(h, level);
  try {
    add(jit, c.LLVMOrcLLJITGetMainJITDylib(jit));
    // The first lookup materialises the whole module; unresolved externals surface here.
    const addresses = new Map<string, CodePointer>();
    for (const name of names) {
      const out: Out<CodePointer> = [null];
      check(h, c.LLVMOrcLLJITLookup(jit, out, name), 'jit');
      addresses.set(name, out[0]!);
    }
    return { jit, addresses };
  } catch (e) {
    disposeJit(h, jit);
    throw e;
  }
}

/** Hands a copy of `object` to the LLJIT (which takes ownership of the LLVM buffer). */
export function addObject(h: Host, jit: LLJITRef, jd: JITDylibRef, object: Buffer): void {
  const buf = h.c.LLVMCreateMemoryBufferWithMemoryRangeCopy(object, object.length, 'cogstudio-object.o');
  if (!buf) throw new JitError('jit', 'LLVM could not allocate the object buffer');
  check(h, h.c.LLVMOrcLLJITAddObjectFile(jit, jd, buf), 'jit');
}

/** Code generation of an optimised module to an object file, copied into a Buffer. */
function emitObject(h: Host, module: ModuleRef, level: OptLevel): Buffer {
  const { c } = h;
  // Not the optimiser's target machine (emission must not disturb it): one of its own, reused.
  let tm = h.emitterTM.get(level);
  if (!tm) h.emitterTM.set(level, (tm = hostTargetMachine(h, level)));
  const outMsg: Out<CStringRef> = [null];
  const outBuf: Out<MemoryBufferRef> = [null];
  const failed = c.LLVMTargetMachineEmitToMemoryBuffer(tm, module, CODEGEN_OBJECT_FILE, outMsg, outBuf);
  return takeObject(h, failed, outMsg[0], outBuf[0]);
}

/** The outcome of LLVMTargetMachineEmitToMemoryBuffer: the object copied into a Buffer (LLVM's freed), or a JitError. */
export function takeObject(h: Host, failed: number, msg: CStringRef | null, buf: MemoryBufferRef | null): Buffer {
  const { c } = h;
  const message = takeMessage(c, msg);
  if (failed || !buf) {
    if (buf) c.LLVMDisposeMemoryBuffer(buf);
    throw new JitError('jit', message || 'LLVM could not emit an object file');
  }
  try {
    const size = Number(c.LLVMGetBufferSize(buf));
    return Buffer.from(new Uint8Array(c.koffi.view(c.LLVMGetBufferStart(buf), size)));
  } finally {
    c.LLVMDisposeMemoryBuffer(buf);
  }
}

const warned = new Set<string>();

/**
 * Compiles LLVM IR text to native code for the host CPU. Throws a JitError naming the stage
 * (parse, verify, optimize, jit) with LLVM's message.
 *
 * With the object cache on (the default; see `CompileOptions.objectCache`), the object code is
 * looked up on disk by a hash of the IR text, host CPU and features, LLVM version and opt level:
 * a hit skips parse, optimisation and codegen. A miss compiles, emits an object, links that same
 * object, and stores it. An unusable entry is recompiled and overwritten.
 */
export function compileIR(irText: IRInput, opts: CompileOptions = {}): NativeModule {
  const start = performance.now();
  const level = checkOptLevel(opts.optLevel ?? 2);
  const h = getHost();
  h.sessionErrors.length = 0;
  const slot = cacheSlot(h, irText, level, opts.objectCache);
  if (!slot) return compileFromIR(h, irText, level, opts, start, null);
  if (opts.emitOptimizedIR) return compileFromIR(h, irText, level, opts, start, { ...slot, cache_read_ms: 0 });
  const cached = fromObjectCache(h, irText, level, slot, start);
  if ('module' in cached) return cached.module;
  return compileFromIR(h, irText, level, opts, start, opts.storeInCache === false ? null : { ...slot, cache_read_ms: cached.cache_read_ms });
}

/** Where a module's object is kept in the on-disk cache (null with the cache off). */
export interface CacheSlot {
  dir: string;
  key: string;
}

export function cacheSlot(h: Host, irText: IRInput, level: OptLevel, objectCache: string | undefined): CacheSlot | null {
  const dir = objectCacheDir(objectCache);
  if (!dir) return null;
  const key = objectCacheKey({ ir: irText, triple: h.triple, cpu: h.cpu, features: h.features, llvm: llvmVersion(), optLevel: level, codegenFlags: CODEGEN_FLAGS });
  return { dir, key };
}

/**
 * The module from a cache entry (read, validated, linked), or the time spent finding that there
 * is no usable one (absent, or refused by LLVM: the caller compiles and overwrites it).
 */
export function fromObjectCache(
  h: Host,
  irText: IRInput,
  level: OptLevel,
  slot: CacheSlot,
  start: number,
): { module: NativeModule } | { cache_read_ms: number } {
  const t = performance.now();
  const read = readCacheEntry(slot.dir, slot.key);
  const cache_read_ms = performance.now() - t;
  if (!('entry' in read)) return { cache_read_ms };
  const { object, signatures } = read.entry;
  try {
    const t1 = performance.now();
    const { jit, addresses } = link(h, level, signatures.keys(), (j, jd) => addObject(h, j, jd, object));
    const timings: CompileTimings = {
      ir_parse_ms: 0,
      verify_ms: 0,
      optimize_ms: 0,
      object_emit_ms: 0,
      cache_read_ms,
      cache_write_ms: 0,
      machine_code_ms: performance.now() - t1,
      total_ms: performance.now() - start,
    };
    const irBytes = irInputBytes(irText);
    return { module: new CompiledModule(h, { jit }, addresses, signatures, timings, irBytes, level, undefined, 'hit') };
  } catch {
    // an entry LLVM refuses: compile and overwrite it
    h.sessionErrors.length = 0;
    return { cache_read_ms };
  }
}

/**
 * The module from the on-disk object cache, or null when it holds no usable entry for this IR
 * and level (or the cache is off): lets a caller use optimised code at once when it exists.
 */
export function loadCachedIR(irText: IRInput, opts: Pick<CompileOptions, 'optLevel' | 'objectCache'> = {}): NativeModule | null {
  const start = performance.now();
  const level = checkOptLevel(opts.optLevel ?? 2);
  const h = getHost();
  h.sessionErrors.length = 0;
  const slot = cacheSlot(h, irText, level, opts.objectCache);
  if (!slot) return null;
  const cached = fromObjectCache(h, irText, level, slot, start);
  return 'module' in cached ? cached.module : null;
}

interface PendingEntry extends CacheSlot {
  object: Buffer;
  signatures: ReadonlyMap<string, IrSignature>;
}
const pendingWrites: PendingEntry[] = [];
let flushScheduled = false;
let exitHook = false;

/**
 * Writes the queued cache entries now (and prunes the cache). Runs by itself once the code that
 * queued them has returned, and at process exit; tests call it to see the files at once.
 */
export function flushObjectCacheWrites(): void {
  flushScheduled = false;
  for (const e of pendingWrites.splice(0)) {
    const problem = writeCacheEntry(e.dir, e.key, e.object, e.signatures, OBJECT_CACHE_LIMITS);
    if (problem && !warned.has(e.dir)) {
      warned.add(e.dir);
      process.emitWarning(`object cache ${e.dir} is not writable: ${problem}`, 'JitWarning');
    }
  }
}

/**
 * Queues a linked module's object (never code that failed to load) for the on-disk cache;
 * returns the time that took. The write itself (two files, then pruning, which stats every entry:
 * 5-13 ms with a full cache) is done after the compile has returned, off the path to the first
 * result; an exit before that still writes it (the 'exit' handler is synchronous).
 */
export function storeObject(slot: CacheSlot, object: Buffer, signatures: ReadonlyMap<string, IrSignature>): number {
  const t = performance.now();
  if (pendingWrites.length === 0 && !exitHook) {
    exitHook = true;
    process.on('exit', flushObjectCacheWrites);
  }
  pendingWrites.push({ dir: slot.dir, key: slot.key, object, signatures });
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushObjectCacheWrites);
  }
  return performance.now() - t;
}

/** Parse → verify → optimise → machine code; through an object file stored in the cache when one is given. */
function compileFromIR(
  h: Host,
  irText: IRInput,
  level: OptLevel,
  opts: CompileOptions,
  start: number,
  cache: (CacheSlot & { cache_read_ms: number }) | null,
): NativeModule {
  const { c } = h;
  const fe = frontEnd(h, irText, level, opts.name ?? 'module.ll');
  let module: ModuleRef | null = fe.module;
  let jit: LLJITRef | null = null;
  try {
    const optimizedIR = opts.emitOptimizedIR ? printModule(c, module) : undefined;
    const signatures = definedFunctions(c, module);
    let object_emit_ms = 0;
    let t = performance.now();
    let object: Buffer | null = null;
    if (cache) {
      object = emitObject(h, module, level);
      c.LLVMDisposeModule(module);
      module = null;
      object_emit_ms = performance.now() - t;
    }
    t = performance.now();
    const linked = link(h, level, signatures.keys(), (j, jd) => {
      if (object) {
        addObject(h, j, jd, object);
      } else {
        const tsm = c.LLVMOrcCreateNewThreadSafeModule(module!, fe.tsc);
        module = null;
        check(h, c.LLVMOrcLLJITAddLLVMIRModule(j, jd, tsm), 'jit'); // consumes the module
      }
    });
    jit = linked.jit;
    const machine_code_ms = performance.now() - t;
    let cache_write_ms = 0;
    // Stored only once it linked: an entry never holds code that fails to load.
    if (cache && object) cache_write_ms = storeObject(cache, object, signatures);
    const timings: CompileTimings = {
      ir_parse_ms: fe.ir_parse_ms,
      verify_ms: fe.verify_ms,
      optimize_ms: fe.optimize_ms,
      object_emit_ms,
      cache_read_ms: cache?.cache_read_ms ?? 0,
      cache_write_ms,
      machine_code_ms,
      total_ms: performance.now() - start,
    };
    const owned: Owned = { jit };
    jit = null;
    const irBytes = irInputBytes(irText);
    return new CompiledModule(h, owned, linked.addresses, signatures, timings, irBytes, level, optimizedIR, cache ? 'miss' : 'off');
  } finally {
    if (module) c.LLVMDisposeModule(module);
    if (jit) disposeJit(h, jit);
    c.LLVMOrcDisposeThreadSafeContext(fe.tsc);
  }
}

/** Parse → verify → optimise → print, without building machine code (for `--emit-ir`). */
export function optimizeIR(irText: IRInput, opts: Omit<CompileOptions, 'emitOptimizedIR'> = {}): OptimizedIR {
  const start = performance.now();
  const level = checkOptLevel(opts.optLevel ?? 2);
  const h = getHost();
  const fe = frontEnd(h, irText, level, opts.name ?? 'module.ll');
  try {
    const ir = printModule(h.c, fe.module);
    const { ir_parse_ms, verify_ms, optimize_ms } = fe;
    return { ir, timings: { ir_parse_ms, verify_ms, optimize_ms, total_ms: performance.now() - start } };
  } finally {
    h.c.LLVMDisposeModule(fe.module);
    h.c.LLVMOrcDisposeThreadSafeContext(fe.tsc);
  }
}

let version: string | null = null;

/** The LLVM the JIT runs on, e.g. `14.0.6`. */
export function llvmVersion(): string {
  return (version ??= libraryVersion(llvmC().path));
}

/** The host CPU LLVM compiles for, and its feature string (`+avx2,+fma,…`). */
export function hostCPU(): { name: string; features: string; triple: string } {
  const h = getHost();
  return { name: h.cpu, features: h.features, triple: h.triple };
}
