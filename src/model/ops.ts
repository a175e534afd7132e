// The model's operations with hand-written gradients, each chosen for speed on tfjs-wasm (see `npm run bench`).
import * as tf from '@tensorflow/tfjs-core';
import { bmmDepthwise, bmmReference, depthwisePays } from './bmm';

/**
 * Which kernels run; only the benchmark changes this, to measure in one run what each gains.
 * `fast`: transpose-free `linear` gradients and `bmm` for attention; `no-bmm` leaves bmm out;
 * `stock`: tfjs's own kernels and gradients everywhere.
 */
export type Kernels = 'fast' | 'no-bmm' | 'stock';
export const options: { kernels: Kernels } = { kernels: 'fast' };

/**
 * Whether the fused WGSL kernels (src/model/webgpu) run: on the webgpu backend with the fast
 * kernels. They replace whole chains of small tfjs programs, each its own dispatch, by one or two.
 */
export function fusedPays(): boolean {
  return options.kernels === 'fast' && tf.getBackend() === 'webgpu';
}

/**
 * One-hot rows as float32. tfjs-wasm's OneHot ignores the dtype argument and writes int32 bits
 * (1 reads as 1.4e-45 when taken as float32), so the cast is explicit.
 */
function oneHot(ids: tf.Tensor, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(ids as tf.Tensor1D, depth), 'float32') as tf.Tensor2D;
}

type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];

/** tf.customGrad with its inputs as a list (tfjs types the variadic form loosely). */
export function withGrad(
  forward: (inputs: tf.Tensor[], save: tf.GradSaveFunc) => { value: tf.Tensor; gradFunc: GradFunc },
): (...inputs: tf.Tensor[]) => tf.Tensor {
  const f = (...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    return forward(args as tf.Tensor[], save);
  };
  return tf.customGrad(f as Parameters<typeof tf.customGrad>[0]) as (
    ...inputs: tf.Tensor[]
  ) => tf.Tensor;
}

/** Whether takeRows copies in JS: on the CPU backends, unless the benchmark asks for stock kernels. */
export function takeRowsPays(): boolean {
  return options.kernels !== 'stock' && tf.getBackend() !== 'webgpu';
}

/**
 * Whether sums may run in another form that adds the same terms in the same order: on tfjs-wasm,
 * whose XNNPACK products add along the shared dimension one term after another. (tfjs's cpu
 * backend adds in blocks of 48, so there the same change would round differently.)
 */
export function wasmSumsPay(): boolean {
  return options.kernels !== 'stock' && tf.getBackend() === 'wasm';
}

/**
 * x's slices along axis 0 at `idx`, as tf.gather(x, idx). tfjs-wasm's GatherV2 spends ~85 ns per
 * element on index arithmetic (3.3 ms for the 576 rotary rows of one packed fine-tuning batch);
 * the slices are contiguous, so on the CPU backends this copies them whole, which costs next to
 * nothing. On webgpu the data stays on the device: tf.gather. No gradient: it is used on
 * constants, cache rows and inside ops that write their own.
 */
export function takeRows<T extends tf.Tensor>(x: T, idx: tf.Tensor1D | Int32Array): T {
  if (!takeRowsPays()) {
    const ix = idx instanceof Int32Array ? tf.tensor1d(idx, 'int32') : idx;
    const out = tf.gather(x, ix) as T;
    if (ix !== idx) ix.dispose();
    return out;
  }
  const rows = x.shape[0] as number;
  const width = x.size / Math.max(1, rows);
  const from = x.dataSync() as Float32Array | Int32Array;
  const at = idx instanceof Int32Array ? idx : (idx.dataSync() as Int32Array);
  const out =
    x.dtype === 'int32' ? new Int32Array(at.length * width) : new Float32Array(at.length * width);
  at.forEach((r, i) => {
    if (!(r >= 0 && r < rows)) throw new Error(`takeRows: row ${r} is not in [0, ${rows - 1}]`);
    out.set(from.subarray(r * width, (r + 1) * width), i * width);
  });
  return tf.tensor(out, [at.length, ...x.shape.slice(1)], x.dtype) as T;
}

