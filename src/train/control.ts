// Pause, resume and cancel of an engine's stages: checked once per step, so a command acts within one step.
import type { Control } from './types';

import { CancelledError } from '../util/cancel';

export { CancelledError };

export class StageControl {
  private paused = false;
  private cancelled = false;
  private wake: (() => void) | null = null;
  private fault: string | null = null;

  /**
   * A command holds until another undoes it, across stages: a sweep paused or cancelled while this
   * engine sat between two stages starts its next one paused or cancelled.
   */
  command(c: Control): void {
    if (c === 'pause') this.paused = true;
    else if (c === 'resume') this.paused = false;
    else if (c === 'cancel') this.cancelled = true;
    else this.paused = this.cancelled = false;
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

  /** A fresh stage starts without the last one's fault (its lost device); commands still hold. */
  begin(): void {
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
