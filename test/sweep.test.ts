/**
 * Parameter sweeps (`cogstudio sweep`, src-main/sweep/): the grid, the statistics, every row
 * equal to a plain `cogstudio run` of the model file with the parameter set to that value (real
 * JIT, real files), the same table whatever --jobs, cancellation, and clear errors.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planSweep, runSweep, SweepPointError, type PointResult } from '../src-main/sweep/run-sweep.js';
import { checkGrid, linspace, parseParamArg, pointValues, SweepSpecError, MAX_SWEEP_POINTS } from '../src-main/sweep/spec.js';
import { computeStats } from '../src-main/sweep/stats.js';
import { HostSweeps } from '../src-main/sweep/host-sweeps.js';
import { forkWorkerAt } from '../src-main/sweep/pool.js';
import { MAIN_OUT, buildElectron } from '../src-main/electron/build-electron.js';
import { HostRequestError } from '../src-main/web-host/host-error.js';
import { RunEventSchema, type RunEvent } from '../shared/ipc/protocol.js';
import { REPO_ROOT } from './shared-files.js';

const TMP = mkdtempSync(join(tmpdir(), 'cogstudio-sweep-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const DDM = 'examples/ddm_integrator.cogmodel.json';
const CHAIN = 'examples/linear_chain.cogmodel.json';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/cogstudio.mjs', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function readExample(file: string): Record<string, unknown> & { nodes: Record<string, Record<string, unknown>> } {
  return JSON.parse(readFileSync(join(REPO_ROOT, file), 'utf8')) as Record<string, unknown> & { nodes: Record<string, Record<string, unknown>> };
}

function parseCsv(text: string): { header: string[]; rows: number[][] } {
  const [head, ...lines] = text.trimEnd().split('\n');
  return { header: head!.split(','), rows: lines.map((l) => l.split(',').map(Number)) };
}

/** `cogstudio run --out` on a model object written to a file; the per-trial results. */
function plainRun(model: unknown, ...args: string[]): number[][][] {
  const file = join(TMP, `model-${Math.random().toString(36).slice(2)}.json`);
  const out = `${file}.out.json`;
  writeFileSync(file, JSON.stringify(model));
  const r = cli('run', file, '--out', out, ...args);
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(readFileSync(out, 'utf8')) as { results: number[][][] }).results;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('the grid', () => {
  it('spaces N values evenly from START to STOP, both ends exact', () => {
    expect(linspace(0, 1, 5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(0.1, 0.7, 3)[2]).toBe(0.7);
    expect(linspace(3, 9, 1)).toEqual([3]);
  });

  it('is the cartesian product, last parameter fastest', () => {
    const model = readExample(DDM);
    const params = [parseParamArg(model, 'DECISION.rate=1:2:2'), parseParamArg(model, 'DECISION.threshold=0.5,1,1.5')];
    expect(checkGrid(params)).toBe(6);
    expect([0, 1, 2, 3, 4, 5].map((i) => pointValues(params, i))).toEqual([
      [1, 0.5], [1, 1], [1, 1.5], [2, 0.5], [2, 1], [2, 1.5],
    ]);
  });

  it('resolves mechanism parameters before function parameters, and NODE.function.PARAM explicitly', () => {
    const model = readExample(DDM);
    expect(parseParamArg(model, 'DECISION.seed=1:2:2')).toMatchObject({ level: 'mechanism', label: 'DECISION.seed' });
    expect(parseParamArg(model, 'DECISION.function.seed=1:2:2')).toMatchObject({ level: 'function', label: 'DECISION.function.seed' });
    expect(parseParamArg(model, 'DECISION.rate=1:2:2')).toMatchObject({ level: 'function', label: 'DECISION.rate' });
  });
});

describe('statistics', () => {
  // three trials, two ports: [x] and [a, b]
  const results = [
    [[1], [10, -1]],
    [[3], [20, 2]],
    [[-2], [30, 5]],
  ];
  it('computes mean, final, std (population), min, max and accuracy per element', () => {
    const col = (kind: 'mean' | 'final' | 'std' | 'min' | 'max' | 'accuracy', index: number) => ({ name: '', kind, index });
    const flat = Float64Array.from(results.flat(2));
    const got = computeStats({ results: flat, width: 3 }, [col('mean', 0), col('final', 1), col('std', 2), col('min', 0), col('max', 1), col('accuracy', 2)]);
    const sd = Math.sqrt(((-1 - 2) ** 2 + (2 - 2) ** 2 + (5 - 2) ** 2) / 3);
    expect(got).toEqual([2 / 3, 30, sd, -2, 30, 2 / 3]);
  });
});

describe('cogstudio sweep', () => {
  it('writes one row per point, each equal to `cogstudio run` with the parameter set (compiled)', () => {
    const out = join(TMP, 'ddm.csv');
    const r = cli('sweep', DDM, '--param', 'DECISION.rate=0.5:1.5:3', '--param', 'DECISION.threshold=0.6,1.2', '--trials', '40', '--out', out,
      '--stat', 'DECISION:rt', '--stat', 'DECISION:accuracy', '--stat', 'DECISION.DECISION_VARIABLE:final', '--stat', 'DECISION.RESPONSE_TIME:std');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^6 points in LLVMRun mode/);
    const { header, rows } = parseCsv(readFileSync(out, 'utf8'));
    expect(header).toEqual(['DECISION.rate', 'DECISION.threshold', 'DECISION:rt', 'DECISION:accuracy', 'DECISION.DECISION_VARIABLE:final', 'DECISION.RESPONSE_TIME:std']);
    expect(rows.map((row) => row.slice(0, 2))).toEqual([[0.5, 0.6], [0.5, 1.2], [1, 0.6], [1, 1.2], [1.5, 0.6], [1.5, 1.2]]);
    for (const row of [rows[0]!, rows[5]!]) {
      const model = readExample(DDM);
      const fn = model.nodes.DECISION!.function as Record<string, unknown>;
      fn.rate = row[0];
      fn.threshold = row[1];
      const results = plainRun(model, '--trials', '40');
      const dv = results.map((t) => t[0]![0]!);
      const rt = results.map((t) => t[1]![0]!);
      const m = mean(rt);
      expect(row.slice(2)).toEqual([m, dv.filter((x) => x > 0).length / dv.length, dv[dv.length - 1], Math.sqrt(mean(rt.map((x) => (x - m) ** 2)))]);
    }
    // the points differ: the parameters reached the compiled code
    expect(new Set(rows.map((row) => row[2])).size).toBe(6);
  });

  it('gives the same table with --jobs 1 and --jobs 2', () => {
    const tables = ['1', '2'].map((jobs) => {
      const out = join(TMP, `jobs-${jobs}.csv`);
      const r = cli('sweep', DDM, '--param', 'DECISION.noise=0.2:1:5', '--trials', '30', '--jobs', jobs, '--out', out);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`on ${jobs} worker`);
      return readFileSync(out, 'utf8');
    });
    expect(tables[1]).toBe(tables[0]);
    expect(parseCsv(tables[0]!).rows).toHaveLength(5);
  });

  it('by default reports mean and final of every output port, and writes JSON', () => {
    const out = join(TMP, 'chain.json');
    const r = cli('sweep', CHAIN, '--param', 'HIDDEN.gain=0.5:2:2', '--mode', 'Interpreted', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8')) as { columns: string[]; rows: number[][]; executed_modes: string[] };
    expect(json.columns).toEqual(['HIDDEN.gain', 'OUTPUT.RESULT[0]:mean', 'OUTPUT.RESULT[1]:mean', 'OUTPUT.RESULT[0]:final', 'OUTPUT.RESULT[1]:final']);
    expect(json.executed_modes).toEqual(['Interpreted']);
    const model = readExample(CHAIN);
    (model.nodes.HIDDEN!.function as Record<string, unknown>).gain = 2;
    const results = plainRun(model, '--mode', 'Interpreted');
    const out0 = results.map((t) => t[0]![0]!);
    const out1 = results.map((t) => t[0]![1]!);
    expect(json.rows[1]).toEqual([2, mean(out0), mean(out1), out0.at(-1), out1.at(-1)]);
  });

  it('rejects bad requests with a message naming what is valid (exit code 2)', () => {
    const out = join(TMP, 'bad.csv');
    const cases: [string[], string[]][] = [
      [['--param', 'NOPE.rate=1:2:3'], ['no node of that name', 'DECISION']],
      [['--param', 'DECISION.bogus=1:2:3'], ['no parameter "bogus"', 'rate', 'threshold']],
      [['--param', 'DECISION.rate=a:2:3'], ['DECISION.rate START must be a finite number']],
      [['--param', 'DECISION.rate=1:2:0'], ['whole number from 1']],
      [['--param', 'DECISION.rate=1:2:x'], ['whole number']],
      [['--param', 'DECISION.rate=1:2:1000', '--param', 'DECISION.threshold=1:2:1000'], ['1000000 points', String(MAX_SWEEP_POINTS)]],
      [['--param', 'DECISION.execute_until_finished=0:1:2'], ['boolean parameter', 'rate']],
      [['--param', 'DECISION.rate=1:2:2', '--stat', 'DECISION.NOPE:mean'], ['no output port "NOPE"', 'RESPONSE_TIME']],
      [['--param', 'DECISION.rate=1:2:2', '--stat', 'DECISION:median'], ['mean, final, std']],
      [['--param', 'DECISION'], ['NODE.PARAM=START:STOP:N']],
    ];
    for (const [args, mentions] of cases) {
      const r = cli('sweep', DDM, ...args, '--out', out);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^cogstudio: /);
      expect(r.stderr).not.toMatch(/^ {4}at /m);
      for (const m of mentions) expect(r.stderr).toContain(m);
    }
    expect(cli('sweep', DDM, '--param', 'DECISION.rate=1:2:2').stderr).toContain('--out');
  });

  it('names the point a run fails at (exit code 1)', () => {
    const r = cli('sweep', DDM, '--param', 'DECISION.time_step_size=0.01,0', '--trials', '1', '--max-passes', '1000', '--jobs', '2', '--out', join(TMP, 'fail.csv'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^cogstudio: at DECISION\.time_step_size = 0: trial 0 did not end/);
  });
});

