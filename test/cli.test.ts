/**
 * The headless CLI, run as a user runs it (`node bin/cogstudio.mjs ...` from the repository root)
 * on real model files: output files, exit codes 0/1/2, and error messages without stack traces.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runModel } from '../src-main/runtime/run-model.js';
import { model as ocmModel } from './ocm-models.js';
import { REPO_ROOT } from './shared-files.js';

const TMP = mkdtempSync(join(tmpdir(), 'cogstudio-cli-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const LINEAR_CHAIN = 'examples/linear_chain.cogmodel.json';
const SCHEDULER_DEMO = 'examples/scheduler_demo.cogmodel.json';

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, ['bin/cogstudio.mjs', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function readExample(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(REPO_ROOT, file), 'utf8')) as Record<string, unknown>;
}

/** Writes `content` (a string as is, anything else as JSON) to a fresh file; returns its path. */
function tempFile(name: string, content: unknown): string {
  const path = join(TMP, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** Runs `run --out` and returns the JSON it wrote. */
function runToFile(...args: string[]): Record<string, unknown> {
  const out = join(TMP, `out-${Math.random().toString(36).slice(2)}.json`);
  const r = cli('run', ...args, '--out', out);
  expect(r.stderr.replace(/^warning: .*\n/gm, '')).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
}

/** A failure a modeller can act on: one `cogstudio:` message, no JavaScript stack trace. */
function expectCleanError(r: CliResult, status: number, ...mentions: string[]) {
  expect(r.status).toBe(status);
  expect(r.stderr).toMatch(/^cogstudio: /);
  expect(r.stderr).not.toMatch(/^ {4}at /m);
  for (const m of mentions) expect(r.stderr).toContain(m);
}

describe('cogstudio run --out', () => {
  it('writes results, mode, executed_mode, warnings and timings', () => {
    const json = runToFile(LINEAR_CHAIN, '--mode', 'Interpreted');
    expect(Object.keys(json).sort()).toEqual(['executed_mode', 'mode', 'results', 'timings', 'warnings']);
    expect(json.mode).toBe('Interpreted');
    expect(json.executed_mode).toBe('Interpreted');
    expect(json.warnings).toEqual([]);
    expect(json.timings).toEqual(
      expect.objectContaining({ build_ms: expect.any(Number), run_ms: expect.any(Number), total_ms: expect.any(Number), trials_per_s: expect.any(Number) }),
    );
  });

  it('writes the same results as runModel for the same file', () => {
    for (const file of [LINEAR_CHAIN, 'examples/ddm_integrator.cogmodel.json', 'examples/integrator_noise.cogmodel.json']) {
      const json = runToFile(file, '--mode', 'Interpreted');
      const expected = runModel({ model: readExample(file), mode: 'Interpreted' }).results;
      expect(json.results).toEqual(JSON.parse(JSON.stringify(expected)));
    }
  });

  it('compiles the one level --opt names: O0 and O2 (the default) give the same results bit for bit', () => {
    const file = 'examples/ddm_integrator.cogmodel.json';
    const o0 = runToFile(file, '--mode', 'LLVMRun', '--opt', '0', '--trials', '20');
    const o2 = runToFile(file, '--mode', 'LLVMRun', '--trials', '20');
    expect(o0.executed_mode).toBe('LLVMRun');
    // JSON text keeps every double's shortest exact form: equal text = equal bits
    expect(JSON.stringify(o0.results)).toBe(JSON.stringify(o2.results));
  });

  it('runs --trials trials, cycling the inputs', () => {
    const json = runToFile(LINEAR_CHAIN, '--mode', 'Interpreted', '--trials', '7');
    const results = json.results as number[][][];
    expect(results).toHaveLength(7);
    expect(results[5]).toEqual(results[0]);
  });

  it('takes the inputs from --inputs instead of the model file', () => {
    const inputs = tempFile('inputs.json', { A: [[10.0]] });
    const json = runToFile(SCHEDULER_DEMO, '--mode', 'Interpreted', '--inputs', inputs, '--trials', '2');
    expect(json.results).toEqual([[[90]], [[90]]]);
  });

  it('adds execution_order with --execution-order', () => {
    const json = runToFile(SCHEDULER_DEMO, '--mode', 'Interpreted', '--trials', '1', '--execution-order');
    expect(json.execution_order).toEqual([['A'], ['A'], ['B'], ['A'], ['A'], ['B'], ['C'], ['A'], ['C'], ['A'], ['B'], ['A'], ['C']]);
    expect(json).not.toHaveProperty('node_values');
  });

  it('adds node_values with --node-values', () => {
    const json = runToFile(SCHEDULER_DEMO, '--mode', 'Interpreted', '--node-values');
    const values = json.node_values as Record<string, number[][][]>;
    expect(Object.keys(values)).toEqual(['A', 'B', 'C']);
    expect(values.A).toEqual([[[1]], [[2]], [[-0.5]]]);
    expect(values.B).toEqual([[[3]], [[6]], [[-1.5]]]);
    expect(json).not.toHaveProperty('execution_order');
  });

  it('in Auto mode reports the mode it ran and one warning per fallback', () => {
    const out = join(TMP, 'auto.json');
    const r = cli('run', LINEAR_CHAIN, '--out', out);
    expect(r.status).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8')) as { mode: string; executed_mode: string; warnings: string[] };
    expect(json.mode).toBe('Auto');
    const skipped = ['LLVMRun', 'LLVMExec', 'LLVM', 'Interpreted'].indexOf(json.executed_mode);
    expect(skipped).toBeGreaterThanOrEqual(0);
    expect(json.warnings.filter((w) => w.startsWith('Auto:'))).toHaveLength(skipped);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('warning: Auto:'))).toHaveLength(skipped);
  });

  it('runs a model with a controller compiled with --controller-threads, as Interpreted does', () => {
    const model = tempFile('ocm.json', ocmModel());
    const out = join(TMP, 'ocm-out.json');
    const r = cli('run', model, '--mode', 'LLVMRun', '--controller-threads', '3', '--node-values', '--out', out);
    expect(r.status).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8')) as { results: unknown; node_values: unknown; executed_mode: string };
    expect(json.executed_mode).toBe('LLVMRun');
    const ref = runModel({ model: ocmModel() as never, mode: 'Interpreted', recordNodeValues: true });
    expect(json.results).toEqual(ref.results);
    expect(json.node_values).toEqual(ref.node_values);
  });
});

