/**
 * A plain ControlMechanism controller's execution (PsyNeuLink's ControlMechanism._execute under
 * Composition._execute_controller): the OUTCOME of the objective mechanism goes through the
 * mechanism's function and the result is the allocation of every control signal
 * (DefaultAllocationFunction gives each signal the same value); the controlled nodes then run
 * with their parameters modulated by it (engine/controller.ts modulated()). No simulation.
 */
import type { ControlMechanismInstance } from '../components/mechanisms/ControlMechanism.js';
import type { BoundFunction, Value } from '../components/types.js';
import type { ControllerHost, ControllerPlan } from './controller.js';

export class ControlMechanismRuntime {
  private readonly allocate: BoundFunction;
  private readonly input: Value = [new Float64Array(1)];
  private readonly output: Value = [new Float64Array(1)];
  /** The allocations each controlled node was last built for (by plan.controlled index). */
  private readonly current: (string | undefined)[] = [];

  constructor(
    private readonly host: ControllerHost,
    private readonly plan: ControllerPlan,
    node: ControlMechanismInstance,
  ) {
    this.allocate = node.allocate.bind(host.store);
  }

  execute(): void {
    const host = this.host;
    this.input[0]![0] = host.mechanisms[this.plan.objective]!.portValues[0]![0]![0]!;
    this.allocate.execute(this.input, this.output);
    const cm = host.mechanisms[this.plan.index]!;
    for (const row of cm.value) row[0] = this.output[0]![0]!;
    cm.execute([]);
    this.sync();
  }

  /**
   * Makes each controlled node the one built for the allocation in the store. The allocation is
   * any number, so the node is rebuilt when it changes rather than taken from the cached, finite
   * variants an OCM's grid uses (which would grow by one node per trial here).
   */
  sync(): void {
    const value = this.host.mechanisms[this.plan.index]!.value;
    this.plan.controlled.forEach((c, i) => {
      const allocations = c.signals.map((s) => value[s]![0]!);
      const key = allocations.join('|');
      if (this.current[i] === key) return;
      this.current[i] = key;
      this.host.setInstance(c.node, c.buildWith(c.valuesAt(allocations)));
    });
  }
}
