// The depthwise batched product (tfjs-wasm's fast path) equals tfjs's matMul, values and gradients.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { bmmDepthwise, bmmReference, depthwisePays } from '../../src/model/bmm';
import { bmm } from '../../src/model/ops';
import { Rng } from '../../src/util/rng';

function rand(shape: [number, number, number], seed: number): tf.Tensor3D {
  const rng = new Rng(seed);
  const n = shape[0] * shape[1] * shape[2];
  return tf.tensor3d(
    Float32Array.from({ length: n }, () => rng.normal()),
    shape,
  );
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? Infinity);
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

// Attention's shapes (scores, values, one generated token against a cache) and odd sizes.
const SHAPES: [number, number, number, number][] = [
  [8, 32, 16, 32],
  [8, 32, 32, 16],
  [6, 1, 16, 21],
  [3, 7, 5, 9],
];

describe('bmm on wasm', () => {
  it('takes the depthwise path on wasm', () => {
    expect(depthwisePays()).toBe(true);
  });

  it.each(SHAPES)('G=%i M=%i K=%i N=%i: same values as matMul within 1e-5', (G, M, K, N) => {
    const a = rand([G, M, K], 1);
    const b = rand([G, K, N], 2);
    const ref = bmmReference(a, b);
    const fast = bmmDepthwise(a, b);
    expect(fast.shape).toEqual([G, M, N]);
    // Sums of K products of unit normals: a relative 1e-6 of their size.
    expect(maxDiff(fast, ref)).toBeLessThan(1e-5 * Math.sqrt(K) * 4);
    tf.dispose([a, b, ref, fast]);
  });

  it.each(SHAPES)('G=%i M=%i K=%i N=%i: same gradients as matMul', (G, M, K, N) => {
    const a = rand([G, M, K], 3);
    const b = rand([G, K, N], 4);
    const w = rand([G, M, N], 5); // a weighted sum makes every output's gradient distinct
    const loss = (f: (x: tf.Tensor3D, y: tf.Tensor3D) => tf.Tensor3D) =>
      tf.grads((x: tf.Tensor, y: tf.Tensor) =>
        tf.sum(tf.mul(f(x as tf.Tensor3D, y as tf.Tensor3D), w)),
      )([a, b]);
    const [ra, rb] = loss(bmmReference);
    const [fa, fb] = loss(bmm);
    expect(maxDiff(fa!, ra!)).toBeLessThan(1e-4 * Math.sqrt(N) * 4);
    expect(maxDiff(fb!, rb!)).toBeLessThan(1e-4 * Math.sqrt(M) * 4);
    tf.dispose([a, b, w, ra!, rb!, fa!, fb!]);
  });

  it('leaks no tensors', () => {
    const a = rand([4, 8, 4], 6);
    const b = rand([4, 4, 8], 7);
    const n = tf.memory().numTensors;
    const g = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
      tf.sum(bmm(x as tf.Tensor3D, y as tf.Tensor3D)),
    )([a, b]);
    expect(tf.memory().numTensors).toBe(n + 2); // the two gradients, nothing else
    tf.dispose([a, b, ...g]);
  });
});
