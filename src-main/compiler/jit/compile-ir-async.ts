/**
 * The same compile as `compileIR`, with the heavy native stages (parse, verify, the optimisation
 * pipeline, code generation to an object file) run on koffi's worker threads, so the event loop
 * — and a model running on other machine code — keeps going meanwhile. Used for the background
 * O2 build of a tiered compile (runtime/compiled.ts).
 *
 * Thread safety: a background compile owns everything its worker touches — its own
 * ThreadSafeContext (so the module and its types are private to it), its own PassBuilderOptions
 * and target machines (the background compiles' own, kept for the next one); nothing of `Host`
 * that a synchronous compile uses (optimizerTM, emitterTM, passOptions) is used off the main
 * thread. The object is linked into an LLJIT on the main thread (a few ms: relocation only), so
 * LLJIT's session error reporter, a JS callback, is only ever called on the main thread. Background compiles run one at a time per process.
 */
import { performance } from 'node:perf_hooks';
import {
  CompiledModule,
  addObject,
  cacheSlot,
  check,
  checkOptLevel,
  definedFunctions,
  fromObjectCache,
  getHost,
  hostTargetMachine,
  link,
  passPipeline,
  prepareTarget,
  irInputBytes,
  readBitcode,
  storeObject,
  takeObject,
  textBuffer,
  type CompileOptions,
  type IRInput,
  type CompileTimings,
  type Host,
  type NativeModule,
  type OptLevel,
} from './compile-ir.js';
import { JitError } from './jit-error.js';
import {
  CODEGEN_OBJECT_FILE,
  VERIFIER_RETURN_STATUS,
  takeMessage,
  type CStringRef,
  type MemoryBufferRef,
  type ModuleRef,
  type Out,
  type PassBuilderOptionsRef,
  type TargetMachineRef,
  type ThreadSafeContextRef,
} from './llvm-c.js';

export interface AsyncCompileOptions extends Omit<CompileOptions, 'emitOptimizedIR' | 'storeInCache'> {
  /**
   * Gives the compile up: it stops after the native stage in progress (a native call cannot be
   * interrupted), frees what it built and rejects with the signal's reason; a module that was
   * already finished is disposed instead of being returned.
   */
  signal?: AbortSignal;
}

/** Runs a bound LLVM function on a koffi worker thread. */
function offThread<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Promise<R> {
  const withAsync = fn as unknown as { async(...rest: unknown[]): void };
  return new Promise<R>((resolve, reject) => {
    withAsync.async(...args, (err: unknown, result: R) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result)));
  });
}

/** The tail of the one-at-a-time queue of background compiles. */
let queueTail: Promise<unknown> = Promise.resolve();
let running = 0;
let waiting = 0;

/** Background compiles in progress and waiting for their turn (for tests and diagnostics). */
export function backgroundCompiles(): { running: number; waiting: number } {
  return { running, waiting };
}

/**
 * Compiles LLVM IR text to native code like `compileIR`, without blocking the event loop for
 * the heavy stages. Rejects with a JitError (stage parse, verify, optimize, jit) as `compileIR`
 * throws one. The on-disk object cache is used the same way (a hit resolves after a few ms of
 * linking; a miss stores the object once it linked).
 */
export function compileIRAsync(irText: IRInput, opts: AsyncCompileOptions = {}): Promise<NativeModule> {
  const start = performance.now();
  const level = checkOptLevel(opts.optLevel ?? 2);
  const go = async (): Promise<NativeModule> => {
    running++;
    try {
      return await compileInBackground(irText, level, opts, start);
    } finally {
      running--;
    }
  };
  let turn: Promise<NativeModule>;
  if (running === 0 && waiting === 0) {
    // nothing ahead: the first native stage is handed to a worker before this returns
    turn = go();
  } else {
    waiting++;
    turn = queueTail.then(() => {
      waiting--;
      return go();
    });
  }
  queueTail = turn.catch(() => undefined);
  return turn;
}

/** Throws the signal's reason once it is aborted. */
function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('the compile was given up', 'AbortError');
}

/**
 * The background compiles' target machines (optimiser and emitter, per level): theirs alone, and
 * used by one compile at a time (they run one after another), so kept from one to the next — a
 * target machine builds its subtarget on first use (~2-5 ms).
 */
const backgroundTMs = new Map<string, TargetMachineRef>();

/** What a background compile has allocated so far, freed in one place whatever happens. */
class Resources {
  tsc: ThreadSafeContextRef | null = null;
  module: ModuleRef | null = null;
  passOptions: PassBuilderOptionsRef | null = null;

  constructor(private readonly h: Host) {}

  machine(role: 'optimizer' | 'emitter', level: OptLevel): TargetMachineRef {
    const key = `${role}:${level}`;
    let tm = backgroundTMs.get(key);
    if (!tm) backgroundTMs.set(key, (tm = hostTargetMachine(this.h, level)));
    return tm;
  }

