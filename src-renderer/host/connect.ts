/** Picks the host this page runs in: Electron's preload API when present, else the web host's WebSocket. */
import type { PreloadApi } from '../../shared/ipc/protocol.js';
import { electronHost } from './electron-host.js';
import type { StudioHost } from './host.js';
import { connectWebSocketHost } from './websocket-host.js';

declare global {
  interface Window {
    cogstudio?: PreloadApi;
  }
}

export async function connectHost(onClose?: (reason: string) => void): Promise<StudioHost> {
  if (window.cogstudio?.transport === 'electron') return electronHost(window.cogstudio);
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return connectWebSocketHost(`${scheme}://${window.location.host}/ws?token=${encodeURIComponent(token)}`, onClose);
}
