/**
 * A node's value at each pass of one trial: the model is run from its initial state up to that
 * trial in Interpreted mode, recording the node's value after every time step of the trial in
 * which it ran. Continuation and mode equivalence are exact in this engine, so these are the
 * values a compiled run goes through too (its trial results equal the last recorded value).
 * Memory is bounded: at most `maxSteps` steps are kept (the rest are counted, not stored).
 */
import type { ModelLike } from '../engine/composition.js';
import { prepareInputs } from '../engine/inputs.js';
import { TS } from '../scheduler/clock.js';
import { ModelError } from '../model/errors.js';
import { ModelSession } from './run-model.js';
import { InterpretedRunner } from './runners.js';

/** Steps kept per trace at most (a trial of a slow integrator may take many thousands of passes). */
export const MAX_TRACE_STEPS = 20_000;

export interface PassTrace {
  node: string;
  /** 0-based index of the trial. */
  trial: number;
  /** The pass (0-based, within the trial) of each recorded step. */
  passes: number[];
  /** The node's value (its rows flattened) after each recorded step. */
  values: number[][];
  /** Steps of the trial in which the node ran (may exceed the ones kept). */
  steps: number;
  truncated: boolean;
}

export interface PassTraceRequest {
  model: ModelLike;
  node: string;
  trial: number;
  inputs?: Record<string, unknown>;
  maxSteps?: number;
  /** Called after each trial before the traced one; return false to stop (cancel). */
  onTrial?: (trial: number) => boolean | void;
}

export function tracePasses(req: PassTraceRequest): PassTrace {
  const session = new ModelSession(req.model);
  try {
    const { comp, ctx } = session;
    const k = comp.nodeNames.indexOf(req.node);
    if (k < 0) throw new ModelError([{ path: 'node', message: `there is no node named ${JSON.stringify(req.node)} in the model`, node: req.node }]);
    if (!Number.isInteger(req.trial) || req.trial < 0) throw new RangeError(`trial must be a whole number from 1, not ${req.trial + 1}`);
    const inputs = prepareInputs(comp, req.inputs ?? comp.run.inputs, req.inputs ? 'inputs' : 'run.inputs');
    const maxSteps = req.maxSteps ?? MAX_TRACE_STEPS;
    const trace: PassTrace = { node: req.node, trial: req.trial, passes: [], values: [], steps: 0, truncated: false };
    let trialsRun = 0;
    const runner = new InterpretedRunner(ctx, {
      numTrials: req.trial + 1,
      inputs,
      onTrial: (t) => {
        trialsRun = t + 1;
        return t >= req.trial ? true : req.onTrial?.(t);
      },
      onStep: (nodes) => {
        if (ctx.counters.time[TS.TRIAL] !== req.trial || !nodes.includes(k)) return;
        trace.steps++;
        if (trace.values.length >= maxSteps) {
          trace.truncated = true;
          return;
        }
        trace.passes.push(ctx.counters.time[TS.PASS]!);
        trace.values.push(ctx.mechanisms[k]!.value.flatMap((row) => Array.from(row)));
      },
    });
    // the earlier trials' records are dropped as they come (only the trace is kept)
    while (!runner.finished) runner.next(1000, Infinity);
    if (trialsRun <= req.trial) throw new RangeError(`the run ended after ${trialsRun} trial(s) (its termination condition, or a cancel), before trial ${req.trial + 1}`);
    return trace;
  } finally {
    session.dispose();
  }
}
