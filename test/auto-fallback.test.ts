/**
 * Auto mode's fallback on models with a feature the compiled scheduler cannot generate — a
 * TimeInterval node condition, a TimeTermination run termination (emitCondition returns null for
 * both) — and on a node feature no compiled mode has (a MEDIAN output port): Auto runs in the
 * most compiled mode that works (LLVM: nodes compiled, scheduler interpreted), with one warning
 * per mode it skipped naming the component, the feature and the reason, and gives the
 * interpreter's numbers; asking for the unavailable mode fails with a ModeUnavailableError, and
 * the CLI says so in one line (exit 1, no stack trace).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModeUnavailableError, ModelSession, runModel, type ExecutionMode, type RunOutput } from '../src-main/runtime/run-model.js';
import { REPO_ROOT } from './shared-files.js';

type Json = Record<string, unknown>;

/**
 * A → B → C with noise, an integrator and a recurrent layer; B runs by a TimeInterval condition
 * (every third time step from the second), which only the interpreted scheduler evaluates.
 */
const TIME_INTERVAL_MODEL: Json = {
  format: 'cogstudio-model',
  version: 1,
  name: 'time_interval',
  seed: 3,
  nodes: {
    A: { type: 'TransferMechanism', size: 2, function: { type: 'Logistic', gain: 2.0 }, noise: { type: 'NormalDist', standard_deviation: 0.2, seed: 11 } },
    B: { type: 'IntegratorMechanism', size: 2, function: { type: 'AdaptiveIntegrator', rate: 0.3, noise: { type: 'UniformDist', low: -0.1, high: 0.1, seed: 5 } } },
    C: { type: 'RecurrentTransferMechanism', size: 2, function: { type: 'Tanh' }, auto: 0.5, hetero: -0.4, integrator_mode: true, integration_rate: 0.6 },
  },
  projections: [
    { sender: 'A', receiver: 'B', matrix: [[1.0, -0.5], [0.25, 0.75]] },
    { sender: 'B', receiver: 'C', matrix: [[0.9, 0.1], [-0.3, 1.2]] },
  ],
  conditions: {
    B: { type: 'TimeInterval', start: 1, repeat: 3 },
    C: { type: 'EveryNCalls', dependency: 'B', n: 1 },
  },
  termination: { trial: { type: 'Any', conditions: [{ type: 'AfterNCalls', dependency: 'C', n: 2 }, { type: 'AfterNPasses', n: 9 }] } },
  run: { inputs: { A: [[0.5, -0.25], [1.0, 0.0], [-0.75, 0.5]] }, num_trials: 5 },
};

/** A two-node chain whose run ends by TimeTermination (the absolute clock: 1 ms per time step). */
const TIME_TERMINATION_MODEL: Json = {
  format: 'cogstudio-model',
  version: 1,
  name: 'time_termination',
  nodes: {
    X: { type: 'ProcessingMechanism', size: 3, function: { type: 'Linear', slope: 1.5, intercept: -0.2 } },
    Y: { type: 'IntegratorMechanism', size: 3, function: { type: 'SimpleIntegrator', rate: 0.5 } },
  },
  projections: [{ sender: 'X', receiver: 'Y' }],
  termination: { trial: { type: 'AllHaveRun' }, run: { type: 'TimeTermination', t: 7 } },
  run: { inputs: { X: [[1, 2, 3], [-1, 0, 1]] }, num_trials: 10 },
};

/** A node feature no compiled mode has: the MEDIAN standard output port. */
const MEDIAN_PORT_MODEL: Json = {
  format: 'cogstudio-model',
  version: 1,
  name: 'median_port',
  nodes: { M: { type: 'TransferMechanism', size: 3, function: { type: 'Linear', slope: 2 }, output_ports: [{ name: 'RESULT' }, { name: 'MEDIAN' }] } },
  projections: [],
  run: { inputs: { M: [[3, 1, 2], [0, -1, 5]] } },
};

function run(model: Json, mode: ExecutionMode): RunOutput {
  return runModel({ model, mode, recordNodeValues: true, recordExecutionOrder: true });
}

