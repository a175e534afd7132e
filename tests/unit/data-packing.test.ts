// Packing several SFT examples per row: the same loss and update as one example per padded row, on fewer tokens.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { packExamples } from '../../src/data/batches';
import { sftBatch } from '../../src/engine/sft-batches';
import { freshTrainer } from '../../src/train/step';
import { randomSftRows, tinyConfig } from './sft-fixture';

const cfg = tinyConfig;
/** Twelve examples of 4–40 tokens. */
const rows = () => randomSftRows(12, 40, 11);

describe('packExamples', () => {
  it('places every target of every picked example once, with its weight, in fewer rows', () => {
    const sft = rows();
    const picks = [3, 0, 7, 11, 5, 9, 2, 8];
    const packed = packExamples(sft, picks, cfg.blockSize, cfg.blockSize, sft.pad);
    const padded = sftBatch(sft, picks, cfg.blockSize, 'padded');
    expect(packed.B).toBeLessThan(picks.length);
    const real = picks.reduce((n, r) => n + sft.lengths[r] - 1, 0);
    expect(packed.real).toBe(real);
    expect(padded.real).toBe(real);
    expect(packed.B * packed.T).toBeLessThan(padded.B * padded.T);
    // Each example appears as one segment whose positions run 0..n-1 and whose targets are its own.
    const starts: number[] = [];
    for (let i = 0; i < packed.B * packed.T; i++) {
      if (packed.segments[i] > 0 && packed.positions[i] === 0) starts.push(packed.ids[i]);
    }
    expect(starts.sort()).toEqual(picks.map((r) => sft.ids[r * (cfg.blockSize + 1)]).sort());
    const sum = (w: Float32Array) => w.reduce((a, x) => a + x, 0);
    expect(sum(packed.weights)).toBe(sum(padded.weights));
  });

  it('narrows the rows when long examples cannot share one: 4 × 80 instead of 3 × 128', () => {
    const block = 128;
    const lengths = Int32Array.from([71, 71, 61, 61]); // 70, 70, 60 and 60 targets
    const sft = {
      ids: new Int32Array(4 * (block + 1)),
      mask: new Float32Array(4 * block).fill(1),
      lengths,
    };
    const b = packExamples(sft, [0, 1, 2, 3], block, block, 0);
    expect([b.B, b.T]).toEqual([4, 80]);
    expect(b.real).toBe(260);
  });

  it('refuses an example longer than a row', () => {
    const sft = rows();
    expect(() => packExamples(sft, [0, 1], cfg.blockSize, 2, 1)).toThrow(/exceeds/);
  });
});

describe('packed training', () => {
  it.each(['cpu', 'wasm'])(
    'on %s: the loss of the padded batch, and the same updates (no dropout)',
    async (backend) => {
      await tf.setBackend(backend);
      await tf.ready();
      const sft = rows();
      const picks = [3, 0, 7, 11, 5, 9, 2, 8];
      const packed = sftBatch(sft, picks, cfg.blockSize);
      const padded = sftBatch(sft, picks, cfg.blockSize, 'padded');
      const a = freshTrainer(cfg, 3);
      const b = freshTrainer(cfg, 3);
      try {
        const la = await a.trainer.evalLoss(padded);
        const lb = await b.trainer.evalLoss(packed);
        expect(Math.abs(la - lb)).toBeLessThan(1e-5);
        // A row-wide causal mask over the packed rows lets examples see each other: another loss.
        const leaky = await b.trainer.evalLoss({
          ...packed,
          segments: undefined,
          positions: undefined,
        });
        expect(Math.abs(leaky - la)).toBeGreaterThan(1e-3);
        for (let i = 0; i < 3; i++) {
          const sa = await a.trainer.step(padded, 3e-3);
          const sb = await b.trainer.step(packed, 3e-3);
          expect(Math.abs(sa.loss - sb.loss), `step ${i}`).toBeLessThan(1e-4);
          expect(Math.abs(sa.gradNorm - sb.gradNorm), `step ${i}`).toBeLessThan(1e-4);
        }
      } finally {
        a.release();
        b.release();
      }
    },
  );
});
