// Batched matrix product for attention, with a fast path for tfjs-wasm and tfjs's matMul as the reference.
import * as tf from '@tensorflow/tfjs-core';

/** The plain reference: C[g] = A[g] · B[g] for A (G, M, K), B (G, K, N) → (G, M, N). */
export function bmmReference(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return tf.matMul(a, b);
}

/**
 * out (M, G, N) = Σ_k image (M, K, G) · filter (K, G, N) for each of G groups, as one depthwise
 * convolution: an image of height M, width K and G channels, with a (1, K) filter per channel and
 * N outputs per channel (the channel multiplier). A "valid" convolution computes
 * out[m, g·N + n] = Σ_k image[m, k, g] · filter[k, g, n]: exactly the product, no wasted FLOPs.
 */
export function depthwiseProduct(image: tf.Tensor, filter: tf.Tensor): tf.Tensor3D {
  const [M, K, G] = image.shape as [number, number, number];
  const N = filter.shape[2] as number;
  const out = tf.depthwiseConv2d(
    tf.reshape(image, [1, M, K, G]) as tf.Tensor4D,
    tf.reshape(filter, [1, K, G, N]) as tf.Tensor4D,
    1,
    'valid',
  ); // (1, M, 1, G·N)
  return tf.reshape(out, [M, G, N]);
}

/**
 * The same product as one depthwise convolution. tfjs-wasm runs a batched matMul (any batch > 1,
 * or a transposed operand) on a scalar loop at ~1.5 GFLOP/s, while its depthwise convolution
 * runs on XNNPACK. The operands are transposed into `depthwiseProduct`'s layout and the result
 * back.
 */
export function bmmDepthwise(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const image = tf.transpose(a, [1, 2, 0]); // (M, K, G)
    const filter = tf.transpose(b, [1, 0, 2]); // (K, G, N)
    return tf.transpose(depthwiseProduct(image, filter), [1, 0, 2]); // (G, M, N)
  });
}

/** Whether the depthwise path pays off here: only tfjs-wasm lacks a fast batched matMul. */
export function depthwisePays(): boolean {
  return tf.getBackend() === 'wasm';
}
