/**
 * Counters the scheduler keeps per context (graph-scheduler's Clock, counts_total and
 * counts_useable), stored in Float64Arrays so that compiled code can read and write them.
 */

export const TIME_SCALES = ['TIME_STEP', 'PASS', 'TRIAL', 'RUN', 'LIFE'] as const;
export type TimeScale = (typeof TIME_SCALES)[number];
export const TS: Record<TimeScale, number> = { TIME_STEP: 0, PASS: 1, TRIAL: 2, RUN: 3, LIFE: 4 };

/**
 * `time[scale]` counts units of `scale` elapsed within the enclosing unit:
 * time[TIME_STEP] = time steps in the current pass, time[PASS] = passes in the current trial,
 * time[TRIAL] = trials in the current run, time[RUN] = runs in the context's life.
 * `steps` counts every time step in the context's life (the absolute clock).
 */
export class SchedulerCounters {
  /** counts_total[scale * n + node]: executions of node within the current unit of scale. */
  readonly countsTotal: Float64Array;
  /** counts_useable[dep * n + owner]: executions of dep since owner last ran (this trial). */
  readonly countsUseable: Float64Array;
  /** [time_step in pass, pass in trial, trial in run, run in life, absolute steps]. */
  readonly time: Float64Array;
  /** 1 for nodes that ran in the previous time step. */
  readonly justRan: Float64Array;
  /** Per-node "finished" flag (set by the mechanism after each execution). */
  readonly finished: Float64Array;
  /** NWhen conditions: times each has been satisfied. */
  readonly nwhen: Float64Array;

  constructor(
    readonly nodeCount: number,
    nwhenCount: number,
    buffer?: { countsTotal: Float64Array; countsUseable: Float64Array; time: Float64Array; justRan: Float64Array; finished: Float64Array; nwhen: Float64Array },
  ) {
    const n = nodeCount;
    this.countsTotal = buffer?.countsTotal ?? new Float64Array(TIME_SCALES.length * n);
    this.countsUseable = buffer?.countsUseable ?? new Float64Array(n * n);
    this.time = buffer?.time ?? new Float64Array(5);
    this.justRan = buffer?.justRan ?? new Float64Array(n);
    this.finished = buffer?.finished ?? new Float64Array(n);
    this.nwhen = buffer?.nwhen ?? new Float64Array(Math.max(1, nwhenCount));
  }

  count(scale: number, node: number): number {
    return this.countsTotal[scale * this.nodeCount + node]!;
  }

  useable(dep: number, owner: number): number {
    return this.countsUseable[dep * this.nodeCount + owner]!;
  }

  resetCounts(scale: number): void {
    this.countsTotal.fill(0, scale * this.nodeCount, (scale + 1) * this.nodeCount);
  }

  /** Records that `node` was added to the current time step. */
  recordExecution(node: number): void {
    const n = this.nodeCount;
    for (let s = 0; s < TIME_SCALES.length; s++) this.countsTotal[s * n + node]!++;
    for (let k = 0; k < n; k++) {
      this.countsUseable[k * n + node] = 0;
      this.countsUseable[node * n + k]!++;
    }
  }
}
