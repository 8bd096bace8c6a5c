/**
 * Warms the engine process up while it waits for its first request, so that the studio's first
 * run does not pay for it: libLLVM is loaded (~25 ms) and the code generator runs a few times,
 * which lets V8 compile it to machine code. Measured in fresh processes (Stroop, tiered): first
 * result 91–217 ms cold, 45–66 ms after this (its code generation 37–130 ms → 11–19 ms).
 *
 * Nothing is compiled to machine code and nothing is cached: the modules are generated and
 * dropped. Each step (~30 ms at most) runs on its own turn of the event loop, only while the
 * engine has no request running or waiting (else it waits for that): a request that comes in
 * waits at most one step. A failure (libLLVM missing, say) is left for the first real request
 * to report.
 */
import { buildComposition, type ModelLike } from '../engine/composition.js';
import { generateModule } from '../compiler/codegen/composition.js';
import { hostCPU } from '../compiler/jit/index.js';

/** A small model touching the common code paths: inputs, a recurrent integrating layer, noise, a DDM. */
const WARM_UP_MODEL: ModelLike = {
  name: 'warm_up',
  seed: 1,
  nodes: {
    IN: { type: 'TransferMechanism', size: 3, function: { type: 'Linear' } },
    HIDDEN: { type: 'RecurrentTransferMechanism', size: 3, function: { type: 'Logistic' }, hetero: -1, integrator_mode: true, integration_rate: 0.1, noise: { type: 'NormalDist', standard_deviation: 0.1 } },
    OUT: { type: 'LCAMechanism', size: 2, function: { type: 'Logistic' } },
    DECISION: { type: 'DDM', function: { type: 'DriftDiffusionIntegrator', rate: 1, threshold: 1, noise: 0.5, time_step_size: 0.01 } },
  },
  projections: [
    { sender: 'IN', receiver: 'HIDDEN' },
    { sender: 'HIDDEN', receiver: 'OUT', matrix: [[1, 0], [0, 1], [0.5, 0.5]] },
    { sender: 'OUT', receiver: 'DECISION', matrix: [[1], [-1]] },
  ],
  run: { inputs: { IN: [[1, 0, 0]] } },
};

/** Code generations a warm-up runs (enough for V8 to optimise the generator's hot functions). */
export const WARM_UP_GENERATIONS = 4;

/** How long a step waits for the engine to be idle before the warm-up gives up. */
export const WARM_UP_PATIENCE_MS = 10_000;

/**
 * Runs the warm-up step by step, each when `idle()` holds (waiting for it, up to
 * `patienceMs` in all); resolves with the number of steps done (loading libLLVM is the first).
 */
export async function warmUp(idle: () => boolean, patienceMs = WARM_UP_PATIENCE_MS): Promise<number> {
  const giveUpAt = performance.now() + patienceMs;
  const steps: (() => void)[] = [
    () => void hostCPU(),
    ...Array.from({ length: WARM_UP_GENERATIONS }, () => () => {
      generateModule(buildComposition(WARM_UP_MODEL), { withScheduler: true }).ir.handOver();
    }),
  ];
  let done = 0;
  for (const step of steps) {
    await new Promise((r) => setImmediate(r));
    while (!idle()) {
      if (performance.now() >= giveUpAt) return done;
      await new Promise((r) => setTimeout(r, 20));
    }
    try {
      step();
    } catch {
      break;
    }
    done++;
  }
  return done;
}