  dropModule(): void {
    // the module lives in the context: free it first
    if (this.module) this.h.c.LLVMDisposeModule(this.module);
    this.module = null;
  }

  free(): void {
    const { c } = this.h;
    this.dropModule();
    if (this.tsc) c.LLVMOrcDisposeThreadSafeContext(this.tsc);
    this.tsc = null;
    if (this.passOptions) c.LLVMDisposePassBuilderOptions(this.passOptions);
    this.passOptions = null;
  }
}

async function compileInBackground(irText: IRInput, level: OptLevel, opts: AsyncCompileOptions, start: number): Promise<NativeModule> {
  const { signal } = opts;
  checkAborted(signal);
  const h = getHost();
  const { c } = h;
  const slot = cacheSlot(h, irText, level, opts.objectCache);
  let cache_read_ms = 0;
  if (slot) {
    h.sessionErrors.length = 0;
    const cached = fromObjectCache(h, irText, level, slot, start);
    if ('module' in cached) return cached.module;
    cache_read_ms = cached.cache_read_ms;
  }
  const r = new Resources(h);
  try {
    // parse (the IR is copied into an LLVM buffer here, so the shared scratch buffer is free again)
    let t = performance.now();
    r.tsc = c.LLVMOrcCreateNewThreadSafeContext();
    const ctx = c.LLVMOrcThreadSafeContextGetContext(r.tsc);
    const name = opts.name ?? 'module.ll';
    if (typeof irText === 'string') {
      const outModule: Out<ModuleRef> = [null];
      const outMsg: Out<CStringRef> = [null];
      // takes ownership of the buffer, whatever the outcome
      const failed = await offThread(c.LLVMParseIRInContext, ctx, textBuffer(h, irText, name), outModule, outMsg);
      const parseMessage = takeMessage(c, outMsg[0]);
      r.module = outModule[0];
      if (failed || !r.module) throw new JitError('parse', parseMessage || 'the IR could not be parsed');
    } else {
      // reading bitcode takes well under a millisecond: not worth a worker
      r.module = readBitcode(h, ctx, irText, name);
    }
    const ir_parse_ms = performance.now() - t;
    checkAborted(signal);

    t = performance.now();
    const verifyMsg: Out<CStringRef> = [null];
    const broken = await offThread(c.LLVMVerifyModule, r.module, VERIFIER_RETURN_STATUS, verifyMsg);
    const verifyMessage = takeMessage(c, verifyMsg[0]);
    if (broken) throw new JitError('verify', verifyMessage || 'the module is invalid');
    const verify_ms = performance.now() - t;
    checkAborted(signal);

    t = performance.now();
    const optimizer = r.machine('optimizer', level);
    r.passOptions = c.LLVMCreatePassBuilderOptions();
    prepareTarget(h, r.module, optimizer);
    check(h, await offThread(c.LLVMRunPasses, r.module, passPipeline(level), optimizer, r.passOptions), 'optimize');
    const optimize_ms = performance.now() - t;
    checkAborted(signal);

    const signatures = definedFunctions(c, r.module);
    t = performance.now();
    // a target machine for code generation only, as compileIR's object path has
    const emitter = r.machine('emitter', level);
    const emitMsg: Out<CStringRef> = [null];
    const emitBuf: Out<MemoryBufferRef> = [null];
    const emitFailed = await offThread(c.LLVMTargetMachineEmitToMemoryBuffer, emitter, r.module, CODEGEN_OBJECT_FILE, emitMsg, emitBuf);
    const object = takeObject(h, emitFailed, emitMsg[0], emitBuf[0]);
    const object_emit_ms = performance.now() - t;
    r.free();
    checkAborted(signal);

    t = performance.now();
    h.sessionErrors.length = 0;
    const { jit, addresses } = link(h, level, signatures.keys(), (j, jd) => addObject(h, j, jd, object));
    const machine_code_ms = performance.now() - t;
    const cache_write_ms = slot ? storeObject(slot, object, signatures) : 0;
    const timings: CompileTimings = {
      ir_parse_ms,
      verify_ms,
      optimize_ms,
      object_emit_ms,
      cache_read_ms,
      cache_write_ms,
      machine_code_ms,
      total_ms: performance.now() - start,
    };
    const irBytes = irInputBytes(irText);
    const module = new CompiledModule(h, { jit }, addresses, signatures, timings, irBytes, level, undefined, slot ? 'miss' : 'off');
    if (signal?.aborted) {
      // given up while it was being linked: the object is cached on disk, the code is freed
      module.dispose();
      checkAborted(signal);
    }
    return module;
  } finally {
    r.free();
  }
}
