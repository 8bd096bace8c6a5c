/** Messages between the Electron main process and the engine's utility process. */
import type { CompiledMode, HostError, ModelDocument, RunEvent, RunParams } from '../../shared/ipc/protocol.js';
import type { OptLevel } from '../compiler/jit/index.js';

export type EngineRequest =
  | { kind: 'run'; params: RunParams }
  | { kind: 'cancel'; runId: string }
  | { kind: 'validate'; id: number; model: ModelDocument }
  | { kind: 'compile'; id: number; model: ModelDocument; mode: CompiledMode; optLevel?: OptLevel };

export type EngineReply =
  | { kind: 'event'; event: RunEvent }
  | { kind: 'reply'; id: number; ok: true; result: unknown }
  | { kind: 'reply'; id: number; ok: false; error: HostError };
