/**
 * The execution core shared by mechanisms whose value is `function(input)`, optionally
 * preceded by noise or an integrator and followed by clipping, repeated until finished:
 * ProcessingMechanism, TransferMechanism, RecurrentTransferMechanism, LCAMechanism,
 * IntegratorMechanism, ObjectiveMechanism.
 */
import { CodegenUnsupported, type CgValue, type Codegen } from '../../compiler/codegen/codegen.js';
import type { V } from '../../compiler/codegen/ir.js';
import type { ContextStore, F64Slot } from '../../engine/state.js';
import type { NoiseInstance } from '../functions/noise.js';
import type { BoundFunction, FunctionInstance, Shape, Value } from '../types.js';
import { allocValue } from '../types.js';
import type { BoundMechanism, InputPortInfo, MechanismEnv, MechanismInstance, OutputPortInstance } from './types.js';

export interface MechanismParts {
  type: string;
  name: string;
  inputPorts: InputPortInfo[];
  params: Record<string, unknown>;
  function: FunctionInstance;
  /** Applied before the function when integrator_mode is on. */
  integrator?: FunctionInstance;
  /** Added to the variable before the function (when there is no integrator). */
  noise?: NoiseInstance;
  clip?: [number | null, number | null] | null;
  outputPorts: (valueShape: Shape) => OutputPortInstance[];
  recurrentMatrix?: Float64Array[];
  resetWhen?: unknown;
  executeUntilFinished: boolean;
  maxExecutions: number;
  /** Decides `is_finished` after an execution from the new and previous value; default: always finished. */
  isFinished?: (value: Value, previous: Value, fn: BoundFunction, integrator: BoundFunction | undefined) => boolean;
  /**
   * The integrator's state right after a reset (its initializer). When given, a reset also
   * recomputes the value and output ports from it, as PsyNeuLink does, so that a recurrent
   * projection carries the reset value.
   */
  resetInput?: number[][];
  /** The compiled twin of `isFinished` (an i1); required when isFinished is given, for compiling. */
  emitIsFinished?: (cg: Codegen, value: CgValue, previous: CgValue) => V;
}

/** The compiled form of a function, or a CodegenUnsupported naming the node and function. */
function emitterOf(fn: FunctionInstance, node: string, role: string): NonNullable<FunctionInstance['emit']> {
  if (!fn.emit) throw new CodegenUnsupported(node, `${role} ${fn.type}`, 'has no compiled form yet');
  return fn.emit.bind(fn);
}

/** The compiled twin of clipping a value to [lo, hi]. */
function emitClip(cg: Codegen, value: CgValue, lo: number | null, hi: number | null): void {
  if (lo === null && hi === null) return;
  const ir = cg.ir;
  for (const row of value.rows) {
    ir.loop(row.len, (i) => {
      let x = ir.load(row.ptr, i);
      if (lo !== null) x = ir.select(ir.lt(x, ir.num(lo)), ir.num(lo), x);
      if (hi !== null) x = ir.select(ir.gt(x, ir.num(hi)), ir.num(hi), x);
      ir.store(x, row.ptr, i);
    }, 'clip');
  }
}

function emitResetOf(fn: FunctionInstance | undefined, node: string, cg: Codegen): void {
  if (!fn) return;
  if (fn.emitReset) fn.emitReset(cg);
  else if (/Integrator$/.test(fn.type)) throw new CodegenUnsupported(node, `reset of ${fn.type}`, 'has no compiled form yet');
}

