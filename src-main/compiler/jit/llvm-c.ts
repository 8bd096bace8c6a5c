/**
 * The slice of LLVM 14's C API that the JIT needs, bound with koffi to the system libLLVM-14.so.
 * Loaded on first use only (the interpreter never needs it), and with plain `koffi.load`:
 * `{ global: true }` aborts the process because llvm-bindings carries its own static LLVM.
 * Every handle is an opaque pointer; strings that LLVM allocates are returned as raw pointers so
 * that they can be read and then freed with the matching LLVM dispose function.
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { JitError } from './jit-error.js';

export type Koffi = typeof import('koffi');

/** An opaque LLVM handle (a koffi External); the tag only keeps the kinds apart in TypeScript. */
export type Ref<Tag extends string> = { readonly __llvm: Tag };
export type ContextRef = Ref<'Context'>;
export type ThreadSafeContextRef = Ref<'ThreadSafeContext'>;
export type MemoryBufferRef = Ref<'MemoryBuffer'>;
export type ModuleRef = Ref<'Module'>;
export type ValueRef = Ref<'Value'>;
export type TypeRef = Ref<'Type'>;
export type TargetRef = Ref<'Target'>;
export type TargetMachineRef = Ref<'TargetMachine'>;
export type TargetDataRef = Ref<'TargetData'>;
export type PassBuilderOptionsRef = Ref<'PassBuilderOptions'>;
export type ErrorRef = Ref<'Error'>;
export type CStringRef = Ref<'CString'>;
export type ThreadSafeModuleRef = Ref<'ThreadSafeModule'>;
export type LLJITBuilderRef = Ref<'LLJITBuilder'>;
export type LLJITRef = Ref<'LLJIT'>;
export type JITTargetMachineBuilderRef = Ref<'JITTargetMachineBuilder'>;
export type JITDylibRef = Ref<'JITDylib'>;
export type DefinitionGeneratorRef = Ref<'DefinitionGenerator'>;
export type ExecutionSessionRef = Ref<'ExecutionSession'>;
export type CodePointer = Ref<'Code'>;
export type AttributeRef = Ref<'Attribute'>;

/** An out-parameter slot: koffi writes the pointer into element 0. */
export type Out<T> = [T | null];

/** LLVMVerifierFailureAction: return a status and a message, never print or abort. */
export const VERIFIER_RETURN_STATUS = 2;
/** LLVMRelocDefault and LLVMCodeModelJITDefault (resolves to the large code model on x86-64). */
export const RELOC_DEFAULT = 0;
export const CODE_MODEL_JIT_DEFAULT = 1;
/** LLVMCodeGenFileType: LLVMObjectFile. */
export const CODEGEN_OBJECT_FILE = 1;
/** LLVMAttributeFunctionIndex (~0U): an attribute of the function itself. */
export const ATTRIBUTE_FUNCTION_INDEX = 0xffffffff;
/** LLVMExternalLinkage. */
export const LINKAGE_EXTERNAL = 0;
/** LLVMTypeKind values that a C signature can name. */
export const TYPE_KIND = { Void: 0, Float: 2, Double: 3, Integer: 8, Struct: 10, Array: 11, Pointer: 12, Vector: 13 } as const;

