/** Electron's transport: the narrow API the preload exposes as `window.cogstudio`. */
import { HostResponseSchema, MenuCommandSchema, RunEventSchema, type PreloadApi } from '../../shared/ipc/protocol.js';
import { hostOver, type StudioHost } from './host.js';

export function electronHost(api: PreloadApi): StudioHost {
  return hostOver({
    kind: 'electron',
    async send(request) {
      const parsed = HostResponseSchema.safeParse(await api.request(request));
      return parsed.success ? parsed.data : { ok: false, error: { kind: 'invalid-request', message: 'the main process sent a malformed response' } };
    },
    subscribe(listener) {
      return api.onRunEvent((event) => {
        const parsed = RunEventSchema.safeParse(event);
        if (parsed.success) listener(parsed.data);
      });
    },
    subscribeMenu(listener) {
      return api.onMenuCommand((command, path) => {
        const parsed = MenuCommandSchema.safeParse(command);
        if (parsed.success) listener(parsed.data, typeof path === 'string' ? path : undefined);
      });
    },
  });
}
