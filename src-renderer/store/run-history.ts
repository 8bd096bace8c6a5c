/**
 * Run history: every finished run of the session (mode requested and executed, trials, time,
 * model name and hash) with its results, newest first, bounded in runs and in stored numbers.
 * Two runs can be compared: the largest absolute difference per output port.
 */
import { createStore } from 'zustand/vanilla';
import type { ExecutionMode, ModelDocument, OutputColumn, TrialResults } from '../../shared/ipc/protocol.js';
import type { RunDiagnostics, RunState, RunTimings } from './run-store.js';

/**
 * Runs kept at most, and stored cells at most over all of them (older runs go first). A cell is a
 * number or an array holding some (a trial, a port), so that many small ports count their overhead.
 */
export const HISTORY_RUNS = 20;
export const HISTORY_VALUES = 4_000_000;

export interface RunRecord {
  /** 1, 2, … in the order the runs started. */
  seq: number;
  runId: string;
  modelName: string;
  /** FNV-1a of the model document's JSON: equal hashes, same model. */
  modelHash: string;
  mode: ExecutionMode;
  executedMode: ExecutionMode | null;
  trials: number;
  status: 'done' | 'cancelled';
  startedAt: number;
  columns: OutputColumn[];
  results: TrialResults;
  diagnostics: RunDiagnostics | null;
  timings: RunTimings | null;
}

export interface RunHistoryState {
  runs: RunRecord[];
  /** Runs ticked for comparison (at most two, by seq). */
  compare: number[];
  add(record: RunRecord): void;
  toggleCompare(seq: number): void;
  clear(): void;
}

export type RunHistoryStore = ReturnType<typeof createRunHistory>;

const valuesOf = (r: RunRecord) => r.results.length * r.columns.reduce((n, c) => n + 1 + c.size, 1);

export function createRunHistory(maxRuns = HISTORY_RUNS, maxValues = HISTORY_VALUES) {
  return createStore<RunHistoryState>()((set, get) => ({
    runs: [],
    compare: [],
    add(record) {
      const runs = [record, ...get().runs].slice(0, maxRuns);
      // the newest run is always kept, whatever its size
      let total = 0;
      const kept = runs.filter((r, i) => (total += valuesOf(r)) <= maxValues || i === 0);
      const seqs = new Set(kept.map((r) => r.seq));
      set({ runs: kept, compare: get().compare.filter((s) => seqs.has(s)) });
    },
    toggleCompare(seq) {
      const cur = get().compare;
      set({ compare: cur.includes(seq) ? cur.filter((s) => s !== seq) : [...cur, seq].slice(-2) });
    },
    clear: () => set({ runs: [], compare: [] }),
  }));
}

/** FNV-1a (32 bits) of the document's JSON, as 8 hex digits. */
export function modelHash(model: ModelDocument): string {
  const text = JSON.stringify(model);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

export interface PortDifference {
  node: string;
  port: string;
  /** Largest |a − b| over the trials and elements both runs have; Infinity when only one is non-finite; null when the port is in one run only. */
  maxAbsDiff: number | null;
  trialsCompared: number;
}

/** The largest absolute difference per output port between two runs (matched by node and port name). */
export function compareRuns(a: RunRecord, b: RunRecord): PortDifference[] {
  return a.columns.map((col, ia) => {
    const ib = b.columns.findIndex((c) => c.node === col.node && c.port === col.port);
    if (ib < 0) return { node: col.node, port: col.port, maxAbsDiff: null, trialsCompared: 0 };
    const trials = Math.min(a.results.length, b.results.length);
    let max = 0;
    for (let t = 0; t < trials; t++) {
      const va = a.results[t]![ia] ?? [];
      const vb = b.results[t]![ib] ?? [];
      for (let e = 0; e < Math.max(va.length, vb.length); e++) {
        const x = va[e];
        const y = vb[e];
        if (x === undefined || y === undefined) max = Infinity;
        else if (x === null || y === null) max = x === y ? max : Infinity;
        else max = Math.max(max, Math.abs(x - y));
      }
    }
    return { node: col.node, port: col.port, maxAbsDiff: max, trialsCompared: trials };
  });
}

/** Records each run that ends (done or stopped) with the model it ran; returns the unsubscribe. */
export function recordRuns(run: { subscribe(l: (s: RunState, p: RunState) => void): () => void }, history: RunHistoryStore, currentModel: () => ModelDocument): () => void {
  let seq = 0;
  let started: { runId: string; model: ModelDocument; mode: ExecutionMode; at: number } | null = null;
  return run.subscribe((s, prev) => {
    if (s.runId && s.runId !== prev.runId && s.status === 'starting') started = { runId: s.runId, model: currentModel(), mode: s.mode, at: Date.now() };
    if (s.status === prev.status || (s.status !== 'done' && s.status !== 'cancelled') || !started || started.runId !== s.runId) return;
    const { model, mode, at } = started;
    started = null;
    history.getState().add({
      seq: ++seq,
      runId: s.runId,
      modelName: typeof model.name === 'string' && model.name ? model.name : 'untitled',
      modelHash: modelHash(model),
      mode,
      executedMode: s.diagnostics?.executed_mode ?? null,
      trials: s.results.length,
      status: s.status,
      startedAt: at,
      columns: s.columns,
      results: s.results,
      diagnostics: s.diagnostics,
      timings: s.timings,
    });
  });
}