export interface LlvmC {
  readonly koffi: Koffi;
  readonly path: string;
  // Support / Core
  LLVMDisposeMessage(msg: CStringRef): void;
  LLVMCreateMemoryBufferWithMemoryRangeCopy(data: Buffer, length: number, name: string): MemoryBufferRef | null;
  LLVMGetBufferStart(buf: MemoryBufferRef): unknown;
  LLVMGetBufferSize(buf: MemoryBufferRef): number;
  LLVMDisposeMemoryBuffer(buf: MemoryBufferRef): void;
  LLVMDisposeModule(m: ModuleRef): void;
  LLVMPrintModuleToString(m: ModuleRef): CStringRef;
  LLVMGetDataLayoutStr(m: ModuleRef): string;
  LLVMGetTarget(m: ModuleRef): string;
  LLVMSetTarget(m: ModuleRef, triple: string): void;
  LLVMSetModuleDataLayout(m: ModuleRef, dl: TargetDataRef): void;
  LLVMGetFirstFunction(m: ModuleRef): ValueRef | null;
  LLVMGetNextFunction(f: ValueRef): ValueRef | null;
  LLVMIsDeclaration(f: ValueRef): number;
  LLVMGetLinkage(f: ValueRef): number;
  LLVMGetValueName2(f: ValueRef, length: Out<number>): string;
  LLVMGlobalGetValueType(g: ValueRef): TypeRef;
  LLVMGetReturnType(fnType: TypeRef): TypeRef;
  LLVMCountParams(f: ValueRef): number;
  LLVMGetParam(f: ValueRef, index: number): ValueRef;
  LLVMTypeOf(v: ValueRef): TypeRef;
  LLVMGetTypeKind(t: TypeRef): number;
  LLVMGetIntTypeWidth(t: TypeRef): number;
  LLVMGetNamedFunction(m: ModuleRef, name: string): ValueRef | null;
  LLVMGetEnumAttributeKindForName(name: string, length: number): number;
  LLVMCreateEnumAttribute(ctx: ContextRef, kind: number, value: number): AttributeRef;
  LLVMAddAttributeAtIndex(f: ValueRef, index: number, attr: AttributeRef): void;
  // IRReader / Analysis (reads IR text or bitcode)
  LLVMParseCommandLineOptions(argc: number, argv: readonly string[], overview: string | null): void;
  LLVMParseIRInContext(ctx: ContextRef, buf: MemoryBufferRef, outModule: Out<ModuleRef>, outMessage: Out<CStringRef>): number;
  LLVMVerifyModule(m: ModuleRef, action: number, outMessage: Out<CStringRef>): number;
  // Target / TargetMachine
  LLVMGetDefaultTargetTriple(): CStringRef;
  LLVMGetHostCPUName(): CStringRef;
  LLVMGetHostCPUFeatures(): CStringRef;
  LLVMGetTargetFromTriple(triple: string, outTarget: Out<TargetRef>, outMessage: Out<CStringRef>): number;
  LLVMCreateTargetMachine(
    t: TargetRef, triple: string, cpu: string, features: string, level: number, reloc: number, codeModel: number,
  ): TargetMachineRef | null;
  LLVMDisposeTargetMachine(tm: TargetMachineRef): void;
  LLVMCreateTargetDataLayout(tm: TargetMachineRef): TargetDataRef;
  LLVMDisposeTargetData(td: TargetDataRef): void;
  LLVMTargetMachineEmitToMemoryBuffer(
    tm: TargetMachineRef, m: ModuleRef, fileType: number, outMessage: Out<CStringRef>, outBuf: Out<MemoryBufferRef>,
  ): number;
  // Error
  LLVMGetErrorMessage(err: ErrorRef): CStringRef;
  LLVMDisposeErrorMessage(msg: CStringRef): void;
  // PassBuilder
  LLVMRunPasses(m: ModuleRef, passes: string, tm: TargetMachineRef, opts: PassBuilderOptionsRef): ErrorRef | null;
  LLVMCreatePassBuilderOptions(): PassBuilderOptionsRef;
  LLVMDisposePassBuilderOptions(opts: PassBuilderOptionsRef): void;
  // Orc
  LLVMOrcCreateNewThreadSafeContext(): ThreadSafeContextRef;
  LLVMOrcThreadSafeContextGetContext(tsc: ThreadSafeContextRef): ContextRef;
  LLVMOrcDisposeThreadSafeContext(tsc: ThreadSafeContextRef): void;
  LLVMOrcCreateNewThreadSafeModule(m: ModuleRef, tsc: ThreadSafeContextRef): ThreadSafeModuleRef;
  LLVMOrcDisposeThreadSafeModule(tsm: ThreadSafeModuleRef): void;
  LLVMOrcJITTargetMachineBuilderDetectHost(out: Out<JITTargetMachineBuilderRef>): ErrorRef | null;
  LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(tm: TargetMachineRef): JITTargetMachineBuilderRef;
  LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
    out: Out<DefinitionGeneratorRef>, globalPrefix: number, filter: null, filterCtx: null,
  ): ErrorRef | null;
  LLVMOrcJITDylibAddGenerator(jd: JITDylibRef, g: DefinitionGeneratorRef): void;
  LLVMOrcExecutionSessionSetErrorReporter(es: ExecutionSessionRef, reporter: unknown, ctx: null): void;
  // LLJIT
  LLVMOrcCreateLLJITBuilder(): LLJITBuilderRef;
  LLVMOrcDisposeLLJITBuilder(b: LLJITBuilderRef): void;
  LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(b: LLJITBuilderRef, jtmb: JITTargetMachineBuilderRef): void;
  LLVMOrcCreateLLJIT(out: Out<LLJITRef>, b: LLJITBuilderRef): ErrorRef | null;
  LLVMOrcDisposeLLJIT(j: LLJITRef): ErrorRef | null;
  LLVMOrcLLJITGetExecutionSession(j: LLJITRef): ExecutionSessionRef;
  LLVMOrcLLJITGetMainJITDylib(j: LLJITRef): JITDylibRef;
  LLVMOrcLLJITGetGlobalPrefix(j: LLJITRef): number;
  LLVMOrcLLJITAddLLVMIRModule(j: LLJITRef, jd: JITDylibRef, tsm: ThreadSafeModuleRef): ErrorRef | null;
  /** Takes ownership of the buffer, whatever the outcome. */
  LLVMOrcLLJITAddObjectFile(j: LLJITRef, jd: JITDylibRef, obj: MemoryBufferRef): ErrorRef | null;
  LLVMOrcLLJITLookup(j: LLJITRef, out: Out<CodePointer>, name: string): ErrorRef | null;
  /** libc's memmove, used as `memmove(p, p, 0)` to learn the address koffi passes for a buffer. */
  memmove(dst: ArrayBuffer | ArrayBufferView, src: ArrayBuffer | ArrayBufferView, n: number): unknown;
}

