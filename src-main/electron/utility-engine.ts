/**
 * The engine process in Electron: the engine-process entry started as a `utilityProcess`
 * (Chromium-managed, crash-isolated), behind the same EngineClient the web host uses — so a
 * crash or a hang in JIT code ends that process, and the client restarts it.
 */
import { utilityProcess } from 'electron';
import { EngineClient, type EngineChild } from '../engine-process/client.js';
import { EngineClientEngine } from '../web-host/engine-client-engine.js';
import type { StudioEngine } from '../web-host/engine.js';

export function utilityEngineChild(entry: string): EngineChild {
  const child = utilityProcess.fork(entry, [], { serviceName: 'CogStudio engine', stdio: 'inherit' });
  return {
    get pid() {
      return child.pid;
    },
    send: (msg) => child.postMessage(msg),
    onMessage: (cb) => child.on('message', cb),
    onExit: (cb) => child.once('exit', (code) => cb(code, null)),
    kill: () => void child.kill(),
  };
}

export function utilityProcessEngine(entry: string): StudioEngine {
  return new EngineClientEngine(new EngineClient({ spawn: () => utilityEngineChild(entry) }));
}