/**
 * The rows `rows` of x (N, C), ascending, with the gradient put back in place (zeros elsewhere).
 * Fine-tuning scores only the assistant's tokens: the head and the loss then run on those rows
 * alone (43% of the positions of plateau-toy's packed batches), on tfjs-wasm with the same numbers:
 * a product's rows are independent, and the skipped rows added only zeros to sums that
 * `wasmSumsPay` keeps in order.
 */
export function pickRows(x: tf.Tensor, rows: Int32Array): tf.Tensor2D {
  const [N, C] = x.shape as [number, number];
  const f = withGrad(([x1], save) => {
    save([]);
    return {
      value: takeRows(x1, rows),
      gradFunc: (dy) => {
        const d = dy.dataSync() as Float32Array;
        const out = new Float32Array(N * C);
        rows.forEach((r, i) => out.set(d.subarray(i * C, (i + 1) * C), r * C));
        return [tf.tensor2d(out, [N, C])];
      },
    };
  });
  return f(x) as tf.Tensor2D;
}

/**
 * dW (V, C) of an embedding lookup: each row of dy (N, C) added into the row of its id. The
 * reference is a one-hot product, onehotᵀ · dy, computed as (dyᵀ · onehot)ᵀ so that the transposes
 * are of the small (N, C) and (C, V) matrices rather than the (N, V) one-hot. On tfjs-wasm the
 * same sums run as a loop in JS, in the order XNNPACK's product adds them (row after row, in
 * float32), so the two agree bit for bit (test) at a hundredth of the work: 2% of a toy step.
 */
export function embeddingGrad(dy: tf.Tensor, ids: tf.Tensor1D, vocabSize: number): tf.Tensor2D {
  if (!wasmSumsPay())
    return tf.transpose(
      tf.matMul(tf.transpose(dy) as tf.Tensor2D, oneHot(ids, vocabSize)),
    ) as tf.Tensor2D;
  const C = dy.shape[1] as number;
  const d = dy.dataSync() as Float32Array;
  const at = ids.dataSync() as Int32Array;
  const out = new Float32Array(vocabSize * C); // a Float32Array rounds each sum to float32
  at.forEach((id, n) => {
    if (!(id >= 0 && id < vocabSize))
      throw new Error(`embedding: id ${id} is not in [0, ${vocabSize - 1}]`);
    const row = id * C;
    const from = n * C;
    for (let c = 0; c < C; c++) out[row + c] += d[from + c];
  });
  return tf.tensor2d(out, [vocabSize, C]);
}

/**
 * Token embedding as a gather with its gradient written out (`embeddingGrad`): tfjs-wasm has no
 * UnsortedSegmentSum (gather's stock gradient).
 */
export function embed(wte: tf.Tensor, ids: tf.Tensor1D, vocabSize: number): tf.Tensor {
  // Every tensor the gradient needs is an input and saved: the forward's scope is disposed.
  const f = withGrad(([w, idx], save) => {
    save([idx]);
    return {
      value: takeRows(w, idx as tf.Tensor1D),
      gradFunc: (dy, [i]) => [embeddingGrad(dy, i as tf.Tensor1D, vocabSize), tf.zerosLike(i)],
    };
  });
  return f(wte, ids);
}

/**
 * x @ w for x (N, K), w (K, M), with a gradient that never asks matMul to transpose an operand:
 * tfjs-wasm's fast (XNNPACK) path covers plain products only, and a transposed operand runs
 * ~10× slower there, while an explicit transpose is a cheap copy.
 */
