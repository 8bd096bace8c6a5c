/**
 * The studio's engine in Electron: a utility process (engine-host.ts) started on first use.
 * If it dies (a segfault in JIT code, say), its runs end with a `crash` error and the next
 * request starts a fresh one; the main process never blocks on a compile or a run.
 */
import { utilityProcess, type UtilityProcess } from 'electron';
import type { CompileResult, CompiledMode, ModelDocument, RunEvent, RunParams, ValidateResult } from '../../shared/ipc/protocol.js';
import type { OptLevel } from '../compiler/jit/index.js';
import type { StudioEngine } from '../web-host/engine.js';
import { HostRequestError } from '../web-host/host-error.js';
import type { EngineReply, EngineRequest } from './engine-messages.js';

export class UtilityProcessEngine implements StudioEngine {
  private child: UtilityProcess | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly runs = new Map<string, (event: RunEvent) => void>();

  constructor(private readonly entry: string) {}

  private process(): UtilityProcess {
    if (this.child) return this.child;
    const child = utilityProcess.fork(this.entry, [], { serviceName: 'CogStudio engine', stdio: 'inherit' });
    child.on('message', (msg: EngineReply) => {
      if (msg.kind === 'event') {
        const emit = this.runs.get(msg.event.runId);
        if (msg.event.type === 'done' || msg.event.type === 'error') this.runs.delete(msg.event.runId);
        emit?.(msg.event);
      } else {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.ok) p?.resolve(msg.result);
        else p?.reject(new HostRequestError(msg.error));
      }
    });
    child.on('exit', (code) => {
      if (this.child !== child) return;
      this.child = null;
      const message = `the engine process stopped unexpectedly (exit code ${code}); it restarts on the next request`;
      for (const [runId, emit] of this.runs) emit({ type: 'error', runId, error: { kind: 'crash', message } });
      this.runs.clear();
      for (const p of this.pending.values()) p.reject(new HostRequestError({ kind: 'crash', message }));
      this.pending.clear();
    });
    this.child = child;
    return child;
  }

  private send(req: EngineRequest): void {
    this.process().postMessage(req);
  }

  private ask<T>(make: (id: number) => EngineRequest): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.send(make(id));
    });
  }

  run(params: RunParams, emit: (event: RunEvent) => void): void {
    this.runs.set(params.runId, emit);
    this.send({ kind: 'run', params });
  }

  cancel(runId: string): boolean {
    if (!this.runs.has(runId)) return false;
    this.send({ kind: 'cancel', runId });
    return true;
  }

  validate(model: ModelDocument): Promise<ValidateResult> {
    return this.ask((id) => ({ kind: 'validate', id, model }));
  }

  compile(model: ModelDocument, mode: CompiledMode, optLevel?: OptLevel): Promise<CompileResult> {
    return this.ask((id) => ({ kind: 'compile', id, model, mode, ...(optLevel === undefined ? {} : { optLevel }) }));
  }

  dispose(): void {
    this.child?.kill();
    this.child = null;
  }
}
