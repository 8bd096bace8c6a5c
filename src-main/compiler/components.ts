/**
 * Compiled Functions and Mechanisms callable on their own (tests, and the studio's "test this
 * node"): a native entry point that runs one component's compiled form over a context's state
 * buffer, with the interpreter's state layout.
 */
import type { MechanismInstance } from '../components/mechanisms/types.js';
import type { FunctionInstance, Shape } from '../components/types.js';
import { Codegen, CodegenUnsupported, type CgValue } from './codegen/codegen.js';
import { IR, type V } from './codegen/ir.js';
import { compileIR, type NativeModule, type OptLevel } from './jit/index.js';

function rowsAt(ir: IR, base: V, shape: Shape): CgValue {
  let pos = 0;
  return {
    rows: shape.map((len) => {
      const ptr = ir.b.CreateInBoundsGEP(ir.f64, base, [ir.int(pos)]);
      pos += len;
      return { ptr, len };
    }),
  };
}

const total = (shape: Shape) => shape.reduce((a, b) => a + b, 0);

export interface CompiledFunction {
  /** Runs the function: `input` holds the variable's rows back to back, `output` receives the value's. */
  call(state: ArrayBuffer, input: Float64Array, output: Float64Array): void;
  reset(state: ArrayBuffer): void;
  readonly native: NativeModule;
  dispose(): void;
}

/** `stateBytes`, when given, is the context size every call's state buffer is checked against. */
export function compileFunction(fn: FunctionInstance, inputShape: Shape, optLevel: OptLevel = 2, stateBytes?: number): CompiledFunction {
  if (!fn.emit) throw new CodegenUnsupported(fn.type, 'function', 'has no compiled form yet');
  const ir = new IR(`function.${fn.type}`);
  const cg = new Codegen(ir);
  ir.define('function', ir.void, [['state', ir.i8p], ['in', ir.f64p], ['out', ir.f64p]], ([state, input, output]) => {
    cg.state = state!;
    fn.emit!(cg, rowsAt(ir, input!, inputShape), rowsAt(ir, output!, fn.outputShape));
    ir.ret();
  });
  ir.define('reset', ir.void, [['state', ir.i8p]], ([state]) => {
    cg.state = state!;
    fn.emitReset?.(cg);
    ir.ret();
  });
  const native = compileIR(ir.print(), { optLevel });
  const f = native.fn<(s: ArrayBuffer, i: Float64Array, o: Float64Array) => void>('function', 'void function(void *state, double *in, double *out)');
  const r = native.fn<(s: ArrayBuffer) => void>('reset', 'void reset(void *state)');
  const inLen = total(inputShape);
  const outLen = total(fn.outputShape);
  return {
    native,
    call(s, i, o) {
      // compiled code is never handed a buffer whose size was not checked
      if (i.length !== inLen || o.length !== outLen) throw new RangeError(`${fn.type}: expected ${inLen} inputs and ${outLen} outputs, got ${i.length} and ${o.length}`);
      if (stateBytes !== undefined && s.byteLength !== stateBytes) throw new RangeError(`${fn.type}: state buffer has ${s.byteLength} bytes, expected ${stateBytes}`);
      f(s, i, o);
    },
    reset: (s) => r(s),
    dispose: () => native.dispose(),
  };
}

export interface CompiledMechanism {
  /** Executes the mechanism on `input` (its input ports' rows back to back); returns whether it is finished. */
  call(state: ArrayBuffer, input: Float64Array): boolean;
  readonly native: NativeModule;
  dispose(): void;
}

/** A mechanism on its own: its recurrent projection is ignored, as PsyNeuLink does. */
export function compileMechanism(m: MechanismInstance, stateBytes: number, optLevel: OptLevel = 2): CompiledMechanism {
  const ir = new IR(`mechanism.${m.type}`);
  const cg = new Codegen(ir);
  const shape = m.inputPorts.map((p) => p.size);
  ir.define('mechanism', ir.i32, [['state', ir.i8p], ['in', ir.f64p]], ([state, input]) => {
    cg.state = state!;
    const done = m.emit(cg, rowsAt(ir, input!, shape));
    ir.ret(ir.b.CreateZExt(done, ir.i32));
  });
  const native = compileIR(ir.print(), { optLevel });
  const f = native.fn<(s: ArrayBuffer, i: Float64Array) => number>('mechanism', 'int32 mechanism(void *state, double *in)');
  const inLen = total(shape);
  return {
    native,
    call(s, i) {
      if (i.length !== inLen) throw new RangeError(`${m.name}: expected ${inLen} inputs, got ${i.length}`);
      if (s.byteLength !== stateBytes) throw new RangeError(`${m.name}: state buffer has ${s.byteLength} bytes, expected ${stateBytes}`);
      return f(s, i) !== 0;
    },
    dispose: () => native.dispose(),
  };
}
