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

  /** Per node: counts_useable indices to zero when it runs (it as owner) and to increment (it as dependency). */
  private readonly asOwner: number[][];
  private readonly asDependency: number[][];
  private readonly tracked: number[];

  /**
   * `pairs` are the (dependency, owner) pairs some EveryNCalls reads: only their counts_useable
   * are kept (all pairs when omitted), so an execution costs O(pairs) instead of O(nodes).
   */
  constructor(
    readonly nodeCount: number,
    nwhenCount: number,
    buffer?: { countsTotal: Float64Array; countsUseable: Float64Array; time: Float64Array; justRan: Float64Array; finished: Float64Array; nwhen: Float64Array },
    pairs?: readonly [number, number][],
  ) {
    const n = nodeCount;
    this.countsTotal = buffer?.countsTotal ?? new Float64Array(TIME_SCALES.length * n);
    this.countsUseable = buffer?.countsUseable ?? new Float64Array(n * n);
    this.time = buffer?.time ?? new Float64Array(5);
    this.justRan = buffer?.justRan ?? new Float64Array(n);
    this.finished = buffer?.finished ?? new Float64Array(n);
    this.nwhen = buffer?.nwhen ?? new Float64Array(Math.max(1, nwhenCount));
    const all: [number, number][] = [];
    if (!pairs) for (let d = 0; d < n; d++) for (let o = 0; o < n; o++) all.push([d, o]);
    const list = pairs ?? all;
    this.asOwner = Array.from({ length: n }, () => []);
    this.asDependency = Array.from({ length: n }, () => []);
    for (const [d, o] of list) {
      this.asOwner[o]!.push(d * n + o);
      this.asDependency[d]!.push(d * n + o);
    }
    this.tracked = list.map(([d, o]) => d * n + o);
  }

  /** Zeroes the counts_useable that are read (at trial start). */
  resetUseable(): void {
    for (const i of this.tracked) this.countsUseable[i] = 0;
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

  /** Zeroes the counts of `nodes` at `scale` (the only ones a step can have made nonzero). */
  resetCountsOf(scale: number, nodes: readonly number[]): void {
    const base = scale * this.nodeCount;
    for (const node of nodes) this.countsTotal[base + node] = 0;
  }

  /** Records that `node` was added to the current time step. */
  recordExecution(node: number): void {
    const n = this.nodeCount;
    for (let s = 0; s < TIME_SCALES.length; s++) this.countsTotal[s * n + node]!++;
    // as graph-scheduler: first zero what node had used, then count node for the others
    for (const i of this.asOwner[node]!) this.countsUseable[i] = 0;
    for (const i of this.asDependency[node]!) this.countsUseable[i]!++;
  }
}

/** The (dependency, owner) pairs whose counts_useable an EveryNCalls in a node's condition reads. */
export function useablePairs(nodeSpecs: readonly unknown[], names: readonly string[]): [number, number][] {
  const pairs = new Map<string, [number, number]>();
  const walk = (v: unknown, owner: number, depth: number): void => {
    if (depth > 64 || typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) return v.forEach((x) => walk(x, owner, depth + 1));
    const o = v as Record<string, unknown>;
    if (o.type === 'EveryNCalls') {
      const d = names.indexOf(String(o.dependency));
      if (d >= 0) pairs.set(`${d}:${owner}`, [d, owner]);
    }
    for (const x of Object.values(o)) walk(x, owner, depth + 1);
  };
  nodeSpecs.forEach((spec, k) => walk(spec, k, 0));
  return [...pairs.values()];
}

