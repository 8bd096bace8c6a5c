/**
 * A sweep worker process: runs the grid points it is sent (see pool.ts) and sends back their
 * rows. Under Electron (utilityProcess) messages come through `process.parentPort`; under
 * `child_process.fork` through `process.on('message')` / `process.send`.
 */
import { evaluatePoint, SweepPointError, type SweepTask } from './run-sweep.js';
import { SweepCompiler } from './compile-once.js';
import type { FromWorker, ToWorker } from './pool.js';

interface ParentPort {
  on(event: 'message', cb: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}
const parentPort = (process as NodeJS.Process & { parentPort?: ParentPort }).parentPort;

let task: SweepTask | null = null;
/** The task's compiled-once code: compiled at most once in this process (the process ends with the sweep). */
let once: SweepCompiler | null = null;
const reply = (msg: FromWorker) => (parentPort ? parentPort.postMessage(msg) : process.send!(msg));

function handle(msg: ToWorker): void {
  if (msg.type === 'task') {
    task = msg.task;
    once = new SweepCompiler(task);
    return;
  }
  try {
    reply({ type: 'row', row: evaluatePoint(task!, msg.index, once ?? undefined) });
  } catch (e) {
    const bug = !(e instanceof SweepPointError);
    reply({ type: 'failed', index: msg.index, message: bug && e instanceof Error ? (e.stack ?? e.message) : (e as Error).message, bug });
  }
}

if (parentPort) parentPort.on('message', (e) => handle(e.data as ToWorker));
else {
  process.on('message', (msg) => handle(msg as ToWorker));
  // the sweep has gone: nobody is left to read the rows
  process.on('disconnect', () => process.exit(0));
}
