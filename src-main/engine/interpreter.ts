/**
 * The Interpreted mode: the reference semantics. One ExecutionContext holds a context's store
 * (all state in one buffer) and bound components; runs continue where the previous run of the
 * same context stopped.
 */
import type { BoundMechanism, MechanismInstance } from '../components/mechanisms/types.js';
import type { Value } from '../components/types.js';
import type { SchedulerCounters } from '../scheduler/clock.js';
import type { ConditionContext } from '../scheduler/conditions.js';
import type { SchedulerLimits } from '../scheduler/scheduler.js';
import { InterpretedRunner, drain } from '../runtime/runners.js';
import { countersFor, type Composition } from './composition.js';
import { ControllerRuntime } from './controller.js';
import type { PreparedInputs } from './inputs.js';
import { ContextStore, copyRow } from './state.js';

export interface TrialRecord {
  /** Output port values of the output nodes, in node order (Composition.results[trial]). */
  results: number[][];
  /** Each node's value at the end of the trial (when recorded). */
  nodeValues?: number[][][];
  /** Node names per time step of the trial (when recorded). */
  executionOrder?: string[][];
}

export interface RunOptions {
  numTrials: number;
  inputs: PreparedInputs;
  recordNodeValues?: boolean;
  recordExecutionOrder?: boolean;
  limits?: SchedulerLimits;
  /** Called after every trial; return false to stop the run early (cancel). */
  onTrial?: (trial: number) => boolean | void;
  /** Interpreted mode only: called after every time step with the nodes that ran (pass values, see pass-trace.ts). */
  onStep?: (nodes: readonly number[]) => void;
}

export class ExecutionContext {
  readonly store: ContextStore;
  readonly counters: SchedulerCounters;
  readonly mechanisms: BoundMechanism[];
  /** The instance each node runs as: the node, or the variant for the current control allocation. */
  readonly instances: MechanismInstance[];
  readonly variables: Value[];
  readonly conditionContext: ConditionContext;
  /** External input of the current trial, per node (empty for non-input nodes). */
  readonly external: Value[];
  /** The composition's controller in this context, when it has one. */
  readonly controller: ControllerRuntime | null;
  private readonly bound = new Map<MechanismInstance, BoundMechanism>();

  constructor(readonly comp: Composition) {
    this.store = new ContextStore(comp.layout);
    this.counters = countersFor(comp, this.store);
    this.instances = [...comp.nodes];
    this.mechanisms = comp.nodes.map((m) => this.bindInstance(m));
    this.variables = comp.variableSlots.map((slots) => slots.map((s) => this.store.f64(s)));
    this.external = comp.externalSlots.map((slots) => slots.map((s) => this.store.f64(s)));
    const mechs = this.mechanisms;
    const instances = this.instances;
    this.conditionContext = {
      counters: this.counters,
      nodeValue: (k) => mechs[k]!.value,
      nodeParameter: (k, name) => {
        const m = instances[k]!;
        const v = m.function.params[name] ?? m.params[name];
        return typeof v === 'number' ? v : Array.isArray(v) ? (v.flat(3) as number[]) : undefined;
      },
    };
    this.controller = comp.controller ? new ControllerRuntime(this, comp.controller) : null;
    this.controller?.sync();
  }

  /** Puts the whole context back to its initial state (values, integrators, RNG, counters). */
  reset(): void {
    this.store.reset();
    this.controller?.sync();
  }

  /** Runs node `k` as `instance` from now on (a variant over the same state, for control). */
  setInstance(k: number, instance: MechanismInstance): void {
    if (this.instances[k] === instance) return;
    this.instances[k] = instance;
    this.mechanisms[k] = this.bindInstance(instance);
  }

  private bindInstance(m: MechanismInstance): BoundMechanism {
    let b = this.bound.get(m);
    if (!b) {
      b = m.bind(this.store);
      this.bound.set(m, b);
    }
    return b;
  }

  /** The input of one node: external input, plus every afferent projection, plus its recurrent matrix. */
  gather(node: number): void {
    const comp = this.comp;
    const variable = this.variables[node]!;
    const ext = this.external[node]!;
    const ports = comp.afferents[node]!;
    for (let p = 0; p < variable.length; p++) {
      const row = variable[p]!;
      if (ext.length) copyRow(row, ext[p]!);
      else row.fill(0);
      for (const proj of ports[p]!) {
        addProduct(this.mechanisms[proj.sender]!.portValues[proj.senderPort]!, proj.matrix, row);
      }
    }
    const rec = comp.nodes[node]!.recurrentMatrix;
    if (rec) addProduct(this.mechanisms[node]!.portValues[0]!, rec, variable[0]!);
  }

  /** Runs one time step: every node reads the values from before the step, then all execute. */
  executeStep(nodes: readonly number[]): void {
    for (const k of nodes) this.gather(k);
    const reseeding = this.controller?.randomizes ? this.controller : null;
    for (const k of nodes) {
      reseeding?.reseed(k);
      const m = this.mechanisms[k]!;
      m.execute(this.variables[k]!);
      this.counters.finished[k] = m.isFinished() ? 1 : 0;
    }
  }

  /** Runs a whole run in Interpreted mode (blocking). */
  run(opts: RunOptions): TrialRecord[] {
    return drain(new InterpretedRunner(this, opts));
  }

  /** Copies trial t's external inputs (cycling) into the input nodes' external slots. */
  setTrialInputs(inputs: PreparedInputs, t: number): void {
    const nodes = inputs.nodes;
    for (let k = 0; k < nodes.length; k++) {
      const list = inputs.trials[k]!;
      const trial = list[t % list.length]!;
      const rows = this.external[nodes[k]!]!;
      for (let p = 0; p < rows.length; p++) copyRow(rows[p]!, trial[p]!);
    }
  }

  /** Trial start: clear finished flags and apply each node's reset condition. */
  beginTrial(): void {
    const comp = this.comp;
    this.counters.finished.fill(0);
    comp.resetConditions.forEach((cond, k) => {
      if (cond && cond(this.conditionContext, k)) this.mechanisms[k]!.reset();
    });
  }

  results(): number[][] {
    const out: number[][] = [];
    for (const k of this.comp.outputNodes) {
      for (const port of this.mechanisms[k]!.portValues) out.push(port.flatMap((r) => Array.from(r)));
    }
    return out;
  }
}

/** row += flatten(value) × matrix */
function addProduct(value: Value, matrix: Float64Array[], row: Float64Array): void {
  let i = 0;
  for (const v of value) {
    for (let a = 0; a < v.length; a++, i++) {
      const x = v[a]!;
      if (x === 0) continue;
      const m = matrix[i]!;
      for (let j = 0; j < row.length; j++) row[j]! += x * m[j]!;
    }
  }
}
