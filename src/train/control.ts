// Pause, resume and cancel of a running stage: checked once per step, so a command acts within one step.
import type { Control } from './types';

import { CancelledError } from '../util/cancel';

export { CancelledError };

export class StageControl {
  private paused = false;
  private cancelled = false;
  private wake: (() => void) | null = null;
  private fault: string | null = null;

  command(c: Control): void {
    if (c === 'pause') this.paused = true;
    else if (c === 'resume') this.paused = false;
    else this.cancelled = true;
    if (c !== 'pause') {
      this.wake?.();
      this.wake = null;
    }
  }

  /** Ends the stage at the next step with this error (e.g. the GPU device was lost). */
  fail(reason: string): void {
    this.fault = reason;
    this.wake?.();
    this.wake = null;
  }

  /** A fresh stage starts neither paused, cancelled nor failed. */
  reset(): void {
    this.paused = false;
    this.cancelled = false;
    this.fault = null;
  }

  /** Called between steps: throws when cancelled, waits while paused. */
  async checkpoint(): Promise<void> {
    this.throwIfStopped();
    while (this.paused) {
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.throwIfStopped();
    }
  }

  private throwIfStopped(): void {
    if (this.fault) throw new Error(this.fault);
    if (this.cancelled) throw new CancelledError();
  }
}
