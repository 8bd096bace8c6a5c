/**
 * The contract of Mechanisms. A mechanism is declared once (parameters, default output ports)
 * and instantiated for one node of a model: its input ports, value shape and output ports are
 * fixed then, and its state (value, port values, function state) is declared in the model's
 * StateLayout so that it lives in each context's store.
 */
import type { CgValue, Codegen } from '../../compiler/codegen/codegen.js';
import type { V } from '../../compiler/codegen/ir.js';
import type { ContextStore, F64Slot } from '../../engine/state.js';
import type { BuildEnv, FunctionInstance, ParamDecl, Shape, Value } from '../types.js';
import type { ControlContext } from './ocm-estimates.js';

export interface NodeSpec {
  type: string;
  [key: string]: unknown;
}

export interface InputPortInfo {
  name: string;
  size: number;
}

export interface OutputPortInstance {
  name: string;
  shape: Shape;
  /** Slot of the port's value (one row per item of the port's value). */
  slot: F64Slot[];
  /** Computes the port's value from the owner's value into `out`. */
  bind(ctx: ContextStore): (ownerValue: Value, out: Value) => void;
  /** The compiled twin of the bound function (throws CodegenUnsupported when it has none). */
  emit(cg: Codegen, ownerValue: CgValue, out: CgValue): void;
}

export interface MechanismEnv extends BuildEnv {
  /** The node's name (for messages and state slot names). */
  readonly node: string;
  /** The other nodes, for a controller (built after them): which have random streams (num_estimates). */
  readonly controlContext?: ControlContext;
}

export interface MechanismDeclaration {
  readonly type: string;
  readonly help: string;
  /** Mechanism-level parameters (the function's parameters live on the function object). */
  readonly params: readonly ParamDecl[];
  /** The default function's type (e.g. Linear for ProcessingMechanism). */
  readonly defaultFunction: string;
  /** Output port names used when the node declares none. */
  readonly defaultOutputPorts: readonly string[];
  /** Standard output port names this type understands (beyond custom ports with a function). */
  readonly standardOutputPorts: readonly string[];
  create(spec: NodeSpec, env: MechanismEnv): MechanismInstance;
}

export interface MechanismInstance {
  readonly type: string;
  readonly name: string;
  readonly inputPorts: readonly InputPortInfo[];
  readonly valueShape: Shape;
  readonly outputPorts: readonly OutputPortInstance[];
  /** The mechanism's main function (for the inspector, control and the compiler). */
  readonly function: FunctionInstance;
  /** Resolved mechanism-level parameters. */
  readonly params: Record<string, unknown>;
  /** A matrix from the node's first output port back to its first input port (recurrent mechanisms). */
  readonly recurrentMatrix?: Float64Array[];
  /** Slots holding the node's value rows. */
  readonly valueSlots: readonly F64Slot[];
  /** A condition object that resets the node's stateful function (evaluated at each trial start). */
  readonly resetWhen?: unknown;
  bind(ctx: ContextStore): BoundMechanism;
  /**
   * The compiled twin of `BoundMechanism.execute` (variable read from `variable`, value, ports
   * and state written to the state buffer). Returns an i1: whether the mechanism is finished.
   * Throws CodegenUnsupported naming the feature it cannot compile.
   */
  emit(cg: Codegen, variable: CgValue): V;
  /** The compiled twin of `BoundMechanism.reset`. */
  emitReset(cg: Codegen): void;
}

export interface BoundMechanism {
  /** The node's current value (views into the context store). */
  readonly value: Value;
  /** The current value of each output port (views into the context store). */
  readonly portValues: readonly Value[];
  /**
   * Executes the mechanism on `variable` (one row per input port): function, integrator,
   * clipping, the execute-until-finished loop, and the output ports. Returns the number of
   * executions it took.
   */
  execute(variable: Value): number;
  /** Whether the last execution left the mechanism finished (WhenFinished). */
  isFinished(): boolean;
  /** Puts stateful functions back to their initial state. */
  reset(): void;
}
