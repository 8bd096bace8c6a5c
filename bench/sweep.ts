/**
 * Parameter-sweep benchmark: a 1 000-point sweep (the DDM integrator's drift rate) in every mode
 * and on 1..N worker processes, with the on-disk object cache off (each point's compile is cold).
 * Prints points/s (evaluations/s: one point = one run of `--trials` trials) and the mean compile
 * and run time per point; exits 1 only when a table differs from the Interpreted, one-worker one
 * by more than 1e-12 relative, or from another worker count at all.
 *
 *   npx tsx bench/sweep.ts [--quick] [--points N] [--trials N] [--json FILE]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelLike } from '../src-main/engine/composition.js';
import type { ExecutionMode } from '../src-main/runtime/run-model.js';
import { planSweep, runSweep, type SweepResult } from '../src-main/sweep/run-sweep.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const quick = args.includes('--quick');
const points = option('--points', quick ? 60 : 1000);
const trials = option('--trials', quick ? 20 : 100);
const jsonAt = args.indexOf('--json');

// the workers inherit it: every compile is cold (and the user's cache is left alone)
process.env.COGSTUDIO_OBJECT_CACHE = 'off';

const HERE = dirname(fileURLToPath(import.meta.url));
const model = JSON.parse(readFileSync(join(HERE, 'models', 'ddm_integrator.cogmodel.json'), 'utf8')) as ModelLike;
const MODES: ExecutionMode[] = ['Interpreted', 'LLVM', 'LLVMExec', 'LLVMRun'];
const threads = [...new Set([1, availableParallelism()])];

interface Row {
  mode: ExecutionMode;
  jobs: number;
  points: number;
  seconds: number;
  points_per_s: number;
  compile_ms_per_point: number;
  run_ms_per_point: number;
}

const table = (r: SweepResult) => r.rows.map((row) => [...row.values, ...row.stats]);
const close = (a: number, b: number) => a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));

const rows: Row[] = [];
let reference: number[][] | null = null;
let failed = false;
console.log(`sweep of ${points} points × ${trials} trials (DDM integrator, DECISION.rate 0.1..3), object cache off`);
console.log('mode         jobs  points/s  compile ms/pt  run ms/pt  total s');
for (const mode of MODES) {
  let sameMode: number[][] | null = null;
  for (const jobs of threads) {
    const plan = planSweep({ model, params: [`DECISION.rate=0.1:3:${points}`], stats: ['DECISION:rt', 'DECISION:accuracy'], mode, numTrials: trials });
    const r = await runSweep(plan, { jobs });
    const n = r.rows.length;
    const row: Row = { mode, jobs: r.jobs, points: n, seconds: r.timings.total_ms / 1000, points_per_s: r.timings.points_per_s, compile_ms_per_point: r.timings.compile_ms / n, run_ms_per_point: r.timings.run_ms / n };
    rows.push(row);
    console.log(`${mode.padEnd(12)} ${String(row.jobs).padStart(4)}  ${row.points_per_s.toFixed(1).padStart(8)}  ${row.compile_ms_per_point.toFixed(1).padStart(13)}  ${row.run_ms_per_point.toFixed(2).padStart(9)}  ${row.seconds.toFixed(1).padStart(7)}`);
    const t = table(r);
    // the same mode on another worker count: identical to the bit
    if (sameMode && JSON.stringify(sameMode) !== JSON.stringify(t)) {
      console.error(`  ${mode} on ${jobs} workers differs from 1 worker`);
      failed = true;
    }
    sameMode ??= t;
    reference ??= t;
    const bad = t.flatMap((cells, i) => cells.map((v, j) => [i, j, v] as const)).find(([i, j, v]) => !close(v, reference![i]![j]!));
    if (bad) {
      console.error(`  ${mode} differs from Interpreted at point ${bad[0]}, column ${bad[1]}: ${bad[2]} vs ${reference[bad[0]]![bad[1]]}`);
      failed = true;
    }
  }
}
if (jsonAt >= 0 && args[jsonAt + 1]) writeFileSync(args[jsonAt + 1]!, JSON.stringify({ points, trials, rows }, null, 1) + '\n');
process.exitCode = failed ? 1 : 0;