export function linear(x: tf.Tensor, w: tf.Tensor): tf.Tensor2D {
  // tfjs-webgpu's matMul gradient multiplies with transpose flags, no copies: nothing to gain there.
  if (options.kernels === 'stock' || tf.getBackend() === 'webgpu')
    return tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);
  const f = withGrad(([a, b], save) => {
    save([a, b]);
    return {
      value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
      gradFunc: (dy, [a2, b2]) => [
        tf.matMul(dy as tf.Tensor2D, tf.transpose(b2) as tf.Tensor2D),
        tf.matMul(tf.transpose(a2) as tf.Tensor2D, dy as tf.Tensor2D),
      ],
    };
  });
  return f(x, w) as tf.Tensor2D;
}

/**
 * A (G, M, K) · B (G, K, N) on the depthwise path where it pays, with a gradient made of the same
 * product on transposed copies (dA = dC·Bᵀ, dB = Aᵀ·dC), so the backward pass takes it too.
 */
export function bmm(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  if (!depthwisePays()) return bmmReference(a, b);
  const f = withGrad(([x, y], save) => {
    save([x, y]);
    return {
      value: bmmDepthwise(x as tf.Tensor3D, y as tf.Tensor3D),
      gradFunc: (dy, [x2, y2]) => [
        bmmDepthwise(dy as tf.Tensor3D, tf.transpose(y2, [0, 2, 1]) as tf.Tensor3D),
        bmmDepthwise(tf.transpose(x2, [0, 2, 1]) as tf.Tensor3D, dy as tf.Tensor3D),
      ],
    };
  });
  return f(a, b) as tf.Tensor3D;
}

/** Whether training attention runs as `attentionDepthwise`: the fast kernels where bmm's depthwise path pays. */
export function depthwiseAttentionPays(): boolean {
  return options.kernels === 'fast' && depthwisePays();
}

/** (B, H, M, K) · (B, H, K, N) → (B, H, M, N), on bmm's fast path unless the benchmark asks otherwise. */
export function matMul4(a: tf.Tensor, b: tf.Tensor): tf.Tensor4D {
  const [B, H, M, K] = a.shape as [number, number, number, number];
  const N = b.shape[3] as number;
  if (options.kernels === 'stock' || options.kernels === 'no-bmm')
    return tf.matMul(a as tf.Tensor4D, b as tf.Tensor4D);
  const out = bmm(tf.reshape(a, [B * H, M, K]), tf.reshape(b, [B * H, K, N]));
  return tf.reshape(out, [B, H, M, N]);
}

/**
 * Mean cross-entropy of logits (N, V) against targets (N), weighted per position (0 = no loss,
 * e.g. prompt tokens in fine-tuning). Its gradient is written out — (softmax − onehot)·w/Σw —
 * which is one fused expression instead of the many ops of autodiff through log-softmax.
 */
export function maskedCrossEntropy(
  logits: tf.Tensor2D,
  targets: tf.Tensor1D,
  weights: tf.Tensor1D,
): tf.Scalar {
  const V = logits.shape[1];
  const f = withGrad(([z, tgt, wt], save) => {
    const onehot = oneHot(tgt as tf.Tensor1D, V); // (N, V)
    // One exp serves both the loss (log-sum-exp, stable) and the gradient (softmax).
    const m = tf.max(z, -1, true); // (N, 1)
    const e = tf.exp(tf.sub(z, m)); // (N, V)
    const sumE = tf.sum(e, -1, true); // (N, 1)
    const lse = tf.add(m, tf.log(sumE));
    const nll = tf.sub(lse, tf.sum(tf.mul(z, onehot), -1, true)); // (N, 1)
    const w = tf.div(tf.reshape(wt, [-1, 1]), tf.maximum(tf.sum(wt), 1e-9)); // (N, 1), sums to 1
    save([tf.div(e, sumE), onehot, w, tgt]);
    return {
      value: tf.sum(tf.mul(nll, w)),
      gradFunc: (dy, [probs, oh, w2, tgt2]) => [
        tf.mul(tf.sub(probs, oh), tf.mul(w2, dy)),
        tf.zerosLike(tgt2),
        tf.zerosLike(w2),
      ],
    };
  });
  return f(logits, targets, weights) as tf.Scalar;
}
