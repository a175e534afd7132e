// takeRows (a row copy on the CPU backends) equals tfjs's gather, which stays its reference.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { options, takeRows, takeRowsPays } from '../../src/model/ops';
import { Rng } from '../../src/util/rng';

function rand(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal()),
    shape,
  );
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});
afterEach(() => {
  options.kernels = 'fast';
});

describe('takeRows on wasm', () => {
  it('copies rows in JS on wasm, and leaves stock kernels to tf.gather', () => {
    expect(takeRowsPays()).toBe(true);
    options.kernels = 'stock';
    expect(takeRowsPays()).toBe(false);
  });

  // The rotary tables by packed positions, a generation cache's rows (4-D), repeats and an empty pick.
  it.each([
    [
      [160, 64],
      [0, 5, 5, 159, 1, 0],
    ],
    [
      [6, 4, 9, 16],
      [5, 0, 2],
    ],
    [[3, 7], []],
  ])('shape %j at rows %j: the values and shape of tf.gather', (shape, rows) => {
    const x = rand(shape, 1);
    const idx = tf.tensor1d(rows, 'int32');
    const ref = tf.gather(x, idx);
    for (const at of [idx, Int32Array.from(rows)]) {
      const got = takeRows(x, at);
      expect(got.shape).toEqual(ref.shape);
      expect(Array.from(got.dataSync())).toEqual(Array.from(ref.dataSync()));
      got.dispose();
    }
    tf.dispose([x, idx, ref]);
  });

  it('keeps int32 tensors int32', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
    const got = takeRows(x, Int32Array.from([2, 0]));
    expect(got.dtype).toBe('int32');
    expect(Array.from(got.dataSync())).toEqual([5, 6, 1, 2]);
    tf.dispose([x, got]);
  });

  it('refuses a row outside the tensor, naming it', () => {
    const x = rand([4, 3], 2);
    expect(() => takeRows(x, Int32Array.from([1, 4]))).toThrow('takeRows: row 4 is not in [0, 3]');
    expect(() => takeRows(x, Int32Array.from([-1]))).toThrow('row -1');
    x.dispose();
  });

  it('leaks no tensors', () => {
    const x = rand([8, 5], 3);
    const before = tf.memory().numTensors;
    const idx = tf.tensor1d([3, 1], 'int32');
    takeRows(x, idx).dispose();
    takeRows(x, Int32Array.from([0])).dispose();
    options.kernels = 'stock';
    takeRows(x, Int32Array.from([0])).dispose();
    idx.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
