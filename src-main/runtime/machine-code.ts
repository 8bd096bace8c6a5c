/**
 * Process-wide machine code by hash of (IR bitcode or text, optimisation level): the same model compiled
 * twice in one process — e.g. opened twice, or edited and changed back — skips parsing,
 * optimisation and code generation. Entries are reference-counted; unused ones are kept (least
 * recently used first out) up to MAX_IDLE, then disposed.
 *
 * Tiered compiles (`acquireTiered`) also live here: optimised (O2) code is built once per IR text
 * in the background and shared by every owner waiting for it; it is kept when its owners are gone
 * before it arrives (a later run of the model starts with it), and an unoptimised (O0) entry
 * that the O2 code replaced is freed as soon as nobody uses it.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { compileIR, compileIRAsync, hashIR, loadCachedIR, type IRInput, type NativeModule, type OptLevel } from '../compiler/jit/index.js';

interface MachineCode {
  native: NativeModule;
  refs: number;
}
const machineCode = new Map<string, MachineCode>();
const owners = new WeakMap<NativeModule, string>();
const MAX_IDLE = 16;

const keyOf = (ir: IRInput, optLevel: OptLevel): string => hashIR(createHash('sha256'), ir).update(`\0O${optLevel}`).digest('hex');

/** Takes a reference to a live entry (most recently used last), or null. */
function retain(key: string): NativeModule | null {
  const known = machineCode.get(key);
  if (!known || known.native.disposed) return null;
  known.refs++;
  machineCode.delete(key);
  machineCode.set(key, known);
  return known.native;
}

function remember(key: string, native: NativeModule, refs: number): void {
  machineCode.set(key, { native, refs });
  owners.set(native, key);
  evictIdle();
}

export function acquireMachineCode(irText: IRInput, optLevel: OptLevel, name: string, opts: { storeInCache?: boolean } = {}): { native: NativeModule; hit: boolean } {
  const key = keyOf(irText, optLevel);
  const known = retain(key);
  if (known) return { native: known, hit: true };
  const native = compileIR(irText, { optLevel, name, ...opts });
  remember(key, native, 1);
  return { native, hit: false };
}

function evictIdle(): void {
  let idle = [...machineCode.values()].filter((e) => e.refs === 0).length;
  for (const [key, e] of machineCode) {
    if (idle <= MAX_IDLE) break;
    if (e.refs === 0) {
      e.native.dispose();
      machineCode.delete(key);
      idle--;
    }
  }
}

/**
 * Gives back machine code obtained through compileComposition. `superseded`: the code was
 * replaced by better code for the same IR (a tiered O0), so once unused it is freed at once
 * instead of being kept for reuse.
 */
export function releaseMachineCode(native: NativeModule, opts: { superseded?: boolean } = {}): void {
  const key = owners.get(native);
  const e = key === undefined ? undefined : machineCode.get(key);
  if (!e || e.native !== native) {
    native.dispose();
    return;
  }
  e.refs = Math.max(0, e.refs - 1);
  if (e.refs === 0 && opts.superseded) {
    machineCode.delete(key!);
    native.dispose();
  }
  evictIdle();
}

/** The outcome of a background O2 compile for its waiters: the code (one reference each) or why it failed. */
export type Upgrade = { native: NativeModule } | { error: Error };

/** A background compile and the owners waiting for it. */
interface Pending {
  readonly waiters: Set<(u: Upgrade) => void>;
}
const pending = new Map<string, Pending>();
/** IR whose background compile failed: not tried again in this process. */
const failed = new Map<string, Error>();

/**
 * Test-only: rewrites the IR text a background compile is given (a test makes LLVM refuse it to
 * see a failed O2 compile). Never set outside tests.
 */
export const backgroundFaults: { rewriteIR: ((ir: IRInput) => IRInput) | null } = { rewriteIR: null };

