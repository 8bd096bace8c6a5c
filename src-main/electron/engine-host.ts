/**
 * The engine in Electron's utility process: loads llvm-bindings and koffi away from the main
 * process (a crash in JIT code ends this process only) and answers the main process over
 * `process.parentPort` with the shared protocol's results and run events.
 */
import type {} from 'electron';
import type { EngineReply, EngineRequest } from './engine-messages.js';
import { InProcessEngine, toHostError } from '../web-host/engine.js';

const engine = new InProcessEngine();
const port = process.parentPort;

port.on('message', (message) => {
  const req = message.data as EngineRequest;
  const reply = (r: EngineReply) => port.postMessage(r);
  switch (req.kind) {
    case 'run':
      engine.run(req.params, (event) => reply({ kind: 'event', event }));
      break;
    case 'cancel':
      engine.cancel(req.runId);
      break;
    case 'validate':
      engine.validate(req.model).then(
        (result) => reply({ kind: 'reply', id: req.id, ok: true, result }),
        (e) => reply({ kind: 'reply', id: req.id, ok: false, error: toHostError(e) }),
      );
      break;
    case 'compile':
      engine.compile(req.model, req.mode, req.optLevel).then(
        (result) => reply({ kind: 'reply', id: req.id, ok: true, result }),
        (e) => reply({ kind: 'reply', id: req.id, ok: false, error: toHostError(e) }),
      );
      break;
  }
});