/** Numbers equal within 1e-12 relative (the compiled transcendental functions may differ in the last bit). */
function expectClose(got: unknown, want: unknown, path: string): void {
  if (typeof want === 'number') {
    expect(typeof got, path).toBe('number');
    const x = got as number;
    if (x !== want) expect(Math.abs(x - want), `${path}: ${x} vs ${want}`).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(x), Math.abs(want)));
  } else if (Array.isArray(want)) {
    expect(Array.isArray(got) && got.length, path).toBe(want.length);
    want.forEach((v, i) => expectClose((got as unknown[])[i], v, `${path}[${i}]`));
  } else if (want && typeof want === 'object') {
    expect(Object.keys(got as object), path).toEqual(Object.keys(want));
    for (const k of Object.keys(want)) expectClose((got as Json)[k], (want as Json)[k], `${path}.${k}`);
  } else {
    expect(got, path).toEqual(want);
  }
}

/** Same results, node values, execution order and trial count. */
function expectSameNumbers(got: RunOutput, want: RunOutput): void {
  expectClose(got.results, want.results, 'results');
  expectClose(got.node_values, want.node_values, 'node_values');
  expect(got.execution_order).toEqual(want.execution_order);
  expect(got.trials).toBe(want.trials);
}

function unavailable(model: Json, mode: ExecutionMode): ModeUnavailableError {
  try {
    run(model, mode);
  } catch (e) {
    expect(e).toBeInstanceOf(ModeUnavailableError);
    return e as ModeUnavailableError;
  }
  throw new Error(`${mode} ran a model it cannot compile`);
}

