// cpu and wasm (both run in Node) train the same model to the same losses, step for step.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type { ModelConfig } from '../../src/model/llama';
import { freshTrainer } from '../../src/train/step';
import { maskedBatch } from './train-helpers';

const cfg: ModelConfig = {
  nLayer: 2,
  nEmbd: 32,
  nHead: 2,
  blockSize: 16,
  vocabSize: 300,
  ffnHidden: 96,
  tiedEmbeddings: true,
};

async function losses(backend: string): Promise<number[]> {
  await tf.setBackend(backend);
  await tf.ready();
  const { trainer, release } = freshTrainer(cfg, 4);
  const batch = maskedBatch();
  const out: number[] = [];
  for (let i = 0; i < 5; i++)
    out.push((await trainer.step(batch, 3e-3, { rates: [0, 0.2], seed: 9 + i })).loss);
  release();
  return out;
}

describe('backends', () => {
  it('cpu and wasm agree on the first five losses within 1e-4 (dropout and loss mask on)', async () => {
    const cpu = await losses('cpu');
    const wasm = await losses('wasm');
    expect(Math.abs(cpu[0] - Math.log(300))).toBeLessThan(0.1);
    expect(cpu[4]).toBeLessThan(cpu[0]);
    cpu.forEach((l, i) =>
      expect(Math.abs(wasm[i] - l), `step ${i + 1}: ${wasm[i]} vs ${l}`).toBeLessThan(1e-4),
    );
  });
});
