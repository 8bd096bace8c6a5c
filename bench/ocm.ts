/**
 * Model-based control benchmark: an EVC-style model (OptimizationControlMechanism with a
 * GridSearch over a DDM's drift rate and threshold) at several grid sizes, in every mode, and in
 * LLVMRun with 1..N controller threads. Prints evaluations/s (simulated grid points per second)
 * and ms per trial; exits 1 only when a mode or a thread count disagrees with Interpreted.
 *
 *   npx tsx bench/ocm.ts [--quick] [--integrator] [--json FILE]
 *
 * `--integrator` uses a DriftDiffusionIntegrator (about 100 steps per simulated trial) instead of
 * the analytical DDM, where each evaluation is heavier and threads pay off sooner.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { ModelSession, type ExecutionMode } from '../src-main/runtime/run-model.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const integrator = args.includes('--integrator');
const jsonAt = args.indexOf('--json');

const spaced = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / Math.max(1, n - 1));

/** reward and a stimulus → DDM → OBJ = reward · P(upper) / RT (or reward / RT with the integrator); the OCM tunes the DDM. */
function evcModel(n1: number, n2: number): object {
  const ddm = integrator
    ? { type: 'DDM', function: { type: 'DriftDiffusionIntegrator', rate: 1, threshold: 1, noise: 0.5, time_step_size: 0.01, seed: 7 }, output_ports: [{ name: 'DECISION_VARIABLE' }, { name: 'RESPONSE_TIME' }] }
    : { type: 'DDM', seed: 3, function: { type: 'DriftDiffusionAnalytical', drift_rate: 1, threshold: 1, noise: 0.8, starting_value: 0.1, non_decision_time: 0.3 }, output_ports: [{ name: 'DECISION_VARIABLE' }, { name: 'RESPONSE_TIME' }, { name: 'PROBABILITY_UPPER_THRESHOLD' }] };
  const objPorts = [{ name: 'reward' }, ...(integrator ? [] : [{ name: 'p_upper' }]), { name: 'rt', exponent: -1 }];
  return {
    format: 'cogstudio-model',
    version: 1,
    name: `bench_ocm_${integrator ? 'integrator' : 'analytical'}_${n1}x${n2}`,
    nodes: {
      reward: { type: 'TransferMechanism', size: 1 },
      Stimulus: { type: 'TransferMechanism', size: 1 },
      Decision: ddm,
      OBJ: { type: 'ObjectiveMechanism', function: { type: 'LinearCombination', operation: 'product' }, input_ports: objPorts },
      OCM: {
        type: 'OptimizationControlMechanism',
        objective_mechanism: 'OBJ',
        state_features: ['reward', 'Stimulus'],
        state_feature_function: { type: 'AdaptiveIntegrator', rate: 0.7 },
        function: { type: 'GridSearch', seed: 2 },
        control_signals: [
          { name: 'drift', allocation_samples: spaced(0.2, 1.0, n1) },
          { name: 'threshold', allocation_samples: spaced(0.3, 1.8, n2) },
        ],
      },
    },
    projections: [
      { sender: 'Stimulus', receiver: 'Decision' },
      { sender: 'reward', receiver: 'OBJ', receiver_port: 'reward' },
      ...(integrator ? [] : [{ sender: 'Decision', sender_port: 'PROBABILITY_UPPER_THRESHOLD', receiver: 'OBJ', receiver_port: 'p_upper' }]),
      { sender: 'Decision', sender_port: 'RESPONSE_TIME', receiver: 'OBJ', receiver_port: 'rt' },
      { sender: 'OCM', sender_port: 'drift', receiver: 'Decision', receiver_parameter: integrator ? 'rate' : 'drift_rate' },
      { sender: 'OCM', sender_port: 'threshold', receiver: 'Decision', receiver_parameter: 'threshold' },
    ],
    ...(integrator ? { termination: { trial: { type: 'WhenFinished', dependency: 'Decision' } } } : {}),
    controller: 'OCM',
    run: { inputs: { Stimulus: [[0.8], [0.3], [-0.4], [0.6]], reward: [[10], [15], [5], [8]] } },
  };
}

interface Row {
  grid: number;
  mode: string;
  threads: number | null;
  trials: number;
  ms_per_trial: number;
  evaluations_per_s: number;
  compile_ms: number | null;
}

const rows: Row[] = [];
let failed = false;
const sizes: [number, number][] = quick ? [[3, 4], [10, 10]] : integrator ? [[3, 4], [10, 10], [20, 20]] : [[3, 4], [10, 10], [20, 20], [30, 30]];
const budgetEvaluations = (integrator ? 3_000 : 60_000) / (quick ? 10 : 1);

for (const [n1, n2] of sizes) {
  const model = evcModel(n1, n2);
  const grid = n1 * n2;
  const measure = (mode: ExecutionMode, trials: number, threads: number | null) => {
    const session = new ModelSession(model as never);
    try {
      const t0 = performance.now();
      const compiled = session.choose(mode).compiled;
      const compileMs = compiled ? performance.now() - t0 : null;
      if (threads !== null) compiled!.setControllerThreads!(threads, 1, 0);
      session.run({ mode, numTrials: 1 }); // warm-up
      session.reset();
      const t1 = performance.now();
      const out = session.run({ mode, numTrials: trials });
      const ms = performance.now() - t1;
      rows.push({ grid, mode, threads, trials, ms_per_trial: ms / trials, evaluations_per_s: (trials * grid) / (ms / 1000), compile_ms: compileMs });
      return out.results;
    } finally {
      session.dispose();
    }
  };
  const interpretedTrials = Math.max(2, Math.round(budgetEvaluations / grid));
  const reference = measure('Interpreted', interpretedTrials, null);
  const check = (what: string, results: unknown) => {
    if (JSON.stringify(results) !== JSON.stringify(reference)) {
      failed = true;
      console.error(`MISMATCH: grid ${grid}, ${what} differs from Interpreted`);
    }
  };
  for (const mode of ['LLVM', 'LLVMExec'] as const) check(mode, measure(mode, interpretedTrials, null));
  const threadCounts = [...new Set([1, 2, availableParallelism()])];
  for (const threads of threadCounts) check(`LLVMRun × ${threads} threads`, measure('LLVMRun', interpretedTrials, threads));
}

const fmt = (x: number | null, d = 1) => (x === null ? '—' : x >= 1e5 ? x.toExponential(2) : x.toFixed(d));
console.log(`OCM benchmark (${integrator ? 'DriftDiffusionIntegrator' : 'DriftDiffusionAnalytical'} DDM; evaluations = simulated grid points)`);
console.log('grid  mode         threads  trials  ms/trial   evaluations/s  compile ms');
for (const r of rows) {
  console.log(`${String(r.grid).padStart(4)}  ${r.mode.padEnd(11)}  ${String(r.threads ?? '—').padStart(7)}  ${String(r.trials).padStart(6)}  ${fmt(r.ms_per_trial, 4).padStart(8)}  ${fmt(r.evaluations_per_s, 0).padStart(13)}  ${fmt(r.compile_ms, 0).padStart(10)}`);
}
if (jsonAt >= 0) writeFileSync(args[jsonAt + 1]!, JSON.stringify({ integrator, rows }, null, 2));
process.exitCode = failed ? 1 : 0;
