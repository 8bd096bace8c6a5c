/**
 * Sweep points on worker processes: each worker gets the task once, then one point index at a
 * time (the next free index goes to whichever worker is idle). A point that fails, or a worker
 * that dies, stops the sweep with an error naming the point; a cancel kills the workers.
 * Workers are forked Node processes by default; Electron passes a spawner of utility processes
 * (the same EngineChild shape as the engine's).
 */
import { entryNextTo, forkChild, type EngineChild } from '../engine-process/client.js';
import type { PointResult, SweepTask } from './run-sweep.js';
import { SweepPointError } from './run-sweep.js';

/** Messages between the sweep and its workers. */
export type ToWorker = { type: 'task'; task: SweepTask } | { type: 'point'; index: number };
export type FromWorker = { type: 'row'; row: PointResult } | { type: 'failed'; index: number; message: string; bug: boolean };

/** Starts one sweep worker. */
export type SweepWorkerSpawner = () => EngineChild;

/** A sweep worker as a forked Node process running `path`. */
export function forkWorkerAt(path: string, execArgv: string[] = []): EngineChild {
  return forkChild(path, execArgv, undefined, 'sweep worker');
}

/** The worker next to this module (sources through tsx, or built). */
export const forkSweepWorker: SweepWorkerSpawner = () => {
  const { path, execArgv } = entryNextTo(import.meta.url, 'worker');
  return forkWorkerAt(path, execArgv);
};

export function runOnWorkers(task: SweepTask, size: number, jobs: number, take: (row: PointResult) => void, signal?: AbortSignal, spawn: SweepWorkerSpawner = forkSweepWorker): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const workers: EngineChild[] = [];
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
    const current = new Map<EngineChild, number>();
    const feed = (w: EngineChild) => {
      if (next >= size) {
        current.delete(w);
        w.kill();
        return;
      }
      current.set(w, next);
      w.send({ type: 'point', index: next++ } satisfies ToWorker);
    };
    for (let j = 0; j < jobs; j++) {
      const w = spawn();
      workers.push(w);
      w.onMessage((raw) => {
        const msg = raw as FromWorker;
        if (settled) return;
        if (msg.type === 'failed') {
          finish(msg.bug ? new Error(`sweep worker failed at point ${msg.index}: ${msg.message}`) : new SweepPointError(msg.message, msg.index));
          return;
        }
        take(msg.row);
        if (++done === size) finish();
        else feed(w);
      });
      w.onExit((code, sig) => {
        const index = current.get(w);
        if (!settled && index !== undefined) finish(new SweepPointError(`the sweep worker running point ${index} stopped (${sig ?? `exit code ${code}`})`, index));
        else if (!settled && w.pid === undefined) finish(new Error('cannot start a sweep worker'));
      });
      w.send({ type: 'task', task } satisfies ToWorker);
      feed(w);
    }
  });
}
