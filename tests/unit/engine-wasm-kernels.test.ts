// The shared-memory Identity on wasm trains to the same losses as the stock kernel and frees what it shares.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import type { ModelConfig } from '../../src/model/llama';
import { freshTrainer } from '../../src/train/step';
import { shareIdentityOnWasm } from '../../src/engine/wasm-kernels';
import { maskedBatch } from './train-helpers';

const cfg: ModelConfig = {
  nLayer: 2,
  nEmbd: 32,
  nHead: 2,
  blockSize: 16,
  vocabSize: 300,
  ffnHidden: 96,
  tiedEmbeddings: false,
};

async function train(steps: number): Promise<{ losses: number[]; dataIds: number[] }> {
  const { trainer, release } = freshTrainer(cfg, 4);
  const batch = maskedBatch();
  const losses: number[] = [];
  const dataIds: number[] = [];
  for (let i = 0; i < steps; i++) {
    losses.push((await trainer.step(batch, 3e-3, { rates: [0, 0.2], seed: 9 + i })).loss);
    dataIds.push(tf.engine().backend.numDataIds());
  }
  release();
  return { losses, dataIds };
}

describe('Identity on wasm', () => {
  it('shares memory, trains bit for bit like the stock copy, and leaks no backend buffers', async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    const x = tf.tensor1d([1, 2, 3]);
    shareIdentityOnWasm(false);
    const before = tf.engine().backend.numDataIds();
    tf.clone(x).dispose();
    shareIdentityOnWasm(true);
    const y = tf.clone(x);
    // A shared clone adds no backend buffer; the stock kernel's copy would add one.
    expect(tf.engine().backend.numDataIds()).toBe(before);
    y.dispose();
    expect(Array.from(await x.data())).toEqual([1, 2, 3]); // disposing the clone kept the original
    x.dispose();

    shareIdentityOnWasm(false);
    const stock = await train(5);
    shareIdentityOnWasm(true);
    const shared = await train(40);
    expect(shared.losses.slice(0, 5)).toEqual(stock.losses);
    // Backend buffers stay flat from step 5 to step 40 (nothing shared is left behind).
    expect(shared.dataIds[39]).toBe(shared.dataIds[4]);
  });
});