/** koffi prototypes, one per function; `void *` stands for every opaque handle. */
const PROTOTYPES = [
  'void LLVMDisposeMessage(void *msg)',
  'void *LLVMCreateMemoryBufferWithMemoryRangeCopy(const uint8 *data, size_t length, const char *name)',
  'void *LLVMGetBufferStart(void *buf)',
  'size_t LLVMGetBufferSize(void *buf)',
  'void LLVMDisposeMemoryBuffer(void *buf)',
  'void LLVMDisposeModule(void *m)',
  'void *LLVMPrintModuleToString(void *m)',
  'const char *LLVMGetDataLayoutStr(void *m)',
  'const char *LLVMGetTarget(void *m)',
  'void LLVMSetTarget(void *m, const char *triple)',
  'void LLVMSetModuleDataLayout(void *m, void *dl)',
  'void *LLVMGetFirstFunction(void *m)',
  'void *LLVMGetNextFunction(void *f)',
  'int LLVMIsDeclaration(void *f)',
  'int LLVMGetLinkage(void *f)',
  'const char *LLVMGetValueName2(void *f, _Out_ size_t *length)',
  'void *LLVMGlobalGetValueType(void *g)',
  'void *LLVMGetReturnType(void *fnType)',
  'uint32 LLVMCountParams(void *f)',
  'void *LLVMGetParam(void *f, uint32 index)',
  'void *LLVMTypeOf(void *v)',
  'int LLVMGetTypeKind(void *t)',
  'uint32 LLVMGetIntTypeWidth(void *t)',
  'void *LLVMGetNamedFunction(void *m, const char *name)',
  'uint32 LLVMGetEnumAttributeKindForName(const char *name, size_t length)',
  'void *LLVMCreateEnumAttribute(void *ctx, uint32 kind, uint64 value)',
  'void LLVMAddAttributeAtIndex(void *f, uint32 index, void *attr)',
  'void LLVMParseCommandLineOptions(int argc, const char **argv, const char *overview)',
  'int LLVMParseIRInContext(void *ctx, void *buf, _Out_ void **outModule, _Out_ void **outMessage)',
  'int LLVMVerifyModule(void *m, int action, _Out_ void **outMessage)',
  'void *LLVMGetDefaultTargetTriple()',
  'void *LLVMGetHostCPUName()',
  'void *LLVMGetHostCPUFeatures()',
  'int LLVMGetTargetFromTriple(const char *triple, _Out_ void **outTarget, _Out_ void **outMessage)',
  'void *LLVMCreateTargetMachine(void *t, const char *triple, const char *cpu, const char *features, int level, int reloc, int codeModel)',
  'void LLVMDisposeTargetMachine(void *tm)',
  'void *LLVMCreateTargetDataLayout(void *tm)',
  'void LLVMDisposeTargetData(void *td)',
  'int LLVMTargetMachineEmitToMemoryBuffer(void *tm, void *m, int fileType, _Out_ void **outMessage, _Out_ void **outBuf)',
  'void *LLVMGetErrorMessage(void *err)',
  'void LLVMDisposeErrorMessage(void *msg)',
  'void *LLVMRunPasses(void *m, const char *passes, void *tm, void *opts)',
  'void *LLVMCreatePassBuilderOptions()',
  'void LLVMDisposePassBuilderOptions(void *opts)',
  'void *LLVMOrcCreateNewThreadSafeContext()',
  'void *LLVMOrcThreadSafeContextGetContext(void *tsc)',
  'void LLVMOrcDisposeThreadSafeContext(void *tsc)',
  'void *LLVMOrcCreateNewThreadSafeModule(void *m, void *tsc)',
  'void LLVMOrcDisposeThreadSafeModule(void *tsm)',
  'void *LLVMOrcJITTargetMachineBuilderDetectHost(_Out_ void **out)',
  'void *LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(void *tm)',
  'void *LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(_Out_ void **out, char globalPrefix, void *filter, void *filterCtx)',
  'void LLVMOrcJITDylibAddGenerator(void *jd, void *g)',
  'void LLVMOrcExecutionSessionSetErrorReporter(void *es, void *reporter, void *ctx)',
  'void *LLVMOrcCreateLLJITBuilder()',
  'void LLVMOrcDisposeLLJITBuilder(void *b)',
  'void LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(void *b, void *jtmb)',
  'void *LLVMOrcCreateLLJIT(_Out_ void **out, void *b)',
  'void *LLVMOrcDisposeLLJIT(void *j)',
  'void *LLVMOrcLLJITGetExecutionSession(void *j)',
  'void *LLVMOrcLLJITGetMainJITDylib(void *j)',
  'char LLVMOrcLLJITGetGlobalPrefix(void *j)',
  'void *LLVMOrcLLJITAddLLVMIRModule(void *j, void *jd, void *tsm)',
  'void *LLVMOrcLLJITAddObjectFile(void *j, void *jd, void *obj)',
  'void *LLVMOrcLLJITLookup(void *j, _Out_ void **out, const char *name)',
] as const;

