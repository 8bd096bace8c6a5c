/**
 * The compiled step of a plain ControlMechanism controller (engine/control-mechanism.ts's
 * twin): the objective mechanism's OUTCOME through the mechanism's function, written as every
 * control signal's allocation in the same state slots as an OCM's (its value rows and signal
 * ports), where the controlled nodes' run-time parameter code (controlled-params.ts) reads it.
 * No simulation, so no threads: set_threads is accepted and ignored, last_threads is 1.
 */
import type * as LLVM from 'llvm-bindings';
import type { ControlMechanismInstance } from '../../components/mechanisms/ControlMechanism.js';
import type { Composition } from '../../engine/composition.js';
import type { ControllerPlan } from '../../engine/controller.js';
import { CodegenUnsupported, type Codegen } from './codegen.js';
import type { IR } from './ir.js';

export function emitControlMechanismStep(ir: IR, cg: Codegen, comp: Composition, plan: ControllerPlan, cm: ControlMechanismInstance, symbols: { step: string; setThreads: string; lastThreads: string }): LLVM.Function {
  const allocate = cm.allocate;
  if (!allocate.emit) throw new CodegenUnsupported(cm.name, `function ${allocate.type}`, 'has no compiled form yet');
  const outcome = comp.nodes[plan.objective]!.outputPorts[0]!.slot[0]!;
  const step = ir.define(symbols.step, ir.i32, [['state', ir.i8p], ['max_passes', ir.i32]], ([state]) => {
    cg.state = state!;
    const out = ir.alloca(ir.f64, 1, 'allocation');
    allocate.emit!(cg, { rows: [{ ptr: cg.slot(outcome), len: 1 }] }, { rows: [{ ptr: out, len: 1 }] });
    const a = ir.load(out, 0);
    cm.valueSlots.forEach((slot, r) => {
      ir.store(a, cg.slot(slot), 0);
      ir.store(a, cg.slot(cm.outputPorts[r]!.slot[0]!), 0);
    });
    ir.ret(ir.int(0));
  });
  ir.define(symbols.setThreads, ir.void, [['threads', ir.i32], ['min_points', ir.i32], ['min_serial_ns', ir.f64]], () => ir.ret());
  ir.define(symbols.lastThreads, ir.i32, [], () => ir.ret(ir.int(1)));
  return step;
}