describe('Auto falls back from the compiled scheduler to LLVM mode', () => {
  const interpreted = run(TIME_INTERVAL_MODEL, 'Interpreted');

  it('the model exercises the TimeInterval condition (B does not run every time step)', () => {
    const steps = interpreted.execution_order!;
    expect(steps.length).toBeGreaterThan(interpreted.trials * 2);
    expect(steps.some((s) => s.includes('B'))).toBe(true);
    expect(steps.some((s) => s.length > 0 && !s.includes('B'))).toBe(true);
  });

  it('runs in LLVM with one warning per skipped mode naming the component, the feature and the reason', () => {
    const out = run(TIME_INTERVAL_MODEL, 'Auto');
    expect(out.mode).toBe('Auto');
    expect(out.executed_mode).toBe('LLVM');
    const fallbacks = out.warnings.filter((w) => w.startsWith('Auto:'));
    expect(fallbacks).toHaveLength(2);
    expect(fallbacks[0]).toMatch(/^Auto: LLVMRun unavailable \(/);
    expect(fallbacks[1]).toMatch(/^Auto: LLVMExec unavailable \(/);
    for (const w of fallbacks) {
      expect(w).toContain('scheduler: '); // the component
      expect(w).toContain('"type":"TimeInterval"'); // the feature
      expect(w).toContain('the condition of B'); // where it is
      expect(w).toContain('no compiled form'); // the reason
      expect(w).toMatch(/falling back$/);
    }
    expect(out.warnings).toHaveLength(2);
    expectSameNumbers(out, interpreted);
  });

  it('warns once per fallback on every run of a session, not once per trial or cumulatively', () => {
    const session = new ModelSession(TIME_INTERVAL_MODEL);
    try {
      const first = session.run({ mode: 'Auto', recordNodeValues: true, recordExecutionOrder: true });
      const second = session.run({ mode: 'Auto' });
      expect(first.warnings).toHaveLength(2);
      expect(second.warnings).toEqual(first.warnings);
      expect(second.executed_mode).toBe('LLVM');
      expectSameNumbers(first, interpreted);
    } finally {
      session.dispose();
    }
  });

  it('LLVM mode itself runs it (nodes compiled, scheduler interpreted) without warnings, with the same numbers', () => {
    const out = run(TIME_INTERVAL_MODEL, 'LLVM');
    expect(out.executed_mode).toBe('LLVM');
    expect(out.warnings).toEqual([]);
    expect(out.compile).toBeDefined();
    expectSameNumbers(out, interpreted);
  });

  it.each(['LLVMRun', 'LLVMExec'] as const)('%s fails with a ModeUnavailableError that says why', (mode) => {
    const e = unavailable(TIME_INTERVAL_MODEL, mode);
    expect(e.mode).toBe(mode);
    expect(e.component).toBe('scheduler');
    expect(e.feature).toContain('TimeInterval');
    expect(e.reason).toContain('the condition of B');
    expect(e.reason).toContain('no compiled form');
    expect(e.message).toBe(`${mode} cannot run this model: ${e.component}: ${e.feature} — ${e.reason}`);
    expect(e.message).toMatch(new RegExp(`^${mode} cannot run this model: scheduler: condition \\{"type":"TimeInterval".*\\} — the condition of B: `));
  });

  it('a TimeTermination run termination falls back the same way and ends the run at the same trial', () => {
    const want = run(TIME_TERMINATION_MODEL, 'Interpreted');
    expect(want.trials).toBeLessThan(10); // the clock ended the run
    const auto = run(TIME_TERMINATION_MODEL, 'Auto');
    expect(auto.executed_mode).toBe('LLVM');
    const fallbacks = auto.warnings.filter((w) => w.startsWith('Auto:'));
    expect(fallbacks).toHaveLength(2);
    for (const w of fallbacks) {
      expect(w).toContain('"type":"TimeTermination"');
      expect(w).toContain('run termination');
    }
    expectSameNumbers(auto, want);
    expectSameNumbers(run(TIME_TERMINATION_MODEL, 'LLVM'), want);
    expect(unavailable(TIME_TERMINATION_MODEL, 'LLVMRun').feature).toContain('TimeTermination');
  });
});

describe('Auto falls back to Interpreted when no compiled mode has a node feature', () => {
  it('warns for LLVMRun, LLVMExec and LLVM, naming the port, and gives the interpreter’s numbers', () => {
    const want = run(MEDIAN_PORT_MODEL, 'Interpreted');
    expect(want.results[0]).toEqual([[6, 2, 4], [4]]);
    const out = run(MEDIAN_PORT_MODEL, 'Auto');
    expect(out.executed_mode).toBe('Interpreted');
    expect(out.warnings.map((w) => w.slice(0, w.indexOf('(')))).toEqual(['Auto: LLVMRun unavailable ', 'Auto: LLVMExec unavailable ', 'Auto: LLVM unavailable ']);
    for (const w of out.warnings) expect(w).toContain('M.MEDIAN: standard output port MEDIAN — has no compiled form yet');
    expectSameNumbers(out, want);
    for (const mode of ['LLVMRun', 'LLVMExec', 'LLVM'] as const) {
      const e = unavailable(MEDIAN_PORT_MODEL, mode);
      expect([e.mode, e.component, e.feature]).toEqual([mode, 'M.MEDIAN', 'standard output port MEDIAN']);
    }
  });
});

describe('the CLI', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'cogstudio-auto-fallback-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const modelFile = join(tmp, 'time_interval.cogmodel.json');
  writeFileSync(modelFile, JSON.stringify(TIME_INTERVAL_MODEL, null, 2));

  const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/cogstudio.mjs', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });

  it('--mode LLVMRun exits 1 with the ModeUnavailableError message and no stack trace', () => {
    const r = cli('run', modelFile, '--mode', 'LLVMRun');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cogstudio: LLVMRun cannot run this model: scheduler: condition \{"type":"TimeInterval".*\} — the condition of B: this condition has no compiled form yet$/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toContain('ModeUnavailableError');
  }, 120_000);

  it('--mode Auto --out writes executed_mode "LLVM", the warnings and the interpreter’s results', () => {
    const outFile = join(tmp, 'out.json');
    const r = cli('run', modelFile, '--mode', 'Auto', '--out', outFile);
    expect(r.stderr.replace(/^warning: Auto: LLVM(Run|Exec) unavailable \(scheduler: .*TimeInterval.*\); falling back\n/gm, '')).toBe('');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('warning: '))).toHaveLength(2);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('LLVM mode');
    const json = JSON.parse(readFileSync(outFile, 'utf8')) as { mode: string; executed_mode: string; warnings: string[]; results: number[][][] };
    expect(json.mode).toBe('Auto');
    expect(json.executed_mode).toBe('LLVM');
    expect(json.warnings).toEqual(run(TIME_INTERVAL_MODEL, 'Auto').warnings);
    expect(json.warnings).toHaveLength(2);
    expectClose(json.results, run(TIME_INTERVAL_MODEL, 'Interpreted').results, 'results');
  }, 120_000);
});
