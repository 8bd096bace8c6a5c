/** Values over passes within a trial: Interpreted re-run up to the trial, equal to what compiled modes produce. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModelDocument } from '../shared/ipc/protocol.js';
import { EngineClient } from '../src-main/engine-process/client.js';
import { tracePasses } from '../src-main/runtime/pass-trace.js';
import { runModel } from '../src-main/runtime/run-model.js';
import { EngineClientEngine } from '../src-main/web-host/engine-client-engine.js';
import { InProcessEngine } from '../src-main/web-host/engine.js';

const example = (name: string): ModelDocument => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'examples', `${name}.cogmodel.json`), 'utf8'));

describe('tracePasses', () => {
  const ddm = example('ddm_integrator');
  const compiled = runModel({ model: ddm, mode: 'LLVMRun' });
  const order = runModel({ model: ddm, mode: 'Interpreted', recordExecutionOrder: true }).execution_order!;

  it('records the integrator at every pass of the trial; the last value is the trial’s result in LLVMRun', () => {
    expect(compiled.executed_mode).toBe('LLVMRun');
    for (const trial of [0, 3, 6]) {
      const trace = tracePasses({ model: ddm, node: 'DECISION', trial });
      expect(trace.steps).toBeGreaterThan(10);
      expect(trace.values).toHaveLength(trace.steps);
      expect(trace.passes).toEqual(Array.from({ length: trace.steps }, (_, i) => i));
      expect(trace.values.at(-1)).toEqual(compiled.results[trial]!.flat());
      // the decision variable moves step by step, the time grows by time_step_size
      expect(trace.values[1]![1]! - trace.values[0]![1]!).toBeCloseTo(0.01, 12);
    }
  });

  it('over all trials, counts the steps the execution order has (the node runs once per step)', () => {
    const steps = [0, 1, 2, 3, 4, 5, 6].map((t) => tracePasses({ model: ddm, node: 'DECISION', trial: t }).steps);
    expect(steps.reduce((a, b) => a + b, 0)).toBe(order.length);
  });

  it('keeps at most maxSteps values, counting the rest', () => {
    const trace = tracePasses({ model: ddm, node: 'DECISION', trial: 3, maxSteps: 5 });
    expect(trace.values).toHaveLength(5);
    expect(trace.truncated).toBe(true);
    expect(trace.steps).toBe(tracePasses({ model: ddm, node: 'DECISION', trial: 3 }).steps);
  });

  it('names an unknown node, and a trial the run never reaches', () => {
    expect(() => tracePasses({ model: ddm, node: 'NOPE', trial: 0 })).toThrow(/no node named "NOPE"/);
    const ending = { ...ddm, termination: { ...(ddm.termination as object), run: { type: 'AfterNTrials', n: 2 } } };
    expect(() => tracePasses({ model: ending, node: 'DECISION', trial: 5 })).toThrow(/ended after 2 trial/);
  });
});

describe('run.passes through the engines', () => {
  const processEngine = new EngineClientEngine(new EngineClient());
  afterAll(() => processEngine.dispose());

  it('the engine process answers as the in-process engine does; errors are model errors', async () => {
    const ddm = example('ddm_integrator');
    const inProcess = await new InProcessEngine().passes(ddm, 'DECISION', 2);
    expect(await processEngine.passes(ddm, 'DECISION', 2)).toEqual(inProcess);
    expect(inProcess.values.at(-1)).toEqual(runModel({ model: ddm, mode: 'Interpreted' }).results[2]!.flat());
    await expect(processEngine.passes(ddm, 'NOPE', 0)).rejects.toMatchObject({ error: { kind: 'model', message: /NOPE/ } });
  }, 60_000);
});
