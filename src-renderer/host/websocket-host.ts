/** The web host's transport: one WebSocket, requests numbered, responses and run events checked on arrival. */
import { HostFrameSchema, type HostRequest, type HostResponse, type RunEvent } from '../../shared/ipc/protocol.js';
import { hostOver, type StudioHost } from './host.js';

export function connectWebSocketHost(url: string, onClose?: (reason: string) => void): Promise<StudioHost> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const pending = new Map<number, (r: HostResponse) => void>();
    const listeners = new Set<(e: RunEvent) => void>();
    let nextId = 1;
    let open = false;
    socket.addEventListener('open', () => {
      open = true;
      resolve(
        hostOver({
          kind: 'websocket',
          send(request: HostRequest) {
            return new Promise<HostResponse>((done) => {
              if (socket.readyState !== WebSocket.OPEN) {
                done({ ok: false, error: { kind: 'unavailable', message: 'the connection to the CogStudio host is closed; restart it and reload the page' } });
                return;
              }
              const id = nextId++;
              pending.set(id, done);
              socket.send(JSON.stringify({ id, request }));
            });
          },
          subscribe(listener) {
            listeners.add(listener);
            return () => listeners.delete(listener);
          },
        }),
      );
    });
    socket.addEventListener('message', (msg) => {
      let frame;
      try {
        frame = HostFrameSchema.safeParse(JSON.parse(String(msg.data)));
      } catch {
        return;
      }
      if (!frame.success) return;
      const f = frame.data;
      if ('event' in f) for (const l of listeners) l(f.event);
      else {
        pending.get(f.id)?.(f.response);
        pending.delete(f.id);
      }
    });
    socket.addEventListener('close', (ev) => {
      const reason = ev.code === 1008 ? 'the host refused the connection (wrong or missing token)' : 'the connection to the CogStudio host was closed';
      for (const done of pending.values()) done({ ok: false, error: { kind: 'unavailable', message: reason } });
      pending.clear();
      if (!open) reject(new Error(reason));
      else onClose?.(reason);
    });
  });
}
