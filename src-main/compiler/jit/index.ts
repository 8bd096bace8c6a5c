/** The native JIT layer: LLVM IR text in, callable native functions out (LLVM 14 C API via koffi). */
export {
  compileIR,
  loadCachedIR,
  flushObjectCacheWrites,
  optimizeIR,
  llvmVersion,
  hostCPU,
  type BoundNativeFunction,
  type Buffers,
  type CompileOptions,
  type CompileTimings,
  type IRBitcode,
  type IRInput,
  type NativeFunction,
  type NativeModule,
  type ObjectCacheStatus,
  type OptimizedIR,
  type OptLevel,
} from './compile-ir.js';
export { JitError, type JitStage } from './jit-error.js';
export { compileIRAsync, backgroundCompiles, type AsyncCompileOptions } from './compile-ir-async.js';
export { hashIR } from './object-cache.js';
