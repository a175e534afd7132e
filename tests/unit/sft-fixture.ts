// A tiny model and random SFT rows for the batching tests: the loss counts on each example's second half.
import type { SftRows } from '../../src/engine/sft-batches';
import type { ModelConfig } from '../../src/model/llama';
import { Rng } from '../../src/util/rng';

export const tinyConfig: ModelConfig = {
  nLayer: 2,
  nEmbd: 32,
  nHead: 2,
  blockSize: 48,
  vocabSize: 300,
  ffnHidden: 96,
  tiedEmbeddings: true,
};

/** `n` examples of 4…`longest` random tokens (padding 1), seeded; the loss on each one's second half. */
export function randomSftRows(n: number, longest: number, seed: number): SftRows {
  const block = tinyConfig.blockSize;
  const rng = new Rng(seed);
  const ids = new Int32Array(n * (block + 1)).fill(1);
  const mask = new Float32Array(n * block);
  const lengths = Int32Array.from({ length: n }, () => rng.int(4, longest));
  lengths.forEach((len, r) => {
    for (let t = 0; t < len; t++) ids[r * (block + 1) + t] = rng.int(2, 299);
    for (let t = Math.floor(len / 2); t < len - 1; t++) mask[r * block + t] = 1;
  });
  return { ids, mask, rows: n, lengths, pad: 1 };
}