describe('runSweep', () => {
  const plan = () => planSweep({ model: readExample(DDM), params: [{ target: 'DECISION.rate', start: 0.5, stop: 2, n: 6 }], stats: ['DECISION:rt'], numTrials: 20 });

  it('stops when cancelled, keeping the finished rows (serial and on workers)', async () => {
    const full = await runSweep(plan(), { jobs: 1 });
    expect(full.cancelled).toBe(false);
    for (const jobs of [1, 2]) {
      const ac = new AbortController();
      const seen: PointResult[] = [];
      const r = await runSweep(plan(), {
        jobs,
        signal: ac.signal,
        onProgress: (done, _total, row) => {
          seen.push(row);
          if (done === 2) ac.abort();
        },
      });
      expect(r.cancelled).toBe(true);
      expect(r.rows.length).toBeGreaterThanOrEqual(2);
      expect(r.rows.length).toBeLessThan(6);
      for (const row of r.rows) expect(row).toEqual({ ...full.rows[row.index]!, compile_ms: row.compile_ms, run_ms: row.run_ms });
    }
  });

  it('throws a SweepPointError naming the point', async () => {
    const p = planSweep({ model: readExample(DDM), params: ['DECISION.time_step_size=0'], numTrials: 1, maxPassesPerTrial: 100 });
    await expect(runSweep(p, { jobs: 1 })).rejects.toThrow(SweepPointError);
    await expect(runSweep(p, { jobs: 1 })).rejects.toThrow(/DECISION\.time_step_size = 0/);
  });

  it('reports spec errors as SweepSpecError', () => {
    expect(() => planSweep({ model: readExample(DDM), params: [] })).toThrow(SweepSpecError);
    expect(() => planSweep({ model: readExample(DDM), params: [{ target: 'DECISION.rate', start: 0, stop: 1, n: 2.5 }] })).toThrow(/whole number/);
  });
});

