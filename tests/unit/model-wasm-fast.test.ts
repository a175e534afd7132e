// The fast paths of tfjs-wasm training give the numbers of their plain references, bit for bit.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { attentionDepthwise } from '../../src/model/attention-depthwise';
import {
  attention,
  causalMask,
  initWeights,
  Llama,
  lossOf,
  segmentMask,
  type ModelConfig,
} from '../../src/model/llama';
import { embeddingGrad, options } from '../../src/model/ops';
import { installWasmKernels, transposeTall } from '../../src/model/wasm-kernels';
import { freshTrainer, type Batch } from '../../src/train/step';
import { Rng } from '../../src/util/rng';

function normal(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal() * scale),
    shape,
  );
}

/** Both tensors' float32 bit patterns, for an exact comparison (NaN-safe, −0 ≠ +0 aside). */
function bits(t: tf.Tensor): number[] {
  return Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer), (u) =>
    u === 0x80000000 ? 0 : u,
  );
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  installWasmKernels();
});

afterEach(() => {
  options.kernels = 'fast';
});

describe('training attention as depthwise convolutions (attentionDepthwise)', () => {
  // Odd sizes, the causal mask of pretraining and the per-example mask of packed rows.
  it.each([
    [3, 7, 2, 8, false],
    [2, 12, 4, 16, true],
  ])(
    'B=%i T=%i H=%i C=%i packed=%s: the plain attention’s values and gradients',
    (B, T, H, C, packed) => {
      const q = normal([B * T, C], 1);
      const k = normal([B * T, C], 2);
      const v = normal([B * T, C], 3);
      const w = normal([B * T, C], 4); // a weighted sum: every output's gradient distinct
      const segments = Int32Array.from({ length: B * T }, (_, i) => (i % T < T / 3 ? 0 : 1));
      const mask = packed ? segmentMask(segments, B, T) : causalMask(T);
      const opts = { mask, cos: tf.zeros([1]), sin: tf.zeros([1]) };
      const run = (f: (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.Tensor) => {
        const y = f(q, k, v);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.sum(tf.mul(f(a, b, c), w)),
        )([q, k, v]);
        return [y, ...g].map(bits);
      };
      const plain = run((a, b, c) => attention(a, b, c, 0, opts, B, T, H));
      const fast = run((a, b, c) => attentionDepthwise(a, b, c, mask, B, T, H));
      expect(fast).toEqual(plain);
      // It is attention: the first position sees only itself, so its output is exactly its value.
      expect(fast[0].slice(0, C)).toEqual(bits(v).slice(0, C));
      expect(fast[0].slice(C, 2 * C)).not.toEqual(bits(v).slice(C, 2 * C));
    },
  );
});

describe('the embedding gradient as a loop in JS (embeddingGrad)', () => {
  it('equals the one-hot product, bit for bit, with repeated and unused ids', () => {
    const rng = new Rng(9);
    // Magnitudes over ten orders: any change in the order of the sums would show.
    const dy = tf.tensor2d(
      Float32Array.from({ length: 300 * 24 }, () => rng.normal() * Math.exp(rng.normal() * 5)),
      [300, 24],
    );
    const ids = tf.tensor1d(
      Int32Array.from({ length: 300 }, () => rng.int(0, 40)),
      'int32',
    );
    const fast = embeddingGrad(dy, ids, 50);
    options.kernels = 'stock';
    const reference = embeddingGrad(dy, ids, 50);
    expect(fast.shape).toEqual([50, 24]);
    expect(bits(fast)).toEqual(bits(reference));
    expect(bits(tf.slice(fast, [45, 0], [5, 24])).every((u) => u === 0)).toBe(true); // ids never seen
  });

  it('refuses an id outside the vocabulary', () => {
    expect(() => embeddingGrad(tf.ones([2, 3]), tf.tensor1d([0, 7], 'int32'), 5)).toThrow(/id 7/);
  });
});

const cfg: ModelConfig = {
  nLayer: 2,
  nEmbd: 16,
  nHead: 2,
  blockSize: 24,
  vocabSize: 40,
  ffnHidden: 48,
  tiedEmbeddings: true,
};

/** Two packed rows with unscored prompts and padding, as a fine-tuning batch. */
function sftBatch(seed: number): Batch {
  const rng = new Rng(seed);
  const B = 2;
  const T = 24;
  const n = B * T;
  return {
    B,
    T,
    ids: Int32Array.from({ length: n }, () => rng.int(0, 39)),
    targets: Int32Array.from({ length: n }, () => rng.int(0, 39)),
    weights: Float32Array.from({ length: n }, (_, i) =>
      (i % T > 4 && i % T < 11) || i % T > 14 ? 1 : 0,
    ),
    positions: Int32Array.from({ length: n }, (_, i) => (i % T < 12 ? i % T : (i % T) - 12)),
    segments: Int32Array.from({ length: n }, (_, i) => (i % T < 12 ? 0 : 1)),
  };
}

