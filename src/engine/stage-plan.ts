// What makes a training stage its own, as the engine's one training skeleton (`Engine.train`) reads it.
import type { Checkpoint, TrainResult } from './api';
import type { Llama } from '../model/llama';
import type { LoopOptions, LoopResult } from '../train/loop';
import type { Batch } from '../train/step';

/** What makes a training stage its own; `Engine.train` is the skeleton both stages share. */
export interface StagePlan {
  stage: 'pretrain' | 'finetune';
  stageId: string;
  batchSize: number;
  weightDecay: number;
  /** The weights the optimizer updates (`trainedParams`); absent: all of them. */
  trained?: string[];
  /** The weights a fresh (not resumed) stage starts from: none for pretraining, the base for fine-tuning. */
  base: Checkpoint | null;
  totalSteps: number;
  /** Said on the progress line before the first step (examples that did not fit, say). */
  note?: string;
  loop: Pick<LoopOptions, 'batchAt' | 'lrAt' | 'dropout' | 'checkpointEvery'>;
  /** The held-out batch for the validation curve, and about how many points it gets. */
  validation: { batch: Batch | null; points: number };
  /** With the model built: work at each checkpoint, and how the stage ends. */
  withModel(model: Llama): {
    atCheckpoint?(step: number): Promise<void>;
    finish(
      r: LoopResult,
      result: (keepOptimizer: boolean, chosenStep?: number) => Promise<TrainResult>,
    ): Promise<TrainResult>;
  };
}
