// The training loop both stages use: steps, schedule, progress at a bounded rate, checkpoints, stop on NaN.
import * as tf from '@tensorflow/tfjs-core';
import type { LossPoint, Progress } from './types';
import type { Stage } from '../spec';
import type { StageControl } from './control';
import type { Batch, Trainer } from './step';

export interface LoopOptions {
  stage: Stage;
  stageId: string;
  trainer: Trainer;
  /** Steps already done (a resumed run), and the total. */
  startStep: number;
  totalSteps: number;
  batchAt(step: number): Batch;
  lrAt(step: number): number;
  /** Residual dropout per layer, if any; each step's masks get their own seed. */
  dropout?: { rates: number[]; seedAt(step: number): number };
  control: StageControl;
  onProgress(p: Progress): void;
  /** Called every `checkpointEvery` steps (and not after the last one: the caller saves that). */
  onCheckpoint?(step: number, curve: LossPoint[]): Promise<void> | void;
  checkpointEvery?: number;
  /** Loss points of the steps before startStep (resume). */
  curve?: LossPoint[];
  /** Minimum milliseconds between progress reports. */
  progressEveryMs?: number;
  /** Held-out loss, measured about `points` times per run (and at the last step) onto the curve. */
  validation?: { points: number; loss(): Promise<number> };
}

export interface LoopResult {
  curve: LossPoint[];
  steps: number;
  /**
   * Tokens the model read in this call (not before a resume), padding excluded: pretraining's
   * every token, fine-tuning's prompts and answers alike (both run forward and backward).
   */
  tokens: number;
  ms: number;
  /** `ms` less the validation and checkpoint hooks (e.g. the dev-set choice): the steps alone. */
  trainMs: number;
  diverged?: { step: number; message: string };
}

/** Loss points kept per run: long runs average neighbouring steps into one point. */
const MAX_POINTS = 2000;

/** Lets queued messages (pause, cancel) in between steps; a macrotask without timer clamping. */
export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

export async function trainLoop(o: LoopOptions): Promise<LoopResult> {
  const curve = [...(o.curve ?? [])];
  const every = Math.max(1, Math.ceil(o.totalSteps / MAX_POINTS));
  // A multiple of `every`, so each validation lands on a curve point.
  const valEvery = o.validation
    ? every * Math.max(1, Math.ceil(o.totalSteps / o.validation.points / every))
    : Infinity;
  // Time in validation and checkpoint hooks: left out of the training rate.
  let valMs = 0;
  const progressMs = o.progressEveryMs ?? 250;
  const t0 = performance.now();
  let lastReport = -Infinity;
  // Tokens of the whole run (a resumed run continues the count); `fresh` only this session's.
  let tokens = curve.at(-1)?.tokens ?? 0;
  let fresh = 0;
  let acc = { loss: 0, n: 0 };
  let step = o.startStep;
  for (; step < o.totalSteps; step++) {
    await yieldToEvents();
    await o.control.checkpoint();
    const batch = o.batchAt(step);
    const lr = o.lrAt(step);
    const dropout = o.dropout
      ? { rates: o.dropout.rates, seed: o.dropout.seedAt(step) }
      : undefined;
    const r = await o.trainer.step(batch, lr, dropout);
    if (!r.finite) {
      return {
        curve,
        steps: step - o.startStep,
        tokens: fresh,
        ms: performance.now() - t0,
        trainMs: performance.now() - t0 - valMs,
        diverged: { step, message: `diverged at step ${step}: the loss became ${r.loss}` },
      };
    }
    const counted = batch.real ?? batch.B * batch.T;
    tokens += counted;
    fresh += counted;
    acc.loss += r.loss;
    acc.n += 1;
    const done = step + 1;
    if (done % every === 0 || done === o.totalSteps) {
      const point: LossPoint = { step: done, loss: acc.loss / acc.n, lr, tokens };
      if (o.validation && (done % valEvery === 0 || done === o.totalSteps)) {
        const v0 = performance.now();
        point.valLoss = await o.validation.loss();
        valMs += performance.now() - v0;
      }
      curve.push(point);
      acc = { loss: 0, n: 0 };
    }
    const now = performance.now();
    if (now - lastReport >= progressMs || done === o.totalSteps) {
      lastReport = now;
      // Training tokens/s leaves validation and checkpoints out; the time left includes them.
      const secs = (now - t0 - valMs) / 1000;
      const rate = (done - o.startStep) / ((now - t0) / 1000);
      const mem = tf.memory();
      o.onProgress({
        stage: o.stage,
        stageId: o.stageId,
        step: done,
        totalSteps: o.totalSteps,
        loss: r.loss,
        tokensPerSec: fresh / secs,
        etaSec: rate > 0 ? (o.totalSteps - done) / rate : undefined,
        memoryBytes: mem.numBytes,
        numTensors: mem.numTensors,
      });
    }
    if (
      o.onCheckpoint &&
      o.checkpointEvery &&
      done % o.checkpointEvery === 0 &&
      done < o.totalSteps
    ) {
      const c0 = performance.now();
      await o.onCheckpoint(done, curve);
      valMs += performance.now() - c0;
    }
  }
  const ms = performance.now() - t0;
  return { curve, steps: step - o.startStep, tokens: fresh, ms, trainMs: ms - valMs };
}