describe('the head and loss on scored positions only (lossOf scored)', () => {
  it('gives the full batch’s loss and gradients, bit for bit', () => {
    const model = new Llama(cfg, initWeights(cfg, 3));
    const b = sftBatch(4);
    const scored = Int32Array.from(Array.from(b.weights).flatMap((w, i) => (w ? [i] : [])));
    expect(scored.length).toBeLessThan(b.weights.length);
    const run = (rows?: Int32Array) =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() =>
          lossOf(
            model,
            tf.tensor2d(b.ids, [b.B, b.T], 'int32'),
            tf.tensor1d(b.targets, 'int32'),
            tf.tensor1d(b.weights),
            segmentMask(b.segments!, b.B, b.T),
            undefined,
            tf.tensor1d(b.positions!, 'int32'),
            tf.tensor1d(b.segments!, 'int32'),
            rows,
          ),
        );
        return [
          bits(value),
          ...Object.keys(grads)
            .sort()
            .map((k) => bits(grads[k])),
        ];
      });
    const full = run();
    expect(run(scored)).toEqual(full);
    expect(full[0][0]).not.toBe(0);
    model.dispose();
  });
});

describe('the replaced wasm kernels', () => {
  it('transposes tall matrices as tfjs does, float and int', () => {
    for (const [R, C, dtype] of [
      [130, 70, 'float32'],
      [2048, 64, 'float32'],
      [65, 3, 'int32'],
    ] as const) {
      const x =
        dtype === 'int32' ? tf.reshape(tf.range(0, R * C, 1, 'int32'), [R, C]) : normal([R, C], R);
      const fast = tf.transpose(x);
      expect(fast.shape).toEqual([C, R]);
      options.kernels = 'stock';
      const stock = tf.transpose(x);
      options.kernels = 'fast';
      expect(Array.from(fast.dataSync())).toEqual(Array.from(stock.dataSync()));
      // Called directly, as the kernel does on a tall input.
      const info = transposeTall(x, tf.backend() as never);
      expect(Array.from(tf.engine().makeTensorFromTensorInfo(info).dataSync())).toEqual(
        Array.from(stock.dataSync()),
      );
    }
  });

  it('clones by sharing memory, and frees it once both tensors are gone', () => {
    const buffers = () => tf.memory().numDataBuffers;
    const start = buffers();
    const x = normal([64, 64], 1);
    const expected = Array.from(x.dataSync());
    const y = tf.clone(x);
    expect(buffers()).toBe(start + 1); // shared, where tfjs-wasm's Identity makes a second
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual(expected);
    y.dispose();
    expect(buffers()).toBe(start);
    options.kernels = 'stock';
    const z = normal([4], 2);
    const copy = tf.clone(z);
    expect(buffers()).toBe(start + 2);
    tf.dispose([z, copy]);
  });
});

describe('the weight blocks generation keeps (Llama.splitOf)', () => {
  it('are the split weight until the weight changes, then the new one’s', () => {
    const model = new Llama(cfg, initWeights(cfg, 3));
    const [q1] = model.splitOf('h0.wqkv', 3);
    expect(model.splitOf('h0.wqkv', 3)[0]).toBe(q1);
    const expected = tf.split(model.params['h0.wqkv'], 3, 1)[0];
    expect(bits(q1)).toEqual(bits(expected));
    model.params['h0.wqkv'].assign(tf.mul(model.params['h0.wqkv'], 2));
    const [q2] = model.splitOf('h0.wqkv', 3);
    expect(q1.isDisposed).toBe(true);
    expect(bits(q2)).toEqual(bits(tf.mul(expected, 2)));
    model.dispose();
    expect(q2.isDisposed).toBe(true);
  });
});

describe('a toy training run on the fast paths', () => {
  // Losses and gradient norms of six steps (full rows; packed rows with unscored positions; dropout on the last
  // two), recorded on tfjs-wasm before any of the fast paths above existed. The shipped base
  // models depend on these numbers staying the same.
  it('gives the losses and gradient norms the plain kernels gave', async () => {
    const toy: ModelConfig = {
      ...cfg,
      nEmbd: 64,
      nHead: 4,
      blockSize: 128,
      vocabSize: 512,
      ffnHidden: 176,
    };
    const { trainer, release } = freshTrainer(toy, 1);
    const rng = new Rng(7);
    const losses: number[] = [];
    for (let step = 0; step < 6; step++) {
      const B = 4;
      const T = 128;
      const packed = step % 2 === 1;
      const batch: Batch = {
        B,
        T,
        ids: Int32Array.from({ length: B * T }, () => rng.int(0, 511)),
        targets: Int32Array.from({ length: B * T }, () => rng.int(0, 511)),
        weights: Float32Array.from({ length: B * T }, (_, i) =>
          !packed || ((i % T) % 40 > 15 && i % T < 120) ? 1 : 0,
        ),
      };
      if (packed) {
        batch.positions = Int32Array.from({ length: B * T }, (_, i) => (i % T) % 40);
        batch.segments = Int32Array.from({ length: B * T }, (_, i) => Math.floor((i % T) / 40));
      }
      const dropout = step >= 4 ? { rates: [0.1, 0.2], seed: 99 + step } : undefined;
      const r = await trainer.step(batch, 1e-2, dropout);
      losses.push(r.loss, r.gradNorm);
    }
    release();
    expect(losses).toEqual(GOLDEN);
  });
});

// Recorded at 7d087c9, before the fast paths, with this test's training.
const GOLDEN = [
  6.250062465667725, 0.5299210548400879, 6.254175186157227, 0.7468329071998596, 6.266489028930664,
  0.5783700942993164, 6.269460678100586, 0.8047691583633423, 6.27187442779541, 0.6079590320587158,
  6.288826942443848, 0.8274250030517578,
];
