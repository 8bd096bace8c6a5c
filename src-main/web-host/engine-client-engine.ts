/**
 * The studio's engine through the engine process (EngineClient): every model runs in a forked
 * child (a utilityProcess in Electron), so a crash or a hang in JIT code ends that child, not
 * the host. Translates the engine protocol (shared/protocol/engine.ts) into the renderer
 * protocol (shared/ipc/protocol.ts).
 */
import type { CompileResult, CompiledMode, HostError, ModelDocument, OutputColumn, PassTrace, RunEvent, RunParams, ValidateResult } from '../../shared/ipc/protocol.js';
import { defaultTrials, outputPortNames } from '../../shared/ipc/model-view.js';
import type { EngineEvent, ErrorEvent, ErrorKind, FinalEvent } from '../../shared/protocol/engine.js';
import type { EngineClient } from '../engine-process/client.js';
import type { OptLevel } from '../compiler/jit/index.js';
import { encodeTrace, type StudioEngine } from './engine.js';
import { HostRequestError } from './host-error.js';

const ERROR_KINDS: Record<ErrorKind, HostError['kind']> = {
  model: 'model',
  mode: 'mode',
  limit: 'runtime',
  jit: 'runtime',
  internal: 'runtime',
  crash: 'crash',
  protocol: 'invalid-request',
};

export function hostErrorOf(e: ErrorEvent): HostError {
  return { kind: ERROR_KINDS[e.kind], message: e.message, ...(e.issues ? { issues: e.issues } : {}) };
}

/**
 * The columns of the results: each output node's output ports (node order, port order), sized
 * from the first trial. When the names do not account for every column, columns are numbered.
 */
export function columnsOf(model: ModelDocument, outputNodes: readonly string[], firstTrial: readonly (readonly unknown[])[]): OutputColumn[] {
  const named = outputNodes.flatMap((node) => outputPortNames((model.nodes[node] ?? {}) as object).map((port) => ({ node, port })));
  const sized = (i: number) => firstTrial[i]?.length ?? 0;
  if (named.length === firstTrial.length) return named.map((c, i) => ({ ...c, size: sized(i) }));
  return firstTrial.map((_, i) => ({ node: 'output', port: String(i), size: sized(i) }));
}

const nullIfNonFinite = (v: number) => (Number.isFinite(v) ? v : null);

export class EngineClientEngine implements StudioEngine {
  private requestCounter = 0;
  /** Runs still validating (their run request not sent yet), and whether they were cancelled meanwhile. */
  private readonly validating = new Map<string, { cancelled: boolean }>();

  constructor(private readonly client: EngineClient) {}

  private nextId(prefix: string): string {
    this.requestCounter += 1;
    return `${prefix}-${this.requestCounter}`;
  }

