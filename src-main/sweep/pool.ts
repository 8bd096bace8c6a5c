/**
 * Sweep points on worker processes: each worker gets the task once, then one point index at a
 * time (the next free index goes to whichever worker is idle). A point that fails, or a worker
 * that dies, stops the sweep with an error naming the point; a cancel kills the workers.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { entryNextTo } from '../engine-process/client.js';
import type { PointResult, SweepTask } from './run-sweep.js';
import { SweepPointError } from './run-sweep.js';

/** Messages between the sweep and its workers. */
export type ToWorker = { type: 'task'; task: SweepTask } | { type: 'point'; index: number };
export type FromWorker = { type: 'row'; row: PointResult } | { type: 'failed'; index: number; message: string; bug: boolean };

export function runOnWorkers(task: SweepTask, size: number, jobs: number, take: (row: PointResult) => void, signal?: AbortSignal): Promise<void> {
  const { path, execArgv } = entryNextTo(import.meta.url, 'worker');
  return new Promise<void>((resolve, reject) => {
    const workers: ChildProcess[] = [];
    let next = 0;
    let done = 0;
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      for (const w of workers) w.kill();
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => finish();
    if (signal?.aborted) return finish();
    signal?.addEventListener('abort', onAbort);
    const current = new Map<ChildProcess, number>();
    const feed = (w: ChildProcess) => {
      if (next >= size) {
        current.delete(w);
        w.kill();
        return;
      }
      current.set(w, next);
      w.send({ type: 'point', index: next++ } satisfies ToWorker);
    };
    for (let j = 0; j < jobs; j++) {
      const w = fork(path, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      workers.push(w);
      w.on('message', (msg: FromWorker) => {
        if (settled) return;
        if (msg.type === 'failed') {
          finish(msg.bug ? new Error(`sweep worker failed at point ${msg.index}: ${msg.message}`) : new SweepPointError(msg.message, msg.index));
          return;
        }
        take(msg.row);
        if (++done === size) finish();
        else feed(w);
      });
      w.on('exit', (code, sig) => {
        const index = current.get(w);
        if (!settled && index !== undefined) finish(new SweepPointError(`the sweep worker running point ${index} stopped (${sig ?? `exit code ${code}`})`, index));
      });
      w.on('error', (e) => finish(new Error(`cannot start a sweep worker: ${e.message}`)));
      w.send({ type: 'task', task } satisfies ToWorker);
      feed(w);
    }
  });
}
