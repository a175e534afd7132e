// No leak over long runs (wasm): tensors and bytes stay flat over 1,000 training steps and across 20 stages in one engine.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { Engine } from '../../src/engine/engine';
import { parseSpec } from '../../src/spec';
import type { Hooks } from '../../src/engine/api';
import { freshTrainer } from '../../src/train/step';
import type { ModelConfig } from '../../src/model/llama';
import { MICRO_SPEC } from '../fixtures/micro-spec';
import { maskedBatch } from './train-helpers';

const hooks: Hooks = { onProgress: () => {} };

describe('memory over long runs', () => {
  it('holds the same tensors and bytes after 1,000 training steps as after 10', async () => {
    await tf.setBackend('wasm');
    const cfg: ModelConfig = {
      nLayer: 1,
      nEmbd: 32,
      nHead: 2,
      blockSize: 16,
      vocabSize: 300,
      ffnHidden: 64,
      tiedEmbeddings: true,
    };
    const { trainer, release } = freshTrainer(cfg, 1);
    const batch = maskedBatch();
    let early: tf.MemoryInfo | null = null;
    for (let i = 1; i <= 1000; i++) {
      await trainer.step(batch, 1e-3);
      if (i === 10) early = tf.memory();
    }
    const late = tf.memory();
    expect(late.numTensors).toBe(early!.numTensors);
    expect(late.numBytes).toBe(early!.numBytes);
    release();
  }, 120_000);

  it('holds the same tensors and bytes after 20 stages in one engine as after the first two', async () => {
    const { sweep: _, ...micro } = MICRO_SPEC;
    const parsed = parseSpec({
      ...micro,
      // Training stages only: a short context keeps 20 of them quick on wasm in Node.
      model: { ...micro.model, blockSize: 32 },
      pretrain: { ...micro.pretrain, steps: 4 },
      finetune: { ...micro.finetune, examples: 4, epochs: 1 },
    });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const s = parsed.value;
    const engine = new Engine();
    const data = await engine.buildData(s, hooks);
    const counts: tf.MemoryInfo[] = [];
    for (let i = 0; i < 10; i++) {
      const pre = await engine.pretrain(s, data, null, hooks);
      counts.push(tf.memory());
      await engine.finetune(s, data, pre.checkpoint, null, hooks);
      counts.push(tf.memory());
    }
    expect(counts).toHaveLength(20);
    for (const m of counts.slice(2)) {
      expect(m.numTensors).toBe(counts[1].numTensors);
      expect(m.numBytes).toBe(counts[1].numBytes);
    }
  }, 180_000);
});
