/**
 * The execution core shared by mechanisms whose value is `function(input)`, optionally
 * preceded by noise or an integrator and followed by clipping, repeated until finished:
 * ProcessingMechanism, TransferMechanism, RecurrentTransferMechanism, LCAMechanism,
 * IntegratorMechanism, ObjectiveMechanism.
 */
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
        },
      };
    },
  };
}
