// Test worker: each fused WebGPU kernel against its plain tfjs reference (values and gradients), on the real backend.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import { expose } from 'comlink';
import { maskedCrossEntropy, options } from '../../src/model/ops';
import { attentionFused, attentionReference } from '../../src/model/webgpu/attention';
import { maskedCrossEntropyFused } from '../../src/model/webgpu/loss';
import { rmsNormFused, rmsNormReference } from '../../src/model/webgpu/norm';
import { ropeQkvFused, swigluFused, swigluReference } from '../../src/model/webgpu/pointwise';
import { makeConstants, segmentMask, type ModelConfig } from '../../src/model/llama';
import { freshTrainer, type Batch } from '../../src/train/step';
import { countGpu } from '../../src/engine/gpu-count';
import { Rng } from '../../src/util/rng';

/** Largest |a − b| over every element. */
async function maxDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.max(tf.abs(tf.sub(a, b)));
  const v = (await d.data())[0];
  d.dispose();
  return v;
}

export interface Comparison {
  value: number;
  grads: number[];
  /** The reference's largest |value|, so a zero output cannot pass by accident. */
  scale: number;
}

/**
 * fused(x…) against reference(x…): values, and the gradients of Σ r·out for a random r, with
 * respect to every input.
 */
async function compare(
  fused: (...xs: tf.Tensor[]) => tf.Tensor,
  reference: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  seed: number,
): Promise<Comparison> {
  const ref = reference(...inputs);
  const r = tf.randomNormal(ref.shape, 0, 1, 'float32', seed);
  const grads = (fn: (...xs: tf.Tensor[]) => tf.Tensor) =>
    tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(fn(...xs), r)))(inputs);
  const out = fused(...inputs);
  const gf = grads(fused);
  const gr = grads(reference);
  const result = {
    value: await maxDiff(out, ref),
    grads: await Promise.all(gf.map((g, i) => maxDiff(g, gr[i]))),
    scale: (await tf.max(tf.abs(ref)).data())[0],
  };
  tf.dispose([ref, r, out, ...gf, ...gr]);
  return result;
}

const normal = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

const api = {
  async start(): Promise<string> {
    if (!(await tf.setBackend('webgpu'))) throw new Error('no WebGPU adapter in this worker');
    await tf.ready();
    options.kernels = 'fast';
    return tf.getBackend();
  },

  async rmsNorm(): Promise<Comparison> {
    return compare(rmsNormFused, rmsNormReference, [normal([6, 20], 1), normal([20], 2)], 3);
  },

  async swiglu(): Promise<Comparison> {
    return compare(swigluFused, swigluReference, [normal([6, 2 * 12], 4)], 5);
  },

  /** RoPE on q|k|v against the model's stock rotation (x·cos + (x·R)·sin on q and k, v unchanged). */
  async rope(): Promise<Comparison> {
    const cfg = { nEmbd: 16, nHead: 2, blockSize: 8 } as ModelConfig;
    const { cos, sin, rotateHalf } = makeConstants(cfg);
    const B = 2;
    const T = 8;
    const [c, s] = [cos, sin].map((t) => tf.tile(t, [B, 1]));
    const reference = (qkv: tf.Tensor) => {
      const [q, k, v] = tf.split(qkv, 3, 1);
      const rot = (x: tf.Tensor) => tf.add(tf.mul(x, c), tf.mul(tf.matMul(x, rotateHalf), s));
      return tf.concat([rot(q), rot(k), v], 1);
    };
    const r = await compare(
      (qkv) => ropeQkvFused(qkv, c, s, 8),
      reference,
      [normal([B * T, 48], 6)],
      7,
    );
    tf.dispose([cos, sin, rotateHalf, c, s]);
    return r;
  },

  /** Two rows, the second packed with three examples: attention stays inside each one, causally. */
  async attention(): Promise<Comparison> {
    const [B, T, H] = [2, 8, 2];
    const segments = Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2]);
    const seg = tf.tensor1d(segments, 'int32');
    const mask = segmentMask(segments, B, T);
    const r = await compare(
      (x) => attentionFused(x, seg, B, T, H),
      (x) => attentionReference(x, mask, B, T, H),
      [normal([B * T, 3 * 16], 8)],
      9,
    );
    tf.dispose([seg, mask]);
    return r;
  },

  /** Weights with zeros (masked positions) and a target per row. */
  async crossEntropy(): Promise<Comparison> {
    const N = 7;
    const V = 33;
    const targets = tf.tensor1d([0, 5, 32, 7, 7, 12, 1], 'int32');
    const weights = tf.tensor1d([1, 0, 1, 1, 0, 1, 1], 'float32');
    const r = await compare(
      (z) => maskedCrossEntropyFused(z as tf.Tensor2D, targets, weights),
      (z) => maskedCrossEntropy(z as tf.Tensor2D, targets, weights),
      [tf.mul(normal([N, V], 10), 3)],
      11,
    );
    tf.dispose([targets, weights]);
    return r;
  },

  /**
   * Trains the same tiny model for `steps` steps with the stock and the fused kernels (rows
   * `packed` with two examples each, or one sequence per row); returns
   * both loss curves, the gradient norms, the largest weight difference at the end, and the
   * dispatches, submits and buffer bytes of one step of each.
   */
  async training(steps: number, packed = false) {
    const cfg: ModelConfig = {
      nLayer: 2,
      nEmbd: 16,
      nHead: 2,
      blockSize: 8,
      vocabSize: 40,
      ffnHidden: 24,
      tiedEmbeddings: true,
    };
    const rng = new Rng(5);
    const B = 2;
    const T = cfg.blockSize;
    const ids = Int32Array.from({ length: B * T }, () => rng.int(0, cfg.vocabSize - 1));
    const batch: Batch = {
      B,
      T,
      ids,
      targets: ids.map((x) => (x * 3 + 1) % cfg.vocabSize),
      weights: Float32Array.from({ length: B * T }, (_, i) => (i % 5 === 0 ? 0 : 1)),
    };
    if (packed) {
      // Each row holds two examples, of 3 and 5 tokens.
      batch.segments = Int32Array.from({ length: B * T }, (_, i) => (i % T < 3 ? 0 : 1));
      batch.positions = Int32Array.from({ length: B * T }, (_, i) =>
        i % T < 3 ? i % T : (i % T) - 3,
      );
    }
    const device = (tf.backend() as unknown as { device: GPUDevice }).device;
    const out: Record<string, unknown> = {};
    const weights: Record<string, Map<string, Float32Array>> = {};
    for (const kernels of ['stock', 'fast'] as const) {
      options.kernels = kernels;
      const { trainer, release } = freshTrainer(cfg, 1);
      const counter = countGpu(device);
      const losses: number[] = [];
      const norms: number[] = [];
      let counts = null;
      try {
        for (let i = 0; i < steps; i++) {
          counter.reset();
          const r = await trainer.step(batch, 3e-3);
          counts = { ...counter.counts };
          losses.push(r.loss);
          norms.push(r.gradNorm);
        }
        weights[kernels] = await trainer.model.readWeights();
      } finally {
        counter.stop();
        release();
        options.kernels = 'fast';
      }
      out[kernels] = { losses, norms, counts };
    }
    let weightDiff = 0;
    for (const [name, w] of weights.stock)
      w.forEach(
        (x, i) => (weightDiff = Math.max(weightDiff, Math.abs(x - weights.fast.get(name)![i]))),
      );
    return { ...out, weightDiff };
  },
};

export type KernelApi = typeof api;
expose(api);
