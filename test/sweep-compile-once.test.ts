/**
 * Sweeps compiled once (src-main/sweep/compile-once.ts, real JIT): the swept parameter read at
 * run time when the controller's proof holds for every point, each row identical to the
 * per-point path and to `cogstudio run` on a file with that value; a parameter that fails the
 * proof (derived in JS) falls back and is still identical, and beside one that passes is folded
 * in per value while the other stays a run-time parameter; --jobs 1 and 2 give the same rows.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planSweep, runSweep, type SweepResult } from '../src-main/sweep/run-sweep.js';
import { SweepCompiler, compileOnceStats, proofStats } from '../src-main/sweep/compile-once.js';
import { modelAt } from '../src-main/sweep/spec.js';
import { ModelSession } from '../src-main/runtime/run-model.js';
import { computeStats } from '../src-main/sweep/stats.js';
import { REPO_ROOT } from './shared-files.js';

const TMP = mkdtempSync(join(tmpdir(), 'cogstudio-sweep-once-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const DDM = join(REPO_ROOT, 'examples/ddm_integrator.cogmodel.json');
const readDdm = () => JSON.parse(readFileSync(DDM, 'utf8')) as { nodes: { DECISION: { function: Record<string, unknown> } } };

/** `cogstudio run --out` on the example with DECISION.function[param] = value: the flat results. */
function plainRun(param: string, value: number, trials: number): { flat: Float64Array; width: number } {
  const model = readDdm();
  model.nodes.DECISION.function[param] = value;
  const file = join(TMP, `ddm-${param}-${value}.json`);
  const out = `${file}.out.json`;
  writeFileSync(file, JSON.stringify(model));
  const r = spawnSync(process.execPath, ['bin/cogstudio.mjs', 'run', file, '--mode', 'LLVMRun', '--trials', String(trials), '--out', out], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  const results = (JSON.parse(readFileSync(out, 'utf8')) as { results: number[][][] }).results;
  const rows = results.map((t) => t.flat());
  return { flat: Float64Array.from(rows.flat()), width: rows[0]!.length };
}

async function sweep(param: string, opts: { jobs: number; compileOnce?: boolean }): Promise<SweepResult> {
  const plan = planSweep({ model: readDdm() as never, params: [param], mode: 'LLVMRun', numTrials: 25 });
  return runSweep(plan, opts);
}

describe('a sweep compiled once', () => {
  it('reads DECISION.function.rate at run time: one compile, every row = per-point path = cogstudio run', async () => {
    const before = compileOnceStats.compiles;
    const once = await sweep('DECISION.function.rate=0.25:2:4', { jobs: 1 });
    expect(compileOnceStats.compiles - before).toBe(1);
    expect(once.compiled_once).toBe(4);
    expect(once.compiled_codes).toBe(1);
    expect(once.rows.every((r) => r.compiled_once && r.executed_mode === 'LLVMRun')).toBe(true);
    const perPoint = await sweep('DECISION.function.rate=0.25:2:4', { jobs: 1, compileOnce: false });
    expect(perPoint.compiled_once).toBe(0);
    expect(once.rows.map((r) => r.stats)).toEqual(perPoint.rows.map((r) => r.stats));
    const plan = planSweep({ model: readDdm() as never, params: ['DECISION.function.rate=0.25:2:4'], mode: 'LLVMRun', numTrials: 25 });
    for (const row of [once.rows[0]!, once.rows[3]!]) {
      const flat = plainRun('rate', row.values[0]!, 25);
      expect(row.stats).toEqual(computeStats({ results: flat.flat, width: flat.width }, plan.task.columns));
    }
    // the rate reached the code: the points differ
    expect(new Set(once.rows.map((r) => JSON.stringify(r.stats))).size).toBe(4);
  });

  it('falls back per point for a parameter derived in JS (time_step_size), with the same rows', async () => {
    const before = compileOnceStats.compiles;
    const r = await sweep('DECISION.function.time_step_size=0.005,0.02', { jobs: 1 });
    expect(compileOnceStats.compiles - before).toBe(0);
    expect(r.compiled_once).toBe(0);
    const perPoint = await sweep('DECISION.function.time_step_size=0.005,0.02', { jobs: 1, compileOnce: false });
    expect(r.rows.map((x) => x.stats)).toEqual(perPoint.rows.map((x) => x.stats));
    const flat = plainRun('time_step_size', 0.02, 25);
    expect(r.rows[1]!.stats).toEqual(computeStats({ results: flat.flat, width: flat.width }, planSweep({ model: readDdm() as never, params: ['DECISION.function.time_step_size=0.02,0.03'], mode: 'LLVMRun' }).task.columns));
  });

  it('folds in a parameter swept over one value (time_step_size fails the proof) and reads the others at run time', async () => {
    const params = ['DECISION.function.rate=0.5,1.5', 'DECISION.function.time_step_size=0.02', 'DECISION.function.threshold=0.6,1.2'];
    const run = (compileOnce: boolean) => runSweep(planSweep({ model: readDdm() as never, params, mode: 'LLVMRun', numTrials: 20 }), { jobs: 1, compileOnce });
    const before = compileOnceStats.compiles;
    const once = await run(true);
    expect(compileOnceStats.compiles - before).toBe(1);
    expect(once.compiled_once).toBe(4);
    const perPoint = await run(false);
    expect(once.rows.map((r) => [r.values, r.stats])).toEqual(perPoint.rows.map((r) => [r.values, r.stats]));
    expect(new Set(once.rows.map((r) => JSON.stringify(r.stats))).size).toBe(4);
  });

  it('per parameter: reads rate at run time and folds time_step_size in (one compile per time_step_size), same rows', async () => {
    const params = ['DECISION.function.time_step_size=0.01,0.02', 'DECISION.function.rate=0.5:1.5:3'];
    const run = (compileOnce: boolean) => runSweep(planSweep({ model: readDdm() as never, params, mode: 'LLVMRun', numTrials: 20 }), { jobs: 1, compileOnce });
    const before = compileOnceStats.compiles;
    const once = await run(true);
    // the first point proves the pair fails; then rate alone passes: one code per time_step_size
    expect(compileOnceStats.compiles - before).toBe(2);
    expect(once.compiled_once).toBe(6);
    // the summary counts the two programs, not "compiled once"
    expect(once.compiled_codes).toBe(2);
    expect(new Set(once.rows.map((r) => r.code_group)).size).toBe(2);
    const perPoint = await run(false);
    expect(perPoint.compiled_once).toBe(0);
    expect(once.rows.map((r) => [r.values, r.stats])).toEqual(perPoint.rows.map((r) => [r.values, r.stats]));
    expect(new Set(once.rows.map((r) => JSON.stringify(r.stats))).size).toBe(6);
    const task = planSweep({ model: readDdm() as never, params, mode: 'LLVMRun', numTrials: 20 }).task;
    const compiler = new SweepCompiler(task);
    try {
      expect(compiler.runtimeParams).toEqual([0, 1]);
      const values = [0.02, 1.5];
      const session = new ModelSession(modelAt(task.model, task.params, values));
      expect(compiler.codeFor(session, values)).not.toBeNull();
      expect(compiler.runtimeParams).toEqual([1]);
      session.dispose();
    } finally {
      compiler.dispose();
    }
  });

  it("proves the points after a group's first on the swept node alone", async () => {
    const before = proofStats.onNodes;
    const once = await sweep('DECISION.function.rate=0.25:2:6', { jobs: 1 });
    expect(once.compiled_once).toBe(6);
    expect(proofStats.onNodes - before).toBe(5);
    const perPoint = await sweep('DECISION.function.rate=0.25:2:6', { jobs: 1, compileOnce: false });
    expect(once.rows.map((r) => [r.values, r.stats])).toEqual(perPoint.rows.map((r) => [r.values, r.stats]));
  });

  it("a value that changes the node's code (exponent 2: x·x, not pow) fails the swept node's proof and the whole-module proof: that point is compiled on its own, same rows", async () => {
    const model = {
      format: 'cogstudio-model',
      version: 1,
      name: 'powers',
      nodes: { A: { type: 'ProcessingMechanism', size: 1 }, B: { type: 'ProcessingMechanism', size: 1, function: { type: 'LinearCombination', exponents: 3 } } },
      projections: [{ sender: 'A', receiver: 'B' }],
      run: { inputs: { A: [[[1.7]], [[-0.3]], [[2.5]]] } },
    };
    const run = (compileOnce: boolean) => runSweep(planSweep({ model: model as never, params: ['B.function.exponents=3,2.5,2,4'], mode: 'LLVMRun', numTrials: 3 }), { jobs: 1, compileOnce });
    const before = proofStats.onNodes;
    const once = await run(true);
    expect(once.rows.map((r) => r.compiled_once)).toEqual([true, true, false, true]);
    // 2.5 and 4 pass on the node alone; 2 fails there, then in the whole module
    expect(proofStats.onNodes - before).toBe(2);
    const perPoint = await run(false);
    expect(once.rows.map((r) => [r.values, r.stats])).toEqual(perPoint.rows.map((r) => [r.values, r.stats]));
    expect(new Set(once.rows.map((r) => JSON.stringify(r.stats))).size).toBe(4);
  });

  it('gives the same rows on 1 and 2 workers, compiled once on each', async () => {
    const one = await sweep('DECISION.function.noise=0.2:1:5', { jobs: 1 });
    const two = await sweep('DECISION.function.noise=0.2:1:5', { jobs: 2 });
    expect(one.compiled_once).toBe(5);
    expect(two.compiled_once).toBe(5);
    expect(two.jobs).toBe(2);
    expect(two.rows.map((r) => [r.values, r.stats])).toEqual(one.rows.map((r) => [r.values, r.stats]));
  });

  it('says so in the CLI summary', () => {
    const out = join(TMP, 'cli.csv');
    const r = spawnSync(process.execPath, ['bin/cogstudio.mjs', 'sweep', DDM, '--param', 'DECISION.function.rate=0.5:1.5:3', '--mode', 'LLVMRun', '--trials', '10', '--jobs', '1', '--out', out], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('on 1 worker, compiled once');
    const json = join(TMP, 'cli.json');
    const j = spawnSync(process.execPath, ['bin/cogstudio.mjs', 'sweep', DDM, '--param', 'DECISION.function.time_step_size=0.01,0.02', '--mode', 'LLVMRun', '--trials', '10', '--jobs', '1', '--out', json], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(j.status, j.stderr).toBe(0);
    expect(j.stdout).toContain('on 1 worker, compiled per point');
    expect((JSON.parse(readFileSync(json, 'utf8')) as { compiled_once: number }).compiled_once).toBe(0);
  });
});
