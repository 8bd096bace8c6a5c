/**
 * The engine process's entry: wires an Engine to the parent. Under Electron (utilityProcess)
 * messages come through `process.parentPort`; under `child_process.fork` (web host, CLI,
 * tests) through `process.on('message')` / `process.send`.
 */
import type { WireEvent } from '../../shared/protocol/engine.js';
import { Engine, type NativeFaults } from './engine.js';
import { warmUp } from './warm-up.js';

/** Electron's utilityProcess side of the channel. */
interface ParentPort {
  on(event: 'message', cb: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const faults: NativeFaults | undefined =
  process.env.COGSTUDIO_ENGINE_TEST_FAULTS === '1' ? (await import('./faults.js')).nativeFaults() : undefined;
/** Events handed to the IPC channel and not yet written to the pipe. */
let unsent = 0;
const engine = new Engine({ faults, congested: () => unsent > 0 });
const parentPort = (process as NodeJS.Process & { parentPort?: ParentPort }).parentPort;
const handle = (msg: unknown) => engine.handle(msg);

if (parentPort) {
  parentPort.on('message', (e) => handle(e.data));
  // trial batches travel packed, as the engine emits them (both transports carry typed arrays by structured clone)
  engine.onWireEvent((e: WireEvent) => parentPort.postMessage(e));
  void engine.closed.then(() => process.exit(0));
} else if (process.send) {
  const send = process.send.bind(process);
  process.on('message', handle);
  engine.onWireEvent((e: WireEvent) => {
    if (!process.connected) return;
    unsent++;
    send(e, undefined, undefined, () => unsent--);
  });
  // the parent has gone: nobody is left to read the results
  process.on('disconnect', () => process.exit(0));
  void engine.closed.then(() => {
    process.disconnect();
    setTimeout(() => process.exit(0), 2000).unref();
  });
} else {
  console.error('the engine process must be started by the studio (child_process.fork or utilityProcess)');
  process.exit(2);
}

// while no request runs or waits: load libLLVM and warm the code generator up (warm-up.ts)
if (process.env.COGSTUDIO_ENGINE_WARM_UP !== '0') void warmUp(() => !engine.busy);
