// Fine-tuning's batches: epochs of seeded shuffles, each batch's examples packed into as few rows as fit.
import { packExamples } from '../data/batches';
import type { Spec } from '../spec';
import type { Batch } from '../train/step';
import { Rng } from '../util/rng';
import { batchFromRows } from './data';

export interface SftRows {
  ids: Int32Array;
  mask: Float32Array;
  rows: number;
  lengths: Int32Array;
  /** The padding token. */
  pad: number;
}

/**
 * One step's examples as a batch. 'packed' (what fine-tuning trains on): several examples per row
 * of the context, each seeing only itself. 'padded': one example per row, cut to the longest
 * example (a multiple of 16); kept for the bench's comparison and the tests.
 */
export function sftBatch(
  sft: SftRows,
  picks: number[],
  blockSize: number,
  layout: 'packed' | 'padded' = 'packed',
): Batch {
  if (layout === 'packed') return packExamples(sft, picks, blockSize, blockSize, sft.pad);
  const longest = Math.max(...picks.map((i) => (sft.lengths[i] as number) - 1));
  const T = Math.min(blockSize, Math.ceil(Math.max(1, longest) / 16) * 16);
  const batch = batchFromRows(sft.ids, sft.mask, picks, blockSize, T);
  const real = picks.reduce((n, i) => n + Math.min(sft.lengths[i] as number, T + 1) - 1, 0);
  return { ...batch, real };
}

/**
 * Every epoch visits every example once in its own seeded order (fine-tuning seed included), so a
 * resumed run draws what the first would have. The last batch of an epoch wraps around: every step
 * has the same number of examples.
 */
export function sftSchedule(
  spec: Spec,
  sft: SftRows,
  blockSize: number,
): {
  stepsPerEpoch: number;
  totalSteps: number;
  picksAt(step: number): number[];
  batchAt(step: number): Batch;
} {
  const f = spec.finetune;
  const stepsPerEpoch = Math.ceil(sft.rows / f.batchSize);
  let cached: { epoch: number; order: number[] } | null = null;
  const orderOf = (epoch: number) => {
    if (cached?.epoch !== epoch) {
      const order = Rng.derive(spec.seed, 'sft-order', f.seed, epoch).shuffle(
        Array.from({ length: sft.rows }, (_, i) => i),
      );
      cached = { epoch, order };
    }
    return cached.order;
  };
  const picksAt = (step: number) => {
    const order = orderOf(Math.floor(step / stepsPerEpoch));
    const start = (step % stepsPerEpoch) * f.batchSize;
    return Array.from(
      { length: Math.min(f.batchSize, sft.rows) },
      (_, k) => order[(start + k) % sft.rows] as number,
    );
  };
  return {
    stepsPerEpoch,
    totalSteps: stepsPerEpoch * f.epochs,
    picksAt,
    batchAt: (step) => sftBatch(sft, picksAt(step), blockSize),
  };
}