  /** Validates first (for the output node names), then runs, forwarding each event in the renderer's terms. */
  run(params: RunParams, emit: (event: RunEvent) => void): void {
    const { runId, model, mode } = params;
    const total = params.trials ?? defaultTrials(model);
    void (async () => {
      const state = { cancelled: false };
      this.validating.set(runId, state);
      const check = await this.request({ type: 'validate', id: this.nextId(`${runId}-validate`), model });
      this.validating.delete(runId);
      if (check.final.type === 'error') return emit({ type: 'error', runId, error: hostErrorOf(check.final) });
      if (state.cancelled) {
        emit({ type: 'accepted', runId, mode, trials: total, outputs: [] });
        return emit({ type: 'done', runId, trials: 0, cancelled: true, timings: { build_ms: 0, compile_ms: 0, run_ms: 0, total_ms: 0, trials_per_s: 0 } });
      }
      const validated = check.events.find((e) => e.type === 'validated');
      const outputNodes = validated?.type === 'validated' ? validated.outputNodes : [];
      let columns: OutputColumn[] | null = null;
      const onEvent = (e: EngineEvent) => {
        switch (e.type) {
          case 'diagnostics':
            emit({ type: 'diagnostics', runId, mode: e.mode, executed_mode: e.executedMode, warnings: e.warnings, ...(e.compile ? { compile: e.compile } : {}) });
            break;
          case 'trials':
            if (!columns) {
              columns = columnsOf(model, outputNodes, e.results[0] ?? []);
              emit({ type: 'accepted', runId, mode, trials: total, outputs: columns });
            }
            emit({ type: 'trials', runId, first: e.first, results: e.results.map((t) => t.map((port) => port.map(nullIfNonFinite))) });
            break;
          case 'progress':
            if (!e.phase || e.phase === 'run') emit({ type: 'progress', runId, done: e.done, total: e.total });
            break;
          case 'done': {
            const t = e.timings;
            if (!columns) emit({ type: 'accepted', runId, mode, trials: total, outputs: [] });
            emit({
              type: 'done',
              runId,
              trials: e.trials,
              cancelled: e.cancelled,
              timings: { build_ms: t.build_ms ?? 0, compile_ms: t.compile_ms ?? 0, run_ms: t.run_ms ?? 0, total_ms: t.total_ms, trials_per_s: t.trials_per_s ?? 0 },
            });
            break;
          }
          case 'error':
            emit({ type: 'error', runId, error: hostErrorOf(e) });
            break;
        }
      };
      await this.client.request({ type: 'run', id: runId, model, mode, ...(params.trials ? { numTrials: params.trials } : {}), ...(params.inputs ? { inputs: params.inputs } : {}) }, onEvent);
    })();
  }

  cancel(runId: string): boolean {
    const validating = this.validating.get(runId);
    if (validating) validating.cancelled = true;
    else this.client.cancel(runId);
    return true;
  }

  async validate(model: ModelDocument): Promise<ValidateResult> {
    const { final, events } = await this.request({ type: 'validate', id: this.nextId('validate'), model });
    if (final.type === 'error') {
      if (final.kind === 'model') return { valid: false, issues: final.issues ?? [{ path: '', message: final.message }] };
      throw new HostRequestError(hostErrorOf(final));
    }
    const v = events.find((e) => e.type === 'validated');
    if (v?.type !== 'validated') return { valid: true, issues: [] };
    return {
      valid: true,
      issues: [],
      summary: `${v.nodes.length} nodes, ${v.projections} projections; inputs: ${v.inputNodes.join(', ')}; outputs: ${v.outputNodes.join(', ')}`,
    };
  }

  async compile(model: ModelDocument, mode: CompiledMode, optLevel?: OptLevel): Promise<CompileResult> {
    const { final, events } = await this.request({ type: 'compile', id: this.nextId('compile'), model, mode, emitIR: true, ...(optLevel === undefined ? {} : { optLevel }) });
    if (final.type === 'error') throw new HostRequestError(hostErrorOf(final));
    const ir = events.find((e) => e.type === 'ir');
    const diagnostics = events.find((e) => e.type === 'diagnostics');
    if (diagnostics?.type !== 'diagnostics' || !diagnostics.compile) throw new HostRequestError({ kind: 'runtime', message: 'the engine compiled without reporting diagnostics' });
    return { mode, ir: ir?.type === 'ir' ? (ir.ir ?? '') : '', diagnostics: diagnostics.compile };
  }

  async passes(model: ModelDocument, node: string, trial: number, inputs?: Record<string, unknown[]>): Promise<PassTrace> {
    const { final, events } = await this.request({ type: 'trace', id: this.nextId('trace'), model, node, trial, ...(inputs ? { inputs } : {}) });
    if (final.type === 'error') throw new HostRequestError(hostErrorOf(final));
    const trace = events.find((e) => e.type === 'passes');
    if (trace?.type !== 'passes') throw new HostRequestError({ kind: 'runtime', message: 'the engine traced the trial without reporting its passes' });
    const { type: _t, id: _i, ...rest } = trace;
    return encodeTrace(rest);
  }

  dispose(): void {
    void this.client.close();
  }

  private async request(req: Parameters<EngineClient['request']>[0]): Promise<{ final: FinalEvent; events: EngineEvent[] }> {
    const events: EngineEvent[] = [];
    const final = await this.client.request(req, (e) => events.push(e));
    return { final, events };
  }
}
