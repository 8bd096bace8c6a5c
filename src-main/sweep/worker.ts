/** A sweep worker process: runs the grid points it is sent (see pool.ts) and sends back their rows. */
import { evaluatePoint, SweepPointError, type SweepTask } from './run-sweep.js';
import type { FromWorker, ToWorker } from './pool.js';

let task: SweepTask | null = null;
const reply = (msg: FromWorker) => process.send!(msg);

process.on('message', (msg: ToWorker) => {
  if (msg.type === 'task') {
    task = msg.task;
    return;
  }
  try {
    reply({ type: 'row', row: evaluatePoint(task!, msg.index) });
  } catch (e) {
    const bug = !(e instanceof SweepPointError);
    reply({ type: 'failed', index: msg.index, message: bug && e instanceof Error ? (e.stack ?? e.message) : (e as Error).message, bug });
  }
});
// the sweep has gone: nobody is left to read the rows
process.on('disconnect', () => process.exit(0));
