// A small numeric self-test of a backend: the same matmul + softmax on it and on cpu, compared.
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../util/rng';
import type { BackendName } from './api';
import { initBackend } from './probe';

export interface SelfTest {
  backend: BackendName;
  /** Largest absolute difference from the cpu backend's result. */
  maxAbsDiff: number;
  values: number[];
  reference: number[];
  ms: number;
}

/** Reads back asynchronously: synchronous GPU readback is slow and unreliable on WebGPU. */
async function compute(a: Float32Array, b: Float32Array, n: number): Promise<Float32Array> {
  const out = tf.tidy(() => tf.softmax(tf.matMul(tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n]))));
  const values = (await out.data()) as Float32Array;
  out.dispose();
  return values;
}

/** Runs on `backend`, then on cpu, and leaves `backend` active. */
export async function selfTest(backend: BackendName, n = 16): Promise<SelfTest> {
  const rng = Rng.derive(0, 'selftest');
  const a = Float32Array.from({ length: n * n }, () => rng.normal());
  const b = Float32Array.from({ length: n * n }, () => rng.normal());
  await initBackend('cpu');
  const reference = await compute(a, b, n);
  await initBackend(backend);
  const t0 = performance.now();
  const values = await compute(a, b, n);
  const ms = performance.now() - t0;
  let maxAbsDiff = 0;
  for (let i = 0; i < values.length; i++)
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(values[i] - reference[i]));
  return { backend, maxAbsDiff, values: Array.from(values), reference: Array.from(reference), ms };
}
