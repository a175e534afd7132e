// Watches the WebGPU device a stage runs on, so a lost GPU ends the stage saying where to resume.
import * as tf from '@tensorflow/tfjs-core';
import { isCancelled } from '../util/cancel';
import { DEVICE_LOST } from './api';

/** How long a failed WebGPU stage waits to learn whether its device was lost. */
const LOST_GRACE_MS = 1_000;

export class LostDeviceWatch {
  private watched: GPUDevice | null = null;
  /** Step of the last checkpoint handed out in this stage: where a lost device's run resumes. */
  lastCheckpoint = 0;

  /** `fail` ends the running stage (the engine's stage control). */
  constructor(private readonly fail: (message: string) => void) {}

  /**
   * A lost GPUDevice (driver reset, sleep, another tab's demands) ends the stage with a message
   * saying where to resume; `pretrain`/`finetune` accept that checkpoint on any backend.
   */
  watchCurrent(): void {
    const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
    if (!device || device === this.watched) return;
    this.watched = device;
    void device.lost.then((info) => this.fail(this.message(info)));
  }

  private message(info: GPUDeviceLostInfo): string {
    return `${DEVICE_LOST} (${info.reason ?? 'unknown'}: ${info.message}); resume from the last checkpoint (step ${this.lastCheckpoint}) on this or another backend`;
  }

  /**
   * A GPU call in flight when the device goes fails in its own words, often before `device.lost`
   * resolves (a read-back's mapAsync: "Buffer was unmapped before mapping was resolved"). So a
   * stage that fails on WebGPU waits a moment for `lost`: if it comes, the failure was the lost
   * device, and gets its message with where to resume. A cancel is the user's: it returns at once.
   */
  async explain(e: unknown): Promise<unknown> {
    if (!this.watched || isCancelled(e)) return e;
    const info = await Promise.race([
      this.watched.lost,
      new Promise<null>((done) => setTimeout(() => done(null), LOST_GRACE_MS)),
    ]);
    return info ? new Error(this.message(info)) : e;
  }
}
