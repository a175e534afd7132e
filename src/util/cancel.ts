// The one cancellation error of the project, and the check that also knows it after a worker boundary.

/** Thrown where work stops because the user cancelled it (a stage, a sweep, a calibration). */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/** True for a CancelledError, also one that crossed a worker boundary (comlink keeps only its name). */
export function isCancelled(e: unknown): boolean {
  return e instanceof CancelledError || (e as Error | null)?.name === 'CancelledError';
}
