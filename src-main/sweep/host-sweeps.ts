/**
 * Sweeps for the studio (web host and Electron alike, through StudioService): a `sweep.start`
 * request is checked at once (a bad parameter or model is the request's error), then the points
 * run on worker processes — the host's event loop stays free — and stream back as `sweep.point`
 * events, ending with `sweep.done` or `error`. `sweep.cancel` stops the workers.
 */
import type { HostError, RunEvent, SweepParams } from '../../shared/ipc/protocol.js';
import { ModelError } from '../model/errors.js';
import type { ModelLike } from '../engine/composition.js';
import { planSweep, runSweep, type SweepPlan, type SweepResult } from './run-sweep.js';
import type { SweepWorkerSpawner } from './pool.js';
import { SweepSpecError } from './spec.js';
import { HostRequestError } from '../web-host/host-error.js';

function describe(e: unknown): HostError {
  if (e instanceof ModelError) return { kind: 'model', message: e.message, issues: e.issues };
  if (e instanceof SweepSpecError) return { kind: 'invalid-request', message: e.message };
  return { kind: 'runtime', message: e instanceof Error ? e.message : String(e) };
}

function perPoint(r: SweepResult): { compile_ms_per_point: number; run_ms_per_point: number } {
  const n = Math.max(1, r.rows.length);
  return { compile_ms_per_point: r.timings.compile_ms / n, run_ms_per_point: r.timings.run_ms / n };
}

export class HostSweeps {
  private readonly running = new Map<string, AbortController>();

  /** `spawn`: how the shell starts worker processes (default: forked Node processes). */
  constructor(private readonly spawn?: SweepWorkerSpawner) {}

  /** Starts a sweep (a HostRequestError when it cannot); its events go to `emit`. */
  start(p: SweepParams, emit: (e: RunEvent) => void, jobs?: number): void {
    if (this.running.has(p.runId)) throw new HostRequestError({ kind: 'invalid-request', message: `a sweep ${p.runId} is already running` });
    let plan: SweepPlan;
    try {
      plan = planSweep({ model: p.model as ModelLike, params: p.params, stats: p.stats, mode: p.mode, numTrials: p.trials });
    } catch (e) {
      if (e instanceof ModelError || e instanceof SweepSpecError) throw new HostRequestError(describe(e));
      throw e;
    }
    const ac = new AbortController();
    this.running.set(p.runId, ac);
    const runId = p.runId;
    emit({ type: 'sweep.accepted', runId, header: plan.header, axes: plan.task.params.map((q) => q.values), total: plan.size });
    runSweep(plan, {
      jobs,
      signal: ac.signal,
      spawn: this.spawn,
      alwaysWorkers: true,
      onProgress: (done, total, row) =>
        emit({ type: 'sweep.point', runId, done, total, index: row.index, values: row.values, stats: row.stats.map((x) => (Number.isFinite(x) ? x : null)) }),
    }).then(
      (r) => emit({ type: 'sweep.done', runId, cancelled: r.cancelled, points: r.rows.length, executed_modes: r.executed_modes, compiled_once: r.compiled_once, compiled_codes: r.compiled_codes, warnings: r.warnings, timings: { total_ms: r.timings.total_ms, points_per_s: r.timings.points_per_s, ...perPoint(r) } }),
      (e: unknown) => emit({ type: 'error', runId, error: describe(e) }),
    ).finally(() => this.running.delete(runId));
  }

  cancel(runId: string): boolean {
    const ac = this.running.get(runId);
    ac?.abort();
    return ac !== undefined;
  }
}
