// What a training stage reports and obeys: live progress, the loss curve, and pause/resume/cancel.
import type { Stage } from '../spec';

/** Live progress of one stage, sent at a bounded rate. */
export interface Progress {
  stage: Stage;
  stageId: string;
  step: number;
  totalSteps: number;
  loss?: number;
  tokensPerSec?: number;
  etaSec?: number;
  memoryBytes?: number;
  numTensors?: number;
  message?: string;
}

export interface LossPoint {
  step: number;
  loss: number;
  /** Held-out loss, measured every so often. */
  valLoss?: number;
  lr: number;
  tokens: number;
}

/**
 * A command to the engine's stages; it acts within one step. Pause and cancel also hold for the
 * stages that start after them, until `resume` or `reset` (a new sweep: neither paused nor cancelled).
 */
export type Control = 'pause' | 'resume' | 'cancel' | 'reset';
