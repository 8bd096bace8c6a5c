/**
 * Runs, their streamed results and diagnostics, and the model's validation: state outside the
 * model document and outside React Flow (plots read it directly, never through node data).
 */
import { createStore } from 'zustand/vanilla';
import type {
  CompileStages,
  ExecutionMode,
  HostError,
  ModelDocument,
  ModelIssue,
  OutputColumn,
  RunEvent,
  TrialResults,
  ValidateResult,
} from '../../shared/ipc/protocol.js';
import { HostCallError, type StudioHost } from '../host/host.js';

export type RunStatus = 'idle' | 'starting' | 'running' | 'done' | 'cancelled' | 'failed';

export interface RunDiagnostics {
  mode: ExecutionMode;
  executed_mode: ExecutionMode;
  warnings: string[];
  build_ms?: number;
  compile?: CompileStages;
}

export interface RunTimings {
  build_ms: number;
  compile_ms: number;
  run_ms: number;
  total_ms: number;
  trials_per_s: number;
}

export interface RunState {
  mode: ExecutionMode;
  trials: number;
  status: RunStatus;
  runId: string | null;
  columns: OutputColumn[];
  /**
   * results[trial][column][element]; null is a non-finite value. Appended in place as batches
   * arrive (a run may have a million trials): subscribe to `resultsVersion`, not to this array.
   */
  results: TrialResults;
  /** Bumped whenever `results` changes. */
  resultsVersion: number;
  total: number;
  diagnostics: RunDiagnostics | null;
  timings: RunTimings | null;
  error: HostError | null;
  validation: ValidateResult | null;

  setMode(mode: ExecutionMode): void;
  setTrials(trials: number): void;
  start(host: StudioHost, model: ModelDocument): Promise<void>;
  cancel(host: StudioHost): Promise<void>;
  /** Applies one streamed event (events of other runs are ignored). */
  receive(event: RunEvent): void;
  validate(host: StudioHost, model: ModelDocument): Promise<void>;
  clear(): void;
}

export type RunStore = ReturnType<typeof createRunStore>;

let runCounter = 0;
function newRunId(): string {
  runCounter += 1;
  return `run-${Date.now().toString(36)}-${runCounter}`;
}

export function createRunStore() {
  let validationSeq = 0;
  return createStore<RunState>()((set, get) => ({
    mode: 'Auto',
    trials: 1,
    status: 'idle',
    runId: null,
    columns: [],
    results: [],
    resultsVersion: 0,
    total: 0,
    diagnostics: null,
    timings: null,
    error: null,
    validation: null,

    setMode: (mode) => set({ mode }),
    setTrials: (trials) => set({ trials: Number.isInteger(trials) && trials >= 1 ? trials : get().trials }),

    async start(host, model) {
      if (get().status === 'running' || get().status === 'starting') return;
      const runId = newRunId();
      set({ status: 'starting', runId, columns: [], results: [], resultsVersion: get().resultsVersion + 1, total: get().trials, diagnostics: null, timings: null, error: null });
      try {
        await host.call({ method: 'run.start', params: { runId, model, mode: get().mode, trials: get().trials } });
      } catch (e) {
        if (get().runId === runId) set({ status: 'failed', error: asHostError(e) });
      }
    },

    async cancel(host) {
      const { runId, status } = get();
      if (!runId || (status !== 'running' && status !== 'starting')) return;
      await host.call({ method: 'run.cancel', runId }).catch(() => undefined);
    },

    receive(event) {
      if (event.runId !== get().runId) return;
      switch (event.type) {
        case 'accepted':
          set({ status: 'running', columns: event.outputs, total: event.trials });
          break;
        case 'diagnostics': {
          const { type: _t, runId: _r, ...diagnostics } = event;
          set({ diagnostics });
          break;
        }
        case 'trials': {
          const results = get().results;
          if (event.first < results.length) results.length = event.first;
          for (const trial of event.results) results.push(trial);
          set({ resultsVersion: get().resultsVersion + 1 });
          break;
        }
        case 'progress':
          break;
        case 'done':
          set({ status: event.cancelled ? 'cancelled' : 'done', timings: event.timings });
          break;
        case 'error':
          set({ status: 'failed', error: event.error });
          break;
      }
    },

    async validate(host, model) {
      const seq = ++validationSeq;
      try {
        const validation = await host.call({ method: 'model.validate', model });
        if (seq === validationSeq) set({ validation });
      } catch (e) {
        if (seq === validationSeq) set({ validation: { valid: false, issues: [{ path: '', message: asHostError(e).message }] } });
      }
    },

    clear() {
      set({ status: 'idle', runId: null, columns: [], results: [], resultsVersion: get().resultsVersion + 1, total: 0, diagnostics: null, timings: null, error: null, validation: null });
    },
  }));
}

function asHostError(e: unknown): HostError {
  if (e instanceof HostCallError) return e.error;
  return { kind: 'runtime', message: e instanceof Error ? e.message : String(e) };
}

/** Issues to list in Diagnostics: validation's, or a failed run's located ones. */
export function issuesOf(s: RunState): ModelIssue[] {
  return [...(s.validation?.issues ?? []), ...(s.error?.issues ?? [])];
}

/** The node an issue is about: its `node`, else the node in its JSON path (`nodes.HIDDEN.function.gain`). */
/** The two spellings of a path inside node `node` that issues use: `nodes.N.` and `nodes["N"].`. */
export function nodePathPrefixes(node: string): [string, string] {
  return [`nodes.${node}.`, `nodes[${JSON.stringify(node)}].`];
}

export function issueNode(issue: ModelIssue): string | undefined {
  if (issue.node) return issue.node;
  const bracketed = /^nodes\[("(?:[^"\\]|\\.)*")\]/.exec(issue.path)?.[1];
  if (bracketed) return JSON.parse(bracketed) as string;
  return /^nodes\.([^.[\]]+)/.exec(issue.path)?.[1];
}

/** Names of the nodes that some issue is about, as a string key (stable for selectors). */
export function flaggedNodesKey(s: RunState): string {
  return [...new Set(issuesOf(s).map(issueNode).filter((n): n is string => !!n))].sort().join('\n');
}
