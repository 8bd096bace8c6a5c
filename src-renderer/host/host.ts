/**
 * The renderer's one door to its host (the web host over WebSocket, or Electron's main process
 * through the preload): typed requests with checked results, and run events. Nothing else in
 * the renderer knows which host it runs in.
 */
import {
  HostResultSchemas,
  type HostError,
  type HostMethod,
  type HostRequest,
  type HostResponse,
  type MenuCommand,
  type RequestOf,
  type ResultOf,
  type RunEvent,
} from '../../shared/ipc/protocol.js';

export interface StudioHost {
  readonly transport: 'websocket' | 'electron';
  call<M extends HostMethod>(request: RequestOf<M>): Promise<ResultOf<M>>;
  onRunEvent(listener: (event: RunEvent) => void): () => void;
  /** Commands from a native application menu (Electron); the web host has none. */
  onMenuCommand(listener: (command: MenuCommand, path?: string) => void): () => void;
}

/** A request the host answered with an error (kind, message, located model issues). */
export class HostCallError extends Error {
  constructor(readonly error: HostError) {
    super(error.message);
    this.name = 'HostCallError';
  }
}

/** Checks a response against the method's result schema; errors become HostCallError. */
export function resultOf<M extends HostMethod>(method: M, response: HostResponse): ResultOf<M> {
  if (!response.ok) throw new HostCallError(response.error);
  const parsed = HostResultSchemas[method].safeParse(response.result);
  if (!parsed.success) throw new HostCallError({ kind: 'invalid-request', message: `the host answered ${method} with an unexpected shape` });
  return parsed.data as ResultOf<M>;
}

/** The transport-level half of a host: send one request, get its response; deliver events. */
export interface HostTransport {
  readonly kind: StudioHost['transport'];
  send(request: HostRequest): Promise<HostResponse>;
  subscribe(listener: (event: RunEvent) => void): () => void;
  subscribeMenu?(listener: (command: MenuCommand, path?: string) => void): () => void;
}

export function hostOver(transport: HostTransport): StudioHost {
  return {
    transport: transport.kind,
    async call(request) {
      return resultOf(request.method, await transport.send(request));
    },
    onRunEvent: (listener) => transport.subscribe(listener),
    onMenuCommand: (listener) => transport.subscribeMenu?.(listener) ?? (() => undefined),
  };
}
