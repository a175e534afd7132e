// The training loop: reproducible to the bit, no tensor leaks, NaN stops the run, pause/cancel act per step.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { ModelConfig } from '../../src/model/llama';
import { StageControl } from '../../src/train/control';
import { trainLoop, type LoopOptions } from '../../src/train/loop';
import { finetuneLr, layerDropout, pretrainLr } from '../../src/train/schedule';
import { freshTrainer, type Batch } from '../../src/train/step';
import {
  decodeOptimizer,
  decodeWeights,
  encodeOptimizer,
  encodeWeights,
} from '../../src/train/checkpoint';
import { defaultSpec } from '../../src/spec';
import { Rng } from '../../src/util/rng';

const cfg: ModelConfig = {
  nLayer: 2,
  nEmbd: 16,
  nHead: 2,
  blockSize: 8,
  vocabSize: 24,
  ffnHidden: 48,
  tiedEmbeddings: true,
};

function batchAt(step: number): Batch {
  const rng = Rng.derive(3, 'batch', step);
  const B = 2;
  const T = 8;
  const ids = Int32Array.from({ length: B * T }, () => rng.int(0, 23));
  return {
    B,
    T,
    ids,
    targets: ids.map((x) => (x + 1) % 24),
    weights: new Float32Array(B * T).fill(1),
  };
}

async function run(steps: number, over: Partial<LoopOptions> = {}, lr = 1e-2) {
  const { trainer, release } = freshTrainer(cfg, 1);
  try {
    return await trainLoop({
      stage: 'pretrain',
      stageId: 'x',
      trainer,
      startStep: 0,
      totalSteps: steps,
      batchAt,
      lrAt: () => lr,
      dropout: { rates: layerDropout(2, 0.2), seedAt: (s) => s + 1 },
      control: new StageControl(),
      onProgress: () => {},
      ...over,
    });
  } finally {
    release();
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('training loop', () => {
  it('gives identical loss curves, bit for bit, for the same spec (dropout on)', async () => {
    const a = await run(20);
    const b = await run(20);
    expect(a.curve.map((p) => p.loss)).toEqual(b.curve.map((p) => p.loss));
    expect(a.curve[19].loss).toBeLessThan(a.curve[0].loss);
  });

  it('keeps the live tensor count flat over 500 steps', async () => {
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    await run(500, { onProgress: (p) => counts.push(p.numTensors!), progressEveryMs: 0 });
    expect(counts).toHaveLength(500);
    expect(Math.max(...counts.slice(5))).toBe(Math.min(...counts.slice(5)));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('measures a held-out loss about `points` times and at the last step, without training on it', async () => {
    // Held-out: a batch the run never trains on (a different rule from the training targets).
    const held = { ...batchAt(999), targets: batchAt(999).ids.map((x) => (x + 5) % 24) };
    const calls: number[] = [];
    const { trainer, release } = freshTrainer(cfg, 1);
    const r = await trainLoop({
      stage: 'pretrain',
      stageId: 'x',
      trainer,
      startStep: 0,
      totalSteps: 40,
      batchAt,
      lrAt: () => 1e-2,
      control: new StageControl(),
      onProgress: () => {},
      validation: {
        points: 4,
        loss: async () => {
          calls.push(1);
          return trainer.evalLoss(held);
        },
      },
    });
    const withVal = r.curve.filter((p) => p.valLoss !== undefined);
    expect(withVal.map((p) => p.step)).toEqual([10, 20, 30, 40]);
    expect(calls).toHaveLength(4);
    // Learning (x+1) mod 24 makes (x+5) mod 24 no likelier: the train loss falls, the held-out one stays high.
    expect(r.curve[39]!.loss).toBeLessThan(r.curve[0]!.loss - 0.5);
    expect(withVal[3]!.valLoss!).toBeGreaterThan(r.curve[39]!.loss + 0.5);
    // evalLoss trains nothing: twice on the same batch gives the same number.
    expect(await trainer.evalLoss(held)).toBe(await trainer.evalLoss(held));
    release();
  });

  it('stops with "diverged at step N" when the loss becomes NaN, leaving the weights finite', async () => {
    const r = await run(10, {
      batchAt: (s) =>
        s === 4 ? { ...batchAt(s), weights: new Float32Array(16).fill(NaN) } : batchAt(s),
    });
    expect(r.diverged?.step).toBe(4);
    expect(r.diverged?.message).toMatch(/^diverged at step 4/);
    expect(r.curve).toHaveLength(4);
  });

  it('pauses and resumes between steps, and a cancel ends the run within one step', async () => {
    const control = new StageControl();
    const steps: number[] = [];
    const p = run(1000, {
      control,
      progressEveryMs: 0,
      onProgress: (x) => {
        steps.push(x.step);
        if (x.step === 3) control.command('pause');
      },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(steps.at(-1)).toBe(3); // paused after step 3
    control.command('resume');
    await new Promise((r) => setTimeout(r, 50));
    control.command('cancel');
    await expect(p).rejects.toThrow('cancelled');
    expect(steps.at(-1)).toBeGreaterThan(3);
    expect(steps.at(-1)).toBeLessThan(1000);
  });

  it('ends the run with the reason when the stage fails (a lost GPU device)', async () => {
    const control = new StageControl();
    const p = run(1000, {
      control,
      progressEveryMs: 0,
      onProgress: (x) => {
        if (x.step === 2) control.fail('the WebGPU device was lost');
      },
    });
    await expect(p).rejects.toThrow('the WebGPU device was lost');
  });
});

describe('schedules and checkpoints', () => {
  it('follows LIMA: no warmup, linear decay from lr to lr·lrEndRatio; pretraining warms up then decays', () => {
    const f = { ...defaultSpec().finetune, lr: 1e-5, lrEndRatio: 0.1 };
    expect(finetuneLr(f, 0, 100)).toBeCloseTo(1e-5, 12);
    expect(finetuneLr(f, 99, 100)).toBeCloseTo(1e-6, 12);
    expect(finetuneLr(f, 50, 101)).toBeCloseTo(5.5e-6, 12);
    const p = {
      ...defaultSpec().pretrain,
      lr: 1e-3,
      warmupSteps: 10,
      minLrRatio: 0.1,
      schedule: 'cosine' as const,
    };
    expect(pretrainLr(p, 0, 110)).toBeCloseTo(1e-4, 12);
    expect(pretrainLr(p, 9, 110)).toBeCloseTo(1e-3, 12);
    expect(pretrainLr(p, 109, 110)).toBeCloseTo(1e-4, 12);
    expect(layerDropout(4, 0.3)).toEqual(
      [0, 0.1, 0.2, 0.30000000000000004].map((x) => expect.closeTo(x, 12)),
    );
  });

  it('round-trips weights and optimizer state through safetensors buffers', () => {
    const w = new Map([
      ['a', { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 1e-8, 0, 7]) }],
    ]);
    const back = decodeWeights(encodeWeights(cfg, w));
    expect(back.cfg).toEqual(cfg);
    expect(Array.from(back.weights.get('a')!.data)).toEqual(Array.from(w.get('a')!.data));
    const o = decodeOptimizer(encodeOptimizer(17, w, w));
    expect(o.step).toBe(17);
    expect(o.m.get('a')!.shape).toEqual([2, 3]);
    // The header length is the first 8 bytes, little-endian, and the data starts 8-aligned.
    const buf = encodeWeights(cfg, w);
    const n = Number(new DataView(buf).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    expect(buf.byteLength).toBe(8 + n + 24);
  });
});
