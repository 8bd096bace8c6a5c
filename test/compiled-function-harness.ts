/**
 * Compiles one function instance on its own (the studio's "test this node" path): a native
 * `f(state, in, out)` that runs the function's compiled form over a context's state buffer.
 */
import { Codegen, type CgValue } from '../src-main/compiler/codegen/codegen.js';
import { IR } from '../src-main/compiler/codegen/ir.js';
import { compileIR } from '../src-main/compiler/jit/index.js';
import type { FunctionInstance, Shape } from '../src-main/components/types.js';

export interface CompiledFunction {
  call(state: ArrayBuffer, input: Float64Array, output: Float64Array): void;
  reset(state: ArrayBuffer): void;
  dispose(): void;
}

function rowsAt(ir: IR, base: ReturnType<IR['alloca']>, shape: Shape): CgValue {
  let pos = 0;
  return {
    rows: shape.map((len) => {
      const ptr = ir.b.CreateInBoundsGEP(ir.f64, base, [ir.int(pos)]);
      pos += len;
      return { ptr, len };
    }),
  };
}

export function compileFunction(fn: FunctionInstance, inputShape: Shape): CompiledFunction {
  if (!fn.emit) throw new Error(`${fn.type} has no compiled form`);
  const ir = new IR(`test.${fn.type}`);
  const cg = new Codegen(ir);
  ir.define('f', ir.void, [['state', ir.i8p], ['in', ir.f64p], ['out', ir.f64p]], ([state, input, output]) => {
    cg.state = state!;
    fn.emit!(cg, rowsAt(ir, input!, inputShape), rowsAt(ir, output!, fn.outputShape));
    ir.ret();
  });
  ir.define('reset', ir.void, [['state', ir.i8p]], ([state]) => {
    cg.state = state!;
    fn.emitReset?.(cg);
    ir.ret();
  });
  const native = compileIR(ir.print(), { optLevel: 2 });
  const f = native.fn<(s: ArrayBuffer, i: Float64Array, o: Float64Array) => void>('f', 'void f(void *state, double *in, double *out)');
  const r = native.fn<(s: ArrayBuffer) => void>('reset', 'void reset(void *state)');
  return { call: (s, i, o) => f(s, i, o), reset: (s) => r(s), dispose: () => native.dispose() };
}
