/**
 * The preload of the studio window (sandboxed, context-isolated): it exposes `window.cogstudio`,
 * a narrow API of two calls over the shared protocol — send a request, listen to run events and
 * menu commands — and never ipcRenderer itself. The main process checks every payload.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CHANNELS, type MenuCommand } from '../../shared/ipc/channels.js';
import type { HostRequest, HostResponse, PreloadApi, RunEvent } from '../../shared/ipc/protocol.js';

function listen<T>(channel: string, listener: (payload: T, extra?: string) => void): () => void {
  // the event object (with its sender) never reaches the page
  const handler = (_event: IpcRendererEvent, payload: T, extra?: string) => listener(payload, typeof extra === 'string' ? extra : undefined);
  ipcRenderer.on(channel, handler);
  return () => {
    ipcRenderer.off(channel, handler);
  };
}

const api: PreloadApi = {
  transport: 'electron',
  request: (request: HostRequest) => ipcRenderer.invoke(IPC_CHANNELS.request, request) as Promise<HostResponse>,
  onRunEvent: (listener: (event: RunEvent) => void) => listen(IPC_CHANNELS.runEvent, listener),
  onMenuCommand: (listener: (command: MenuCommand, path?: string) => void) => listen(IPC_CHANNELS.menuCommand, listener),
};

contextBridge.exposeInMainWorld('cogstudio', api);