export const TIERED_LEVELS = { first: 0, final: 2 } as const satisfies Record<string, OptLevel>;

export interface TieredCode {
  native: NativeModule;
  /** `memory`: this process's cache; `disk`: the object cache; `compiled`: compiled now. */
  source: 'memory' | 'disk' | 'compiled';
  /**
   * Set when `native` is the quick O0 code: subscribes to the O2 code (one reference handed to
   * the callback, which must release it), returning the unsubscribe function.
   */
  upgrade: ((onReady: (u: Upgrade) => void) => () => void) | null;
}

/**
 * Machine code for a tiered compile: the O2 code when it exists already (in this process or in
 * the on-disk object cache) — else the O0 code, compiled now, with the O2 code built in the
 * background (once per IR text, whoever asks).
 */
export function acquireTiered(irText: IRInput, name: string): TieredCode {
  const finalKey = keyOf(irText, TIERED_LEVELS.final);
  const known = retain(finalKey);
  if (known) return { native: known, source: 'memory', upgrade: null };
  const fromDisk = pending.has(finalKey) ? null : loadCachedIR(irText, { optLevel: TIERED_LEVELS.final });
  if (fromDisk) {
    remember(finalKey, fromDisk, 1);
    return { native: fromDisk, source: 'disk', upgrade: null };
  }
  const error = failed.get(finalKey);
  const start = () => (error ? null : (pending.get(finalKey) ?? startFinal(irText, name, finalKey)));
  // With cores to spare the O2 compile starts first, its worker running while the O0 code is
  // compiled here; with two or fewer, right after (measured on 2 shared cores: starting first
  // delayed the O0 code by ~3 ms and the O2 code was not ready sooner).
  const early = availableParallelism() > 2 ? start() : undefined;
  // O0 code is replaced soon: read from the object cache, not worth writing to it
  const first = acquireMachineCode(irText, TIERED_LEVELS.first, name, { storeInCache: false });
  const job = early === undefined ? start() : early;
  const source = first.hit ? 'memory' : first.native.objectCache === 'hit' ? 'disk' : 'compiled';
  if (!job) {
    return { native: first.native, source, upgrade: (onReady) => (queueMicrotask(() => onReady({ error: error! })), () => undefined) };
  }
  const waiters = job.waiters;
  return {
    native: first.native,
    source,
    upgrade: (onReady) => {
      waiters.add(onReady);
      return () => waiters.delete(onReady);
    },
  };
}

/** Starts the background O2 compile of an IR text; its waiters get the outcome. */
function startFinal(irText: IRInput, name: string, finalKey: string): Pending {
  const job: Pending = { waiters: new Set() };
  pending.set(finalKey, job);
  compileIRAsync(backgroundFaults.rewriteIR?.(irText) ?? irText, { optLevel: TIERED_LEVELS.final, name }).then(
    (native) => {
      pending.delete(finalKey);
      const waiters = [...job.waiters];
      // one reference per waiter; none left waiting: kept idle for a later run
      remember(finalKey, native, waiters.length);
      // O0 code nobody uses any more is superseded now: a later run starts with the O2 code
      dropIfIdle(keyOf(irText, TIERED_LEVELS.first));
      for (const w of waiters) w({ native });
    },
    (e: unknown) => {
      pending.delete(finalKey);
      const err = e instanceof Error ? e : new Error(String(e));
      failed.set(finalKey, err);
      for (const w of job.waiters) w({ error: err });
    },
  );
  return job;
}

function dropIfIdle(key: string): void {
  const e = machineCode.get(key);
  if (e && e.refs === 0) {
    machineCode.delete(key);
    e.native.dispose();
  }
}

/** Entries, idle entries and background compiles in progress (for tests and diagnostics). */
export function machineCodeStats(): { entries: number; idle: number; pending: number } {
  const all = [...machineCode.values()];
  return { entries: all.length, idle: all.filter((e) => e.refs === 0).length, pending: pending.size };
}
