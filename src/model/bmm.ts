// Batched matrix product for attention, with a fast path for tfjs-wasm and tfjs's matMul as the reference.
import * as tf from '@tensorflow/tfjs-core';

/** The plain reference: C[g] = A[g] · B[g] for A (G, M, K), B (G, K, N) → (G, M, N). */
export function bmmReference(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return tf.matMul(a, b);
}

/**
 * The same product as one depthwise convolution. tfjs-wasm runs a batched matMul (any batch > 1,
 * or a transposed operand) on a scalar loop at ~1.5 GFLOP/s, while its depthwise convolution
 * runs on XNNPACK. Laid out as an image of height M, width K and G channels, with a (1, K)
 * filter per channel and N outputs per channel (the channel multiplier), a "valid" convolution
 * computes out[m, g·N + n] = Σ_k A[g, m, k] · B[g, k, n]: exactly the product, no wasted FLOPs.
 */
export function bmmDepthwise(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [G, M, K] = a.shape;
    const N = b.shape[2];
    const image = tf.reshape(tf.transpose(a, [1, 2, 0]), [1, M, K, G]) as tf.Tensor4D; // (1, M, K, G)
    const filter = tf.reshape(tf.transpose(b, [1, 0, 2]), [1, K, G, N]) as tf.Tensor4D; // (1, K, G, N)
    const out = tf.depthwiseConv2d(image, filter, 1, 'valid'); // (1, M, 1, G·N)
    return tf.transpose(tf.reshape(out, [M, G, N]), [1, 0, 2]); // (G, M, N)
  });
}

/** Whether the depthwise path pays off here: only tfjs-wasm lacks a fast batched matMul. */
export function depthwisePays(): boolean {
  return tf.getBackend() === 'wasm';
}