/** Native target initialisers exported by libLLVM, per Node architecture. */
const TARGET_PREFIX: Partial<Record<NodeJS.Architecture, string>> = { x64: 'X86', ia32: 'X86', arm64: 'AArch64' };
const TARGET_INITIALISERS = ['TargetInfo', 'Target', 'TargetMC', 'AsmPrinter', 'AsmParser'];

/** Where libLLVM 14 is looked for; `COGSTUDIO_LIBLLVM` overrides. */
function candidatePaths(): string[] {
  const fromEnv = process.env['COGSTUDIO_LIBLLVM'];
  return [
    ...(fromEnv ? [fromEnv] : []),
    '/usr/lib/llvm-14/lib/libLLVM-14.so',
    '/usr/lib/x86_64-linux-gnu/libLLVM-14.so.1',
    '/usr/lib/aarch64-linux-gnu/libLLVM-14.so.1',
    'libLLVM-14.so',
  ];
}

let bound: LlvmC | null = null;

/** Loads libLLVM once, binds the functions and initialises the native target. */
export function llvmC(): LlvmC {
  if (bound) return bound;
  const require = createRequire(import.meta.url);
  let koffi: Koffi;
  try {
    koffi = require('koffi') as Koffi;
  } catch (e) {
    throw new JitError('load', `koffi could not be loaded: ${(e as Error).message}`);
  }
  const tried: string[] = [];
  let lib: ReturnType<Koffi['load']> | null = null;
  let path = '';
  for (const p of candidatePaths()) {
    if (p.startsWith('/') && !existsSync(p)) continue;
    try {
      lib = koffi.load(p);
      path = p;
      break;
    } catch (e) {
      tried.push(`${p}: ${(e as Error).message}`);
    }
  }
  if (!lib) {
    throw new JitError(
      'load',
      `libLLVM-14 was not found (${tried.join('; ') || 'no candidate path exists'}); install llvm-14 or set COGSTUDIO_LIBLLVM`,
    );
  }
  const api: Record<string, unknown> = { koffi, path };
  for (const proto of PROTOTYPES) {
    const name = /(\w+)\(/.exec(proto)![1]!;
    api[name] = lib.func(proto);
  }
  api['memmove'] = koffi.load(null).func('void *memmove(void *dst, const void *src, size_t n)');
  const prefix = TARGET_PREFIX[process.arch];
  if (!prefix) throw new JitError('load', `no native LLVM target is known for the architecture ${process.arch}`);
  for (const part of TARGET_INITIALISERS) (lib.func(`void LLVMInitialize${prefix}${part}()`) as () => void)();
  bound = api as unknown as LlvmC;
  setCodegenFlags(bound);
  return bound;
}

/**
 * Options of LLVM's code generator that the C API cannot set, given as command-line options.
 * On x86-64 both instruction schedulers are off (the machine scheduler before register allocation
 * and the list scheduler after it): out-of-order x86 cores reorder by themselves, and on the
 * bench's six models LLVMRun's time per trial did not change (interleaved A/B, within noise),
 * while Stroop's machine code took 29 -> 25 ms. Part of the object-cache key.
 */
export const CODEGEN_FLAGS: readonly string[] = process.arch === 'x64' ? ['-enable-misched=false', '-disable-post-ra'] : [];

/** Set at most once per process: LLVM keeps them in globals, and rejects (prints) a second setting. */
const FLAGS_SET = Symbol.for('cogstudio.llvm-codegen-flags');

function setCodegenFlags(c: LlvmC): void {
  const g = globalThis as Record<symbol, unknown>;
  if (CODEGEN_FLAGS.length === 0 || g[FLAGS_SET]) return;
  g[FLAGS_SET] = true;
  const argv = ['cogstudio', ...CODEGEN_FLAGS];
  c.LLVMParseCommandLineOptions(argv.length, argv, null);
}

/** Reads an LLVM-allocated C string and frees it with LLVMDisposeMessage. */
export function takeMessage(c: LlvmC, msg: CStringRef | null): string {
  if (!msg) return '';
  const text = c.koffi.decode(msg, 'char', -1) as string;
  c.LLVMDisposeMessage(msg);
  return text;
}

/** Consumes an LLVMErrorRef (LLVM aborts on unconsumed errors) and returns its message. */
export function takeError(c: LlvmC, err: ErrorRef): string {
  const msg = c.LLVMGetErrorMessage(err);
  const text = c.koffi.decode(msg, 'char', -1) as string;
  c.LLVMDisposeErrorMessage(msg);
  return text;
}

/** LLVM's full version, read from the library's versioned file name (LLVM 14's C API has no LLVMGetVersion). */
export function libraryVersion(path: string): string {
  const major = /libLLVM-(\d+)/.exec(basename(path))?.[1] ?? 'unknown';
  try {
    const real = realpathSync(path);
    for (const entry of readdirSync(dirname(real))) {
      const full = /^libLLVM-(\d+\.\d+\.\d+)\.so/.exec(entry)?.[1];
      if (full && realpathSync(join(dirname(real), entry)) === real) return full;
    }
  } catch {
    // a bare soname resolved by the loader: only the major version is known
  }
  return major;
}