export function buildMechanism(parts: MechanismParts, env: MechanismEnv): MechanismInstance {
  const valueShape = parts.function.outputShape;
  const valueSlots: F64Slot[] = valueShape.map((n, r) => env.layout.f64(`${env.node}.value[${r}]`, new Float64Array(n)));
  const ports = parts.outputPorts(valueShape);
  const finishedSlot = env.layout.f64(`${env.node}.is_finished`, [0]);
  const needPrevious = parts.isFinished !== undefined;
  return {
    type: parts.type,
    name: parts.name,
    inputPorts: parts.inputPorts,
    valueShape,
    outputPorts: ports,
    function: parts.function,
    params: parts.params,
    recurrentMatrix: parts.recurrentMatrix,
    valueSlots,
    resetWhen: parts.resetWhen,
    bind(ctx: ContextStore): BoundMechanism {
      const value: Value = valueSlots.map((s) => ctx.f64(s));
      const portValues: Value[] = ports.map((p) => p.slot.map((s) => ctx.f64(s)));
      const portFns = ports.map((p) => p.bind(ctx));
      const fn = parts.function.bind(ctx);
      const integrator = parts.integrator?.bind(ctx);
      const integrated = parts.integrator ? allocValue(parts.integrator.outputShape) : null;
      const noise = parts.noise?.bind(ctx);
      const noisy = noise && !noise.isZero ? allocValue(parts.inputPorts.map((p) => p.size)) : null;
      const previous = needPrevious ? allocValue(valueShape) : null;
      const finished = ctx.f64(finishedSlot);
      const [lo, hi] = parts.clip ?? [null, null];
      const resetInput = parts.integrator && parts.resetInput ? parts.resetInput.map((r) => Float64Array.from(r)) : null;
      const clipValue = (v: Value) => {
        if (lo === null && hi === null) return;
        for (const row of v) {
          for (let i = 0; i < row.length; i++) {
            if (lo !== null && row[i]! < lo) row[i] = lo;
            if (hi !== null && row[i]! > hi) row[i] = hi;
          }
        }
      };
      const executeOnce = (variable: Value) => {
        let input = variable;
        if (noisy && noise) {
          for (let r = 0; r < variable.length; r++) {
            const x = variable[r]!;
            const o = noisy[r]!;
            for (let i = 0; i < x.length; i++) o[i] = x[i]! + noise.sample(i);
          }
          input = noisy;
        }
        if (integrator && integrated) {
          integrator.execute(input, integrated);
          input = integrated;
        }
        fn.execute(input, value);
        if (lo !== null || hi !== null) {
          for (const row of value) {
            for (let i = 0; i < row.length; i++) {
              if (lo !== null && row[i]! < lo) row[i] = lo;
              if (hi !== null && row[i]! > hi) row[i] = hi;
            }
          }
        }
      };
      return {
        value,
        portValues,
        execute(variable: Value): number {
          let n = 0;
          for (;;) {
            if (previous) for (let r = 0; r < value.length; r++) previous[r]!.set(value[r]!);
            executeOnce(variable);
            n++;
            const done = parts.isFinished ? parts.isFinished(value, previous!, fn, integrator) : true;
            finished[0] = done ? 1 : 0;
            if (!parts.executeUntilFinished || done || n >= parts.maxExecutions) break;
          }
          for (let p = 0; p < portFns.length; p++) portFns[p]!(value, portValues[p]!);
          return n;
        },
        isFinished: () => finished[0] === 1,
        reset() {
          fn.reset?.();
          integrator?.reset?.();
          if (resetInput) {
            fn.execute(resetInput, value);
            clipValue(value);
            for (let p = 0; p < portFns.length; p++) portFns[p]!(value, portValues[p]!);
          }
        },
      };
    },
    emit(cg: Codegen, variable: CgValue): V {
      const ir = cg.ir;
      const node = parts.name;
      const emitFn = emitterOf(parts.function, node, 'function');
      const emitIntegrator = parts.integrator ? emitterOf(parts.integrator, node, 'integrator') : null;
      const sample = parts.noise && !parts.noise.isZero ? parts.noise.emitSample(cg) : null;
      if (parts.noise && !parts.noise.isZero && !sample) throw new CodegenUnsupported(node, 'noise', 'this noise distribution has no compiled form yet');
      if (parts.isFinished && !parts.emitIsFinished) throw new CodegenUnsupported(node, 'finish criterion', 'has no compiled form yet');
      const value = cg.slots(valueSlots);
      const noisy = sample ? cg.scratch(parts.inputPorts.map((p) => p.size), 'noisy') : null;
      const integrated = parts.integrator ? cg.scratch(parts.integrator.outputShape, 'integrated') : null;
      const previous = needPrevious ? cg.scratch(valueShape, 'previous') : null;
      const finishedFlag = ir.intVariable(ir.int(1), 'finished');
      const count = ir.intVariable(ir.int(0), 'executions');
      const [lo, hi] = parts.clip ?? [null, null];
      const once = () => {
        if (previous) cg.copy(value, previous);
        let input = variable;
        if (noisy && sample) {
          variable.rows.forEach((row, r) => {
            ir.loop(row.len, (i) => ir.store(ir.add(ir.load(row.ptr, i), sample(i)), noisy.rows[r]!.ptr, i), 'noise');
          });
          input = noisy;
        }
        if (emitIntegrator && integrated) {
          emitIntegrator(cg, input, integrated);
          input = integrated;
        }
        emitFn(cg, input, value);
        emitClip(cg, value, lo, hi);
        count.set(ir.b.CreateAdd(count.get(), ir.int(1)));
        const done = parts.emitIsFinished ? parts.emitIsFinished(cg, value, previous!) : ir.bool(true);
        finishedFlag.set(ir.b.CreateZExt(done, ir.i32));
      };
      if (!parts.executeUntilFinished || !parts.isFinished) {
        once();
      } else {
        const again = ir.intVariable(ir.int(1), 'again');
        ir.whileLoop(
          () => ir.b.CreateICmpNE(again.get(), ir.int(0)),
          () => {
            once();
            const more = ir.b.CreateAnd(ir.b.CreateICmpEQ(finishedFlag.get(), ir.int(0)), ir.b.CreateICmpSLT(count.get(), ir.int(parts.maxExecutions)));
            again.set(ir.b.CreateZExt(more, ir.i32));
          },
          'until_finished',
        );
      }
      ports.forEach((port) => port.emit(cg, value, cg.slots(port.slot)));
      const done = ir.b.CreateICmpNE(finishedFlag.get(), ir.int(0));
      ir.store(ir.select(done, ir.num(1), ir.num(0)), cg.slot(finishedSlot));
      return done;
    },
    emitReset(cg: Codegen): void {
      emitResetOf(parts.function, parts.name, cg);
      emitResetOf(parts.integrator, parts.name, cg);
      if (parts.integrator && parts.resetInput) {
        const ir = cg.ir;
        const value = cg.slots(valueSlots);
        const input = cg.scratch(parts.resetInput.map((r) => r.length), 'reset_input');
        parts.resetInput.forEach((row, r) => row.forEach((x, i) => ir.store(ir.num(x), input.rows[r]!.ptr, i)));
        emitterOf(parts.function, parts.name, 'function')(cg, input, value);
        const [lo, hi] = parts.clip ?? [null, null];
        emitClip(cg, value, lo, hi);
        ports.forEach((port) => port.emit(cg, value, cg.slots(port.slot)));
      }
    },
  };
}
