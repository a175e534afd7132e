// Batching: packed pretraining rows and padded SFT rows with per-target loss masks.
import { describe, expect, it } from 'vitest';
import { packBlocks, sftRows } from '../../src/data/batches';

describe('packBlocks', () => {
  it('prefixes documents with BOS and cuts the stream with stride blockSize', () => {
    const docs = [
      [1, 2, 3],
      [4, 5],
      [6, 7, 8, 9],
    ]; // stream: 0 1 2 3 0 4 5 0 6 7 8 9 (12 tokens)
    const out = packBlocks(docs, 4, 0);
    expect(Array.from(out)).toEqual([0, 1, 2, 3, 0, /**/ 0, 4, 5, 0, 6]);
    // Every token after the first is a target exactly once across rows (up to the dropped tail).
    const three = packBlocks(docs, 3, 0);
    expect(Array.from(three)).toEqual([0, 1, 2, 3, 3, 0, 4, 5, 5, 0, 6, 7]);
  });

  it('accepts Int32Array documents and returns nothing for a too-short stream', () => {
    expect(packBlocks([Int32Array.of(5)], 4, 0).length).toBe(0);
    expect(packBlocks([Int32Array.of(5, 6, 7, 8)], 4, 9)).toEqual(Int32Array.of(9, 5, 6, 7, 8));
  });
});

describe('sftRows', () => {
  it('pads each example to blockSize+1 and masks per target position', () => {
    const ex = { ids: Int32Array.of(10, 11, 12, 13), targetMask: Uint8Array.of(0, 0, 1, 1) };
    const { ids, mask, rows } = sftRows([ex], 5, 99);
    expect(rows).toBe(1);
    expect(Array.from(ids)).toEqual([10, 11, 12, 13, 99, 99]);
    // target t is ids[t+1]: 11 (0), 12 (1), 13 (1), pad (0), pad (0)
    expect(Array.from(mask)).toEqual([0, 1, 1, 0, 0]);
  });

  it('truncates examples longer than a row', () => {
    const ex = {
      ids: Int32Array.of(1, 2, 3, 4, 5, 6),
      targetMask: Uint8Array.of(0, 1, 1, 1, 1, 1),
    };
    const { ids, mask } = sftRows([ex, ex], 3, 0);
    expect(Array.from(ids)).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    expect(Array.from(mask)).toEqual([1, 1, 1, 1, 1, 1]);
  });
});
