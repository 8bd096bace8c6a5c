/**
 * The Sweep panel's state: the form (swept parameters with their ranges, trials, statistic,
 * mode) and the sweep in flight or finished — rows by grid index, as `sweep.point` events bring
 * them (points finish out of order on several workers).
 */
import { createStore } from 'zustand/vanilla';
import type { ExecutionMode, HostError, ModelDocument, RunEvent, SweepRange } from '../../shared/ipc/protocol.js';
import { HostCallError, type StudioHost } from '../host/host.js';

export type SweepStatus = 'idle' | 'starting' | 'running' | 'done' | 'cancelled' | 'failed';

export interface SweepRow {
  values: number[];
  stats: (number | null)[];
}

export interface SweepState {
  /** The form. */
  ranges: SweepRange[];
  trials: number;
  /** A `NODE[.PORT]:STAT` column, or '' for the default (mean and final of every output port). */
  stat: string;
  /** The sweep. */
  status: SweepStatus;
  runId: string | null;
  header: string[];
  /** Each swept parameter's values (the grid is their product, the last fastest). */
  axes: number[][];
  total: number;
  done: number;
  rows: (SweepRow | undefined)[];
  /** Bumped whenever rows change (they grow in place). */
  version: number;
  warnings: string[];
  executedModes: ExecutionMode[];
  pointsPerS: number | null;
  /** Mean compile and run time per point of the last finished sweep, and how many points ran on code compiled once. */
  perPoint: { compile_ms: number; run_ms: number; compiled_once: number; compiled_codes: number; points: number } | null;
  error: HostError | null;

  setRange(i: number, patch: Partial<SweepRange>): void;
  addRange(range: SweepRange): void;
  removeRange(i: number): void;
  setTrials(trials: number): void;
  setStat(stat: string): void;
  /** Runs the sweep in `mode` (the studio's run mode). */
  start(host: StudioHost, model: ModelDocument, mode: ExecutionMode): Promise<void>;
  cancel(host: StudioHost): Promise<void>;
  receive(event: RunEvent): void;
}

export type SweepStore = ReturnType<typeof createSweepStore>;

let counter = 0;
const newSweepId = () => `sweep-${Date.now().toString(36)}-${(counter++).toString(36)}`;

const asHostError = (e: unknown): HostError => (e instanceof HostCallError ? e.error : { kind: 'runtime', message: e instanceof Error ? e.message : String(e) });

/** The panel shows one or two swept parameters (a line plot or a heatmap). */
export const MAX_PANEL_PARAMS = 2;

export function createSweepStore() {
  return createStore<SweepState>()((set, get) => ({
    ranges: [],
    trials: 100,
    stat: '',
    status: 'idle',
    runId: null,
    header: [],
    axes: [],
    total: 0,
    done: 0,
    rows: [],
    version: 0,
    warnings: [],
    executedModes: [],
    pointsPerS: null,
    perPoint: null,
    error: null,

    setRange: (i, patch) => set({ ranges: get().ranges.map((r, k) => (k === i ? { ...r, ...patch } : r)) }),
    addRange: (range) => get().ranges.length < MAX_PANEL_PARAMS && set({ ranges: [...get().ranges, range] }),
    removeRange: (i) => set({ ranges: get().ranges.filter((_, k) => k !== i) }),
    setTrials: (trials) => Number.isInteger(trials) && trials >= 1 && set({ trials }),
    setStat: (stat) => set({ stat }),

    async start(host, model, mode) {
      const s = get();
      if (s.status === 'running' || s.status === 'starting') return;
      const runId = newSweepId();
      set({ status: 'starting', runId, header: [], axes: [], total: 0, done: 0, rows: [], version: s.version + 1, warnings: [], executedModes: [], pointsPerS: null, perPoint: null, error: null });
      try {
        await host.call({ method: 'sweep.start', params: { runId, model, mode, trials: s.trials, params: s.ranges, stats: s.stat ? [s.stat] : undefined } });
      } catch (e) {
        if (get().runId === runId) set({ status: 'failed', error: asHostError(e) });
      }
    },

    async cancel(host) {
      const { runId, status } = get();
      if (!runId || (status !== 'running' && status !== 'starting')) return;
      await host.call({ method: 'sweep.cancel', runId }).catch(() => undefined);
    },

    receive(event) {
      if (event.runId !== get().runId) return;
      switch (event.type) {
        case 'sweep.accepted':
          set({ status: 'running', header: event.header, axes: event.axes, total: event.total, rows: new Array<SweepRow | undefined>(event.total) });
          break;
        case 'sweep.point': {
          const rows = get().rows;
          rows[event.index] = { values: event.values, stats: event.stats };
          set({ done: event.done, version: get().version + 1 });
          break;
        }
        case 'sweep.done':
          set({ status: event.cancelled ? 'cancelled' : 'done', warnings: event.warnings, executedModes: event.executed_modes, pointsPerS: event.timings.points_per_s, perPoint: { compile_ms: event.timings.compile_ms_per_point, run_ms: event.timings.run_ms_per_point, compiled_once: event.compiled_once, compiled_codes: event.compiled_codes, points: event.points } });
          break;
        case 'error':
          set({ status: 'failed', error: event.error });
          break;
      }
    },
  }));
}

/** The finished rows in grid order, as table rows (parameter values, then statistics). */
export function tableRows(s: Pick<SweepState, 'rows'>): (number | null)[][] {
  return s.rows.filter((r): r is SweepRow => r !== undefined).map((r) => [...r.values, ...r.stats]);
}

const stores = new WeakMap<object, SweepStore>();

/** The studio's sweep store, made (and wired to the host's events) on first use. */
export function sweepStoreFor(studio: { host: StudioHost }): SweepStore {
  let store = stores.get(studio);
  if (!store) {
    const created = createSweepStore();
    studio.host.onRunEvent((e) => created.getState().receive(e));
    stores.set(studio, created);
    store = created;
  }
  return store;
}
