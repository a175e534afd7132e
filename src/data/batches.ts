// Batching: the pretraining stream packed into fixed-length rows, SFT examples padded with a loss mask.

/**
 * Every document is prefixed with BOS and the stream is cut into rows of blockSize+1 tokens with a
 * stride of blockSize: row r is stream[r·T … r·T+T], so input = row[0..T-1] and target = row[1..T],
 * and every token after the first is a target exactly once. The incomplete tail is dropped.
 * Returns rows × (blockSize+1) values, row-major.
 */
export function packBlocks(
  docs: readonly number[][] | readonly Int32Array[],
  blockSize: number,
  bos: number,
): Int32Array {
  if (!(blockSize >= 1)) throw new Error('packBlocks: blockSize must be at least 1');
  let length = 0;
  for (const d of docs) length += d.length + 1;
  const stream = new Int32Array(length);
  let o = 0;
  for (const d of docs) {
    stream[o++] = bos;
    stream.set(d, o);
    o += d.length;
  }
  const T = blockSize;
  const rows = Math.max(0, Math.floor((length - 1) / T));
  const out = new Int32Array(rows * (T + 1));
  for (let r = 0; r < rows; r++) out.set(stream.subarray(r * T, r * T + T + 1), r * (T + 1));
  return out;
}

/**
 * One example per row of blockSize+1 tokens, right-padded with `pad` and truncated if longer.
 * mask (rows × blockSize) is per TARGET position: mask[r, t] says whether predicting ids[r, t+1]
 * from ids[r, ≤t] counts in the loss, i.e. targetMask[t+1]; padding never counts.
 */
export function sftRows(
  examples: readonly { ids: Int32Array; targetMask: Uint8Array }[],
  blockSize: number,
  pad: number,
): { ids: Int32Array; mask: Float32Array; rows: number } {
  const T = blockSize;
  const rows = examples.length;
  const ids = new Int32Array(rows * (T + 1)).fill(pad);
  const mask = new Float32Array(rows * T);
  examples.forEach((ex, r) => {
    if (ex.ids.length !== ex.targetMask.length)
      throw new Error('sftRows: ids and targetMask differ in length');
    const n = Math.min(ex.ids.length, T + 1);
    ids.set(ex.ids.subarray(0, n), r * (T + 1));
    for (let t = 0; t + 1 < n; t++) mask[r * T + t] = ex.targetMask[t + 1];
  });
  return { ids, mask, rows };
}
