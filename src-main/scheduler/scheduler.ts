/**
 * graph-scheduler's algorithm, interpreted: a trial is a sequence of passes over the
 * consideration queue; within a consideration set, nodes whose conditions hold are added
 * (re-checking until nothing more is added: cascading), and the set runs as one time step.
 * Termination is checked before every time step, so a trial can end mid-pass.
 */
import { TS, type SchedulerCounters } from './clock.js';
import type { Condition, ConditionContext } from './conditions.js';

export class SchedulerLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchedulerLimitError';
  }
}

export interface SchedulerLimits {
  /** Passes one trial may take before the run stops with an error. */
  maxPassesPerTrial: number;
}

export const DEFAULT_LIMITS: SchedulerLimits = { maxPassesPerTrial: 100_000 };

export class Scheduler {
  constructor(
    readonly queue: readonly (readonly number[])[],
    readonly conditions: readonly Condition[],
    readonly trialTermination: Condition,
    readonly runTermination: Condition | null,
    /** True when some condition reads a clock (passes, time steps): an idle pass may then be progress. */
    readonly timeDependent: boolean,
    readonly nodeNames: readonly string[],
    readonly describeTermination: string,
  ) {}

  /** Resets the counters that live within one run (trial number, run-scale call counts). */
  beginRun(counters: SchedulerCounters): void {
    counters.resetCounts(TS.RUN);
    counters.time[TS.TRIAL] = 0;
  }

  endRun(counters: SchedulerCounters): void {
    counters.time[TS.RUN]!++;
  }

  runTerminated(cx: ConditionContext): boolean {
    return this.runTermination !== null && this.runTermination(cx, -1);
  }

  /**
   * Runs one trial, calling `executeStep` with the nodes of each time step (an empty list for
   * a pass in which nothing ran). Returns true when the run's termination condition ended it.
   */
  runTrial(
    cx: ConditionContext,
    executeStep: (nodes: readonly number[]) => void,
    limits: SchedulerLimits = DEFAULT_LIMITS,
    onTrialStart?: () => void,
  ): boolean {
    const k = cx.counters;
    k.resetCounts(TS.TRIAL);
    k.resetUseable();
    k.time[TS.PASS] = 0;
    k.time[TS.TIME_STEP] = 0;
    onTrialStart?.();
    const done = () => this.trialTermination(cx, -1) || this.runTerminated(cx);
    const step: number[] = [];
    let passes = 0;
    // Per step only what the last step touched is cleared (as the compiled scheduler does): a
    // step's TIME_STEP counts are those of the previous set's members, just_ran holds the nodes of
    // the last step that ran. Clearing whole rows per step made a trial of n single-node sets cost n².
    let clearAllJustRan = true;
    const lastRan: number[] = [];
    const clearJustRan = () => {
      if (clearAllJustRan) k.justRan.fill(0);
      else for (const node of lastRan) k.justRan[node] = 0;
      clearAllJustRan = false;
    };
    while (!done()) {
      k.resetCounts(TS.PASS);
      let ranInPass = false;
      for (let index = 0; index < this.queue.length; index++) {
        const set = this.queue[index]!;
        if (done()) break;
        if (index === 0) k.resetCounts(TS.TIME_STEP);
        else k.resetCountsOf(TS.TIME_STEP, this.queue[index - 1]!);
        step.length = 0;
        let changed = true;
        while (changed) {
          changed = false;
          for (const node of set) {
            if (!step.includes(node) && this.conditions[node]!(cx, node)) {
              step.push(node);
              k.recordExecution(node);
              changed = true;
            }
          }
        }
        if (step.length) {
          executeStep(step);
          clearJustRan();
          for (const node of step) k.justRan[node] = 1;
          lastRan.length = 0;
          lastRan.push(...step);
          k.time[TS.TIME_STEP]!++;
          k.time[4]!++;
          ranInPass = true;
        }
      }
      if (!ranInPass) {
        executeStep([]);
        clearJustRan();
        lastRan.length = 0;
        k.time[TS.TIME_STEP]!++;
        k.time[4]!++;
        if (!this.timeDependent && !done()) {
          throw new SchedulerLimitError(
            `trial ${k.time[TS.TRIAL]} cannot end: no node can run and the trial's termination condition (${this.describeTermination}) is not satisfied; check the nodes' conditions`,
          );
        }
      }
      k.time[TS.PASS]!++;
      k.time[TS.TIME_STEP] = 0;
      if (++passes >= limits.maxPassesPerTrial && !done()) {
        throw new SchedulerLimitError(
          `trial ${k.time[TS.TRIAL]} did not end after ${passes} passes (the limit): its termination condition (${this.describeTermination}) was never satisfied`,
        );
      }
    }
    k.time[TS.TRIAL]!++;
    return this.runTerminated(cx);
  }
}
