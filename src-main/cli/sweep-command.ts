/** `cogstudio sweep`: the model run for every point of a parameter grid, one table row per point. */
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { ModelError } from '../model/errors.js';
import { EXECUTION_MODES, type ExecutionMode } from '../runtime/run-model.js';
import { planSweep, runSweep } from '../sweep/run-sweep.js';
import { describeSweepCompiles } from '../../shared/ipc/sweep-table.js';
import { MAX_SWEEP_POINTS } from '../sweep/spec.js';
import { STAT_KINDS } from '../sweep/stats.js';
import { sweepCsv, sweepJson } from '../sweep/table.js';
import { UsageError, positional, wholeNumber } from './args.js';
import type { CliIO } from './main.js';
import { loadInputs, loadModel } from './read-model.js';

export const SWEEP_USAGE = `Options for sweep (runs the model once per grid point, in parallel; one row per point):
  --param NODE.PARAM=START:STOP:N   N evenly spaced values from START to STOP (or NODE.PARAM=v1,v2,...);
                                    repeat for a grid (all combinations, the last --param fastest);
                                    NODE.function.PARAM names the function's parameter explicitly
  --stat NODE[.PORT]:STAT           a column per port element: STAT is ${STAT_KINDS.filter((k) => k !== 'rt' && k !== 'accuracy').join(', ')} over
                                    the trials; NODE:rt and NODE:accuracy for DDM nodes (mean
                                    RESPONSE_TIME, fraction of trials ending at the upper threshold);
                                    default: mean and final of every output port
  --out FILE                        .csv or .json
  --trials N, --mode MODE, --inputs FILE, --max-passes N   as for run (each point is one run)
  --jobs N                          worker processes (default: the machine's parallelism); the rows
                                    do not depend on it
  At most ${MAX_SWEEP_POINTS} points.`;

export async function sweepCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      param: { type: 'string', multiple: true },
      stat: { type: 'string', multiple: true },
      mode: { type: 'string' },
      trials: { type: 'string' },
      inputs: { type: 'string' },
      'max-passes': { type: 'string' },
      jobs: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const file = positional(positionals, 'MODEL.json');
  const mode = (values.mode ?? 'Auto') as ExecutionMode;
  if (!EXECUTION_MODES.includes(mode)) throw new UsageError(`--mode must be one of ${EXECUTION_MODES.join(', ')}, not ${JSON.stringify(values.mode)}`);
  if (!values.param?.length) throw new UsageError('sweep needs at least one --param NODE.PARAM=START:STOP:N');
  if (values.out === undefined) throw new UsageError('sweep needs --out FILE.csv or --out FILE.json');
  const format = extname(values.out).toLowerCase();
  if (format !== '.csv' && format !== '.json') throw new UsageError(`--out must end in .csv or .json, not ${JSON.stringify(values.out)}`);
  const numTrials = wholeNumber(values.trials, '--trials', 1e9);
  const maxPasses = wholeNumber(values['max-passes'], '--max-passes', 1e9);
  const jobs = wholeNumber(values.jobs, '--jobs', 256);
  const model = await loadModel(file);
  const inputs = values.inputs !== undefined ? loadInputs(values.inputs) : undefined;
  let plan;
  try {
    plan = planSweep({ model, params: values.param, stats: values.stat, mode, numTrials, inputs, maxPassesPerTrial: maxPasses });
  } catch (e) {
    if (e instanceof ModelError && !e.file) throw new ModelError(e.issues, file);
    throw e;
  }
  let lastShown = 0;
  const result = await runSweep(plan, {
    jobs,
    onProgress: io.isTTY
      ? (done, total) => {
          const now = Date.now();
          if (now - lastShown > 200 || done === total) {
            lastShown = now;
            io.stderr(`\rpoint ${done}/${total} (${Math.floor((100 * done) / total)}%)${done === total ? '\n' : ''}`);
          }
        }
      : undefined,
  });
  for (const w of result.warnings) io.stderr(`warning: ${w}\n`);
  const perPoint = (ms: number) => ms / Math.max(1, result.rows.length);
  const compiledModes = !result.executed_modes.includes('Interpreted');
  if (compiledModes && result.compiled_once < result.rows.length && perPoint(result.timings.compile_ms) > 5 * perPoint(result.timings.run_ms)) {
    // points not compiled once have their parameters built into their code, so short runs spend their time compiling
    io.stderr(`note: compiling took ${perPoint(result.timings.compile_ms).toFixed(0)} ms per point and running ${perPoint(result.timings.run_ms).toFixed(1)} ms; for runs this short --mode Interpreted may be faster\n`);
  }
  writeFileSync(values.out, format === '.csv' ? sweepCsv(result) : sweepJson(result));
  const t = result.timings;
  const once = result.compiled_once;
  const compiled = compiledModes ? `, ${describeSweepCompiles(once, result.compiled_codes, result.rows.length)}` : '';
  io.stdout(
    `${result.rows.length} points in ${result.executed_modes.join('/')} mode on ${result.jobs} worker${result.jobs > 1 ? 's' : ''}${compiled} ` +
      `(${(t.total_ms / 1000).toFixed(2)} s, ${t.points_per_s.toFixed(1)} points/s; per point on average: compile ${perPoint(t.compile_ms).toFixed(1)} ms, run ${perPoint(t.run_ms).toFixed(1)} ms); table written to ${values.out}\n`,
  );
  return 0;
}
