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
 * A fine-tuning batch with rows of pretraining text below its examples (`finetune.replay`): each
 * picked corpus row cut to the batch's width, one sequence from position 0, loss on every token.
 */
export function withReplay(
  batch: Batch,
  corpus: Int32Array,
  picks: number[],
  blockSize: number,
): Batch {
  const { B, T } = batch;
  const replay = batchFromRows(corpus, null, picks, blockSize, T);
  const n = (B + picks.length) * T;
  const stack = <A extends Int32Array | Float32Array>(out: A, top: A, below: A) => {
    out.set(top);
    out.set(below, B * T);
    return out;
  };
  // Every replay row is one sequence from position 0 (as is every row of an unpacked batch).
  const positions = Int32Array.from({ length: n }, (_, i) => i % T);
  if (batch.positions) positions.set(batch.positions);
  const segments = new Int32Array(n).fill(1);
  if (batch.segments) segments.set(batch.segments);
  return {
    B: B + picks.length,
    T,
    ids: stack(new Int32Array(n), batch.ids, replay.ids),
    targets: stack(new Int32Array(n), batch.targets, replay.targets),
    weights: stack(new Float32Array(n), batch.weights, replay.weights),
    positions,
    segments,
    real: (batch.real ?? B * T) + picks.length * T,
  };
}

/** The pretraining rows replay draws from, checked once for the whole schedule. */
function replayCorpus(corpus: Int32Array | undefined, blockSize: number) {
  if (!corpus) throw new Error('finetune.replay needs the pretraining corpus');
  const rows = corpus.length / (blockSize + 1);
  if (rows === 0)
    throw new Error('finetune.replay: the pretraining corpus is shorter than one context');
  return { corpus, rows };
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
  /** The pretraining rows (`pretrainRows`), needed when `finetune.replay` > 0. */
  corpus?: Int32Array,
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
  const replay = f.replay > 0 ? replayCorpus(corpus, blockSize) : null;
  return {
    stepsPerEpoch,
    totalSteps: stepsPerEpoch * f.epochs,
    picksAt,
    batchAt: (step) => {
      const batch = sftBatch(sft, picksAt(step), blockSize);
      if (!replay) return batch;
      // Each step draws from its own stream, so a resumed run replays what the first would have.
      const rng = Rng.derive(spec.seed, 'sft-replay', f.seed, step);
      const picks = Array.from({ length: f.replay }, () => rng.int(0, replay.rows - 1));
      return withReplay(batch, replay.corpus, picks, blockSize);
    },
  };
}
