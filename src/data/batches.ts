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

/** Several examples per row: each keeps its own positions (RoPE restarts) and sees only itself. */
export interface PackedBatch {
  B: number;
  T: number;
  ids: Int32Array; // (B, T)
  targets: Int32Array; // (B, T)
  weights: Float32Array; // (B, T)
  /** (B, T): each position's place in its own example, from 0. */
  positions: Int32Array;
  /** (B, T): which example of its row a position belongs to, from 1; 0 for the padded tail. */
  segments: Int32Array;
  /** Positions that hold an example's token (B·T minus the padding). */
  real: number;
}

/** First-fit decreasing of sizes (already in decreasing order) into bins of `capacity`. */
function firstFit<X extends { n: number }>(items: X[], capacity: number) {
  const bins: { fill: number; items: X[] }[] = [];
  for (const it of items) {
    const bin = bins.find((b) => b.fill + it.n <= capacity);
    if (bin) {
      bin.fill += it.n;
      bin.items.push(it);
    } else bins.push({ fill: it.n, items: [it] });
  }
  return bins;
}

const round16 = (n: number) => Math.ceil(Math.max(1, n) / 16) * 16;

/**
 * Packs the picked examples of `sftRows`-style rows (row r holds lengths[r] tokens of an example,
 * mask[r, t] weighs the target t+1) into rows of at most `capacity` inputs, first fit decreasing.
 * The row width is searched in steps of 16 from the longest example up to `capacity`, keeping the
 * one with the fewest computed tokens (rows × width; fewer rows on ties), so examples that cannot
 * share a full-width row do not leave its rest empty. The targets and their weights are those of
 * the unpacked rows, so with a block-diagonal causal mask and positions restarting per example the
 * loss is the same, on fewer padded tokens.
 */
export function packExamples(
  rows: { ids: Int32Array; mask: Float32Array; lengths: Int32Array },
  picks: readonly number[],
  blockSize: number,
  capacity: number,
  pad: number,
): PackedBatch {
  // An example of n tokens gives n-1 (input, target) pairs; one of a single token gives none.
  const items = picks
    .map((r, k) => ({ r, k, n: Math.min(rows.lengths[r] as number, blockSize + 1) - 1 }))
    .filter((x) => x.n > 0)
    .sort((a, b) => b.n - a.n || a.k - b.k);
  const longest = items[0]?.n ?? 1;
  if (longest > capacity)
    throw new Error(`packExamples: an example of ${longest} exceeds ${capacity}`);
  let bins = firstFit(items, capacity);
  let T = Math.min(capacity, round16(Math.max(0, ...bins.map((b) => b.fill))));
  for (let width = round16(longest); width < capacity; width += 16) {
    const b = firstFit(items, width);
    const t = round16(Math.max(...b.map((x) => x.fill)));
    if (b.length * t < bins.length * T) [bins, T] = [b, t];
  }
  const B = Math.max(1, bins.length);
  const ids = new Int32Array(B * T).fill(pad);
  const targets = new Int32Array(B * T).fill(pad);
  const weights = new Float32Array(B * T);
  const positions = new Int32Array(B * T);
  const segments = new Int32Array(B * T);
  let real = 0;
  bins.forEach((bin, b) => {
    let at = b * T;
    bin.items.forEach(({ r, n }, s) => {
      const row = rows.ids.subarray(r * (blockSize + 1), r * (blockSize + 1) + n + 1);
      ids.set(row.subarray(0, n), at);
      targets.set(row.subarray(1, n + 1), at);
      weights.set(rows.mask.subarray(r * blockSize, r * blockSize + n), at);
      segments.fill(s + 1, at, at + n);
      for (let t = 0; t < n; t++) positions[at + t] = t;
      at += n;
      real += n;
    });
    // The padded tail counts from 0 too, so every position indexes the rotary tables.
    for (let t = 0; at + t < (b + 1) * T; t++) positions[at + t] = t;
  });
  return { B, T, ids, targets, weights, positions, segments, real };
}
