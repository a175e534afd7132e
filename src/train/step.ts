// The one training step shared by pretraining and fine-tuning: forward, backward, NaN check, AdamW.
import * as tf from '@tensorflow/tfjs-core';
import {
  causalMask,
  initWeights,
  Llama,
  lossOf,
  segmentMask,
  type ModelConfig,
} from '../model/llama';
import { wasmSumsPay } from '../model/ops';
import { installWasmKernels } from '../model/wasm-kernels';
import { AdamW } from './adamw';

/** B sequences of T inputs, their next-token targets, and a loss weight per target. */
export interface Batch {
  B: number;
  T: number;
  ids: Int32Array; // (B, T)
  targets: Int32Array; // (B, T)
  weights: Float32Array; // (B, T): 1 where the loss counts
  /**
   * Packed examples (see data/batches.ts packExamples): each position's place in its example and
   * which example of its row it belongs to. Absent: every row is one sequence from position 0.
   */
  positions?: Int32Array; // (B, T)
  segments?: Int32Array; // (B, T)
  /** Tokens the model reads, padding excluded; absent: all B·T. */
  real?: number;
}

export interface StepResult {
  loss: number;
  gradNorm: number;
  /** False when the loss was NaN/Inf: the weights were left untouched. */
  finite: boolean;
}

/**
 * The positions a batch scores (weight not 0), when some are not scored and the head may skip
 * them with the same numbers (`pickRows`, where `wasmSumsPay`); else undefined: every row.
 */
function scoredRows(weights: Float32Array): Int32Array | undefined {
  if (!wasmSumsPay()) return undefined;
  const rows = Int32Array.from(weights.keys()).filter((i) => weights[i] !== 0);
  return rows.length > 0 && rows.length < weights.length ? rows : undefined;
}

export class Trainer {
  private masks = new Map<number, tf.Tensor2D>();

  constructor(
    readonly model: Llama,
    readonly opt: AdamW,
  ) {
    // Training is what saves tensors for gradients, and so what the copying Identity slowed.
    if (tf.getBackend() === 'wasm') installWasmKernels();
  }

  private mask(T: number): tf.Tensor2D {
    let m = this.masks.get(T);
    // Kept: the first call may come inside a tidy, and the mask outlives it.
    if (!m) this.masks.set(T, (m = tf.keep(causalMask(T))));
    return m;
  }

  /** The batch's mean weighted loss, as a tensor (call inside a tidy). */
  private loss(batch: Batch, dropout?: { rates: number[]; seed: number }): tf.Scalar {
    const { B, T } = batch;
    const packed = batch.segments && batch.positions;
    return lossOf(
      this.model,
      tf.tensor2d(batch.ids, [B, T], 'int32'),
      tf.tensor1d(batch.targets, 'int32'),
      tf.tensor1d(batch.weights, 'float32'),
      packed ? segmentMask(batch.segments!, B, T) : this.mask(T),
      dropout,
      packed ? tf.tensor1d(batch.positions!, 'int32') : undefined,
      packed ? tf.tensor1d(batch.segments!, 'int32') : undefined,
      scoredRows(batch.weights),
    );
  }

  /**
   * One step. The loss is read before the update (the step's one sync) so a diverged step never
   * writes NaN into the weights.
   */
  async step(
    batch: Batch,
    lr: number,
    dropout?: { rates: number[]; seed: number },
  ): Promise<StepResult> {
    const { value, grads } = tf.tidy(() =>
      tf.variableGrads(() => this.loss(batch, dropout), this.opt.vars),
    );
    const gradList = this.opt.vars.map((v) => grads[v.name]);
    const loss = (await value.data())[0];
    value.dispose();
    if (!Number.isFinite(loss)) {
      tf.dispose(gradList);
      return { loss, gradNorm: NaN, finite: false };
    }
    const norm = this.opt.apply(gradList, lr);
    tf.dispose(gradList);
    const gradNorm = (await norm.data())[0];
    norm.dispose();
    return { loss, gradNorm, finite: true };
  }

  /** The mean weighted loss of a batch without training on it (validation). */
  async evalLoss(batch: Batch): Promise<number> {
    const value = tf.tidy(() => this.loss(batch));
    const loss = (await value.data())[0] as number;
    value.dispose();
    return loss;
  }

  dispose(): void {
    for (const m of this.masks.values()) m.dispose();
    this.masks.clear();
  }
}

/**
 * A model from seeded initial weights with AdamW at the paper's settings (β 0.9/0.95, weight decay
 * 0.1, clipping at 1) and its trainer: what tests and the benchmark train. `release` frees all three.
 */
export function freshTrainer(
  cfg: ModelConfig,
  seed: number,
): { trainer: Trainer; release(): void } {
  const model = new Llama(cfg, initWeights(cfg, seed));
  const opt = new AdamW(model.variables(), {
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
    weightDecay: 0.1,
    gradClip: 1,
  });
  const trainer = new Trainer(model, opt);
  return {
    trainer,
    release() {
      trainer.dispose();
      opt.dispose();
      model.dispose();
    },
  };
}
