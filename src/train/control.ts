// Pause, resume and cancel of a running stage: checked once per step, so a command acts within one step.
import type { Control } from '../engine/api';

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export class StageControl {
  private paused = false;
  private cancelled = false;
  private wake: (() => void) | null = null;

  command(c: Control): void {
    if (c === 'pause') this.paused = true;
    else if (c === 'resume') this.paused = false;
    else this.cancelled = true;
    if (c !== 'pause') {
      this.wake?.();
      this.wake = null;
    }
  }

  /** A fresh stage starts neither paused nor cancelled. */
  reset(): void {
    this.paused = false;
    this.cancelled = false;
  }

  /** Called between steps: throws when cancelled, waits while paused. */
  async checkpoint(): Promise<void> {
    if (this.cancelled) throw new CancelledError();
    while (this.paused) {
      await new Promise<void>((resolve) => (this.wake = resolve));
      if (this.cancelled) throw new CancelledError();
    }
  }
}
