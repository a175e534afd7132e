// Fine-tuning's batches: epochs of seeded shuffles, each batch cut to its longest example.
import type { Spec } from '../spec';
import type { Batch } from '../train/step';
import { Rng } from '../util/rng';
import { batchFromRows } from './data';

export interface SftRows {
  ids: Int32Array;
  mask: Float32Array;
  rows: number;
  lengths: Int32Array;
}

/**
 * Every epoch visits every example once in its own seeded order (fine-tuning seed included), so a
 * resumed run draws what the first would have. The last batch of an epoch wraps around: every step
 * has the same batch size.
 */
export function sftSchedule(
  spec: Spec,
  sft: SftRows,
  blockSize: number,
): { stepsPerEpoch: number; totalSteps: number; batchAt(step: number): Batch } {
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
  return {
    stepsPerEpoch,
    totalSteps: stepsPerEpoch * f.epochs,
    batchAt(step) {
      const order = orderOf(Math.floor(step / stepsPerEpoch));
      const start = (step % stepsPerEpoch) * f.batchSize;
      const picks = Array.from(
        { length: Math.min(f.batchSize, sft.rows) },
        (_, k) => order[(start + k) % sft.rows] as number,
      );
      // Examples are short: cut the batch to its longest example (a multiple of 16 for fewer shapes).
      const longest = Math.max(...picks.map((i) => (sft.lengths[i] as number) - 1));
      const T = Math.min(blockSize, Math.ceil(Math.max(1, longest) / 16) * 16);
      return batchFromRows(sft.ids, sft.mask, picks, blockSize, T);
    },
  };
}
