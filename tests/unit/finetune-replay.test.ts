// Replay in fine-tuning: rows of pretraining text below each step's examples, each seeing only itself.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { packBlocks } from '../../src/data/batches';
import { batchFromRows } from '../../src/engine/data';
import { sftBatch, sftSchedule, withReplay } from '../../src/engine/sft-batches';
import { freshTrainer } from '../../src/train/step';
import { Rng } from '../../src/util/rng';
import { stageIds } from '../../src/spec';
import { specWith } from './world-helpers';
import { randomSftRows, tinyConfig } from './sft-fixture';

const cfg = tinyConfig;
/** Ten examples of 4–30 tokens. */
const sftRows = () => randomSftRows(10, 30, 5);

/** A pretraining stream of 600 random tokens in documents of 50, cut into rows a context long. */
function corpus(): Int32Array {
  const rng = new Rng(9);
  const docs = Array.from({ length: 12 }, () =>
    Int32Array.from({ length: 50 }, () => rng.int(2, 299)),
  );
  return packBlocks(docs, cfg.blockSize, 0);
}

describe('withReplay', () => {
  it('puts the corpus rows, cut to the batch width, below the examples, every token weighed', () => {
    const sft = sftRows();
    const rows = corpus();
    const batch = sftBatch(sft, [0, 1, 2, 3], cfg.blockSize);
    const out = withReplay(batch, rows, [4, 1], cfg.blockSize);
    const { B, T } = batch;
    expect([out.B, out.T]).toEqual([B + 2, T]);
    expect(out.ids.subarray(0, B * T)).toEqual(batch.ids);
    expect(out.weights.subarray(0, B * T)).toEqual(batch.weights);
    expect(out.segments!.subarray(0, B * T)).toEqual(batch.segments);
    const row4 = rows.subarray(4 * (cfg.blockSize + 1));
    expect(Array.from(out.ids.subarray(B * T, B * T + T))).toEqual(Array.from(row4.subarray(0, T)));
    expect(Array.from(out.targets.subarray(B * T, B * T + T))).toEqual(
      Array.from(row4.subarray(1, T + 1)),
    );
    expect(out.weights.subarray(B * T).every((w) => w === 1)).toBe(true);
    expect(Array.from(out.positions!.subarray((B + 1) * T, (B + 2) * T))).toEqual(
      Array.from({ length: T }, (_, t) => t),
    );
    expect(out.real).toBe(batch.real! + 2 * T);
  });

  it('gives the loss of the examples and the replay rows apart, weighed by their tokens', async () => {
    await tf.setBackend('cpu');
    const sft = sftRows();
    const rows = corpus();
    const batch = sftBatch(sft, [5, 0, 7, 2], cfg.blockSize);
    const replay = batchFromRows(rows, null, [3, 6], cfg.blockSize, batch.T);
    const both = withReplay(batch, rows, [3, 6], cfg.blockSize);
    const { trainer, release } = freshTrainer(cfg, 4);
    try {
      const sum = (w: Float32Array) => w.reduce((a, x) => a + x, 0);
      const [ws, wr] = [sum(batch.weights), sum(replay.weights)];
      const expected =
        ((await trainer.evalLoss(batch)) * ws + (await trainer.evalLoss(replay)) * wr) / (ws + wr);
      expect(Math.abs((await trainer.evalLoss(both)) - expected)).toBeLessThan(1e-5);
    } finally {
      release();
    }
  });
});

describe('sftSchedule with replay', () => {
  const sft = sftRows();
  const rows = corpus();

  it('leaves every batch as it was at 0 and needs no corpus', () => {
    const spec = specWith({ finetune: { batchSize: 4 } });
    const plain = sftSchedule(spec, sft, cfg.blockSize);
    expect(plain.batchAt(3)).toEqual(sftBatch(sft, plain.picksAt(3), cfg.blockSize));
    expect(sftSchedule(spec, sft, cfg.blockSize, rows).batchAt(3)).toEqual(plain.batchAt(3));
  });

  it('adds its rows to every step, drawn from the step and the fine-tuning seed', () => {
    const spec = specWith({ finetune: { batchSize: 4, replay: 3 } });
    const s = sftSchedule(spec, sft, cfg.blockSize, rows);
    const base = sftBatch(sft, s.picksAt(2), cfg.blockSize);
    expect(s.batchAt(2).B).toBe(base.B + 3);
    // A resumed run replays what the first would have; another step or seed draws other rows.
    expect(sftSchedule(spec, sft, cfg.blockSize, rows).batchAt(2)).toEqual(s.batchAt(2));
    const tail = (b: { ids: Int32Array; B: number; T: number }) =>
      Array.from(b.ids.subarray((b.B - 3) * b.T));
    const other = specWith({ finetune: { batchSize: 4, replay: 3, seed: 1 } });
    const draws = new Set([
      tail(s.batchAt(2)).join(),
      tail(s.batchAt(5)).join(),
      tail(sftSchedule(other, sft, cfg.blockSize, rows).batchAt(2)).join(),
    ]);
    expect(draws.size).toBe(3);
    expect(() => sftSchedule(spec, sft, cfg.blockSize).batchAt(0)).toThrow(/corpus/);
  });

  it('changes the fine-tune id, not the base it starts from', () => {
    // That 0 leaves every id as it was is the pinned ids' test (spec-imports).
    const ids = (replay: number) => stageIds(specWith({ finetune: { replay } }));
    expect(ids(0).finetune).not.toBe(ids(2).finetune);
    expect(ids(0).pretrain).toBe(ids(2).pretrain);
  });
});
