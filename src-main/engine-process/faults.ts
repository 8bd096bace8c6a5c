/**
 * Test-only native faults, loaded by child.ts only when COGSTUDIO_ENGINE_TEST_FAULTS=1: they
 * exercise the client's crash and hang handling with real native code, as a bad JIT'd function
 * would fail. Both compile a tiny module through the real JIT path.
 */
import { compileIR } from '../compiler/jit/index.js';
import type { NativeFaults } from './engine.js';

// The address and the flag are arguments, so no optimiser can see the fault coming.
const FAULTS_IR = `
define void @debug_store(i64 %address) {
entry:
  %p = inttoptr i64 %address to i32*
  store volatile i32 1, i32* %p
  ret void
}

define void @debug_spin(i32* %flag) {
entry:
  br label %loop
loop:
  %v = load volatile i32, i32* %flag
  %stop = icmp ne i32 %v, 0
  br i1 %stop, label %exit, label %loop
exit:
  ret void
}
`;

/** The faults, compiled on first use (the JIT is not started for nothing). */
export function nativeFaults(): NativeFaults {
  let fns: { store: (address: number) => void; spin: (flag: Int32Array) => void } | null = null;
  const compiled = () => {
    if (fns) return fns;
    const module = compileIR(FAULTS_IR, { optLevel: 0, name: 'debug-faults.ll' });
    fns = {
      store: module.fn<(address: number) => void>('debug_store', 'void debug_store(int64 address)'),
      spin: module.fn<(flag: Int32Array) => void>('debug_spin', 'void debug_spin(int32 *flag)'),
    };
    return fns;
  };
  return {
    crash: () => compiled().store(0), // a write to address 0: SIGSEGV
    hang: () => compiled().spin(new Int32Array(1)), // the flag is never set
  };
}