describe('sweeps for the studio (HostSweeps)', () => {
  const params = (target: string, n = 3) => ({ runId: 'sw1', model: readExample(DDM) as never, mode: 'Auto' as const, trials: 10, params: [{ target, start: 0.5, stop: 1.5, n }], stats: ['DECISION:rt'] });

  it('refuses a bad parameter at once, naming the valid ones', () => {
    const sweeps = new HostSweeps();
    expect(() => sweeps.start(params('DECISION.nope'), () => undefined, 1)).toThrow(HostRequestError);
    try {
      sweeps.start(params('DECISION.nope'), () => undefined, 1);
    } catch (e) {
      expect((e as HostRequestError).error).toMatchObject({ kind: 'invalid-request', message: expect.stringContaining('threshold') });
    }
  });

  it('streams accepted, one point per grid point (valid events), and done, with the rows runSweep gives', async () => {
    const sweeps = new HostSweeps();
    const events: RunEvent[] = [];
    const finished = new Promise<void>((resolve) => sweeps.start(params('DECISION.threshold'), (e) => {
      events.push(RunEventSchema.parse(e));
      if (e.type === 'sweep.done' || e.type === 'error') resolve();
    }, 2));
    await finished;
    expect(events[0]).toMatchObject({ type: 'sweep.accepted', header: ['DECISION.threshold', 'DECISION:rt'], axes: [[0.5, 1, 1.5]], total: 3 });
    const points = events.filter((e) => e.type === 'sweep.point');
    expect(points.map((p) => p.done)).toEqual([1, 2, 3]);
    expect(events.at(-1)).toMatchObject({ type: 'sweep.done', cancelled: false, points: 3, executed_modes: ['LLVMRun'] });
    const direct = await runSweep(planSweep({ model: readExample(DDM), params: ['DECISION.threshold=0.5:1.5:3'], stats: ['DECISION:rt'], numTrials: 10 }), { jobs: 1 });
    expect(points.sort((a, b) => a.index - b.index).map((p) => [...p.values, ...p.stats])).toEqual(direct.rows.map((r) => [...r.values, ...r.stats]));
  });
});

describe('the sweep worker as the Electron shell bundles it', () => {
  it('runs points with the same numbers as this process (out/main/sweep-worker.mjs, started through a spawner)', async () => {
    await buildElectron();
    const plan = () => planSweep({ model: readExample(DDM), params: ['DECISION.noise=0.3:0.9:4'], stats: ['DECISION:rt', 'DECISION:accuracy'], numTrials: 15 });
    const bundled = await runSweep(plan(), { jobs: 2, spawn: () => forkWorkerAt(join(MAIN_OUT, 'sweep-worker.mjs')) });
    const here = await runSweep(plan(), { jobs: 1 });
    expect(bundled.cancelled).toBe(false);
    expect(bundled.rows.map((r) => [...r.values, ...r.stats])).toEqual(here.rows.map((r) => [...r.values, ...r.stats]));
  });
});
