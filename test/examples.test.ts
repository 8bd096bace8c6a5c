/**
 * The example gallery (examples/*.cogmodel.json): every file is a valid model that runs in
 * Interpreted mode with finite numbers, and each example shows what its description promises.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildComposition, type ModelLike } from '../src-main/engine/composition.js';
import { runModel, type RunOutput } from '../src-main/runtime/run-model.js';
import { REPO_ROOT } from './shared-files.js';

const EXAMPLES_DIR = join(REPO_ROOT, 'examples');

const REQUIRED = [
  'stroop',
  'ddm_analytical',
  'ddm_integrator',
  'lca',
  'linear_chain',
  'scheduler_demo',
  'integrator_noise',
  'udf',
];

interface ExampleFile extends ModelLike {
  format?: unknown;
  version?: unknown;
  run: { inputs: Record<string, unknown[]>; num_trials: number };
  studio?: { description?: unknown };
}

const exampleFiles = readdirSync(EXAMPLES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

function load(file: string): ExampleFile {
  return JSON.parse(readFileSync(join(EXAMPLES_DIR, file), 'utf8')) as ExampleFile;
}

function run(name: string, extra: { recordExecutionOrder?: boolean; recordNodeValues?: boolean } = {}): RunOutput {
  return runModel({ model: load(`${name}.cogmodel.json`), mode: 'Interpreted', ...extra });
}

describe('the example gallery', () => {
  it('has every required example', () => {
    const names = exampleFiles.map((f) => f.replace(/\.cogmodel\.json$/, ''));
    for (const name of REQUIRED) expect(names).toContain(name);
  });

  it('names every model file *.cogmodel.json', () => {
    expect(exampleFiles.filter((f) => !f.endsWith('.cogmodel.json'))).toEqual([]);
  });

  for (const file of exampleFiles) {
    describe(file, () => {
      it('has a description, default inputs and a trial count', () => {
        const m = load(file);
        expect(m.format).toBe('cogstudio-model');
        expect(m.version).toBe(1);
        expect(typeof m.studio?.description).toBe('string');
        expect(String(m.studio?.description).length).toBeGreaterThan(40);
        expect(Object.keys(m.run.inputs).length).toBeGreaterThan(0);
        expect(Number.isInteger(m.run.num_trials) && m.run.num_trials > 0).toBe(true);
      });

      it('validates', () => {
        const comp = buildComposition(load(file));
        expect(comp.nodes.length).toBeGreaterThan(0);
        expect(comp.warnings).toEqual([]);
      });

      it('runs in Interpreted mode with finite numbers and no warnings', () => {
        const m = load(file);
        const out = runModel({ model: m, mode: 'Interpreted' });
        expect(out.executed_mode).toBe('Interpreted');
        expect(out.warnings).toEqual([]);
        expect(out.results).toHaveLength(m.run.num_trials);
        const numbers = out.results.flat(2);
        expect(numbers.length).toBeGreaterThan(0);
        expect(numbers.filter((x) => !Number.isFinite(x))).toEqual([]);
      });

      it('gives the same results in Auto mode as in Interpreted mode', () => {
        const m = load(file);
        const interpreted = runModel({ model: m, mode: 'Interpreted' }).results.flat(2);
        const auto = runModel({ model: m, mode: 'Auto' });
        const numbers = auto.results.flat(2);
        expect(numbers).toHaveLength(interpreted.length);
        numbers.forEach((x, i) => expect(Math.abs(x - interpreted[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(interpreted[i]!))));
      });
    });
  }
});

describe('what the examples show', () => {
  it('stroop: red wins in every condition, fastest when congruent and slowest when incongruent', () => {
    const r = run('stroop').results;
    // Trials 1, 4, 7: 500 cycles into the congruent, incongruent and neutral stimulus.
    const [congruent, incongruent, neutral] = [r[1]!, r[4]!, r[7]!];
    for (const t of [1, 2, 4, 5, 7, 8]) expect(r[t]![0]![0]!).toBeGreaterThan(r[t]![0]![1]!);
    expect(congruent[0]![0]!).toBeGreaterThan(neutral[0]![0]!);
    expect(neutral[0]![0]!).toBeGreaterThan(incongruent[0]![0]!);
  });

  it('stroop: the decision energy (conflict) is highest on incongruent trials', () => {
    const energy = run('stroop').results.map((t) => t[1]![0]!);
    expect(energy[4]!).toBeGreaterThan(Math.max(energy[1]!, energy[7]!));
    expect(energy[5]!).toBeGreaterThan(Math.max(energy[2]!, energy[8]!));
  });

  it('stroop: the energy port is 4 × red × green (Stability energy of the response matrix)', () => {
    for (const [[red, green], [energy]] of run('stroop').results as [[number, number], [number]][]) {
      expect(energy).toBeCloseTo(4 * red * green, 12);
    }
  });

  it('ddm_analytical: P(upper) rises with the evidence and the response time peaks at zero evidence', () => {
    const r = run('ddm_analytical').results;
    const pUpper = r.map((t) => t[2]![0]!);
    const rt = r.map((t) => t[1]![0]!);
    for (let i = 1; i < pUpper.length; i++) expect(pUpper[i]!).toBeGreaterThan(pUpper[i - 1]!);
    expect(pUpper[6]!).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
    expect(rt[3]!).toBeCloseTo(1.2, 12);
    expect(Math.max(...rt)).toBe(rt[3]);
    for (const t of r) expect(Math.abs(t[0]![0]!)).toBe(1);
  });

  it('ddm_integrator: every trial ends at a bound, on the side of its evidence when it is strong', () => {
    const m = load('ddm_integrator.cogmodel.json');
    const evidence = (m.run.inputs.DECISION as number[][]).map((x) => x[0]!);
    const r = run('ddm_integrator').results;
    r.forEach((ports, t) => {
      const [decision, time] = [ports[0]![0]!, ports[1]![0]!];
      expect(Math.abs(decision)).toBe(1);
      expect(time).toBeGreaterThan(0.2);
      if (Math.abs(evidence[t]!) >= 1) expect(Math.sign(decision)).toBe(Math.sign(evidence[t]!));
    });
    const times = r.map((t) => t[1]![0]!);
    expect(times[0]!).toBeLessThan(times[3]!);
  });

  it('ddm_integrator: a trial lasts one time step per integration step up to the bound', () => {
    const out = run('ddm_integrator', { recordExecutionOrder: true });
    const steps = out.results.reduce((n, t) => n + Math.round((t[1]![0]! - 0.2) / 0.01), 0);
    expect(out.execution_order).toHaveLength(steps);
  });

  it('lca: the option with the most evidence wins', () => {
    const m = load('lca.cogmodel.json');
    const inputs = m.run.inputs.LCA as number[][];
    run('lca').results.forEach(([activity], t) => {
      const best = inputs[t]!.indexOf(Math.max(...inputs[t]!));
      if (inputs[t]!.filter((x) => x === inputs[t]![best]).length > 1) return;
      expect(activity!.indexOf(Math.max(...activity!))).toBe(best);
    });
  });

  it('linear_chain: the output is a probability distribution favouring the larger input', () => {
    const r = run('linear_chain').results;
    for (const [[a, b]] of r as [[number, number]][]) expect(a + b).toBeCloseTo(1, 12);
    expect(r[0]![0]![0]!).toBeGreaterThan(0.5);
    expect(r[1]![0]![0]!).toBeLessThan(0.5);
  });

  it('scheduler_demo: the conditions give the documented time steps and C = 9 × input', () => {
    const out = run('scheduler_demo', { recordExecutionOrder: true });
    const trial = [['A'], ['A'], ['B'], ['A'], ['A'], ['B'], ['C'], ['A'], ['C'], ['A'], ['B'], ['A'], ['C']];
    expect(out.execution_order).toEqual([...trial, ...trial, ...trial]);
    expect(out.results).toEqual([[[9]], [[18]], [[-4.5]]]);
  });

  it('integrator_noise: the values settle near the input and keep jittering', () => {
    const r = run('integrator_noise').results;
    const last = r.slice(-4).map((t) => t[0]!);
    [1, 0.5, -0.5].forEach((target, i) => {
      const mean = last.reduce((s, v) => s + v[i]!, 0) / last.length;
      expect(Math.abs(mean - target)).toBeLessThan(0.2);
    });
    expect(new Set(r.map((t) => t[0]![0])).size).toBe(r.length);
  });

  it('udf: the mean-variance utilities of the four gambles', () => {
    const utilities = run('udf').results.map((t) => t[0]![0]!);
    [5, 2.5, -10.4, 5.076].forEach((u, i) => expect(utilities[i]!).toBeCloseTo(u, 10));
  });
});