describe('cogstudio run without --out', () => {
  it('prints a summary table of the last trials, not every trial', () => {
    const r = cli('run', LINEAR_CHAIN, '--mode', 'Interpreted', '--trials', '1000');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(15);
    expect(lines[0]).toContain('1000 trials');
    expect(r.stdout).toMatch(/^\s*999\s/m);
    expect(r.stdout).not.toMatch(/^\s*0\s/m);
  });
});

describe('cogstudio run on a bad model or input exits 1', () => {
  it('names a missing model file', () => {
    expectCleanError(cli('run', 'examples/no_such_model.cogmodel.json'), 1, 'no_such_model.cogmodel.json');
  });

  it('names a model file that is not valid JSON', () => {
    const file = tempFile('malformed.cogmodel.json', '{ "format": "cogstudio-model", "nodes": { ');
    expectCleanError(cli('run', file), 1, 'malformed.cogmodel.json', 'JSON syntax error at line 1, column');
  });

  it('names the node of an unknown mechanism type by its JSON path', () => {
    const model = readExample(LINEAR_CHAIN) as { nodes: Record<string, { type: string }> };
    model.nodes.HIDDEN!.type = 'FancyMechanism';
    expectCleanError(cli('run', tempFile('unknown-type.cogmodel.json', model)), 1, 'nodes.HIDDEN.type', 'FancyMechanism');
  });

  it('names the wrong-shaped entry of an --inputs file', () => {
    const inputs = tempFile('wrong-shape-inputs.json', { INPUT: [[1.0, 2.0, 3.0]] });
    expectCleanError(cli('run', LINEAR_CHAIN, '--inputs', inputs), 1, 'inputs.INPUT[0]');
  });

  it('names a missing --inputs file', () => {
    expectCleanError(cli('run', LINEAR_CHAIN, '--inputs', join(TMP, 'no-inputs.json')), 1, 'no-inputs.json');
  });
});

describe('cogstudio usage errors exit 2', () => {
  it('run with no model file', () => {
    expectCleanError(cli('run'), 2, 'MODEL.json');
  });

  it('an unknown --mode', () => {
    expectCleanError(cli('run', LINEAR_CHAIN, '--mode', 'Nope'), 2, '--mode');
  });

  it('a --controller-threads of 0', () => {
    expectCleanError(cli('run', LINEAR_CHAIN, '--controller-threads', '0'), 2, '--controller-threads');
  });

  it('an --opt that is not 0-3', () => {
    expectCleanError(cli('run', LINEAR_CHAIN, '--opt', '7'), 2, '--opt must be 0, 1, 2 or 3');
  });

  it('a negative --trials', () => {
    expectCleanError(cli('run', LINEAR_CHAIN, '--trials', '-3'), 2, '--trials');
  });

  it('a --trials that is not a whole number', () => {
    expectCleanError(cli('run', LINEAR_CHAIN, '--trials', '2.5'), 2, '--trials');
  });

  it('an unknown option', () => {
    expectCleanError(cli('run', LINEAR_CHAIN, '--frobnicate'), 2, '--frobnicate');
  });

  it('an unknown command', () => {
    expectCleanError(cli('frobnicate'), 2, 'frobnicate');
  });
});

describe('cogstudio validate', () => {
  it('exits 0 on a valid example and names its inputs and outputs', () => {
    const r = cli('validate', 'examples/stroop.cogmodel.json');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('valid');
    expect(r.stdout).toContain('COLORS_INPUT');
    expect(r.stdout).toContain('RESPONSE');
  });

  it('lists every error of a model with several', () => {
    const model = readExample(LINEAR_CHAIN) as {
      nodes: Record<string, { type: string; function: { type: string } }>;
      projections: Record<string, unknown>[];
    };
    model.nodes.HIDDEN!.type = 'FancyMechanism';
    model.nodes.OUTPUT!.function.type = 'NoSuchFunction';
    model.projections.push({ sender: 'GHOST', receiver: 'OUTPUT' });
    const r = cli('validate', tempFile('several-errors.cogmodel.json', model));
    expectCleanError(r, 1, 'several-errors.cogmodel.json', 'nodes.HIDDEN.type', 'nodes.OUTPUT.function.type', 'projections[2].sender');
  });
});

describe('cogstudio help', () => {
  it('prints the usage and exits 0', () => {
    const r = cli('help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('cogstudio run MODEL.json');
  });
});
