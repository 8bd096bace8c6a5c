/** A failure reported to the renderer as it is: a bad request, a file problem, an engine error already described. */
import type { HostError } from '../../shared/ipc/protocol.js';

export class HostRequestError extends Error {
  constructor(readonly error: HostError) {
    super(error.message);
    this.name = 'HostRequestError';
  }
}

/** Any other failure, for the modeller (the engine side has described its own errors already). */
export function describeFailure(e: unknown): HostError {
  if (e instanceof HostRequestError) return e.error;
  return { kind: 'runtime', message: e instanceof Error ? e.message : String(e) };
}
